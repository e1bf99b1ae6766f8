import { hashSecret, isWellFormedSecret, secretHint } from '../core/secrets'

/** A Keyward secret found in a file: where it starts, its hash and hint. The secret itself is not kept. */
export interface TokenHit {
  /** Byte offset in the file. */
  offset: number
  hash: Buffer
  hint: string
}

/** The longest token: kwa_ and 49 base62 characters. */
export const MAX_TOKEN_BYTES = 4 + 49
const BODY = 49

const BASE62_BYTE = new Uint8Array(256)
for (const c of '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') BASE62_BYTE[c.charCodeAt(0)] = 1
const STANDARD = Buffer.from('kw_', 'latin1')
const ADMIN = Buffer.from('kwa_', 'latin1')

/**
 * Finds tokens that START in [from, until) of `buf` (and lie wholly inside it), calling `hit` with
 * each one's offset in `buf`, in order. Raw bytes, no decoding: Buffer.indexOf finds "kw_" and
 * "kwa_" (two native passes beat one pass for "kw" that stops at every "kwargs"), and only then
 * are 49 base62 bytes and the checksum checked, so a look-alike with a bad checksum is not a token.
 */
export function findTokens(
  buf: Buffer,
  from: number,
  until: number,
  hit: (start: number, token: string) => void
): void {
  const found: { start: number; token: string }[] = []
  for (const prefix of [STANDARD, ADMIN]) {
    let at = buf.indexOf(prefix, from)
    while (at !== -1 && at < until) {
      const body = at + prefix.length
      const end = body + BODY
      let next = body
      if (end <= buf.length) {
        let i = body
        while (i < end && BASE62_BYTE[buf[i]!] === 1) i++
        if (i === end) {
          const token = buf.toString('latin1', at, end)
          if (isWellFormedSecret(token)) {
            found.push({ start: at, token })
            next = end
          }
        }
      }
      at = buf.indexOf(prefix, next)
    }
  }
  if (found.length > 1) found.sort((a, b) => a.start - b.start)
  for (const f of found) hit(f.start, f.token)
}

/** A found token → what may be kept of it. */
export function tokenHit(offset: number, token: string): TokenHit {
  return { offset, hash: hashSecret(token), hint: secretHint(token) }
}
