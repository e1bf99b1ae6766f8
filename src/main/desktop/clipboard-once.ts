import { SHOW_ONCE_HOLD_SECONDS, type ClipboardOutcome } from '../../shared/clipboard'

/** The part of Electron's clipboard this module uses (async since Electron 44; sync fakes work too). */
export interface ClipboardLike {
  readText(): Promise<string> | string
  writeText(text: string): Promise<void> | void
  clear(): void
}

/** setTimeout/clearTimeout, injected so tests drive time. */
export interface TimerLike {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export interface SecretClipboard {
  /**
   * A key's secret was just shown once: hold it for that key's dialog, and put it on the
   * clipboard. Never throws: a clipboard failure is the outcome's reason.
   */
  offer(keyId: string, secret: string): Promise<ClipboardOutcome>
  /** The dialog's Copy button: copies the secret still held for `keyId` again. */
  copy(keyId: string): Promise<ClipboardOutcome>
  /** The dialog closed, or the key was deleted: forget its secret. True when one was held. */
  release(keyId: string): boolean
  /** On quit: forgets every held secret, and clears the clipboard if it still holds the last one written. */
  clearOnQuit(): Promise<void>
}

export interface SecretClipboardOptions {
  clipboard: ClipboardLike
  timers: TimerLike
  /** Read at each write, so a changed setting applies to the next key. 0 = never clear on a timer. */
  clearAfterSeconds: () => number
  /** How long a secret is held for its dialog at most, in seconds (default SHOW_ONCE_HOLD_SECONDS). */
  holdSeconds?: number
  /** Told the name of a clipboard error, never its text (which could echo the secret). */
  log?: (line: string) => void
}

/** A secret with the timer that forgets or clears it (null when none runs). */
interface Held {
  secret: string
  timer: unknown
}

export const CLIPBOARD_FAILED = 'the system clipboard could not be written'
export const NO_LONGER_HELD = `Keyward no longer holds this key's secret (it forgets it when the dialog closes, or after ${SHOW_ONCE_HOLD_SECONDS / 60} minutes)`

/**
 * A new key's secret in main's memory and on the system clipboard, briefly.
 *
 * Main holds the secret for the show-once dialog of its key, so that the dialog's Copy button can
 * ask for a copy by key id and the secret never travels back from the page; it forgets it when
 * the dialog closes, after `holdSeconds`, when the key is deleted or rotated again, and on quit.
 *
 * On the clipboard the secret stays until the configured delay, or the app quits, and is then
 * cleared only if the clipboard still holds that very secret (anything the user copied since is
 * left alone). Only the latest write is tracked: a new one replaced the old one on the clipboard.
 */
export function createSecretClipboard(options: SecretClipboardOptions): SecretClipboard {
  const { clipboard, timers } = options
  const holdMs = (options.holdSeconds ?? SHOW_ONCE_HOLD_SECONDS) * 1000
  const log = options.log ?? ((line: string) => console.error(line))
  let onClipboard: Held | null = null
  const held = new Map<string, Held>()

  const stillHolds = async (secret: string): Promise<boolean> => {
    try {
      return (await clipboard.readText()) === secret
    } catch {
      // No clipboard (no display server): nothing there to clear.
      return false
    }
  }

  const cancel = (entry: { timer: unknown } | null | undefined): void => {
    if (entry && entry.timer !== null) timers.clearTimeout(entry.timer)
  }

  async function write(secret: string): Promise<ClipboardOutcome> {
    cancel(onClipboard)
    const entry: Held = { secret, timer: null }
    // Claimed before the write, so an older timer that is mid-read sees it was superseded.
    onClipboard = entry
    try {
      await clipboard.writeText(secret)
    } catch (error) {
      if (onClipboard === entry) onClipboard = null
      log(`keyward: the new key could not be copied to the clipboard (${(error as Error)?.name ?? 'Error'})`)
      return { copied: false, reason: CLIPBOARD_FAILED }
    }
    const seconds = Math.max(0, Math.floor(options.clearAfterSeconds()))
    if (seconds > 0 && onClipboard === entry) {
      entry.timer = timers.setTimeout(() => {
        void (async () => {
          if (onClipboard !== entry) return
          const holds = await stillHolds(secret)
          if (onClipboard !== entry) return
          if (holds) clipboard.clear()
          onClipboard = null
        })()
      }, seconds * 1000)
    }
    return { copied: true, clearsInSeconds: seconds }
  }

  function release(keyId: string): boolean {
    const entry = held.get(keyId)
    if (!entry) return false
    cancel(entry)
    held.delete(keyId)
    return true
  }

  return {
    async offer(keyId, secret) {
      release(keyId)
      const entry: Held = { secret, timer: null }
      held.set(keyId, entry)
      entry.timer = timers.setTimeout(() => {
        if (held.get(keyId) === entry) held.delete(keyId)
      }, holdMs)
      return write(secret)
    },
    async copy(keyId) {
      const entry = held.get(keyId)
      if (!entry) return { copied: false, reason: NO_LONGER_HELD }
      return write(entry.secret)
    },
    release,
    async clearOnQuit() {
      for (const keyId of [...held.keys()]) release(keyId)
      const entry = onClipboard
      onClipboard = null
      cancel(entry)
      if (entry && (await stillHolds(entry.secret))) clipboard.clear()
    }
  }
}
