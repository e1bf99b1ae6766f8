import type { Output, ParsedInput } from '../../shared/contract'
import type { CallContext, HostHandlers } from '../core/operations'
import type { NotifyHandlers } from '../notify/handlers'
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
}

/** The operations the desktop app answers itself: preferences, the local server's state, the show-once Copy button, email. */
export function desktopHostHandlers({ settings, clipboard, notify, localServer }: DesktopHostDeps): HostHandlers {
  return {
    'settings.get': () => settings.get(),
    'settings.set': (input) => settings.set(input),
    'server.status': () => localServer.status(),
    'clipboard.writeSecret': (input) => clipboard.write(input.secret),
    ...notify
  }
}

/**
 * keys.create and keys.rotate, with the new secret written to the system clipboard once before
 * the result (which carries it to the show-once dialog) is returned. A clipboard failure never
 * fails the operation: the key exists, and the dialog still shows the secret and its Copy button.
 */
export function withSecretOnClipboard(table: OperationTable, clipboard: SecretClipboard, log: (line: string) => void = (l) => console.error(l)): OperationTable {
  const copy = async <T extends { secret: string }>(result: T, operation: string): Promise<T> => {
    try {
      await clipboard.write(result.secret)
    } catch (error) {
      log(`keyward: ${operation}: the new key could not be copied to the clipboard (${(error as Error)?.name ?? 'Error'})`)
    }
    return result
  }
  const create = table['keys.create']
  const rotate = table['keys.rotate']
  return {
    ...table,
    'keys.create': async (input: ParsedInput<'keys.create'>, ctx: CallContext): Promise<Output<'keys.create'>> => copy(await create(input, ctx), 'keys.create'),
    'keys.rotate': async (input: ParsedInput<'keys.rotate'>, ctx: CallContext): Promise<Output<'keys.rotate'>> => copy(await rotate(input, ctx), 'keys.rotate')
  }
}
