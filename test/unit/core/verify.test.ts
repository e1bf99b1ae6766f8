import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { generateSecret } from '../../../src/main/core/secrets'
import { Registry } from '../../../src/main/core/registry'
import { openRegistryDatabase } from '../../../src/main/db/open'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { ACTOR, deterministicBytes } from './support'

let t: TempRegistry
let secret: string
beforeEach(() => {
  t = tempRegistry()
  t.registry.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 1000 }, ACTOR)
  t.registry.addResource({ model: 'o3', type: 'PYG' }, ACTOR)
  secret = t.registry.createKey(
    { name: 'app1', resources: ['gpt-4o:TPM', 'o3:PYG'], appId: 'Billing', expiresAt: '2026-06-02T12:00:00Z' },
    ACTOR
  ).secret
})
afterEach(() => t.close())

const verify = (s: string, model?: string, appName?: string) => t.registry.verify({ secret: s, model, appName })

describe('verify', () => {
  it('says VALID with the key, for the key alone or with an assigned model', () => {
    const ok = verify(secret, undefined, 'Billing')
    expect(ok).toMatchObject({ valid: true, code: 'VALID', key: { name: 'app1' } })
    expect(verify(secret, 'gpt-4o', 'Billing').code).toBe('VALID')
    expect(verify(secret, 'o3', 'Billing').code).toBe('VALID')
    expect(t.registry.verifyHit(secret, 'o3', 'Billing')).toEqual({ code: 'VALID', pk: expect.any(Number) })
  })

  it('says MALFORMED for a bad format or checksum without touching the database', () => {
    const typo = secret.slice(0, 10) + (secret[10] === 'a' ? 'b' : 'a') + secret.slice(11)
    const inputs = [
      '',
      'hello',
      secret.slice(0, -1),
      typo,
      secret.toUpperCase(),
      `Bearer ${secret}`,
      'kw_' + '0'.repeat(49)
    ]
    // With the connection closed, any lookup would throw: MALFORMED must come before one.
    t.registry.db.close()
    for (const s of inputs) expect(t.registry.verify({ secret: s })).toEqual({ valid: false, code: 'MALFORMED' })
  })

  it('says NOT_FOUND for a well-formed secret the registry never issued', () => {
    const stranger = generateSecret('standard', deterministicBytes('stranger'))
    expect(verify(stranger)).toEqual({ valid: false, code: 'NOT_FOUND' })
  })

  it('says REVOKED for a deleted key', () => {
    t.registry.deleteKey({ key: 'app1' }, ACTOR)
    expect(verify(secret, 'gpt-4o', 'Billing')).toEqual({ valid: false, code: 'REVOKED' })
  })

  it('says DISABLED for a disabled key, then VALID once enabled', () => {
    t.registry.disableKey({ key: 'app1' }, ACTOR)
    expect(verify(secret, 'gpt-4o', 'Billing')).toMatchObject({
      valid: false,
      code: 'DISABLED',
      key: { status: 'disabled' }
    })
    t.registry.enableKey({ key: 'app1' }, ACTOR)
    expect(verify(secret, 'gpt-4o', 'Billing').code).toBe('VALID')
  })

  it('says EXPIRED once the clock passes expiresAt', () => {
    t.clock.now = Date.parse('2026-06-02T11:59:59.999Z')
    expect(verify(secret, undefined, 'Billing').code).toBe('VALID')
    t.clock.now = Date.parse('2026-06-02T12:00:00Z')
    expect(verify(secret, undefined, 'Billing')).toMatchObject({
      valid: false,
      code: 'EXPIRED',
      key: { status: 'expired' }
    })
  })

  it('says APP_MISMATCH when the app name is missing or differs, even only in case or spaces', () => {
    for (const appName of [undefined, '', 'billing', 'BILLING', 'Billing ', ' Billing', 'Billing2']) {
      expect(verify(secret, 'gpt-4o', appName).code, String(appName)).toBe('APP_MISMATCH')
    }
    // A key without an app id accepts any app name, or none.
    const open = t.registry.createKey({ name: 'open', resources: ['o3:PYG'] }, ACTOR).secret
    expect(verify(open, 'o3').code).toBe('VALID')
    expect(verify(open, 'o3', 'anything').code).toBe('VALID')
  })

  it('says MODEL_NOT_ASSIGNED for a model the key does not hold, matched exactly', () => {
    expect(verify(secret, 'claude-sonnet-4', 'Billing').code).toBe('MODEL_NOT_ASSIGNED')
    expect(verify(secret, 'GPT-4o', 'Billing').code).toBe('MODEL_NOT_ASSIGNED')
    t.registry.unassignResources({ key: 'app1', resources: ['o3:PYG'] }, ACTOR)
    expect(verify(secret, 'o3', 'Billing').code).toBe('MODEL_NOT_ASSIGNED')
  })

  it('says RESOURCE_INACTIVE when the assigned resource is inactive', () => {
    t.registry.editResource({ resource: 'gpt-4o:TPM', status: 'inactive' }, ACTOR)
    expect(verify(secret, 'gpt-4o', 'Billing').code).toBe('RESOURCE_INACTIVE')
    expect(verify(secret, 'o3', 'Billing').code).toBe('VALID')
  })

  it('checks in order: revoked, disabled, expired, app, model', () => {
    t.registry.editResource({ resource: 'gpt-4o:TPM', status: 'inactive' }, ACTOR)
    expect(verify(secret, 'gpt-4o', 'wrong').code).toBe('APP_MISMATCH')
    t.clock.advance(2 * 86_400_000)
    expect(verify(secret, 'gpt-4o', 'wrong').code).toBe('EXPIRED')
    t.registry.disableKey({ key: 'app1' }, ACTOR)
    expect(verify(secret, 'gpt-4o', 'wrong').code).toBe('DISABLED')
  })

  it('refuses an over-long secret as VALIDATION rather than hashing it', () => {
    expect(() => t.registry.verify({ secret: 'x'.repeat(201) })).toThrow(/far too long/)
  })
})

