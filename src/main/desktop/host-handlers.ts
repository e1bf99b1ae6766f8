import type { CallContext, HostHandlers } from '../core/operations'
import type { NotifyHandlers } from '../notify/handlers'
import type { ScanHandlers } from '../scan/handlers'
import type { SecretClipboard } from './clipboard-once'
import type { LocalServer } from './local-server'
import type { SettingsService } from './app-settings'
import type { OperationTable } from '../transport/dispatch'

export interface DesktopHostDeps {
  settings: SettingsService
  clipboard: SecretClipboard
  notify: NotifyHandlers
  /** The local verification server Settings switches on (src/main/local-server.ts). */
  localServer: Pick<LocalServer, 'status'>
  /** The leak scan over this machine's files, and its folder picker (src/main/scan/handlers.ts). */
  scan: ScanHandlers
}

/** The operations the desktop app answers itself: preferences, the local server's state, the show-once dialog's clipboard, email. */
export function desktopHostHandlers({ settings, clipboard, notify, localServer, scan }: DesktopHostDeps): HostHandlers {
  return {
    'settings.get': () => settings.get(),
    'settings.set': (input) => settings.set(input),
    'server.status': () => localServer.status(),
    'clipboard.copySecret': (input) => clipboard.copy(input.keyId),
    'clipboard.release': (input) => ({ released: clipboard.release(input.keyId) }),
    ...notify,
    ...scan
  }
}

/**
 * keys.create and keys.rotate, with the new secret held for its show-once dialog and written to
 * the system clipboard once; the result says how that went (`clipboard`). A clipboard failure
 * never fails the operation: the key exists, and the dialog shows the secret, the reason and its
 * Copy button. keys.delete forgets a held secret of the deleted key.
 */
export function withSecretOnClipboard(table: OperationTable, clipboard: SecretClipboard): OperationTable {
  const create = table['keys.create']
  const rotate = table['keys.rotate']
  const remove = table['keys.delete']
  return {
    ...table,
    'keys.create': async (input, ctx: CallContext) => {
      const created = await create(input, ctx)
      return { ...created, clipboard: await clipboard.offer(created.key.id, created.secret) }
    },
    'keys.rotate': async (input, ctx: CallContext) => {
      const rotated = await rotate(input, ctx)
      return { ...rotated, clipboard: await clipboard.offer(rotated.key.id, rotated.secret) }
    },
    'keys.delete': async (input, ctx: CallContext) => {
      const deleted = await remove(input, ctx)
      clipboard.release(deleted.deleted.id)
      return deleted
    }
  }
}
