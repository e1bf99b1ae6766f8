import { isOperationName, type Reply } from '../shared/contract'
import { isErrorPayload } from '../shared/errors'
import {
  BULK_PROGRESS_CHANNEL,
  channelOf,
  isBulkProgressEvent,
  isMenuCommand,
  MENU_CHANNEL,
  type BulkProgressEvent,
  type DesktopBridge,
  type MenuCommand
} from '../shared/ipc'

/** The part of Electron's ipcRenderer the bridge uses. Never handed to the page itself. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown
}

export interface ContextBridgeLike {
  exposeInMainWorld(apiKey: string, api: unknown): void
}

/** The one name the page sees: `window.keyward`. */
export const BRIDGE_KEY = 'keyward'

const BROKEN_REPLY: Reply = {
  ok: false,
  error: {
    code: 'INTERNAL',
    message: 'Keyward sent an answer the window could not read. Restart the app; report it if it persists.'
  }
}

const UNREACHABLE_REPLY: Reply = {
  ok: false,
  error: { code: 'INTERNAL', message: 'The window could not reach Keyward. Restart the app; report it if it persists.' }
}

/** Only `{ok, result}` or `{ok, error: {code, message, fields?}}` crosses to the page: nothing else main might add. */
function narrowReply(reply: unknown): Reply {
  const r = reply as Partial<{ ok: unknown; result: unknown; error: unknown }> | null | undefined
  if (r?.ok === true) return { ok: true, result: r.result }
  if (r?.ok === false && isErrorPayload(r.error)) {
    const { code, message, fields } = r.error
    return { ok: false, error: fields ? { code, message, fields } : { code, message } }
  }
  return BROKEN_REPLY
}

/**
 * The desktop transport the page gets: `call(operation, input)` reaches only a contract
 * operation's own channel, with one input object, and resolves with the reply (never rejects
 * for an error the host answered); `onMenu` subscribes to the native menu, `onBulkProgress` to
 * a running bulk action's progress.
 */
export function buildDesktopBridge(ipcRenderer: IpcRendererLike): DesktopBridge {
  const call = async (operation: unknown, input?: unknown): Promise<Reply> => {
    if (!isOperationName(operation)) {
      return {
        ok: false,
        error: { code: 'NOT_FOUND', message: `Unknown operation "${String(operation).slice(0, 64)}".` }
      }
    }
    try {
      return narrowReply(await ipcRenderer.invoke(channelOf(operation), input ?? {}))
    } catch {
      // No handler answered (main not ready, or a main without this operation).
      return UNREACHABLE_REPLY
    }
  }
  const onMenu = (listener: (command: MenuCommand) => void): (() => void) => {
    if (typeof listener !== 'function') throw new TypeError('onMenu needs a function.')
    // The page gets the command alone: the IPC event (and its sender) never crosses the bridge.
    const wrapped = (_event: unknown, command: unknown) => {
      if (isMenuCommand(command)) listener(command)
    }
    ipcRenderer.on(MENU_CHANNEL, wrapped)
    return () => {
      ipcRenderer.removeListener(MENU_CHANNEL, wrapped)
    }
  }
  const onBulkProgress = (listener: (progress: BulkProgressEvent) => void): (() => void) => {
    if (typeof listener !== 'function') throw new TypeError('onBulkProgress needs a function.')
    // Two numbers cross, copied: nothing else main might add, and never the IPC event.
    const wrapped = (_event: unknown, progress: unknown) => {
      if (isBulkProgressEvent(progress)) listener({ done: progress.done, total: progress.total })
    }
    ipcRenderer.on(BULK_PROGRESS_CHANNEL, wrapped)
    return () => {
      ipcRenderer.removeListener(BULK_PROGRESS_CHANNEL, wrapped)
    }
  }
  return Object.freeze({ call, onMenu, onBulkProgress })
}

/** Exposes the bridge, and nothing else, to the page. */
export function exposeDesktopBridge(contextBridge: ContextBridgeLike, ipcRenderer: IpcRendererLike): void {
  contextBridge.exposeInMainWorld(BRIDGE_KEY, buildDesktopBridge(ipcRenderer))
}
