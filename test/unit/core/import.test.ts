import { createHash, randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { KeyImportResult } from '../../../src/shared/schemas'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { ACTOR } from './support'
import { importChunking } from '../../../src/main/core/import'

let t: TempRegistry
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex')

/** What the file holds: key rows, secret rows and audit entries, counted straight from SQLite. */
function counts() {
  const one = (sql: string) => t.registry.db.prepare(sql).pluck().get() as number
  return {
    keys: one('SELECT count(*) FROM api_keys'),
    secrets: one('SELECT count(*) FROM key_secrets'),
    assignments: one('SELECT count(*) FROM key_resources'),
    audit: one('SELECT count(*) FROM audit_log')
  }
}

const importCsv = (text: string, extra: { dryRun?: boolean; skipInvalid?: boolean } = {}): KeyImportResult =>
  t.registry.importKeys({ text, format: 'csv', ...extra }, ACTOR)

beforeEach(() => {
  t = tempRegistry()
  t.registry.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 1000 }, ACTOR)
  t.registry.addResource({ model: 'gpt-4o', type: 'PYG' }, ACTOR)
  t.registry.addResource({ model: 'o3', type: 'PYG' }, ACTOR)
})
afterEach(() => {
  importChunking.ms = 200
  t.close()
})

