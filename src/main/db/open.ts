import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { KeywardError } from '../../shared/errors'
import { translateSqliteError } from '../core/sqlite-errors'
import { MIGRATIONS, type Migration } from './migrations'

export type RegistryDatabase = Database.Database

export interface OpenOptions {
  /** Path to an Electron-ABI build of better-sqlite3 (the desktop app); plain Node uses the default. */
  nativeBinding?: string
  /** Milliseconds a writer waits for another process's write lock before giving up. */
  busyTimeoutMs?: number
  migrations?: readonly Migration[]
}

/**
 * Opens (creating if needed) a registry file, applies the connection pragmas and brings the schema
 * up to date. Throws a KeywardError with a message a user can act on when the file cannot be used.
 */
export function openRegistryDatabase(path: string, options: OpenOptions = {}): RegistryDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  let db: RegistryDatabase
  try {
    db = new Database(path, { nativeBinding: options.nativeBinding || process.env.KEYWARD_SQLITE_BINDING || undefined })
  } catch (error) {
    throw new KeywardError(
      'INTERNAL',
      `Cannot open the registry at ${path}: ${(error as Error).message}. Check the path and its permissions.`
    )
  }
  try {
    // Before anything that writes (the switch to WAL rewrites the header): a newer registry stays untouched.
    refuseNewerSchema(db, options.migrations ?? MIGRATIONS)
    applyPragmas(db, options.busyTimeoutMs ?? 5000)
    migrate(db, options.migrations ?? MIGRATIONS)
  } catch (error) {
    db.close()
    const known = translateSqliteError(error, path)
    if (known instanceof KeywardError) throw known
    throw new KeywardError(
      'INTERNAL',
      `Cannot use the registry at ${path}: ${(error as Error)?.message}. Check the path and its permissions.`
    )
  }
  return db
}

export function applyPragmas(db: RegistryDatabase, busyTimeoutMs: number): void {
  // The timeout first: switching to WAL itself needs the lock another process may hold.
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`)
  if (db.name !== ':memory:') {
    const mode = db.pragma('journal_mode = WAL', { simple: true })
    if (String(mode).toLowerCase() !== 'wal') {
      throw new KeywardError(
        'INTERNAL',
        `The registry could not switch to WAL mode (it reports "${mode}"). Is it on a network or read-only drive?`
      )
    }
  }
  // Reads straight from the OS page cache instead of a read() per page: filtered lists and counts
  // touch thousands of pages at 100k keys, and this makes them several times faster. A cap, not
  // an allocation: only the file's actual size is mapped.
  if (db.name !== ':memory:') db.pragma('mmap_size = 1073741824')
  db.pragma('synchronous = FULL')
  db.pragma('foreign_keys = ON')
  db.pragma('trusted_schema = OFF')
}

/** The newest schema version this build knows. */
export function latestSchemaVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.reduce((max, m) => Math.max(max, m.version), 0)
}

/** Throws when the file's schema is newer than these migrations know. Reads only. */
export function refuseNewerSchema(db: RegistryDatabase, migrations: readonly Migration[] = MIGRATIONS): number {
  const latest = latestSchemaVersion(migrations)
  const current = Number(db.pragma('user_version', { simple: true }))
  if (current > latest) {
    throw new KeywardError(
      'INTERNAL',
      `This registry was written by a newer version of Keyward (schema ${current}; this version knows up to ${latest}). ` +
        'It was left untouched: update Keyward to open it.'
    )
  }
  return current
}

export function migrate(db: RegistryDatabase, migrations: readonly Migration[] = MIGRATIONS): void {
  const ordered = [...migrations].sort((a, b) => a.version - b.version)
  const current = refuseNewerSchema(db, ordered)
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT`)
  for (const migration of ordered) {
    if (migration.version <= current) continue
    const apply = db.transaction(() => {
      // Re-read under the write lock: another process may have applied it while we waited.
      if (Number(db.pragma('user_version', { simple: true })) >= migration.version) return
      db.exec(migration.sql)
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        Date.now()
      )
      db.pragma(`user_version = ${migration.version}`)
    })
    try {
      // IMMEDIATE: two processes opening a fresh file at once must not both migrate it.
      apply.immediate()
    } catch (error) {
      throw new KeywardError(
        'INTERNAL',
        `Keyward could not upgrade the registry (migration ${migration.version} "${migration.name}" failed: ${(error as Error).message}). ` +
          'Nothing was changed by that step; restore a backup or report this.'
      )
    }
  }
}
