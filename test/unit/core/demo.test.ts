import { afterEach, describe, expect, it } from 'vitest'
import { DEMO_RESOURCES, seedDemo, seededRandom } from '../../../src/main/core/demo'
import type { ApiKey } from '../../../src/shared/types'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { ACTOR, expectRefused } from './support'

const open: TempRegistry[] = []
function fresh(): TempRegistry {
  const t = tempRegistry()
  open.push(t)
  return t
}
afterEach(() => {
  for (const t of open.splice(0)) t.close()
})

function allKeys(t: TempRegistry): ApiKey[] {
  const out: ApiKey[] = []
  for (let offset = 0; ; offset += 1000) {
    const page = t.registry.listKeys({ sort: 'createdAt', limit: 1000, offset })
    out.push(...page.items)
    if (out.length >= page.total) return out
  }
}

/** What a seed decides about a key: everything but the (random, discarded) secret and its hint. */
function shape(k: ApiKey) {
  const { hint: _hint, ...rest } = k
  return { ...rest, resources: k.resources.map((r) => `${r.model}:${r.type}`) }
}

describe('seedDemo', () => {
  it('is deterministic for a seed: same ids, names, departments, projects, resources and dates per key', () => {
    const a = fresh()
    const b = fresh()
    const ra = seedDemo(a.registry, { keys: 300, seed: 'alpha', actor: ACTOR, now: a.clock.now })
    const rb = seedDemo(b.registry, { keys: 300, seed: 'alpha', actor: ACTOR, now: b.clock.now })
    expect(rb).toEqual(ra)
    const ka = allKeys(a)
    const kb = allKeys(b)
    expect(ka).toHaveLength(300)
    expect(kb.map(shape)).toEqual(ka.map(shape))
    // The secrets themselves are not derived from the seed.
    expect(kb.map((k) => k.hint)).not.toEqual(ka.map((k) => k.hint))
    expect(b.registry.listResources()).toEqual(a.registry.listResources())
  })

  it('varies with the seed', () => {
    const a = fresh()
    const b = fresh()
    seedDemo(a.registry, { keys: 50, seed: 1, actor: ACTOR, now: a.clock.now })
    seedDemo(b.registry, { keys: 50, seed: 2, actor: ACTOR, now: b.clock.now })
    expect(allKeys(b).map((k) => k.name)).not.toEqual(allKeys(a).map((k) => k.name))
  })

  it('writes realistic keys that obey every rule of the registry', () => {
    const t = fresh()
    const result = seedDemo(t.registry, { keys: 400, seed: 7, actor: ACTOR, now: t.clock.now })
    const keys = allKeys(t)
    const resources = t.registry.listResources().items
    expect(result).toEqual({
      resources: DEMO_RESOURCES.length,
      keys: 400,
      departments: new Set(keys.map((k) => k.department).filter(Boolean)).size,
      projects: new Set(keys.map((k) => k.project).filter(Boolean)).size
    })
    expect(resources.length).toBeGreaterThanOrEqual(12)
    expect(new Set(resources.map((r) => r.type))).toEqual(new Set(['TPM', 'PYG']))
    for (const r of resources) expect(r.type === 'TPM' ? r.tpmLimit! > 0 : r.tpmLimit === null).toBe(true)

    const names = new Set<string>()
    for (const k of keys) {
      expect(k.name).toMatch(/^[A-Za-z0-9]{1,64}$/)
      expect(names.has(k.name.toLowerCase())).toBe(false)
      names.add(k.name.toLowerCase())
      const models = k.resources.map((r) => r.model)
      expect(new Set(models).size, `${k.name} holds a model twice`).toBe(models.length)
      if (k.kind === 'admin') expect(k.resources).toEqual([])
      else expect(k.resources.length).toBeGreaterThan(0)
      if (k.appId !== null) expect(k.appId).toBe(k.appId.trim())
      expect(k.hint).toMatch(/^kwa?_[0-9A-Za-z]{4}…[0-9A-Za-z]{4}$/)
      if (k.expiresAt) expect(Date.parse(k.expiresAt)).toBeGreaterThan(Date.parse(k.createdAt))
      if (k.lastUsedAt) expect(Date.parse(k.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(k.createdAt))
    }
    // A realistic spread: every environment, several departments, some of each status.
    expect(new Set(keys.map((k) => k.environment))).toEqual(new Set(['dev', 'staging', 'prod']))
    expect(result.departments).toBeGreaterThanOrEqual(8)
    const statuses = new Set(keys.map((k) => k.status))
    expect(statuses).toEqual(new Set(['active', 'disabled', 'expired']))
    expect(keys.some((k) => k.notes)).toBe(true)
    expect(keys.some((k) => k.lastUsedAt)).toBe(true)
    // Every change went through the audited path, and the chain holds.
    const audit = t.registry.verifyAudit()
    expect(audit.ok).toBe(true)
    const disabled = keys.filter((k) => k.status === 'disabled').length
    expect(audit.entries).toBe(resources.length + 400 + disabled)
    // The rule holds in the database too: no key has two rows for one model.
    expect(
      t.registry.db
        .prepare('SELECT count(*) FROM (SELECT key_pk, model FROM key_resources GROUP BY 1, 2 HAVING count(*) > 1)')
        .pluck()
        .get()
    ).toBe(0)
  })

  it('returns counts only and writes no secret, no outbox mail', () => {
    const t = fresh()
    const result = seedDemo(t.registry, { keys: 20, seed: 3, actor: ACTOR, now: t.clock.now })
    expect(Object.keys(result).sort()).toEqual(['departments', 'keys', 'projects', 'resources'])
    expect(t.registry.db.prepare('SELECT count(*) FROM outbox').pluck().get()).toBe(0)
    expect(t.registry.db.prepare('SELECT count(*) FROM key_secrets').pluck().get()).toBe(20)
  })

  it('reuses demo models that already exist instead of failing, and respects a TPM pool', () => {
    const t = fresh()
    const mine = t.registry.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 1000 }, ACTOR).resource
    t.registry.setPool({ tpmPool: 300_000 }, ACTOR)
    seedDemo(t.registry, { keys: 200, seed: 9, actor: ACTOR, now: t.clock.now })
    const resources = t.registry.listResources().items
    expect(resources.filter((r) => r.model === 'gpt-4o' && r.type === 'TPM')).toEqual([
      expect.objectContaining({ id: mine.id, tpmLimit: 1000 })
    ])
    expect(resources.find((r) => r.id === mine.id)!.keyCount).toBeGreaterThan(0)
    const pool = t.registry.getPool()
    expect(pool.assigned).toBeLessThanOrEqual(300_000)
    expect(pool.remaining).toBeGreaterThanOrEqual(0)
  })

  it('can seed the same registry twice without clashing names or ids', () => {
    const t = fresh()
    seedDemo(t.registry, { keys: 60, seed: 5, actor: ACTOR, now: t.clock.now })
    const second = seedDemo(t.registry, { keys: 60, seed: 5, actor: ACTOR, now: t.clock.now })
    expect(second.keys).toBe(60)
    expect(t.registry.listKeys({ limit: 1 }).total).toBe(120)
    expect(t.registry.listResources().items).toHaveLength(DEMO_RESOURCES.length)
    expect(t.registry.verifyAudit().ok).toBe(true)
  })

  it('refuses a key count that is not a whole number, naming the field', () => {
    const t = fresh()
    expectRefused(() => seedDemo(t.registry, { keys: -1, actor: ACTOR }), 'VALIDATION', ['keys'])
    expectRefused(() => seedDemo(t.registry, { keys: 1.5, actor: ACTOR }), 'VALIDATION', ['keys'])
    expect(t.registry.listResources().items).toEqual([])
  })

  it('uses a seeded PRNG that repeats for a seed and spreads over [0, 1)', () => {
    const a = seededRandom('x')
    const b = seededRandom('x')
    const values = Array.from({ length: 1000 }, () => a())
    expect(Array.from({ length: 1000 }, () => b())).toEqual(values)
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...values)).toBeLessThan(1)
    expect(values.filter((v) => v < 0.5).length).toBeGreaterThan(400)
  })
})
