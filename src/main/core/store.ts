import type { Statement } from 'better-sqlite3'
import type { RegistryDatabase } from '../db/open'
import { translateSqliteError } from './sqlite-errors'

/**
 * The SQLite engine under the registry: the one place statements are prepared and transactions
 * run. Every core module reads and writes through a store; nothing outside the core holds the
 * database handle. Statements are cached by SQL text (and row mode): preparing costs more than
 * running most of them, so each is prepared once per connection.
 *
 * Everything here is synchronous, as better-sqlite3 is; see registry.ts for where an asynchronous
 * engine would sit.
 */
export class SqliteStore {
  private readonly statements = new Map<string, Statement>()
  private writes = 0

  constructor(private readonly db: RegistryDatabase) {}

  /**
   * Counts this connection's transactions (write and batch), bumped before and after each: a
   * reader that caches rows (the verify path) compares it to see its own writes at once. Writes
   * by other connections show in SQLite's data_version instead (see VerifyPath).
   */
  get generation(): number {
    return this.writes
  }

  /** The registry file's path (":memory:" for an in-memory registry), for messages. */
  get path(): string {
    return this.db.name
  }

  /** Rows as objects. */
  sql(source: string): Statement {
    return this.prepared('o', source)
  }

  /** The first column of each row only. */
  pluck(source: string): Statement {
    return this.prepared('p', source)
  }

  /** Rows as arrays, in column order. */
  raw(source: string): Statement {
    return this.prepared('r', source)
  }

  /**
   * Runs fn in an IMMEDIATE transaction: the write lock is taken up front, so reads and writes
   * agree, and a refused change leaves nothing behind. SQLite failures become KeywardErrors.
   * Nested calls become savepoints of the outer transaction.
   */
  write<T>(fn: () => T): T {
    this.writes++
    try {
      return this.db.transaction(fn).immediate()
    } catch (error) {
      throw translateSqliteError(error, this.path)
    } finally {
      this.writes++
    }
  }

  /**
   * write() for counters (usage, TPM windows, lastUsedAt): the commit is not fsynced. In WAL mode
   * with synchronous=NORMAL a commit survives a crash of the process, and only a power loss or an
   * OS crash can take the last such commits with it (the file stays consistent). Key changes keep
   * FULL; this keeps the gateway's periodic flushes from waiting on the disk. Inside an open
   * transaction it is a plain write (the outer commit decides).
   */
  counters<T>(fn: () => T): T {
    if (this.db.inTransaction) return this.write(fn)
    this.db.pragma('synchronous = NORMAL')
    try {
      return this.write(fn)
    } finally {
      this.db.pragma('synchronous = FULL')
    }
  }

  /** Runs fn in a plain (DEFERRED) transaction, errors untranslated: for best-effort batches. */
  batch(fn: () => void): void {
    this.writes++
    try {
      this.db.transaction(fn)()
    } finally {
      this.writes++
    }
  }

  /**
   * How long a write waits for another process's write lock before failing with busy. The server
   * sets a few milliseconds (its writes retry off the request path); the CLI and app keep seconds.
   */
  setBusyTimeout(ms: number): void {
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(ms))}`)
  }

  close(): void {
    this.statements.clear()
    this.db.close()
  }

  private prepared(mode: 'o' | 'p' | 'r', source: string): Statement {
    const cacheKey = mode + source
    let statement = this.statements.get(cacheKey)
    if (!statement) {
      statement = this.db.prepare(source)
      if (mode === 'p') statement.pluck()
      else if (mode === 'r') statement.raw()
      this.statements.set(cacheKey, statement)
    }
    return statement
  }
}
