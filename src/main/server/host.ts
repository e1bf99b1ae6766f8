import type { OperationName } from '../../shared/contract'
import { KeywardError } from '../../shared/errors'
import type { HostHandlers } from '../core/operations'

type NotifyOperation = Extract<keyof HostHandlers, `notify.${string}`>
export type NotifyHandlers = Pick<HostHandlers, NotifyOperation>

const NOTIFY_OPERATIONS: readonly NotifyOperation[] = [
  'notify.settings.get',
  'notify.settings.set',
  'notify.outbox',
  'notify.retry',
  'notify.discard',
  'notify.flush',
  'notify.test'
]

function refuse(name: OperationName, message: string) {
  return () => {
    throw new KeywardError('NOT_FOUND', `"${name}": ${message}`)
  }
}

/**
 * The server's host operations. App settings and the clipboard belong to the desktop app's own
 * machine and are refused; email operations come from the notify handlers when given.
 */
export function serverHostHandlers(notify?: NotifyHandlers): HostHandlers {
  const desktopOnly = 'this belongs to the desktop app on its own machine and is not available over HTTP.'
  const fallback = Object.fromEntries(
    NOTIFY_OPERATIONS.map((name) => [name, refuse(name, 'email notifications are not available in this server.')])
  ) as unknown as NotifyHandlers
  return {
    'settings.get': refuse('settings.get', desktopOnly),
    'settings.set': refuse('settings.set', desktopOnly),
    'clipboard.writeSecret': refuse('clipboard.writeSecret', desktopOnly),
    ...(notify ?? fallback)
  }
}
