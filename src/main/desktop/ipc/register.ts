import { OPERATION_NAMES } from '../../../shared/contract'
import { channelOf, type IpcReply } from '../../../shared/ipc'
import type { CallContext } from '../../core/operations'
import { dispatch, type OperationTable } from '../../transport/dispatch'

/** The part of an `ipcMain.handle` event this module reads. */
export interface InvokeEventLike {
  senderFrame: { url: string; parent: unknown } | null
}

/** The part of Electron's ipcMain this module uses; tests pass a fake. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<IpcReply>): void
  removeHandler(channel: string): void
}

export interface RegisterOptions {
  table: OperationTable
  /** True only for the app's own page (see ./sender). */
  isTrustedSender: (frameUrl: string) => boolean
  context: () => CallContext
  log?: (line: string) => void
}

export const FOREIGN_SENDER_MESSAGE = 'This request did not come from the Keyward window and was refused.'

/**
 * Registers every contract operation on `keyward:<operation>`. Each call: refuse any frame but the
 * app's own top-level page, then the shared dispatch path (validate → handler → error payload).
 * Returns a function that removes every handler.
 */
export function registerOperations(ipcMain: IpcMainLike, options: RegisterOptions): () => void {
  const log = options.log ?? ((line: string) => console.error(line))
  for (const name of OPERATION_NAMES) {
    ipcMain.handle(channelOf(name), async (event, ...args) => {
      const frame = event?.senderFrame
      // Sub-frames are foreign even on our own URL: the window never embeds itself.
      if (!frame || frame.parent != null || !options.isTrustedSender(frame.url)) {
        log(`keyward: refused ${name} from a foreign frame`)
        return { ok: false, error: { code: 'FORBIDDEN', message: FOREIGN_SENDER_MESSAGE } }
      }
      if (args.length > 1) {
        return {
          ok: false,
          error: {
            code: 'VALIDATION',
            message: `${name} takes one input object.`,
            fields: { input: 'Pass one input object.' }
          }
        }
      }
      return dispatch(options.table, name, args[0], options.context(), log)
    })
  }
  return () => {
    for (const name of OPERATION_NAMES) ipcMain.removeHandler(channelOf(name))
  }
}
