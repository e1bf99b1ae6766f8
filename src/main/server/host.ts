import type { OperationName } from '../../shared/contract'
import { KeywardError } from '../../shared/errors'
import type { HostHandlers } from '../core/operations'
import type { NotifyHandlers } from '../notify/handlers'

function refuse(name: OperationName) {
  return () => {
    throw new KeywardError(
      'NOT_FOUND',
      `"${name}" belongs to the desktop app on its own machine and is not available over HTTP.`
    )
  }
}

/**
 * The server's host operations: email from the notify handlers; app settings, the app's local
 * server status, the clipboard and the keychain's provider keys belong to the desktop app's own machine and are refused.
 */
export function serverHostHandlers(notify: NotifyHandlers): HostHandlers {
  return {
    'settings.get': refuse('settings.get'),
    'settings.set': refuse('settings.set'),
    'server.status': refuse('server.status'),
    'clipboard.copySecret': refuse('clipboard.copySecret'),
    'clipboard.release': refuse('clipboard.release'),
    'resources.setUpstreamKey': refuse('resources.setUpstreamKey'),
    // The server's files are not the caller's to read: a leak scan runs in the app or the CLI.
    'scan.run': refuse('scan.run'),
    'scan.pickFolder': refuse('scan.pickFolder'),
    // A save dialog on the server's machine: the CLI's `keys export --out` is the remote way.
    'files.export': refuse('files.export'),
    'files.importPick': refuse('files.importPick'),
    'files.import': refuse('files.import'),
    ...notify
  }
}
