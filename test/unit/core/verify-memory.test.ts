import { afterEach, describe, expect, it } from 'vitest'
import { TestRegistry, tempRegistry, type TempRegistry } from '../../helpers/registry'
import { ACTOR } from './support'

/**
 * The verify path remembers what a secret resolves to until the registry changes. These prove it
 * never answers from memory after a change: its own writes at once, another connection's commits
 * on the next call ('call') or the next event-loop turn ('turn', the server), and time-based rules
 * (expiry, rotation grace) on every call with no write at all.
 */
let t: TempRegistry
let other: TestRegistry | undefined
afterEach(() => {
  other?.close()
  other = undefined
  t.close()
})

const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

function setUp(freshness?: 'call' | 'turn') {
  t = tempRegistry(freshness ? { verifyFreshness: freshness } : {})
  t.registry.addResource({ model: 'gpt-4o', type: 'PYG' }, ACTOR)
  t.registry.addResource({ model: 'llama-3', type: 'TPM', tpmLimit: 1_000 }, ACTOR)
  const { secret } = t.registry.createKey({ name: 'Gw', resources: ['gpt-4o:PYG', 'llama-3:TPM'] }, ACTOR)
  // A second connection to the same file, as the CLI or the desktop app would hold.
  other = TestRegistry.open(t.path, { clock: () => t.clock.now })
  return secret
}

describe("the verify path's memory", () => {
  it("forgets on this connection's own writes at once", () => {
    const secret = setUp('turn')
    expect(t.registry.verifyHit(secret, 'gpt-4o').code).toBe('VALID')
    t.registry.disableKey({ key: 'Gw' }, ACTOR)
    expect(t.registry.verifyHit(secret, 'gpt-4o').code).toBe('DISABLED')
    t.registry.enableKey({ key: 'Gw' }, ACTOR)
    t.registry.unassignResources({ key: 'Gw', resources: ['gpt-4o:PYG'] }, ACTOR)
    expect(t.registry.verifyHit(secret, 'gpt-4o').code).toBe('MODEL_NOT_ASSIGNED')
    t.registry.deleteKey({ key: 'Gw' }, ACTOR)
    expect(t.registry.verifyHit(secret).code).toBe('REVOKED')
  })

  it("'call': another connection's commit is seen by the very next call", () => {
    const secret = setUp('call')
    expect(t.registry.verifyAnswer(secret, 'gpt-4o').key?.[1]).toBe('Gw')
    other!.editKey({ key: 'Gw', changes: { name: 'Gw2' } }, ACTOR)
    expect(t.registry.verifyAnswer(secret, 'gpt-4o').key?.[1]).toBe('Gw2')
    other!.editResource({ resource: 'gpt-4o:PYG', status: 'inactive' }, ACTOR)
    expect(t.registry.verifyHit(secret, 'gpt-4o').code).toBe('RESOURCE_INACTIVE')
    other!.deleteKey({ key: 'Gw2' }, ACTOR)
    expect(t.registry.verifyHit(secret).code).toBe('REVOKED')
  })

  it("'turn': another connection's commit is seen from the next event-loop turn", async () => {
    const secret = setUp('turn')
    expect(t.registry.verifyHit(secret).code).toBe('VALID')
    other!.disableKey({ key: 'Gw' }, ACTOR)
    // Within the same turn the answer may still be the registry as it was when the turn began
    // (the stated bound); from the next turn on it must not be.
    await nextTurn()
    expect(t.registry.verifyHit(secret).code).toBe('DISABLED')
    other!.enableKey({ key: 'Gw' }, ACTOR)
    await nextTurn()
    expect(t.registry.verifyHit(secret).code).toBe('VALID')
  })

  it('decides expiry and a rotated secret’s grace on every call, with no write in between', () => {
    const secret = setUp('turn')
    other!.editKey({ key: 'Gw', changes: { expiresAt: new Date(t.clock.now + 60_000).toISOString() } }, ACTOR)
    t.registry.enableKey({ key: 'Gw' }, ACTOR) // any own write: the next call reads the new expiry
    expect(t.registry.verifyHit(secret).code).toBe('VALID')
    t.clock.advance(60_000)
    expect(t.registry.verifyHit(secret).code).toBe('EXPIRED')

    const again = setUpRotation()
    expect(t.registry.verifyHit(again.old).code).toBe('VALID')
    t.clock.advance(30_001)
    expect(t.registry.verifyHit(again.old).code).toBe('REVOKED')
    expect(t.registry.verifyHit(again.fresh).code).toBe('VALID')
  })

  it("sees another connection's usage against a TPM limit on the next call", () => {
    const secret = setUp('call')
    expect(t.registry.verifyHit(secret, 'llama-3').code).toBe('VALID')
    other!.recordUsage({ key: secret, model: 'llama-3', promptTokens: 900, completionTokens: 100 }, t.clock.now)
    const hit = t.registry.verifyHit(secret, 'llama-3')
    expect(hit.code).toBe('RATE_LIMITED')
    expect(hit.retryAfter).toBeGreaterThan(0)
  })

  it('remembers an unknown or revoked secret only until a change', () => {
    const secret = setUp('call')
    const second = t.registry.createKey({ name: 'Other', resources: [] }, ACTOR).secret
    expect(t.registry.verifyHit(second).code).toBe('VALID')
    other!.deleteKey({ key: 'Other' }, ACTOR)
    expect(t.registry.verifyHit(second).code).toBe('REVOKED')
    expect(t.registry.verifyHit(secret).code).toBe('VALID')
  })
})

function setUpRotation(): { old: string; fresh: string } {
  const old = t.registry.createKey({ name: 'Rot', resources: [] }, ACTOR).secret
  const { secret: fresh } = other!.rotateKey({ key: 'Rot', graceSeconds: 30 }, ACTOR)
  return { old, fresh }
}
