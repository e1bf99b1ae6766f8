import { createHash } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { canonicalJson } from '../../../src/main/core/audit'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { ACTOR } from './support'

let t: TempRegistry
beforeEach(() => {
  t = tempRegistry()
})
afterEach(() => t.close())

/** Every 10-character window of a secret: enough to spot one stored whole or in large pieces. */
function windows(secret: string): string[] {
  const out: string[] = []
  for (let i = 0; i + 10 <= secret.length; i++) out.push(secret.slice(i, i + 10))
  return out
}

/** Exercises every audited operation; returns the secrets it saw. */
function everyChange(): string[] {
  const r = t.registry
  const secrets: string[] = []
  r.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 100 }, 'alice')
  r.addResource({ model: 'o3', type: 'PYG' }, ACTOR)
  r.editResource({ resource: 'gpt-4o:TPM', tpmLimit: 200 }, ACTOR)
  r.setPool({ tpmPool: 1000 }, ACTOR)
  secrets.push(
    r.createKey({ name: 'a', department: 'Fin', resources: ['o3:PYG'], notifyEmail: 'x@example.com' }, ACTOR).secret
  )
  r.editKey({ key: 'a', changes: { notes: 'hello', department: 'Legal' } }, ACTOR)
  r.assignResources({ key: 'a', resources: ['gpt-4o:TPM'] }, ACTOR)
  r.unassignResources({ key: 'a', resources: ['o3:PYG'] }, ACTOR)
  r.setResources({ key: 'a', resources: ['o3:PYG'] }, ACTOR)
  r.disableKey({ key: 'a' }, ACTOR)
  r.enableKey({ key: 'a' }, ACTOR)
  secrets.push(r.rotateKey({ key: 'a', graceSeconds: 60 }, ACTOR).secret)
  secrets.push(r.createKey({ name: 'root', kind: 'admin' }, ACTOR).secret)
  r.deleteKey({ key: 'a' }, ACTOR)
  r.removeResource({ resource: 'gpt-4o:TPM' }, ACTOR)
  return secrets
}

describe('audit log', () => {
  it('appends one entry per change, newest first, with actor, target and before → after details', () => {
    everyChange()
    const { items, total } = t.registry.listAudit({ limit: 1000 })
    expect(total).toBe(15)
    expect(items.map((e) => e.action).reverse()).toEqual([
      'resource.add',
      'resource.add',
      'resource.edit',
      'pool.set',
      'key.create',
      'key.edit',
      'key.assign',
      'key.unassign',
      'key.setResources',
      'key.disable',
      'key.enable',
      'key.rotate',
      'key.create',
      'key.delete',
      'resource.remove'
    ])
    expect(items.map((e) => e.seq)).toEqual(Array.from({ length: 15 }, (_, i) => 15 - i))
    const by = (action: string) => items.filter((e) => e.action === action).reverse()
    expect(by('resource.add')[0]).toMatchObject({
      actor: 'alice',
      targetName: 'gpt-4o:TPM',
      at: '2026-06-01T12:00:00.000Z',
      details: { tpmLimit: 100 }
    })
    expect(by('resource.edit')[0]!.details).toEqual({ changes: { tpmLimit: { from: 100, to: 200 } } })
    expect(by('pool.set')[0]!.details).toEqual({ changes: { tpmPool: { from: null, to: 1000 } } })
    expect(by('key.create')[0]!.details).toMatchObject({
      kind: 'standard',
      department: 'Fin',
      resources: ['o3:PYG'],
      notifyEmail: 'x@example.com'
    })
    expect(by('key.edit')[0]).toMatchObject({
      targetName: 'a',
      details: { changes: { notes: { from: null, to: 'hello' }, department: { from: 'Fin', to: 'Legal' } } }
    })
    expect(Object.keys((by('key.edit')[0]!.details as { changes: object }).changes).sort()).toEqual([
      'department',
      'notes'
    ])
    expect(by('key.assign')[0]!.details).toMatchObject({
      added: ['gpt-4o:TPM'],
      removed: [],
      changes: { resources: { from: ['o3:PYG'], to: ['gpt-4o:TPM', 'o3:PYG'] } }
    })
    expect(by('key.unassign')[0]!.details).toMatchObject({ removed: ['o3:PYG'] })
    expect(by('key.disable')[0]!.details).toEqual({ changes: { status: { from: 'active', to: 'disabled' } } })
    expect(by('key.rotate')[0]!.details).toMatchObject({
      graceSeconds: 60,
      changes: { hint: { from: expect.stringMatching(/^kw_/), to: expect.stringMatching(/^kw_/) } }
    })
    expect(by('key.delete')[0]).toMatchObject({ targetName: 'a', details: { resources: ['o3:PYG'] } })
    // Filters: by key (id or name, even once deleted) and by action.
    expect(t.registry.listAudit({ key: 'root' }).items.map((e) => e.action)).toEqual(['key.create'])
    expect(t.registry.listAudit({ key: 'a' }).total).toBe(9)
    expect(t.registry.listAudit({ action: 'resource.add' }).total).toBe(2)
    expect(() => t.registry.listAudit({ key: 'never' })).toThrow(/No key "never" exists or ever existed/)
  })

  it('records nothing for a change that changes nothing, or is refused', () => {
    t.registry.createKey({ name: 'a', notes: 'same' }, ACTOR)
    t.registry.editKey({ key: 'a', changes: { notes: 'same' } }, ACTOR)
    t.registry.disableKey({ key: 'a' }, ACTOR)
    t.registry.disableKey({ key: 'a' }, ACTOR)
    t.registry.setPool({ tpmPool: null }, ACTOR)
    expect(() => t.registry.createKey({ name: 'A' }, ACTOR)).toThrow()
    expect(t.registry.listAudit().items.map((e) => e.action)).toEqual(['key.disable', 'key.create'])
  })

  it('never holds a secret, whole or in pieces', () => {
    const secrets = everyChange()
    const rows = JSON.stringify(t.registry.db.prepare('SELECT * FROM audit_log').all())
    for (const secret of secrets) for (const w of windows(secret)) expect(rows).not.toContain(w)
    const hashes = secrets.map((s) => createHash('sha256').update(s).digest('hex'))
    for (const h of hashes) expect(rows).not.toContain(h)
  })

  it('chains each entry to the one before: SHA-256(previous hash + canonical content)', () => {
    everyChange()
    const rows = t.registry.db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as Record<string, never>[]
    let prev = '0'.repeat(64)
    for (const row of rows) {
      expect(row.prev_hash).toBe(prev)
      const content = canonicalJson({
        seq: row.seq,
        at: row.at,
        actor: row.actor,
        action: row.action,
        targetId: row.target_id,
        targetName: row.target_name,
        details: JSON.parse(row.details)
      })
      expect(row.hash).toBe(createHash('sha256').update(prev).update(content).digest('hex'))
      prev = row.hash
    }
    expect(t.registry.verifyAudit()).toEqual({ ok: true, entries: 15 })
  })
})

