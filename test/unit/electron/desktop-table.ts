import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { createSecretClipboard } from '../../../src/main/desktop/clipboard-once'
import { desktopHostHandlers, withSecretOnClipboard } from '../../../src/main/desktop/host-handlers'
import { createLocalServer } from '../../../src/main/desktop/local-server'
import { createNotifyHandlers } from '../../../src/main/notify/handlers'
import { createScanHandlers } from '../../../src/main/scan/handlers'
import { memoryPreferenceStore } from '../../../src/main/desktop/preferences'
import { createSettingsService } from '../../../src/main/desktop/app-settings'
import { operationTable } from '../../../src/main/transport/dispatch'
import { fakeClipboard, fakeTimers, fakeUtilityProcesses, memoryPasswords } from './fakes'

/** The desktop app's operation table as src/main/desktop/main.ts builds it, over a real temp registry and fakes for Electron. */
export function desktopTable(options: { clipboardText?: string } = {}) {
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
  const localServer = createLocalServer({ fork: utility.fork, dbPath: temp.path, timers, log: () => undefined })
  localServer.apply(settings.get())
  settings.onChange((next, previous) => {
    if (next.serverEnabled !== previous.serverEnabled || next.serverPort !== previous.serverPort)
      localServer.apply(next)
  })
  const host = desktopHostHandlers({
    settings,
    localServer,
    clipboard: secretClipboard,
    notify: createNotifyHandlers({ registry: temp.registry, passwords: memoryPasswords() }),
    scan: createScanHandlers({ registry: temp.registry, pickFolder: async () => null })
  })
  const table = withSecretOnClipboard(operationTable(temp.registry, host), secretClipboard)
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
    table,
    close: () => temp.close()
  }
}
