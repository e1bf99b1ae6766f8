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
  /** Writes `secret` to the clipboard and schedules its clearing; resolves with the seconds until then (0 = never). */
  write(secret: string): Promise<{ clearsInSeconds: number }>
  /** On quit: clears the clipboard if it still holds the last secret written; cancels the timer. */
  clearOnQuit(): Promise<void>
}

export interface SecretClipboardOptions {
  clipboard: ClipboardLike
  timers: TimerLike
  /** Read at each write, so a changed setting applies to the next key. 0 = never clear on a timer. */
  clearAfterSeconds: () => number
}

interface Pending {
  secret: string
  timer: unknown
}

/**
 * A new key's secret goes to the system clipboard once, and leaves it again: after the configured
 * delay, and when the app quits, but only if the clipboard still holds that very secret (anything
 * the user copied since is left alone). Only the latest secret is remembered: writing a new one
 * replaced the old one on the clipboard, so there is nothing left to clear for it.
 */
export function createSecretClipboard(options: SecretClipboardOptions): SecretClipboard {
  const { clipboard, timers } = options
  let pending: Pending | null = null

  const stillHolds = async (secret: string): Promise<boolean> => {
    try {
      return (await clipboard.readText()) === secret
    } catch {
      // No clipboard (no display server): nothing there to clear.
      return false
    }
  }

  const cancel = (entry: Pending | null): void => {
    if (entry && entry.timer !== null) timers.clearTimeout(entry.timer)
  }

  return {
    async write(secret) {
      cancel(pending)
      const entry: Pending = { secret, timer: null }
      // Claimed before the write, so an older timer that is mid-read sees it was superseded.
      pending = entry
      await clipboard.writeText(secret)
      const seconds = Math.max(0, Math.floor(options.clearAfterSeconds()))
      if (seconds > 0 && pending === entry) {
        entry.timer = timers.setTimeout(() => {
          void (async () => {
            if (pending !== entry) return
            const holds = await stillHolds(secret)
            if (pending !== entry) return
            if (holds) clipboard.clear()
            pending = null
          })()
        }, seconds * 1000)
      }
      return { clearsInSeconds: seconds }
    },
    async clearOnQuit() {
      const entry = pending
      pending = null
      cancel(entry)
      if (entry && (await stillHolds(entry.secret))) clipboard.clear()
    }
  }
}
