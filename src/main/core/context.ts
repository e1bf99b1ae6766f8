import type { AuditLog } from './audit'
import type { Clock } from './clock'
import type { RandomBytes } from './secrets'
import { BASE62 } from './secrets'
import type { SqliteStore } from './store'

/**
 * What every core module works with: the store (statements, transactions), the clock, the random
 * source, the audit log and the buffer of last-used times. Modules are plain functions over this.
 */
export interface Core {
  readonly store: SqliteStore
  readonly clock: Clock
  readonly randomBytes: RandomBytes
  readonly audit: AuditLog
  readonly lastUsed: LastUsedBuffer
}

/** A new public id: `prefix` and 16 base62 characters from the random source. */
export function newId(core: Pick<Core, 'randomBytes'>, prefix: string): string {
  const bytes = core.randomBytes(12)
  let out = prefix
  for (const b of bytes) out += BASE62[b % 62]
  return out
}

/**
 * Verified keys' lastUsedAt, held in memory and written at most every `flushMs`: verification
 * never writes to disk per call.
 */
export class LastUsedBuffer {
  private pending = new Map<number, number>()
  private lastFlushAt = 0

  constructor(
    private readonly store: SqliteStore,
    private readonly clock: Clock,
    private readonly flushMs: number
  ) {}

  /** The buffered time for a key, 0 when none. */
  get(pk: number): number {
    return this.pending.get(pk) ?? 0
  }

  forget(pk: number): void {
    this.pending.delete(pk)
  }

  note(pk: number, now: number): void {
    this.pending.set(pk, now)
    if (now - this.lastFlushAt >= this.flushMs) {
      try {
        this.flush()
      } catch {
        // Another process holds the write lock past the timeout: try again on a later call.
      }
    }
  }

  /** Writes buffered values. Called on its own schedule and on close. */
  flush(): void {
    this.lastFlushAt = this.clock()
    if (this.pending.size === 0) return
    const pending = this.pending
    this.pending = new Map()
    const touch = this.store.sql('UPDATE api_keys SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE pk = ?')
    try {
      this.store.batch(() => {
        for (const [pk, at] of pending) touch.run(at, pk)
      })
    } catch (error) {
      // Another process held the lock too long: keep the times for the next flush (newest wins).
      for (const [pk, at] of pending) if ((this.pending.get(pk) ?? 0) < at) this.pending.set(pk, at)
      throw error
    }
  }
}
