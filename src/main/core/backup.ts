import Database from 'better-sqlite3'
import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, fsyncSync, linkSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { KeywardError } from '../../shared/errors'
import { MIGRATIONS } from '../db/migrations'
import { latestSchemaVersion, migrate, openRegistryDatabase, type RegistryDatabase } from '../db/open'
import { AuditLog } from './audit'
import { SqliteStore } from './store'

/**
 * Back up and restore a registry file with SQLite's online backup API, safe while the desktop app
 * and `keyward serve` use it:
 *  - a backup reads one consistent snapshot (in WAL mode writers carry on) into a temp file beside
 *    the target, which is checked and renamed into place, so a crash never leaves half a backup;
 *  - a restore checks the file first (integrity, a Keyward schema no newer than this program, the
 *    audit chain), keeps a copy of the registry it replaces, and writes the backup's pages INTO
 *    the live file as one write transaction. Other connections see it as any other commit; a file
 *    renamed over a registry that other processes hold open in WAL mode would corrupt them.
 * These functions take paths and open their own connections; the registry's own connection (the
 * app's, the CLI's) needs nothing special.
 */

export interface FileOptions {
  /** An Electron-ABI build of better-sqlite3 (the desktop app); plain Node uses the default. */
  nativeBinding?: string
}

export interface BackupResult {
  backup: string
  bytes: number
  keys: number
  auditEntries: number
}

export interface RestoreResult {
  restored: string
  /** The copy of the replaced registry; null when there was no registry at that path. */
  previous: string | null
  keys: number
}

export interface BackupInspection {
  schemaVersion: number
  keys: number
  auditEntries: number
}

/** Every remaining page in one step: a step reads one snapshot, so other processes' writes cannot restart it. */
const ALL_PAGES = 0x7fffffff

/** `keyward backup FILE`: a checked, self-contained copy of the registry at `registryPath`. */
export async function backupRegistry(
  registryPath: string,
  file: string,
  options: FileOptions & { force?: boolean } = {}
): Promise<BackupResult> {
  const live = resolve(registryPath)
  const target = resolve(file)
  if (!existsSync(live))
    throw new KeywardError('NOT_FOUND', `There is no registry at ${live} to back up. Check --db or KEYWARD_DB.`)
  if (isRegistryFile(live, target))
    throw KeywardError.validation({ FILE: 'That is the registry itself (or one of its files): choose another path.' })
  if (!options.force && existsSync(target))
    throw KeywardError.validation({
      FILE: `${target} already exists. Choose another name, or pass --force to replace it.`
    })
  const source = openReadOnly(live, options)
  try {
    requireRegistry(source, live, options)
    const counts = await copyToFile(source, target, { ...options, check: true })
    return { backup: target, ...counts }
  } finally {
    source.close()
  }
}

/**
 * Opens `file` read-only and checks that it can replace a registry: SQLite's integrity check, a
 * Keyward schema (table for table) no newer than this program, and an intact audit chain.
 * Throws VALIDATION naming FILE with what is wrong; changes nothing anywhere.
 */
export function inspectBackup(file: string, options: FileOptions = {}): BackupInspection {
  const path = resolve(file)
  if (!existsSync(path)) throw refused(`${path} does not exist.`)
  if (!statSync(path).isFile()) throw refused(`${path} is not a file.`)
  let db: RegistryDatabase
  try {
    db = openReadOnly(path, options)
  } catch (error) {
    throw refused(`${path} cannot be opened (${(error as Error).message}).`)
  }
  try {
    let problems: string[]
    try {
      problems = integrityProblems(db)
    } catch (error) {
      const code = String((error as { code?: unknown }).code ?? '')
      throw refused(
        code.startsWith('SQLITE_NOTADB')
          ? `${path} is not an SQLite database: it is not a Keyward backup.`
          : `${path} is damaged (${(error as Error).message}): it cannot be restored.`
      )
    }
    if (problems.length)
      throw refused(
        `${path} is damaged: SQLite's integrity check found ${problems.length === 1 ? 'a problem' : `${problems.length} problems`} (${problems[0]}). It cannot be restored.`
      )
    const schemaVersion = Number(db.pragma('user_version', { simple: true }))
    const latest = latestSchemaVersion()
    if (schemaVersion > latest)
      throw refused(
        `${path} was written by a newer version of Keyward (schema ${schemaVersion}; this version knows up to ${latest}). Update Keyward to restore it.`
      )
    const difference = schemaDifference(db, schemaVersion, options)
    if (difference) throw refused(`${path} is not a Keyward registry: ${difference}`)
    const audit = new AuditLog(new SqliteStore(db)).verify()
    if (!audit.ok)
      throw refused(
        `The audit chain in ${path} is broken at entry ${audit.brokenAt} (of ${audit.entries}): the backup was tampered with or damaged. It cannot be restored.`
      )
    return { schemaVersion, keys: countKeys(db), auditEntries: audit.entries }
  } finally {
    db.close()
  }
}

