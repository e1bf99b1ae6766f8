import { existsSync, rmSync } from 'node:fs'
import { resolve } from 'node:path'
import type { PoolClient } from 'pg'
import type { AuditVerifyResult } from '../../shared/types'
import { KeywardError } from '../../shared/errors'
import { latestSchemaVersion, openRegistryDatabase, type RegistryDatabase } from '../db/open'
import { isPostgresUrl, redactUrl } from '../db/pg/connection'
import { latestPgSchemaVersion, openPgRegistry, translatePgError, type PgRegistry } from '../db/pg/open'
import { AuditLog, GENESIS } from './audit'
import { verifyPgAudit } from './pg/audit'
import { SqliteStore } from './store'

/**
 * `keyward migrate --from A --to B`: copies a whole registry between engines (SQLite file ↔
 * PostgreSQL URL, or file to file), table for table and row for row: keys by their secret hashes
 * (every secret keeps working), tombstones, resources, the pool, assignments, usage, the outbox and
 * the audit log as it is (the same chain, the same head). The source is read in one snapshot;
 * the target is written in ONE transaction that also checks its audit chain, so a target is
 * either the whole copy with an intact chain or left as it was. A target must be empty.
 */

/** Copy order: every row's foreign keys point at rows already copied. Key: the primary key (keyset paging). */
const TABLES: readonly { name: string; key: readonly string[] }[] = [
  { name: 'registry_settings', key: ['name'] },
  { name: 'departments', key: ['id'] },
  { name: 'projects', key: ['id'] },
  { name: 'resources', key: ['id'] },
  { name: 'api_keys', key: ['pk'] },
  { name: 'key_secrets', key: ['id'] },
  { name: 'key_resources', key: ['key_pk', 'resource_id'] },
  { name: 'key_tombstones', key: ['secret_hash'] },
  { name: 'audit_log', key: ['seq'] },
  { name: 'outbox', key: ['id'] },
  { name: 'key_usage', key: ['key_pk', 'model', 'minute'] },
  { name: 'resource_usage', key: ['resource_id', 'minute'] },
  { name: 'tpm_window', key: ['resource_id', 'second'] }
]

/** Identity columns on PostgreSQL whose sequences must continue after the copied ids. */
const IDENTITIES: readonly [string, string][] = [
  ['departments', 'id'],
  ['projects', 'id'],
  ['api_keys', 'pk'],
  ['key_secrets', 'id'],
  ['outbox', 'id']
]

/** On SQLite the chain head is this registry_settings row ("seq:hash"); PostgreSQL keeps it in audit_head. */
const HEAD_SETTING = 'audit_head'
const PAGE = 2000

export interface MigrateProgress {
  table: string
  done: number
  total: number
}

export interface MigrateOptions {
  env?: NodeJS.ProcessEnv
  /** Called after each page of rows written (and once per table when it is done). */
  onProgress?: (progress: MigrateProgress) => void
}

export interface MigrateResult {
  from: string
  to: string
  engines: { from: Engine; to: Engine }
  schemaVersion: number
  /** Rows copied per table. */
  rows: Record<string, number>
  keys: number
  auditEntries: number
  /** The audit chain as verified on the target, inside the copy's transaction. */
  audit: AuditVerifyResult
}

type Engine = 'sqlite' | 'postgres'
type Row = unknown[]

/** One side of the copy: reads pages of rows in one snapshot, or writes rows in one transaction. */
interface Side {
  engine: Engine
  shown: string
  columns(table: string): Promise<string[]>
  count(table: string): Promise<number>
  page(table: string, columns: string[], key: readonly string[], after: Row | undefined): Promise<Row[]>
  insert(table: string, columns: string[], rows: Row[]): Promise<void>
  /** [seq, hash] of the audit chain head as this engine stores it. */
  head(): Promise<[number, string]>
  setHead(seq: number, hash: string): Promise<void>
  verify(): Promise<AuditVerifyResult>
  begin(mode: 'read' | 'write'): Promise<void>
  commit(): Promise<void>
  rollback(): Promise<void>
  /** After a committed copy: let generated ids continue after the copied ones. */
  finish(): Promise<void>
  close(): Promise<void>
}

