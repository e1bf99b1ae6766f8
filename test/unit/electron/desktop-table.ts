import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { createSecretClipboard } from '../../../src/main/desktop/clipboard-once'
import {
  desktopHostHandlers,
  withKeptUpstreamKeys,
  withSecretOnClipboard
} from '../../../src/main/desktop/host-handlers'
import { safeStorageUpstreamKeys } from '../../../src/main/desktop/upstream-keys'
import { createLocalServer } from '../../../src/main/desktop/local-server'
import { createNotifyHandlers } from '../../../src/main/notify/handlers'
import { createFileHandlers, fileRegistryOf } from '../../../src/main/files/handlers'
import { createScanHandlers } from '../../../src/main/scan/handlers'
import { memoryPreferenceStore } from '../../../src/main/desktop/preferences'
import { createSettingsService } from '../../../src/main/desktop/app-settings'
import { operationTable } from '../../../src/main/transport/dispatch'
import { desktopBulk } from '../../../src/main/desktop/bulk-progress'
import type { BulkProgressEvent } from '../../../src/shared/ipc'
import { fakeClipboard, fakeSafeStorage, fakeTimers, fakeUtilityProcesses, memoryPasswords } from './fakes'

/** The desktop app's operation table as src/main/desktop/main.ts builds it, over a real temp registry and fakes for Electron. */
export function desktopTable(options: { clipboardText?: string; keychain?: boolean } = {}) {
  const temp: TempRegistry = tempRegistry()
  const clipboard = fakeClipboard(options.clipboardText)
  const timers = fakeTimers()
  const preferences = memoryPreferenceStore()
  const settings = createSettingsService(preferences)
  const secretClipboard = createSecretClipboard({
    clipboard,
    timers,
    clearAfterSeconds: () => settings.get().clipboardClearSeconds,
    log: () => undefined
  })
  const utility = fakeUtilityProcesses()
  const keychain = { blobs: {} as Record<string, string> }
  const upstreamKeys = safeStorageUpstreamKeys(
    fakeSafeStorage({ available: options.keychain ?? true }),
    { get: () => keychain.blobs, set: (_k, v) => void (keychain.blobs = structuredClone(v)) },
    'linux'
  )
  const localServer = createLocalServer({
    fork: utility.fork,
    dbPath: temp.path,
    timers,
    log: () => undefined,
    upstreamKeys: () => upstreamKeys.decryptAll()
  })
  localServer.apply(settings.get())
  settings.onChange((next, previous) => {
    if (
      next.serverEnabled !== previous.serverEnabled ||
      next.serverPort !== previous.serverPort ||
      next.serverGateway !== previous.serverGateway
    )
      localServer.apply(next)
  })
  const host = desktopHostHandlers({
    settings,
    localServer,
    clipboard: secretClipboard,
    notify: createNotifyHandlers({ registry: temp.registry, passwords: memoryPasswords() }),
    upstreamKeys: { store: upstreamKeys, registry: temp.registry, onChange: () => localServer.upstreamKeysChanged() },
    scan: createScanHandlers({ registry: temp.registry, pickFolder: async () => null }),
    files: createFileHandlers({
      registry: fileRegistryOf(temp.registry),
      pickSavePath: async () => null,
      pickOpenPath: async () => null
    })
  })
  /** What main sent the page on the bulk progress channel. */
  const bulkProgress: BulkProgressEvent[] = []
  const table = withKeptUpstreamKeys(
    withSecretOnClipboard(
      {
        ...operationTable(temp.registry, host),
        'keys.bulk': desktopBulk(temp.registry, secretClipboard, (progress) => bulkProgress.push(progress))
      },
      secretClipboard
    ),
    upstreamKeys,
    () => localServer.upstreamKeysChanged()
  )
  return {
    temp,
    registry: temp.registry,
    clipboard,
    timers,
    preferences,
    settings,
    secretClipboard,
    utility,
    localServer,
    keychain,
    upstreamKeys,
    table,
    host,
    bulkProgress,
    close: () => temp.close()
  }
}
