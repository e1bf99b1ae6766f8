import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { seedDemo } from '../../../src/main/core/demo'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { ACTOR } from './support'

const open: TempRegistry[] = []
function fresh(): TempRegistry {
  const t = tempRegistry()
  open.push(t)
  return t
}
afterEach(() => {
  for (const t of open.splice(0)) t.close()
})

function snapshot(t: TempRegistry) {
  const keys = t.registry.db
    .prepare('SELECT id, name, department_id, project_id, created_at, last_used_at, disabled FROM api_keys ORDER BY pk')
    .all()
  const audit = t.registry.db.prepare('SELECT action, target_id, at FROM audit_log ORDER BY seq').all()
  return { keys, audit }
}

describe('seedDemo in chunks', () => {
  it('commits in many transactions yet writes the same data as one, and the audit chain verifies', () => {
    const one = fresh()
    const many = fresh()
    const r1 = seedDemo(one.registry, {
      keys: 120,
      seed: 'chunks',
      actor: ACTOR,
      now: one.clock.now,
      chunkMs: 60_000,
      pauseMs: 0
    })
    // chunkMs 0: every key (and every disable) is its own transaction.
    // What another connection sees as each key is inserted: the keys before it, all committed.
    const other = new Database(many.path, { readonly: true })
    const seen: number[] = []
    many.registry.db.function('seen_by_other', () =>
      seen.push(Number(other.prepare('SELECT count(*) FROM api_keys').pluck().get()))
    )
    many.registry.db.exec('CREATE TEMP TRIGGER watch_keys BEFORE INSERT ON api_keys BEGIN SELECT seen_by_other(); END')
    const rMany = seedDemo(many.registry, {
      keys: 120,
      seed: 'chunks',
      actor: ACTOR,
      now: many.clock.now,
      chunkMs: 0,
      pauseMs: 0
    })
    other.close()
    expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => i))
    expect(rMany).toEqual(r1)
    expect(snapshot(many)).toEqual(snapshot(one))
    expect(many.registry.verifyAudit().ok).toBe(true)
  })

  it('a failure mid-seed keeps the chunks already committed: whole keys, a valid chain', () => {
    const t = fresh()
    let inserted = 0
    // The 50th key's insert fails: its chunk rolls back, earlier chunks stay.
    t.registry.db.function('fail_at_50', () => {
      if (++inserted === 50) throw new Error('simulated crash')
      return 0
    })
    t.registry.db.exec('CREATE TEMP TRIGGER fail_keys BEFORE INSERT ON api_keys BEGIN SELECT fail_at_50(); END')
    expect(() =>
      seedDemo(t.registry, { keys: 100, seed: 'partial', actor: ACTOR, now: t.clock.now, chunkMs: 0, pauseMs: 0 })
    ).toThrow()
    const keys = Number(t.registry.db.prepare('SELECT count(*) FROM api_keys').pluck().get())
    expect(keys).toBe(49)
    // Every key has its creation audit entry, and nothing of the failed one is left.
    const created = Number(
      t.registry.db.prepare("SELECT count(*) FROM audit_log WHERE action = 'key.create'").pluck().get()
    )
    expect(created).toBe(49)
    expect(t.registry.verifyAudit().ok).toBe(true)
    expect(t.registry.db.pragma('integrity_check', { simple: true })).toBe('ok')
  })
})