describe('lastUsedAt', () => {
  /** What another process reading the file would see. */
  function lastUsedOnDisk(): number | null {
    const reader = new Database(t.path, { readonly: true })
    try {
      return reader.prepare("SELECT last_used_at FROM api_keys WHERE name = 'app1'").pluck().get() as number | null
    } finally {
      reader.close()
    }
  }
  const changes = () => t.registry.db.prepare('SELECT total_changes()').pluck().get() as number

  it('is buffered: verifications within the interval write nothing; the next one after it flushes', () => {
    verify(secret, 'gpt-4o', 'Billing') // the first one may flush (nothing was flushed yet)
    const first = t.clock.now
    expect(lastUsedOnDisk()).toBe(first)
    const before = changes()
    for (let i = 0; i < 50; i++) {
      t.clock.advance(50)
      expect(verify(secret, 'gpt-4o', 'Billing').code).toBe('VALID')
    }
    expect(changes()).toBe(before)
    expect(lastUsedOnDisk()).toBe(first)
    // The registry itself already reports the newer time.
    expect(t.registry.getKey({ key: 'app1' }).key.lastUsedAt).toBe(new Date(t.clock.now).toISOString())
    t.clock.advance(5000)
    verify(secret, undefined, 'Billing')
    expect(lastUsedOnDisk()).toBe(t.clock.now)
    expect(changes()).toBe(before + 1)
  })

  it('is flushed on close, and never moves backwards', () => {
    verify(secret, 'gpt-4o', 'Billing')
    t.clock.advance(1000)
    verify(secret, 'gpt-4o', 'Billing')
    const last = t.clock.now
    expect(lastUsedOnDisk()).toBe(last - 1000)
    t.registry.close()
    const reopened = new Registry(openRegistryDatabase(t.path), { clock: () => last - 60_000 })
    expect(reopened.getKey({ key: 'app1' }).key.lastUsedAt).toBe(new Date(last).toISOString())
    reopened.flushLastUsed()
    reopened.close()
    expect(lastUsedOnDisk()).toBe(last)
  })

  it('is not recorded by failed verifications', () => {
    verify(secret, 'nope', 'Billing')
    verify(secret, 'gpt-4o', 'wrong')
    expect(t.registry.getKey({ key: 'app1' }).key.lastUsedAt).toBeNull()
    t.registry.flushLastUsed()
    expect(lastUsedOnDisk()).toBeNull()
  })
})

describe('rotation', () => {
  it('by default revokes the old secret at once and issues a new one with a new hint', () => {
    const before = t.registry.getKey({ key: 'app1' }).key
    const rotated = t.registry.rotateKey({ key: 'app1' }, ACTOR)
    expect(rotated.secret).toMatch(/^kw_[0-9A-Za-z]{49}$/)
    expect(rotated.secret).not.toBe(secret)
    expect(rotated.key.hint).toBe(`kw_${rotated.secret.slice(3, 7)}…${rotated.secret.slice(-4)}`)
    expect(rotated.key.hint).not.toBe(before.hint)
    expect(rotated.key.id).toBe(before.id)
    expect(verify(secret, 'gpt-4o', 'Billing')).toMatchObject({ valid: false, code: 'REVOKED' })
    expect(verify(rotated.secret, 'gpt-4o', 'Billing').code).toBe('VALID')
  })

  it('keeps the old secret valid inside the grace window and REVOKED after it', () => {
    const { secret: next } = t.registry.rotateKey({ key: 'app1', graceSeconds: 60 }, ACTOR)
    t.clock.advance(59_999)
    expect(verify(secret, 'gpt-4o', 'Billing').code).toBe('VALID')
    expect(verify(next, 'gpt-4o', 'Billing').code).toBe('VALID')
    t.clock.advance(1)
    expect(verify(secret, 'gpt-4o', 'Billing').code).toBe('REVOKED')
    expect(verify(next, 'gpt-4o', 'Billing').code).toBe('VALID')
  })

  it('shortens, never lengthens, an earlier grace window; deleting revokes every secret the key had', () => {
    const { secret: second } = t.registry.rotateKey({ key: 'app1', graceSeconds: 3600 }, ACTOR)
    const { secret: third } = t.registry.rotateKey({ key: 'app1', graceSeconds: 10 }, ACTOR)
    t.clock.advance(10_000)
    expect(verify(secret, undefined, 'Billing').code).toBe('REVOKED')
    expect(verify(second, undefined, 'Billing').code).toBe('REVOKED')
    expect(verify(third, undefined, 'Billing').code).toBe('VALID')
    const { secret: fourth } = t.registry.rotateKey({ key: 'app1', graceSeconds: 3600 }, ACTOR)
    t.registry.deleteKey({ key: 'app1' }, ACTOR)
    for (const s of [secret, second, third, fourth]) expect(verify(s).code).toBe('REVOKED')
  })

  it('refuses a negative or fractional grace and unknown keys', () => {
    expect(() => t.registry.rotateKey({ key: 'app1', graceSeconds: -1 }, ACTOR)).toThrow(/negative/)
    expect(() => t.registry.rotateKey({ key: 'app1', graceSeconds: 1.5 }, ACTOR)).toThrow(/whole seconds/)
    expect(() => t.registry.rotateKey({ key: 'ghost' }, ACTOR)).toThrow(/No key "ghost"/)
    expect(verify(secret, undefined, 'Billing').code).toBe('VALID')
  })
})
