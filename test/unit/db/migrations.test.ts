import Database from 'better-sqlite3'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { KeywardError } from '../../../src/shared/errors'
import { latestSchemaVersion, openRegistryDatabase } from '../../../src/main/db/open'
import { MIGRATIONS, type Migration } from '../../../src/main/db/migrations'

let dir: string
let path: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-db-'))
  path = join(dir, 'registry.sqlite3')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex')
const LATEST = latestSchemaVersion()

function openError(options: Parameters<typeof openRegistryDatabase>[1] = {}): KeywardError {
  try {
    openRegistryDatabase(path, options).close()
  } catch (error) {
    if (error instanceof KeywardError) return error
    throw error
  }
  throw new Error('expected the registry to be refused')
}

describe('migrations', () => {
  it('build the whole schema from an empty file, record each step, and set the pragmas', () => {
    const db = openRegistryDatabase(path)
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST)
      expect(db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all()).toEqual(
        MIGRATIONS.map((m) => ({ version: m.version, name: m.name }))
      )
      const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all()
      for (const t of [
        'api_keys',
        'api_keys_fts',
        'audit_log',
        'departments',
        'key_resources',
        'key_secrets',
        'key_tombstones',
        'outbox',
        'projects',
        'registry_settings',
        'resources'
      ]) {
        expect(tables).toContain(t)
      }
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
      expect(db.pragma('synchronous', { simple: true })).toBe(2) // FULL
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000)
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
      expect(db.pragma('foreign_key_check')).toEqual([])
    } finally {
      db.close()
    }
  })

  it('are applied once: reopening changes nothing', () => {
    openRegistryDatabase(path).close()
    const before = sha(path)
    const db = openRegistryDatabase(path)
    expect(db.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(MIGRATIONS.length)
    db.close()
    expect(sha(path)).toBe(before)
  })

  it('upgrade an older registry step by step, keeping its data', () => {
    const first = MIGRATIONS.filter((m) => m.version === 1)
    const old = openRegistryDatabase(path, { migrations: first })
    expect(old.pragma('user_version', { simple: true })).toBe(1)
    old
      .prepare(
        "INSERT INTO api_keys (id, name, kind, hint, created_by, created_at, updated_at) VALUES ('k_1', 'kept', 'standard', 'kw_0000…0000', 't', 1, 1)"
      )
      .run()
    old.close()
    const db = openRegistryDatabase(path)
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST)
      expect(db.prepare('SELECT name FROM api_keys').pluck().all()).toEqual(['kept'])
      expect(db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).toEqual(
        MIGRATIONS.map((m) => m.version)
      )
    } finally {
      db.close()
    }
  })

  for (const journal of ['wal', 'delete'] as const) {
    it(`refuse a registry written by a newer version and leave it byte-identical (${journal} journal)`, () => {
      openRegistryDatabase(path).close()
      const raw = new Database(path)
      raw.pragma(`user_version = ${LATEST + 1}`)
      raw.pragma(`journal_mode = ${journal}`)
      raw.close()
      expect(existsSync(`${path}-wal`)).toBe(false)
      const before = sha(path)
      const error = openError()
      expect(error.code).toBe('INTERNAL')
      expect(error.message).toContain(`schema ${LATEST + 1}`)
      expect(error.message).toMatch(/newer version of Keyward/)
      expect(error.message).toMatch(/update Keyward/)
      expect(sha(path)).toBe(before)
      expect(existsSync(`${path}-wal`)).toBe(false)
    })
  }

  it('stop at a failing migration with a clear message, applying nothing of that step', () => {
    openRegistryDatabase(path).close()
    const broken: Migration = {
      version: LATEST + 1,
      name: 'add a table, then fail',
      sql: 'CREATE TABLE half_done (x INTEGER); INSERT INTO half_done VALUES (1); INSERT INTO no_such_table VALUES (1);'
    }
    const after: Migration = { version: LATEST + 2, name: 'never reached', sql: 'CREATE TABLE never (x INTEGER);' }
    const error = openError({ migrations: [...MIGRATIONS, broken, after] })
    expect(error.code).toBe('INTERNAL')
    expect(error.message).toContain(`migration ${LATEST + 1} "add a table, then fail" failed`)
    expect(error.message).toContain('no such table: no_such_table')
    expect(error.message).toMatch(/Nothing was changed by that step/)
    const db = new Database(path, { readonly: true })
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST)
      expect(db.prepare("SELECT name FROM sqlite_schema WHERE name IN ('half_done', 'never')").all()).toEqual([])
      expect(db.prepare('SELECT max(version) FROM schema_migrations').pluck().get()).toBe(LATEST)
    } finally {
      db.close()
    }
  })

  it('a failure in the middle of an upgrade keeps the steps before it', () => {
    const steps: Migration[] = [
      MIGRATIONS[0]!,
      { version: 2, name: 'bad', sql: 'CREATE TABLE t2 (x); SELECT no_such_function();' },
      { version: 3, name: 'after', sql: 'CREATE TABLE t3 (x);' }
    ]
    const error = openError({ migrations: steps })
    expect(error.message).toContain('migration 2 "bad" failed')
    const db = new Database(path, { readonly: true })
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(1)
      expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name IN ('t2', 't3')").pluck().get()).toBe(0)
      expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'api_keys'").pluck().get()).toBe(1)
    } finally {
      db.close()
    }
  })

  it('say clearly when the path is not a usable registry file', () => {
    mkdirSync(join(dir, 'folder'))
    writeFileSync(join(dir, 'notes.txt'), 'these are my notes, not a database\n'.repeat(200))
    for (const [target, expected] of [
      [join(dir, 'folder'), /Cannot open the registry at .*folder/],
      [join(dir, 'notes.txt'), /notes\.txt is not a Keyward registry/]
    ] as const) {
      path = target
      const error = openError()
      expect(error.code).toBe('INTERNAL')
      expect(error.message).toMatch(expected)
    }
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('these are my notes, not a database\n'.repeat(200))
  })
})
