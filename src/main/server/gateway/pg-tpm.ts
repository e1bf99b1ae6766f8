import pg from 'pg'
import type { TokenWindow } from './limits'
import { admit, PRUNE_AFTER_SECONDS, SettlingWindow, storedBuckets, WINDOW_BUCKETS, wholeTokens } from './tpm'
import type { Reservation, ReserveResult } from './tpm'

/** How often a node deletes window rows older than PRUNE_AFTER_SECONDS (never on a request's path). */
export const PG_PRUNE_INTERVAL_MS = 10_000

/** The database's clock, in epoch ms, read when the statement runs (after the lock): the window's one clock. */
const NOW_MS = 'floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint'

/**
 * The reservation, as one simple query (one round trip): a transaction-scoped advisory lock on the
 * resource's window, then one statement that sums the window, inserts the tokens when they fit and
 * answers the sum, the rows it read and the database's time. Both run in the query's implicit
 * transaction, so the lock is held only while PostgreSQL runs them, never across a round trip; the
 * second statement's snapshot is taken after the lock, so it sees every reservation committed
 * before (READ COMMITTED takes a snapshot per statement).
 */
function reserveSql(resourceId: string, limit: number, amount: number): string {
  const r = pg.escapeLiteral(resourceId)
  return /* sql */ `
    SELECT pg_advisory_xact_lock(hashtext('keyward tpm window'), hashtext(${r}));
    WITH t AS (SELECT ms, ms / 1000 AS s FROM (SELECT ${NOW_MS} AS ms) AS clock),
    w AS (SELECT tw.second, tw.tokens FROM tpm_window tw, t
           WHERE tw.resource_id = ${r} AND tw.second >= t.s - ${WINDOW_BUCKETS - 1} AND tw.tokens > 0),
    used AS (SELECT coalesce(sum(w.tokens), 0)::bigint AS used FROM w),
    ins AS (
      INSERT INTO tpm_window (resource_id, second, tokens)
      SELECT ${r}, t.s, ${amount} FROM used, t
       WHERE used.used + ${amount} <= ${limit} AND ${amount} > 0 AND EXISTS (SELECT 1 FROM resources WHERE id = ${r})
      ON CONFLICT (resource_id, second) DO UPDATE SET tokens = tpm_window.tokens + excluded.tokens
      RETURNING 1)
    SELECT t.ms AS now, used.used, (SELECT count(*) FROM ins)::int AS inserted,
           coalesce((SELECT json_agg(json_build_array(w.second, w.tokens)) FROM w), '[]'::json) AS buckets
      FROM t, used`
}

/** More tokens than reserved: added to the reservation's second, or to the current one when that has left the window. */
const CHARGE_SQL = /* sql */ `
  WITH t AS (SELECT ${NOW_MS} / 1000 AS s)
  INSERT INTO tpm_window (resource_id, second, tokens)
  SELECT $1::text, CASE WHEN $2::bigint < t.s - ${WINDOW_BUCKETS - 1} THEN t.s ELSE $2::bigint END, $3::bigint FROM t
   WHERE EXISTS (SELECT 1 FROM resources WHERE id = $1::text)
  ON CONFLICT (resource_id, second) DO UPDATE SET tokens = tpm_window.tokens + excluded.tokens`

/** Tokens given back: only while the reservation's second is still in the window (after, they no longer count). */
const REFUND_SQL = /* sql */ `
  UPDATE tpm_window SET tokens = greatest(0, tokens - $3::bigint)
   WHERE resource_id = $1::text AND second = $2::bigint
     AND second >= ${NOW_MS} / 1000 - ${WINDOW_BUCKETS - 1}`

const PRUNE_SQL = `DELETE FROM tpm_window WHERE second < ${NOW_MS} / 1000 - ${PRUNE_AFTER_SECONDS}`

interface ReserveRow {
  now: number
  used: number
  inserted: number
  buckets: [number, number][]
}

/**
 * The gateway's TPM window on a PostgreSQL registry, shared by every node: the window's rows are
 * the truth, and each reservation is checked and added in PostgreSQL, atomically per resource (an
 * advisory lock per resource window). So nodes never admit on a stale count, and the overshoot
 * bound of a single gateway (tpm.ts) holds across any number of nodes: the tokens charged to any
 * 60-second span exceed the limit by at most the sum of max(0, actual - reserved) over the
 * requests still unsettled when the span's last request was admitted. The window runs on the
 * database's clock, so the nodes' own clocks do not matter.
 *
 * The price: a reservation is one round trip, and waits for other nodes' reservations of the
 * SAME resource (each holds the lock for one statement's run, well under a millisecond).
 * Settling and releasing are writes of their own, after the answer, never awaited by a request.
 */
export class PgTpmWindow extends SettlingWindow implements TokenWindow {
  private readonly writes = new Set<Promise<void>>()
  private readonly timer: NodeJS.Timeout

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: (line: string) => void = () => undefined,
    pruneEveryMs = PG_PRUNE_INTERVAL_MS
  ) {
    super()
    this.timer = setInterval(() => this.write('pruning the window', () => this.pool.query(PRUNE_SQL)), pruneEveryMs)
    this.timer.unref()
  }

  async reserve(resourceId: string, limit: number, tokens: number): Promise<ReserveResult> {
    const amount = wholeTokens(tokens)
    if (!Number.isSafeInteger(limit) || !Number.isSafeInteger(amount))
      throw new Error(`a TPM reservation needs whole numbers (limit ${limit}, tokens ${amount}).`)
    const results = (await this.pool.query(reserveSql(resourceId, limit, amount))) as unknown as pg.QueryResult[]
    const row = results[1]!.rows[0] as ReserveRow
    const answer = admit(storedBuckets(row.buckets), resourceId, limit, amount, row.now)
    // The statement and admit() apply one rule to the same rows: were they ever to differ, no answer is safe.
    if (answer.ok !== row.used + amount <= limit)
      throw new Error(
        `the TPM window of ${resourceId} answered ${row.used} tokens used, which admit() reads otherwise.`
      )
    return answer
  }

  /** Stops pruning; the settles still being written finish (flushed() waits for them). */
  close(): void {
    clearInterval(this.timer)
  }

  /** Resolves when every settle and release handed over so far is written (or failed, logged). */
  async flushed(): Promise<void> {
    while (this.writes.size > 0) await Promise.all([...this.writes])
  }

  protected adjust(reservation: Reservation, delta: number): void {
    if (delta === 0) return
    const { resourceId, second } = reservation
    if (delta > 0) this.write('settling a request', () => this.pool.query(CHARGE_SQL, [resourceId, second, delta]))
    else this.write('giving tokens back', () => this.pool.query(REFUND_SQL, [resourceId, second, -delta]))
  }

  private write(what: string, run: () => Promise<unknown>): void {
    const done: Promise<void> = run().then(
      () => undefined,
      (error: unknown) =>
        this.log(`keyward serve: the TPM window was not updated ${what} (${(error as Error)?.message}).`)
    )
    this.writes.add(done)
    void done.finally(() => this.writes.delete(done))
  }
}
