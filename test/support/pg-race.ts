import type { Pool } from 'pg'

/**
 * Starts `calls` at once and makes them truly race: another connection takes the lock `hold`
 * names (the audit chain's head, some keys' rows…) and keeps it until every call's connection is
 * waiting on a lock (whatever it waits on), so each has done its checks before any commits; then
 * lets them all go together. The parity tests' races across nodes use it.
 */
export async function raceBehind<T>(
  pool: Pool,
  hold: { text: string; values?: unknown[] },
  calls: (() => Promise<T>)[]
): Promise<PromiseSettledResult<T>[]> {
  const holder = await pool.connect()
  try {
    await holder.query('BEGIN')
    await holder.query(hold.text, hold.values)
    let finished = false
    const settled = Promise.allSettled(calls.map((call) => call())).finally(() => (finished = true))
    for (;;) {
      // pg_stat_activity is read once per transaction unless the snapshot is cleared.
      await holder.query('SELECT pg_stat_clear_snapshot()')
      const waiting = await holder.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
      )
      if (waiting.rows[0]!.n >= calls.length || finished) break
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    await holder.query('COMMIT')
    return await settled
  } finally {
    holder.release()
  }
}

/** The audit chain's head, which every change locks last. */
export const CHAIN_HEAD = { text: 'SELECT seq FROM audit_head WHERE one FOR UPDATE' }