export async function migrateRegistry(from: string, to: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  if (sameRegistry(from, to))
    throw KeywardError.validation({ '--to': 'That is the --from registry itself: choose another target.' })
  if (!isPostgresUrl(from) && !existsSync(resolve(from)))
    throw KeywardError.validation({ '--from': `There is no registry at ${resolve(from)}. Check the path.` })
  const source = await openSide(from, '--from', options)
  let target: Side | undefined
  let created = false
  try {
    if (!isPostgresUrl(to)) created = !existsSync(resolve(to))
    target = await openSide(to, '--to', options)
    return await copy(source, target, options)
  } catch (error) {
    // A file this run created holds nothing worth keeping: the copy's transaction was rolled back.
    if (target && created) {
      await target.close().catch(() => {})
      target = undefined
      for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(resolve(to) + suffix, { force: true })
    }
    throw error
  } finally {
    await target?.close().catch(() => {})
    await source.close().catch(() => {})
  }
}

async function copy(source: Side, target: Side, options: MigrateOptions): Promise<MigrateResult> {
  await source.begin('read')
  await target.begin('write')
  let committed = false
  try {
    const rows: Record<string, number> = {}
    const present: string[] = []
    for (const table of TABLES) {
      const n = await target.count(table.name)
      if (n > 0) present.push(`${table.name}: ${n}`)
    }
    const [targetHead] = await target.head()
    if (present.length || targetHead > 0)
      throw KeywardError.validation({
        '--to': `The registry at ${target.shown} is not empty (${present.join(', ') || `audit head at ${targetHead}`}). keyward migrate copies only into an empty registry: give a new file or an empty database. Nothing was changed.`
      })
    for (const table of TABLES) {
      const columns = await source.columns(table.name)
      const want = await target.columns(table.name)
      if (columns.join(',') !== want.join(','))
        throw new KeywardError(
          'INTERNAL',
          `The table ${table.name} has columns (${columns.join(', ')}) at ${source.shown} but (${want.join(', ')}) at ${target.shown}: the two schemas differ. Nothing was changed.`
        )
      const total = await source.count(table.name)
      const keyIndexes = table.key.map((k) => columns.indexOf(k))
      let done = 0
      let after: Row | undefined
      for (;;) {
        let page = await source.page(table.name, columns, table.key, after)
        if (page.length === 0) break
        after = keyIndexes.map((i) => page[page.length - 1]![i])
        const fetched = page.length
        if (table.name === 'registry_settings') page = page.filter((r) => r[columns.indexOf('name')] !== HEAD_SETTING)
        await target.insert(table.name, columns, page)
        done += page.length
        options.onProgress?.({ table: table.name, done, total })
        if (fetched < PAGE) break
      }
      rows[table.name] = done
    }
    const [seq, hash] = await source.head()
    await target.setHead(seq, hash)
    const audit = await target.verify()
    if (!audit.ok)
      throw new KeywardError(
        'INTERNAL',
        `After the copy, the audit chain on ${target.shown} is broken at entry ${audit.brokenAt} (of ${audit.entries}): ` +
          `the chain at ${source.shown} is not intact (see keyward audit verify). Nothing was written to --to.`
      )
    await target.commit()
    committed = true
    await source.commit()
    await target.finish()
    return {
      from: source.shown,
      to: target.shown,
      engines: { from: source.engine, to: target.engine },
      schemaVersion: latestSchemaVersion(),
      rows,
      keys: rows.api_keys ?? 0,
      auditEntries: rows.audit_log ?? 0,
      audit
    }
  } finally {
    if (!committed) {
      await target.rollback().catch(() => {})
      await source.rollback().catch(() => {})
    }
  }
}

function sameRegistry(a: string, b: string): boolean {
  if (isPostgresUrl(a) !== isPostgresUrl(b)) return false
  if (isPostgresUrl(a)) return redactUrl(a).toLowerCase() === redactUrl(b).toLowerCase()
  return resolve(a) === resolve(b)
}

async function openSide(value: string, field: '--from' | '--to', options: MigrateOptions): Promise<Side> {
  if (!value.trim()) throw KeywardError.validation({ [field]: 'Give a registry file or a postgres:// URL.' })
  if (isPostgresUrl(value)) {
    // Both engines must be at the same schema version for a column-for-column copy.
    if (latestPgSchemaVersion() !== latestSchemaVersion())
      throw new KeywardError('INTERNAL', 'This build has different schema versions for SQLite and PostgreSQL.')
    return pgSide(await openPgRegistry(value, { field, env: options.env, max: 1 }))
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value.trim())?.[1]
  if (scheme)
    throw KeywardError.validation({
      [field]: `This is a ${scheme}:// URL: give a registry file or a postgres:// URL.`
    })
  return sqliteSide(openRegistryDatabase(resolve(value)))
}

