import { createHash } from 'node:crypto'
import { crc32 } from 'node:zlib'
import type { KeyKind } from '../../shared/types'

/**
 * Secret format: `kw_` (standard) or `kwa_` (admin), 43 base62 characters encoding 32 random
 * bytes, then 6 base62 characters of the CRC32 of everything before them. The checksum lets a
 * gateway (or a person) reject a mistyped key without a database lookup.
 */
export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
export const BODY_LENGTH = 43
export const CHECKSUM_LENGTH = 6
export const SECRET_PATTERN = /^kwa?_[0-9A-Za-z]{49}$/

export const PREFIX: Record<KeyKind, string> = { standard: 'kw_', admin: 'kwa_' }

/** A source of random bytes, injected so tests and seed-demo can be deterministic. */
export type RandomBytes = (size: number) => Buffer

export function base62(value: bigint, width: number): string {
  let out = ''
  let n = value
  while (n > 0n) {
    out = BASE62[Number(n % 62n)] + out
    n /= 62n
  }
  if (out.length > width) throw new RangeError(`value does not fit in ${width} base62 digits`)
  return out.padStart(width, '0')
}

/** base62 of the CRC32 in 6 digits; plain number arithmetic (a CRC32 fits a double), no BigInt on the verify path. */
function checksum(head: string): string {
  let n = crc32(head)
  let out = ''
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[n % 62] + out
    n = Math.floor(n / 62)
  }
  return out
}

export function generateSecret(kind: KeyKind, randomBytes: RandomBytes): string {
  const bytes = randomBytes(32)
  if (bytes.length !== 32) throw new Error('random source returned the wrong number of bytes')
  const head = PREFIX[kind] + base62(BigInt('0x' + bytes.toString('hex')), BODY_LENGTH)
  return head + checksum(head)
}

/** Format and checksum only: no database, no timing-sensitive comparison of anything secret. */
export function isWellFormedSecret(secret: string): boolean {
  if (!SECRET_PATTERN.test(secret)) return false
  const head = secret.slice(0, -CHECKSUM_LENGTH)
  return checksum(head) === secret.slice(-CHECKSUM_LENGTH)
}

export function kindOfSecret(secret: string): KeyKind {
  return secret.startsWith('kwa_') ? 'admin' : 'standard'
}

export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest()
}

/** Prefix, the first 4 characters of the body, an ellipsis, the last 4 characters. */
export function secretHint(secret: string): string {
  const prefix = secret.startsWith('kwa_') ? 'kwa_' : 'kw_'
  const body = secret.slice(prefix.length)
  return `${prefix}${body.slice(0, 4)}…${secret.slice(-4)}`
}
