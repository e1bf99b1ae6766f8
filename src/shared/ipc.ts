import type { OperationName, Reply, Transport } from './contract'

/**
 * The desktop bridge's wire: channel names derived from the contract, the reply shape, and the
 * menu commands main pushes to the renderer. Main and preload both import this; no channel
 * string is written anywhere else.
 */

const OPERATION_CHANNEL_PREFIX = 'keyward:'

/** `keyward:<operation>`, e.g. `keyward:keys.create`. */
export function channelOf(operation: OperationName): string {
  return `${OPERATION_CHANNEL_PREFIX}${operation}`
}

/** Main → renderer: a command chosen in the native menu. */
export const MENU_CHANNEL = 'keyward-event:menu'

/** What the native menu can ask the page to do. */
export const MENU_COMMANDS = ['new-key', 'settings-changed', 'scan-folder', 'import-keys'] as const
export type MenuCommand = (typeof MENU_COMMANDS)[number]

export function isMenuCommand(value: unknown): value is MenuCommand {
  return typeof value === 'string' && (MENU_COMMANDS as readonly string[]).includes(value)
}

/** Main → renderer: how far the running bulk action or import is (after each committed chunk). */
export const BULK_PROGRESS_CHANNEL = 'keyward-event:bulk-progress'

/** Keys written so far of the keys the action changes. */
export interface BulkProgressEvent {
  done: number
  total: number
}

export function isBulkProgressEvent(value: unknown): value is BulkProgressEvent {
  const v = value as Partial<BulkProgressEvent> | null
  return (
    typeof v === 'object' &&
    v !== null &&
    Number.isSafeInteger(v.done) &&
    Number.isSafeInteger(v.total) &&
    v.done! >= 0 &&
    v.done! <= v.total!
  )
}

/** What every `ipcMain.handle` answers (the contract's Reply). */
export type IpcReply = Reply

/**
 * `window.keyward` in the desktop app: a transport, not a client. `call` sends one contract
 * operation over its own channel and resolves with the reply as plain data, errors included
 * (contextBridge would keep only the message of a thrown Error). The renderer builds its one
 * client over it (src/renderer/src/api). Plus the native menu's subscription.
 */
export interface DesktopBridge {
  call: Transport
  /** Calls `listener` with each menu command; returns the unsubscribe function. */
  onMenu(listener: (command: MenuCommand) => void): () => void
  /** Calls `listener` with the running bulk action's progress; returns the unsubscribe function. */
  onBulkProgress(listener: (progress: BulkProgressEvent) => void): () => void
}