function sqliteSide(db: RegistryDatabase): Side {
  const path = db.name
  return {
    engine: 'sqlite',
    shown: path,
    async columns(table) {
      return (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name)
    },
    async count(table) {
      return db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number
    },
    async page(table, columns, key, after) {
      const where = after ? `WHERE (${key.join(', ')}) > (${key.map(() => '?').join(', ')})` : ''
      return db
        .prepare(`SELECT ${columns.join(', ')} FROM ${table} ${where} ORDER BY ${key.join(', ')} LIMIT ${PAGE}`)
        .raw()
        .all(...(after ?? [])) as Row[]
    },
    async insert(table, columns, rows) {
      const insert = db.prepare(
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`
      )
      for (const row of rows) insert.run(...row)
    },
    async head() {
      const value = db.prepare('SELECT value FROM registry_settings WHERE name = ?').pluck().get(HEAD_SETTING) as
        string | undefined
      if (!value) return [0, GENESIS]
      const [seq, hash] = value.split(':')
      return [Number(seq), hash ?? '']
    },
    async setHead(seq, hash) {
      if (seq > 0)
        db.prepare('INSERT INTO registry_settings (name, value) VALUES (?, ?)').run(HEAD_SETTING, `${seq}:${hash}`)
    },
    async verify() {
      return new AuditLog(new SqliteStore(db)).verify()
    },
    async begin(mode) {
      // One snapshot to read (WAL readers carry on beside writers); the write lock up front to write.
      db.exec(mode === 'read' ? 'BEGIN DEFERRED' : 'BEGIN IMMEDIATE')
      if (mode === 'read') db.prepare('SELECT count(*) FROM schema_migrations').get()
    },
    async commit() {
      if (db.inTransaction) db.exec('COMMIT')
    },
    async rollback() {
      if (db.inTransaction) db.exec('ROLLBACK')
    },
    async finish() {},
    async close() {
      db.close()
    }
  }
}

function pgSide(registry: PgRegistry): Side {
  let client: PoolClient | undefined
  const q = async <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) => {
    client ??= await registry.pool.connect()
    try {
      return await client.query<T>(sql, params)
    } catch (error) {
      throw translatePgError(error, registry.url)
    }
  }
  return {
    engine: 'postgres',
    shown: registry.url,
    async columns(table) {
      const result = await q<{ column_name: string }>(
        'SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position',
        [table]
      )
      return result.rows.map((r) => r.column_name)
    },
    async count(table) {
      return Number((await q<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n ?? 0)
    },
    async page(table, columns, key, after) {
      const where = after ? `WHERE (${key.join(', ')}) > (${key.map((_, i) => `$${i + 1}`).join(', ')})` : ''
      const result = await q(
        `SELECT ${columns.join(', ')} FROM ${table} ${where} ORDER BY ${key.join(', ')} LIMIT ${PAGE}`,
        after ?? []
      )
      return result.rows.map((r) => columns.map((c) => r[c]))
    },
    async insert(table, columns, rows) {
      // Several rows per statement, under PostgreSQL's 65535 parameters.
      const perStatement = Math.max(1, Math.min(500, Math.floor(60_000 / columns.length)))
      for (let i = 0; i < rows.length; i += perStatement) {
        const chunk = rows.slice(i, i + perStatement)
        const values: unknown[] = []
        const tuples = chunk.map((row) => {
          const start = values.length
          values.push(...row)
          return `(${row.map((_, j) => `$${start + j + 1}`).join(', ')})`
        })
        await q(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, values)
      }
    },
    async head() {
      const row = (await q<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_head WHERE one')).rows[0]
      return row ? [Number(row.seq), row.hash] : [0, GENESIS]
    },
    async setHead(seq, hash) {
      await q('UPDATE audit_head SET seq = $1, hash = $2 WHERE one', [seq, hash])
    },
    async verify() {
      client ??= await registry.pool.connect()
      return verifyPgAudit(client)
    },
    async begin(mode) {
      if (mode === 'read') await q('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
      else {
        await q('BEGIN')
        // Writers of this registry append to its audit chain: they wait for the copy to finish.
        await q('SELECT seq FROM audit_head WHERE one FOR UPDATE')
      }
    },
    async commit() {
      await q('COMMIT')
    },
    async rollback() {
      if (client) await client.query('ROLLBACK')
    },
    async finish() {
      for (const [table, column] of IDENTITIES)
        await q(
          `SELECT setval(pg_get_serial_sequence('${table}', '${column}'), coalesce((SELECT max(${column}) FROM ${table}), 0) + 1, false)`
        )
    },
    async close() {
      client?.release()
      client = undefined
      await registry.close()
    }
  }
}
