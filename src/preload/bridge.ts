import { OPERATION_NAMES, type KeywardClient } from '../shared/contract'
import { channelOf, isMenuCommand, MENU_CHANNEL, toBridgeError, type DesktopBridge, type IpcReply, type MenuCommand } from '../shared/ipc'
import { isErrorPayload } from '../shared/errors'

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

const BROKEN_REPLY = { code: 'INTERNAL', message: 'Keyward sent an answer the window could not read. Restart the app; report it if it persists.' } as const

/**
 * The desktop client: one function per contract operation (built by looping over the contract,
 * so adding an operation needs nothing here), each taking one input object and resolving with the
 * result, or rejecting with `{name: 'KeywardError', code, message, fields?}`; plus `onMenu`.
 */
export function buildDesktopBridge(ipcRenderer: IpcRendererLike): DesktopBridge {
  const client = {} as Record<string, (input?: unknown) => Promise<unknown>>
  for (const name of OPERATION_NAMES) {
    const channel = channelOf(name)
    client[name] = async (input?: unknown) => {
      const reply = (await ipcRenderer.invoke(channel, input ?? {})) as IpcReply | undefined
      if (reply && reply.ok === true) return reply.result
      throw toBridgeError(reply && reply.ok === false && isErrorPayload(reply.error) ? reply.error : BROKEN_REPLY)
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
  return Object.freeze({ ...(client as KeywardClient), onMenu })
}

/** Exposes the bridge, and nothing else, to the page. */
export function exposeDesktopBridge(contextBridge: ContextBridgeLike, ipcRenderer: IpcRendererLike): void {
  contextBridge.exposeInMainWorld(BRIDGE_KEY, buildDesktopBridge(ipcRenderer))
}