describe('audit verify finds tampering and names the first broken seq', () => {
  const run = (sql: string) => t.registry.db.exec(sql)
  beforeEach(() => {
    everyChange()
    expect(t.registry.verifyAudit()).toEqual({ ok: true, entries: 15 })
  })

  it('an edited actor', () => {
    run("UPDATE audit_log SET actor = 'mallory' WHERE seq = 4")
    expect(t.registry.verifyAudit()).toEqual({ ok: false, entries: 15, brokenAt: 4 })
  })

  it('edited details, even when only reformatted', () => {
    const details = t.registry.db.prepare('SELECT details FROM audit_log WHERE seq = 6').pluck().get() as string
    run(`UPDATE audit_log SET details = '${details.replace('hello', 'HELLO')}' WHERE seq = 6`)
    expect(t.registry.verifyAudit()).toMatchObject({ ok: false, brokenAt: 6 })
    run(`UPDATE audit_log SET details = 'not json' WHERE seq = 2`)
    expect(t.registry.verifyAudit()).toMatchObject({ ok: false, brokenAt: 2 })
  })

  it('an edited row whose own hash was recomputed: the next row no longer links', () => {
    run('UPDATE audit_log SET at = at + 1 WHERE seq = 7')
    expect(t.registry.verifyAudit().brokenAt).toBe(7)
    const row = t.registry.db.prepare('SELECT * FROM audit_log WHERE seq = 7').get() as Record<string, never>
    const content = canonicalJson({
      seq: 7,
      at: row.at,
      actor: row.actor,
      action: row.action,
      targetId: row.target_id,
      targetName: row.target_name,
      details: JSON.parse(row.details)
    })
    const forged = createHash('sha256').update(row.prev_hash).update(content).digest('hex')
    t.registry.db.prepare('UPDATE audit_log SET hash = ? WHERE seq = 7').run(forged)
    expect(t.registry.verifyAudit()).toEqual({ ok: false, entries: 15, brokenAt: 8 })
  })

  it('a removed row in the middle', () => {
    run('DELETE FROM audit_log WHERE seq = 9')
    expect(t.registry.verifyAudit()).toEqual({ ok: false, entries: 14, brokenAt: 9 })
  })

  it('the first row removed', () => {
    run('DELETE FROM audit_log WHERE seq = 1')
    expect(t.registry.verifyAudit()).toMatchObject({ ok: false, brokenAt: 1 })
  })

  it('the last row removed (the head kept apart from the rows notices)', () => {
    run('DELETE FROM audit_log WHERE seq = 15')
    expect(t.registry.verifyAudit()).toEqual({ ok: false, entries: 14, brokenAt: 15 })
    run('DELETE FROM audit_log WHERE seq >= 12')
    expect(t.registry.verifyAudit()).toEqual({ ok: false, entries: 11, brokenAt: 12 })
  })

  it('reordered rows', () => {
    run(
      'UPDATE audit_log SET seq = -1 WHERE seq = 5; UPDATE audit_log SET seq = 5 WHERE seq = 6; UPDATE audit_log SET seq = 6 WHERE seq = -1'
    )
    expect(t.registry.verifyAudit()).toEqual({ ok: false, entries: 15, brokenAt: 5 })
  })

  it('a row added behind the log’s back, even one with a correct link and hash', () => {
    const last = t.registry.db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as {
      seq: number
      hash: string
    }
    const entry = {
      seq: 16,
      at: 1,
      actor: 'mallory',
      action: 'key.create',
      target_id: null,
      target_name: 'x',
      details: '{}'
    }
    const content = canonicalJson({
      seq: 16,
      at: 1,
      actor: 'mallory',
      action: 'key.create',
      targetId: null,
      targetName: 'x',
      details: {}
    })
    const hash = createHash('sha256').update(last.hash).update(content).digest('hex')
    t.registry.db
      .prepare(
        'INSERT INTO audit_log (seq, at, actor, action, target_id, target_name, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'
      )
      .run(
        entry.seq,
        entry.at,
        entry.actor,
        entry.action,
        entry.target_id,
        entry.target_name,
        entry.details,
        last.hash,
        hash
      )
    expect(t.registry.verifyAudit()).toEqual({ ok: false, entries: 16, brokenAt: 16 })
  })

  it('a later legitimate append does not hide earlier tampering', () => {
    run("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
    t.registry.createKey({ name: 'later' }, ACTOR)
    expect(t.registry.verifyAudit()).toEqual({ ok: false, entries: 16, brokenAt: 3 })
  })
})
