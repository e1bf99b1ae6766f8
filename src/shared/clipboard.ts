import { z } from 'zod'

/**
 * What the desktop host did with a new key's secret and the system clipboard. Create and rotate
 * carry it (desktop only; the CLI and the admin API leave it out), and so does the show-once
 * dialog's Copy button: the dialog says what happened, it never assumes the copy worked.
 */
export type ClipboardOutcome = { copied: true; clearsInSeconds: number } | { copied: false; reason: string }

/** How long main holds a shown-once secret for its dialog's Copy button at most. */
export const SHOW_ONCE_HOLD_SECONDS = 600

/**
 * The show-once dialog names its key, never its secret: main copies (or forgets) the secret it
 * still holds for that key. Strict, so a secret sent along is refused rather than ignored.
 */
export const ShowOnceKeyInput = z.strictObject({
  keyId: z
    .string({ error: 'Give the id of the key the dialog shows.' })
    .min(1, 'Give the id of the key the dialog shows.')
    .max(64, 'That is not a key id: it is too long.')
})
