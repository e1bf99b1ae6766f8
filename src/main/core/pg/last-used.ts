import type { Pool } from 'pg'

/**
 * Verified keys' lastUsedAt on a PostgreSQL registry, held in this node's memory and written by
 * the server's timer, never by a verification. Each node keeps its own: a key's lastUsedAt in the
 * registry lags its last use by at most the flush interval (5 s by default) plus one write, and a
 * node killed outright loses at most that interval of last-use times (newest wins across nodes).
 */
export class PgLastUsed {
  private pending = new Map<number, number>()

  constructor(private readonly pool: Pick<Pool, 'query'>) {}

  note(pk: number, at: number): void {
    const was = this.pending.get(pk)
    if (was === undefined || at > was) this.pending.set(pk, at)
  }

  get size(): number {
    return this.pending.size
  }

  /** Writes what was noted; on failure keeps it for the next flush. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return
    const batch = this.pending
    this.pending = new Map()
    const pks = [...batch.keys()]
    try {
      // Rows are locked in key order, so two nodes flushing the same keys wait for each other
      // instead of deadlocking; a key deleted meanwhile is simply not there.
      await this.pool.query(
        `WITH v AS (SELECT * FROM unnest($1::bigint[], $2::bigint[]) AS v(pk, at)),
              locked AS (SELECT k.pk FROM api_keys k JOIN v ON v.pk = k.pk ORDER BY k.pk FOR UPDATE OF k)
         UPDATE api_keys k SET last_used_at = GREATEST(COALESCE(k.last_used_at, 0), v.at)
         FROM v WHERE k.pk = v.pk AND k.pk IN (SELECT pk FROM locked)`,
        [pks, pks.map((pk) => batch.get(pk)!)]
      )
    } catch (error) {
      for (const [pk, at] of batch) this.note(pk, at)
      throw error
    }
  }
}
