import type { KeywardClient, OperationName } from './contract'
import { isErrorPayload, KeywardError, type ErrorPayload } from './errors'

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
export const MENU_COMMANDS = ['new-key', 'settings-changed'] as const
export type MenuCommand = (typeof MENU_COMMANDS)[number]

export function isMenuCommand(value: unknown): value is MenuCommand {
  return typeof value === 'string' && (MENU_COMMANDS as readonly string[]).includes(value)
}

/** What every `ipcMain.handle` answers: plain data, so it survives structured cloning. */
export type IpcReply = { ok: true; result: unknown } | { ok: false; error: ErrorPayload }

/**
 * `window.keyward` in the desktop app: the contract's client plus the menu subscription.
 * A failed call rejects with `{name: 'KeywardError', code, message, fields?}` as plain data,
 * because contextBridge copies only the message of an Error object; `toKeywardError` rebuilds it.
 */
export type DesktopBridge = KeywardClient & {
  /** Calls `listener` with each menu command; returns the unsubscribe function. */
  onMenu(listener: (command: MenuCommand) => void): () => void
}

/** The rejection value that crosses contextBridge: a payload that names its class. */
export type BridgeError = ErrorPayload & { name: 'KeywardError' }

export function toBridgeError(payload: ErrorPayload): BridgeError {
  const error = KeywardError.fromPayload(payload)
  return { name: 'KeywardError', ...error.toPayload() }
}

/** Any rejection from `window.keyward` (or elsewhere) → a KeywardError with its code and fields. */
export function toKeywardError(reason: unknown): KeywardError {
  if (reason instanceof KeywardError) return reason
  if (isErrorPayload(reason)) return KeywardError.fromPayload(reason)
  return new KeywardError('INTERNAL', 'Something went wrong inside Keyward. The change was not applied; try again, and report it if it persists.')
}
