import { createHash, randomBytes } from 'node:crypto'
import { crc32 } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import {
  BASE62,
  base62,
  generateSecret,
  hashSecret,
  isWellFormedSecret,
  kindOfSecret,
  secretHint,
  SECRET_PATTERN
} from '../../../src/main/core/secrets'

const fixed = (byte: number) => () => Buffer.alloc(32, byte)

function decodeBase62(text: string): bigint {
  let n = 0n
  for (const c of text) n = n * 62n + BigInt(BASE62.indexOf(c))
  return n
}

describe('secret format', () => {
  it('is kw_ or kwa_, 43 base62 characters of 32 random bytes, then a 6-character CRC32', () => {
    for (let i = 0; i < 200; i++) {
      const bytes = randomBytes(32)
      const kind = i % 2 ? 'admin' : 'standard'
      const secret = generateSecret(kind, () => bytes)
      expect(secret).toMatch(/^kwa?_[0-9A-Za-z]{49}$/)
      expect(secret).toMatch(SECRET_PATTERN)
      expect(secret.startsWith(kind === 'admin' ? 'kwa_' : 'kw_')).toBe(true)
      expect(kindOfSecret(secret)).toBe(kind)
      const prefix = kind === 'admin' ? 'kwa_' : 'kw_'
      const body = secret.slice(prefix.length, prefix.length + 43)
      // The body decodes back to exactly the random bytes.
      expect(decodeBase62(body).toString(16).padStart(64, '0')).toBe(bytes.toString('hex'))
      // The checksum is node:zlib crc32 of everything before it, in 6 base62 digits.
      const head = secret.slice(0, -6)
      expect(decodeBase62(secret.slice(-6))).toBe(BigInt(crc32(head)))
      expect(isWellFormedSecret(secret)).toBe(true)
    }
  })

  it('left-pads small values with 0 so the length never varies', () => {
    const zero = generateSecret('standard', fixed(0))
    expect(zero.slice(3, 46)).toBe('0'.repeat(43))
    expect(isWellFormedSecret(zero)).toBe(true)
    const max = generateSecret('standard', fixed(0xff))
    expect(max).toMatch(SECRET_PATTERN)
    expect(decodeBase62(max.slice(3, 46))).toBe(2n ** 256n - 1n)
    expect(base62(5n, 6)).toBe('000005')
    expect(base62(0n, 3)).toBe('000')
    expect(() => base62(62n ** 6n, 6)).toThrow(RangeError)
  })

  it('refuses a random source that returns the wrong number of bytes', () => {
    expect(() => generateSecret('standard', () => Buffer.alloc(31))).toThrow(/wrong number of bytes/)
  })

  it('catches every single-character typo and every adjacent swap offline, by the checksum', () => {
    for (let n = 0; n < 4; n++) {
      const secret = generateSecret(n % 2 ? 'admin' : 'standard', randomBytes)
      const start = secret.indexOf('_') + 1
      let tried = 0
      for (let i = start; i < secret.length; i++) {
        for (const c of BASE62) {
          if (c === secret[i]) continue
          const typo = secret.slice(0, i) + c + secret.slice(i + 1)
          expect(typo).toMatch(SECRET_PATTERN) // still looks right...
          expect(isWellFormedSecret(typo), typo).toBe(false) // ...but the checksum says no
          tried++
        }
        if (i + 1 < secret.length && secret[i] !== secret[i + 1]) {
          const swapped = secret.slice(0, i) + secret[i + 1] + secret[i] + secret.slice(i + 2)
          expect(isWellFormedSecret(swapped), swapped).toBe(false)
        }
      }
      expect(tried).toBe(49 * 61)
      // Prefix typos fail the pattern itself.
      expect(isWellFormedSecret('kx_' + secret.slice(3))).toBe(false)
      expect(isWellFormedSecret(secret.slice(0, -1))).toBe(false)
      expect(isWellFormedSecret(secret + 'a')).toBe(false)
      expect(isWellFormedSecret(` ${secret}`)).toBe(false)
    }
  })

  it('turns a standard prefix into an admin one only with a new checksum', () => {
    const secret = generateSecret('standard', randomBytes)
    expect(isWellFormedSecret('kwa_' + secret.slice(3))).toBe(false)
  })

  it('hints with the prefix, the first 4 body characters, an ellipsis and the last 4 characters', () => {
    const secret = generateSecret('standard', randomBytes)
    expect(secretHint(secret)).toBe(`kw_${secret.slice(3, 7)}…${secret.slice(-4)}`)
    const admin = generateSecret('admin', randomBytes)
    expect(secretHint(admin)).toBe(`kwa_${admin.slice(4, 8)}…${admin.slice(-4)}`)
    expect(secretHint(admin)).toHaveLength(4 + 4 + 1 + 4)
  })

  it('stores SHA-256 of the secret, 32 bytes', () => {
    const secret = generateSecret('standard', randomBytes)
    const hash = hashSecret(secret)
    expect(hash).toHaveLength(32)
    expect(hash.toString('hex')).toBe(createHash('sha256').update(secret).digest('hex'))
  })
})