describe('keys import (core)', () => {
  it('round trip: an export with hashes imported into a fresh registry keeps every old secret verifying', () => {
    const a = t.registry.createKey(
      { name: 'Alpha', resources: ['gpt-4o:TPM'], department: 'Finance', notes: '=1+2' },
      ACTOR
    )
    const b = t.registry.createKey({ name: 'Beta', kind: 'admin' }, ACTOR)
    const rotated = t.registry.rotateKey({ key: 'Alpha', graceSeconds: 3600 }, ACTOR)
    t.registry.disableKey({ key: 'Beta' }, ACTOR)
    for (const format of ['csv', 'json'] as const) {
      const exported = t.registry.exportKeys({ format, withHashes: true }, ACTOR).text
      const fresh = tempRegistry()
      try {
        fresh.registry.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 1000 }, ACTOR)
        const r = fresh.registry.importKeys({ text: exported, format }, ACTOR)
        expect(r.errors).toEqual([])
        expect({ created: r.created, imported: r.imported }).toEqual({ created: 0, imported: 2 })
        expect(r.keys.every((k) => k.secret === undefined)).toBe(true)
        expect(fresh.registry.verify({ secret: a.secret, model: 'gpt-4o' }).code).toBe('VALID')
        expect(fresh.registry.verify({ secret: rotated.secret, model: 'gpt-4o' }).code).toBe('VALID')
        expect(fresh.registry.verify({ secret: b.secret }).code).toBe('DISABLED')
        const alpha = fresh.registry.getKey({ key: 'Alpha' }).key
        expect(alpha).toMatchObject({ department: 'Finance', notes: '=1+2', hint: rotated.key.hint })
        expect(alpha.resources.map((x) => `${x.model}:${x.type}`)).toEqual(['gpt-4o:TPM'])
        expect(fresh.registry.getKey({ key: 'Beta' }).key.kind).toBe('admin')
        const audit = fresh.registry.listAudit({ action: 'key.create' }).items
        expect(audit.map((e) => [e.targetName, (e.details as { imported: string }).imported]).sort()).toEqual([
          ['Alpha', 'keyward'],
          ['Beta', 'keyward']
        ])
        expect(fresh.registry.verifyAudit().ok).toBe(true)
      } finally {
        fresh.close()
      }
    }
  })

  it("another system's SHA-256 hashes: that raw secret verifies, a random non-kw secret does not, kw_ keys unchanged", () => {
    const secret = `sk-live-${randomBytes(16).toString('hex')}`
    const before = t.registry.createKey({ name: 'Native' }, ACTOR)
    expect(t.registry.verify({ secret }).code).toBe('MALFORMED')
    const r = importCsv(`name,sha256,hint,resources\nLegacy,${sha256(secret)},sk-l…abcd,o3:PYG\n`)
    expect(r.errors).toEqual([])
    expect(r.imported).toBe(1)
    expect(t.registry.verify({ secret, model: 'o3' })).toMatchObject({ valid: true, code: 'VALID' })
    expect(t.registry.verify({ secret, model: 'gpt-4o' }).code).toBe('MODEL_NOT_ASSIGNED')
    expect(t.registry.verify({ secret: `sk-live-${randomBytes(16).toString('hex')}` }).code).toBe('MALFORMED')
    expect(t.registry.verify({ secret: before.secret }).code).toBe('VALID')
    expect(t.registry.getKey({ key: 'Legacy' }).key.hint).toBe('sk-l…abcd')
    const format = t.registry.db.prepare("SELECT format FROM key_secrets WHERE hint = 'sk-l…abcd'").pluck().get()
    expect(format).toBe('sha256')
    // A kw_-shaped secret is never looked up among foreign hashes, even if one was imported with its hash.
    const lookalike = `kw_${'A'.repeat(49)}`
    expect(importCsv(`name,sha256\nLookalike,${sha256(lookalike)}\n`).errors).toEqual([])
    expect(t.registry.verify({ secret: lookalike }).code).toBe('MALFORMED')
    // Deleted, the imported key's secret no longer verifies.
    t.registry.deleteKey({ key: 'Legacy' }, ACTOR)
    expect(t.registry.verify({ secret }).valid).toBe(false)
    // A hint that is the whole secret is refused: the hint is shown everywhere.
    const other = `sk-live-${randomBytes(16).toString('hex')}`
    expect(importCsv(`name,sha256,hint\nLeaky,${sha256(other)},${other}\n`).errors).toEqual([
      expect.objectContaining({ row: 1, field: 'hint' })
    ])
  })

  it('new keys: secrets generated as createKey does, returned once, stored only as hashes', () => {
    const r = importCsv('name,department,resources,expiresAt\nOne,Ops,gpt-4o:PYG,2030-01-01\nTwo,,,\n')
    expect(r.errors).toEqual([])
    expect(r.created).toBe(2)
    for (const k of r.keys) {
      expect(k.secret).toMatch(/^kw_[0-9A-Za-z]{49}$/)
      expect(t.registry.verify({ secret: k.secret! }).code).toBe('VALID')
      const dump = t.registry.db.prepare('SELECT * FROM api_keys JOIN key_secrets s ON s.key_pk = api_keys.pk').all()
      expect(JSON.stringify(dump)).not.toContain(k.secret)
      expect(JSON.stringify(t.registry.listAudit({}).items)).not.toContain(k.secret)
    }
    expect(t.registry.getKey({ key: 'One' }).key).toMatchObject({
      department: 'Ops',
      expiresAt: '2030-01-01T23:59:59.999Z'
    })
  })

  it('a file with several bad rows reports each row and field and writes nothing', () => {
    t.registry.createKey({ name: 'Taken' }, ACTOR)
    const before = counts()
    const text = [
      'name,sha256,resources,expiresAt,notes,kind',
      'Good,,,,,',
      'Taken,,,,,', // 2: name taken
      'Bad Name,,,,,', // 3: bad characters
      `Dup,${'ab'.repeat(32)},,,,`,
      'dup,,,,,', // 5: duplicate in the file (ignoring case)
      'Res,,nope:PYG,,,', // 6: unknown resource
      'Both,,gpt-4o:TPM;gpt-4o:PYG,,,', // 7: TPM/PYG rule
      'Hash,xyz,,,,', // 8: bad hash
      'Date,,,2020-01-01,,', // 9: past date for a new key
      'Date2,,,tomorrow,,', // 10: not a date
      'Formula,,,,=cmd(),', // 11: formula cell
      'Boss,,o3:PYG,,,admin' // 12: admin with resources
    ].join('\n')
    const r = importCsv(text)
    expect(r.created + r.imported).toBe(0)
    expect(r.keys).toEqual([])
    expect(r.errors.map((e) => [e.row, e.field])).toEqual([
      [2, 'name'],
      [3, 'name'],
      [5, 'name'],
      [6, 'resources'],
      [7, 'resources'],
      [8, 'sha256'],
      [9, 'expiresAt'],
      [10, 'expiresAt'],
      [11, 'notes'],
      [12, 'resources']
    ])
    for (const e of r.errors) expect(e.message.length).toBeGreaterThan(10)
    expect(counts()).toEqual(before)

    // skipInvalid: the good rows only.
    const skipped = importCsv(text, { skipInvalid: true })
    expect(skipped.keys.map((k) => k.name)).toEqual(['Good', 'Dup'])
    expect(counts().keys).toBe(before.keys + 2)
  })

  it('wrong columns, unreadable files and JSON of another shape are refused as a whole', () => {
    const before = counts()
    expect(importCsv('name,colour\nA,red\n').errors).toEqual([expect.objectContaining({ row: 0, field: 'colour' })])
    expect(importCsv('notes\nhello\n').errors).toEqual([expect.objectContaining({ row: 0, field: 'name' })])
    expect(importCsv('name,notes\nA\n').errors).toEqual([expect.objectContaining({ row: 1, field: 'file' })])
    expect(importCsv('name\n"A\n').errors).toEqual([expect.objectContaining({ row: 0, field: 'file' })])
    const json = (text: string) => t.registry.importKeys({ text, format: 'json' }, ACTOR)
    expect(json('{"format":"other/1","keys":[]}').errors).toEqual([
      expect.objectContaining({ row: 0, field: 'format' })
    ])
    expect(json('{nope').errors).toEqual([expect.objectContaining({ row: 0, field: 'file' })])
    // A parser's message would quote the file (a hash, a misplaced secret): the report does not.
    const misplaced = `sk-${'x'.repeat(30)}`
    expect(JSON.stringify(json(`{"keys": [${misplaced}`).errors)).not.toContain(misplaced)
    expect(JSON.stringify(importCsv(`name,notes\nA,b"${misplaced}"\n`).errors)).not.toContain(misplaced)
    expect(json('[{"name":"A","colour":"red"}]').errors).toEqual([expect.objectContaining({ row: 1, field: 'colour' })])
    expect(counts()).toEqual(before)
  })

  it('a dry run checks and reports what would be made, and writes nothing', () => {
    const before = counts()
    const r = importCsv(`name,sha256\nNew,\nOld,${'cd'.repeat(32)}\n`, { dryRun: true })
    expect(r).toMatchObject({ dryRun: true, created: 1, imported: 1, errors: [] })
    expect(r.keys.every((k) => k.secret === undefined)).toBe(true)
    expect(counts()).toEqual(before)
  })

  it('a hash already in the registry, or of a deleted key, is refused', () => {
    const live = t.registry.createKey({ name: 'Live' }, ACTOR)
    const gone = t.registry.createKey({ name: 'Gone' }, ACTOR)
    t.registry.deleteKey({ key: 'Gone' }, ACTOR)
    const r = importCsv(`name,sha256\nA,${sha256(live.secret)}\nB,${sha256(gone.secret)}\n`)
    expect(r.errors.map((e) => [e.row, e.field])).toEqual([
      [1, 'sha256'],
      [2, 'sha256']
    ])
    expect(r.errors[1]!.message).toContain('REVOKED')
  })

  it('many rows are written in several chunks; a failure in a later chunk removes the keys of the earlier ones', () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `K${i},Ops,gpt-4o:PYG`)
    const before = counts()
    // A trigger that fails the 2500th insert stands in for a write failing mid-way (a full disk, a lost lock).
    t.registry.db.exec(`CREATE TRIGGER fail_late BEFORE INSERT ON api_keys WHEN NEW.name = 'K2500'
      BEGIN SELECT RAISE(ABORT, 'disk full'); END`)
    // Chunks of 64 rows, whatever the time: rows 1-2496 are committed in 39 chunks before the failing one.
    importChunking.ms = 0
    expect(() => importCsv(`name,department,resources\n${rows.join('\n')}\n`)).toThrow(/conflicts with the regist/)
    expect(counts().keys).toBe(before.keys)
    expect(counts().secrets).toBe(before.secrets)
    expect(counts().assignments).toBe(before.assignments)
    const undone = t.registry.listAudit({ action: 'keys.import.undone' }).items
    expect(undone).toHaveLength(1)
    const chunked = (undone[0]!.details as { count: number }).count
    expect(chunked).toBe(2496)
    expect(t.registry.verifyAudit().ok).toBe(true)

    t.registry.db.exec('DROP TRIGGER fail_late')
    const r = importCsv(`name,department,resources\n${rows.join('\n')}\n`)
    expect(r.created).toBe(3000)
    expect(counts().keys).toBe(before.keys + 3000)
  })
})
