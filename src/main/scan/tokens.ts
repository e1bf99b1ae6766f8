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
const UNDERSCORE = 0x5f
const LOWER_A = 0x61
const KW = Buffer.from('kw', 'latin1')

/**
 * Finds tokens that START in [from, until) of `buf` (and lie wholly inside it), calling `hit` with
 * each one's offset in `buf`. Raw bytes, no decoding: Buffer.indexOf finds "kw", and only then are
 * the prefix, 49 base62 bytes and the checksum checked, so a look-alike with a bad checksum is not
 * a token. Returns nothing; the caller turns offsets into file offsets.
 */
export function findTokens(
  buf: Buffer,
  from: number,
  until: number,
  hit: (start: number, token: string) => void
): void {
  let at = buf.indexOf(KW, from)
  while (at !== -1 && at < until) {
    let body = at + 2
    if (buf[body] === LOWER_A) body++
    let next = at + 2
    if (buf[body] === UNDERSCORE && body + 1 + BODY <= buf.length) {
      body++
      let i = body
      const end = body + BODY
      while (i < end && BASE62_BYTE[buf[i]!] === 1) i++
      if (i === end) {
        const token = buf.toString('latin1', at, end)
        if (isWellFormedSecret(token)) {
          hit(at, token)
          next = end
        }
      }
    }
    at = buf.indexOf(KW, next)
  }
}

/** A found token → what may be kept of it. */
export function tokenHit(offset: number, token: string): TokenHit {
  return { offset, hash: hashSecret(token), hint: secretHint(token) }
}
