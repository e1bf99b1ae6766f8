import pg from 'pg'
import { KeywardError } from '../../../shared/errors'
import type { Migration } from '../migrations'
import { parsePgUrl, poolConfig, redactUrl } from './connection'
import { PG_MIGRATIONS } from './migrations'

/** BIGINT columns (epoch ms, counts) as numbers, as better-sqlite3 gives them. */
const INT8_OID = 20
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser
}

/** A PostgreSQL registry: its pool and its URL without the password (for messages). */
export interface PgRegistry {
  readonly pool: pg.Pool
  readonly url: string
  close(): Promise<void>
}

export interface PgOpenOptions {
  /** The option or variable the URL came from, for messages (`--to`, `--db`). */
  field?: string
  env?: NodeJS.ProcessEnv
  migrations?: readonly Migration[]
  /** Connections in the pool (default 4). */
  max?: number
}

/**
 * Connects to the registry at a postgres:// URL and brings its schema up to date, as
 * openRegistryDatabase does for a file: a schema newer than this program is refused before
 * anything is written. The password comes from the URL, PGPASSWORD or ~/.pgpass and never
 * appears in a message.
 */
export async function openPgRegistry(url: string, options: PgOpenOptions = {}): Promise<PgRegistry> {
  const field = options.field ?? '--db'
  const target = parsePgUrl(url, field, options.env)
  const shown = redactUrl(url)
  const pool = new pg.Pool({ ...poolConfig(target, options.env), max: options.max ?? 4, types })
  // An idle connection the server drops must not crash the process; the next query reconnects.
  pool.on('error', () => {})
  try {
    await migratePg(pool, shown, options.migrations ?? PG_MIGRATIONS)
  } catch (error) {
    await pool.end().catch(() => {})
    throw translatePgError(error, shown)
  }
  return { pool, url: shown, close: () => pool.end() }
}

export function latestPgSchemaVersion(migrations: readonly Migration[] = PG_MIGRATIONS): number {
  return migrations.reduce((max, m) => Math.max(max, m.version), 0)
}

/** The database's schema version (0 without Keyward's tables). Reads only. */
export async function pgSchemaVersion(client: pg.Pool | pg.PoolClient): Promise<number> {
  const exists = await client.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t")
  if (!exists.rows[0]?.t) return 0
  const max = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations')
  return Number(max.rows[0]?.v ?? 0)
}

/** Throws when the database's schema is newer than these migrations know. Reads only. */
export async function refuseNewerPgSchema(
  client: pg.Pool | pg.PoolClient,
  shown: string,
  migrations: readonly Migration[] = PG_MIGRATIONS
): Promise<number> {
  const latest = latestPgSchemaVersion(migrations)
  const current = await pgSchemaVersion(client)
  if (current > latest)
    throw new KeywardError(
      'INTERNAL',
      `The registry at ${shown} was written by a newer version of Keyward (schema ${current}; this version knows up to ${latest}). ` +
        'It was left untouched: update Keyward to open it.'
    )
  return current
}

/**
 * Ordered migrations, each in its own transaction and recorded in schema_migrations. A session
 * advisory lock makes processes that open a fresh database at once take turns; each re-reads the
 * version in a transaction begun after the lock was granted (a transaction that began before
 * could still see another's new tables as missing in its catalog cache).
 */
export async function migratePg(
  pool: pg.Pool,
  shown: string,
  migrations: readonly Migration[] = PG_MIGRATIONS
): Promise<void> {
  const ordered = [...migrations].sort((a, b) => a.version - b.version)
  const current = await refuseNewerPgSchema(pool, shown, ordered)
  if (current >= latestPgSchemaVersion(ordered)) return
  const client = await pool.connect()
  try {
    await client.query("SELECT pg_advisory_lock(hashtext('keyward schema'))")
    for (const migration of ordered) {
      if (migration.version <= current) continue
      try {
        await client.query('BEGIN')
        // Under the lock: another process may have applied it, or a newer Keyward written more.
        const now = await refuseNewerPgSchema(client, shown, ordered)
        if (now < migration.version) {
          await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            applied_at BIGINT NOT NULL
          )`)
          await client.query(migration.sql)
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
            migration.version,
            migration.name,
            Date.now()
          ])
        }
        await client.query('COMMIT')
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {})
        if (error instanceof KeywardError) throw error
        if (isConnectionError(error)) throw error
        throw new KeywardError(
          'INTERNAL',
          `Keyward could not upgrade the registry at ${shown} (migration ${migration.version} "${migration.name}" failed: ${(error as Error).message}). ` +
            'Nothing was changed by that step; restore a backup or report this.'
        )
      }
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock(hashtext('keyward schema'))").catch(() => {})
    client.release()
  }
}

function isConnectionError(error: unknown): boolean {
  const code = String((error as { code?: unknown })?.code ?? '')
  return /^(E[A-Z]+|08|28|3D)/.test(code)
}

/**
 * PostgreSQL and network failures in words a user can act on, naming the URL without its password.
 * KeywardErrors pass through.
 */
export function translatePgError(error: unknown, shown: string): KeywardError {
  if (error instanceof KeywardError) return error
  const code = String((error as { code?: unknown })?.code ?? '')
  const message = (error as Error)?.message ?? String(error)
  const where = `the PostgreSQL registry at ${shown}`
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ETIMEDOUT')
    return new KeywardError(
      'INTERNAL',
      `Cannot reach ${where} (${code}). Check the host and port, and that PostgreSQL is running.`
    )
  if (code === '28P01' || code === '28000' || /password must be a (non-empty )?string/i.test(message))
    return new KeywardError(
      'INTERNAL',
      `PostgreSQL refused the login to ${where} (${code === '28000' ? 'no access rule for this user and host' : 'password missing or wrong'}). ` +
        'Give the password in the URL, in PGPASSWORD or in ~/.pgpass.'
    )
  if (code === '3D000')
    return new KeywardError('INTERNAL', `${where} does not exist: create the database first (createdb).`)
  if (/timeout/i.test(message))
    return new KeywardError('INTERNAL', `Connecting to ${where} timed out. Check the host and port.`)
  return new KeywardError('INTERNAL', `${where} failed: ${message}${code ? ` (${code})` : ''}.`)
}