/** Where a restore keeps the registry it replaces: `<registry>.before-restore-<UTC time>.sqlite3`, never an existing file. */
export function keptCopyPath(registryPath: string, now: number = Date.now()): string {
  const stamp = new Date(now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  const base = `${resolve(registryPath)}.before-restore-${stamp}`
  let path = `${base}.sqlite3`
  for (let n = 2; existsSync(path); n++) path = `${base}-${n}.sqlite3`
  return path
}

/**
 * `keyward restore FILE`: checks FILE (inspectBackup), keeps a copy of the current registry, and
 * brings FILE's contents into the registry at `registryPath`, migrated to this version's schema,
 * with a "registry.restore" audit entry at the end of its chain.
 */
export async function restoreRegistry(
  registryPath: string,
  file: string,
  options: FileOptions & { actor: string; now?: number; keepAs?: string }
): Promise<RestoreResult> {
  const live = resolve(registryPath)
  const source = resolve(file)
  if (isRegistryFile(live, source))
    throw KeywardError.validation({ FILE: 'That is the registry itself: choose a backup file.' })
  inspectBackup(source, options)
  const now = options.now ?? Date.now()
  const previous = existsSync(live) ? resolve(options.keepAs ?? keptCopyPath(live, now)) : null
  if (previous && existsSync(previous))
    throw KeywardError.validation({ FILE: `${previous} already exists: it would not be overwritten.` })

  // The backup's pages, staged beside the registry, migrated and given the restore's audit entry,
  // so the live file goes from its old contents to the new ones in one step.
  const staging = tempPathBeside(live, 'restore')
  try {
    const backup = openReadOnly(source, options)
    try {
      await backup.backup(staging, { progress: () => ALL_PAGES })
    } finally {
      backup.close()
    }
    const staged = openRegistryDatabase(staging, { nativeBinding: options.nativeBinding })
    try {
      const store = new SqliteStore(staged)
      const keys = countKeys(staged)
      store.write(() =>
        new AuditLog(store).append(now, {
          actor: options.actor,
          action: 'registry.restore',
          targetId: null,
          targetName: null,
          details: { from: source, keys, previous }
        })
      )
      if (previous) {
        const current = openReadOnly(live, options)
        try {
          requireSamePageSize(current, staged, live)
          await copyToFile(current, previous, { ...options, check: false })
        } finally {
          current.close()
        }
      }
      // The live file as the backup's DESTINATION: SQLite writes the pages under the write lock,
      // through the WAL, and bumps the schema cookie, so open connections read the new contents.
      await staged.backup(live, { progress: () => ALL_PAGES })
      return { restored: source, previous, keys }
    } finally {
      staged.close()
    }
  } catch (error) {
    if (error instanceof KeywardError) throw error
    throw new KeywardError(
      'INTERNAL',
      `The restore failed (${(error as Error).message}). ` +
        (previous && existsSync(previous)
          ? `The registry as it was before is kept at ${previous}.`
          : 'The registry was not replaced.')
    )
  } finally {
    removeDatabaseFiles(staging)
  }
}

/**
 * Writes `text` to `path` with mode 0600 through a temp file beside it and a rename, so the file
 * is either the old one or the whole new one. For exports that hold registry data.
 */
export function writePrivateFileAtomically(path: string, text: string): void {
  const target = resolve(path)
  if (!existsSync(dirname(target)))
    throw KeywardError.validation({ '--out': `The folder ${dirname(target)} does not exist.` })
  const temp = tempPathBeside(target, 'write')
  try {
    const fd = openSync(temp, 'wx', 0o600)
    try {
      writeSync(fd, text)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temp, target)
  } finally {
    rmSync(temp, { force: true })
  }
}

// ── Internals ──

/** A restore refused because of FILE; the CLI shows the field's text as the message. */
function refused(problem: string): KeywardError {
  return KeywardError.validation({ FILE: `${problem} Nothing was changed.` })
}

function openReadOnly(path: string, options: FileOptions): RegistryDatabase {
  const db = new Database(path, {
    readonly: true,
    fileMustExist: true,
    nativeBinding: options.nativeBinding || process.env.KEYWARD_SQLITE_BINDING || undefined
  })
  db.pragma('trusted_schema = OFF')
  db.pragma('busy_timeout = 5000')
  return db
}

function integrityProblems(db: RegistryDatabase): string[] {
  return (db.pragma('integrity_check') as { integrity_check: string }[])
    .map((r) => r.integrity_check)
    .filter((r) => r !== 'ok')
}

function countKeys(db: RegistryDatabase): number {
  return db.prepare('SELECT count(*) FROM api_keys').pluck().get() as number
}

function countAudit(db: RegistryDatabase): number {
  return db.prepare('SELECT count(*) FROM audit_log').pluck().get() as number
}

function requireRegistry(db: RegistryDatabase, path: string, options: FileOptions): void {
  const version = Number(db.pragma('user_version', { simple: true }))
  if (version > latestSchemaVersion()) return // a newer Keyward's registry: copied as it is
  const difference = schemaDifference(db, version, options)
  if (difference) throw new KeywardError('INTERNAL', `${path} is not a Keyward registry: ${difference}`)
}

/**
 * Compares the file's tables, indexes, triggers and views with those the migrations up to its
 * version create: a registry matches statement for statement. Anything else (another program's
 * database, an extra trigger) is named. Returns undefined when they match.
 */
function schemaDifference(db: RegistryDatabase, version: number, options: FileOptions): string | undefined {
  if (version < 1) return 'it has no Keyward schema version (PRAGMA user_version is 0).'
  const expected = new Database(':memory:', {
    nativeBinding: options.nativeBinding || process.env.KEYWARD_SQLITE_BINDING || undefined
  })
  try {
    migrate(
      expected,
      MIGRATIONS.filter((m) => m.version <= version)
    )
    const want = schemaObjects(expected)
    const have = schemaObjects(db)
    for (const [name, sql] of want) {
      if (!have.has(name)) return `${name} is missing.`
      if (have.get(name) !== sql) return `${name} differs from the schema Keyward ${version} creates.`
    }
    for (const name of have.keys()) if (!want.has(name)) return `it has ${name}, which Keyward does not create.`
    return undefined
  } finally {
    expected.close()
  }
}

function schemaObjects(db: RegistryDatabase): Map<string, string | null> {
  const rows = db
    .prepare("SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
    .all() as { type: string; name: string; sql: string | null }[]
  return new Map(rows.map((r) => [`${r.type} ${r.name}`, r.sql]))
}

function requireSamePageSize(live: RegistryDatabase, staged: RegistryDatabase, path: string): void {
  const a = Number(live.pragma('page_size', { simple: true }))
  const b = Number(staged.pragma('page_size', { simple: true }))
  // SQLite cannot write a WAL-mode destination with another page size (it answers "readonly").
  if (a !== b)
    throw refused(
      `its page size (${b} bytes) differs from the registry's at ${path} (${a} bytes), which SQLite cannot restore in place.`
    )
}

/**
 * Copies `source` into a new file at `target` through a temp file beside it: pages, then (with
 * `check`) SQLite's integrity check, then rollback journaling so the file stands alone (no -wal
 * beside it), fsync, and a rename. Without `force` an existing target is never replaced.
 */
async function copyToFile(
  source: RegistryDatabase,
  target: string,
  options: FileOptions & { check: boolean; force?: boolean }
): Promise<Omit<BackupResult, 'backup'>> {
  if (!existsSync(dirname(target)))
    throw KeywardError.validation({ FILE: `The folder ${dirname(target)} does not exist.` })
  const temp = tempPathBeside(target, 'backup')
  try {
    await source.backup(temp, { progress: () => ALL_PAGES })
    const copy = new Database(temp, {
      fileMustExist: true,
      nativeBinding: options.nativeBinding || process.env.KEYWARD_SQLITE_BINDING || undefined
    })
    let counts: { keys: number; auditEntries: number }
    try {
      copy.pragma('trusted_schema = OFF')
      // The copy carries the source's WAL flag in its header: one file is easier to keep and move.
      copy.pragma('journal_mode = DELETE')
      if (options.check) {
        const problems = integrityProblems(copy)
        if (problems.length)
          throw new KeywardError(
            'INTERNAL',
            `The backup failed SQLite's integrity check (${problems[0]}); the registry itself may be damaged. No backup was written.`
          )
      }
      counts = { keys: countKeys(copy), auditEntries: countAudit(copy) }
    } finally {
      copy.close()
    }
    const fd = openSync(temp, 'r+')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    placeFile(temp, target, options.force === true)
    return { bytes: statSync(target).size, ...counts }
  } finally {
    removeDatabaseFiles(temp)
  }
}

/** Moves a finished temp file to `target`; without `replace`, atomically refuses an existing one. */
function placeFile(temp: string, target: string, replace: boolean): void {
  if (replace) {
    renameSync(temp, target)
    return
  }
  try {
    linkSync(temp, target) // fails with EEXIST instead of replacing, unlike rename
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST')
      throw KeywardError.validation({
        FILE: `${target} already exists. Choose another name, or pass --force to replace it.`
      })
    // File systems without hard links (FAT, some network drives): check, then rename.
    if (existsSync(target))
      throw KeywardError.validation({
        FILE: `${target} already exists. Choose another name, or pass --force to replace it.`
      })
    renameSync(temp, target)
  }
}

function tempPathBeside(path: string, purpose: string): string {
  return join(dirname(path), `.${basename(path)}.${purpose}-${process.pid}-${randomBytes(6).toString('hex')}.tmp`)
}

function removeDatabaseFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true })
}

/** Whether `other` is the registry file or one of its companions. */
function isRegistryFile(registry: string, other: string): boolean {
  return ['', '-wal', '-shm', '-journal'].some((suffix) => registry + suffix === other)
}
