import type { Registry } from '../../core/registry'
import type { TpmWindowRow } from '../../core/tpm-window'
import type { WriteQueue } from '../write-queue'

/**
 * The gateway's TPM limiter: a sliding window of one-second buckets per TPM resource, in memory.
 *
 * Admission. A request arriving in second s is admitted when the tokens in buckets s-60 … s (61
 * buckets) plus its reservation fit the limit. Any 60-second span of real time lies within 61
 * consecutive one-second buckets, so the tokens admitted in ANY 60 s never exceed the limit
 * (plus the settle overshoot below): there is no 2x burst at a minute boundary, as a fixed minute
 * allows. The price of the 61st bucket: a token admitted at the very start of second b holds its
 * place until the start of second b+61, up to 61 s rather than 60.
 *
 * Check-and-add is one synchronous call on the server's one event loop, so concurrent requests
 * cannot both take the last tokens; reserve, settle and release never touch the disk or wait.
 *
 * Settling. A reservation is settled to the upstream's actual usage: its bucket moves by
 * (actual - reserved), never below 0 (a request that outlived the window charges a larger count
 * to the current second instead). The tokens charged to any 60-second span exceed the limit by at
 * most the sum of max(0, actual - reserved) over the span's requests that were still unsettled
 * when its last request was admitted (a settle that lands before a later check is counted by
 * that check). So the overshoot is 0 when every request's reservation covers its actual usage (it
 * sets max_tokens / max_completion_tokens and the prompt count is not below the upstream's).
 *
 * Persistence. Window state is written to `tpm_window` through the server's WriteQueue every
 * `flushIntervalMs` (100 ms), batched: per-second deltas of this process, added to the table's
 * rows in one transaction that also prunes rows older than two minutes and reads the whole window
 * back, so this process then counts the table's totals (its own tokens and every other
 * process's) instead of its own deltas: nothing is counted twice. Between flushes it also re-reads
 * the table, so another gateway process on the same file sees this one's reservations within two
 * flush intervals (this one's write, the other's read), while no process holds the write lock
 * longer. A new TpmWindow over the same file loads the last 61 s at construction: a restarted
 * gateway keeps the window's count, losing at most the deltas of its last, unflushed interval if
 * it stopped without close().
 */

export interface Reservation {
  resourceId: string
  tokens: number
  /** The second (epoch ms / 1000, floored) whose bucket holds the tokens. */
  second: number
}

export type ReserveResult =
  | { ok: true; reservation: Reservation; limit: number; remaining: number; resetSeconds: number }
  | {
      ok: false
      limit: number
      remaining: number
      retryAfterSeconds: number
      resetSeconds: number
      /** The request alone exceeds the limit: it would never be admitted (retryAfterSeconds is then resetSeconds). */
      tooLarge: boolean
    }

export interface TpmWindowOptions {
  registry: Registry
  writes: WriteQueue
  clock: () => number
  /** How often window deltas are written and the table re-read (ms); 0 = only on flush() and close(). */
  flushIntervalMs?: number
}

/** One-second buckets whose sum is checked: 61 cover any 60-second span. */
export const WINDOW_BUCKETS = 61
export const DEFAULT_FLUSH_INTERVAL_MS = 100
/** Rows older than this many seconds are pruned from the table. */
export const PRUNE_AFTER_SECONDS = 120

/** One resource's second: the table's total at the last read, plus this process's deltas since. */
export interface Bucket {
  /** The table's tokens for this second when last read. */
  stored: number
  /** This process's deltas handed to a write that has not run yet (the table lacks them). */
  writing: number
  /** This process's deltas not yet handed to a write. */
  pending: number
}

const total = (b: Bucket): number => Math.max(0, b.stored + b.writing + b.pending)

/**
 * Settling and releasing, the same on both engines: each reservation is settled or released once
 * (a second call changes nothing), and a window only says how to move its tokens (adjust).
 */
export abstract class SettlingWindow {
  /** Reservations already settled or released. */
  private readonly finished = new WeakSet<Reservation>()

  /**
   * Moves the reservation's tokens to what the request actually used. When its second has left the
   * window (a request longer than a minute), a larger actual count is charged to the current second.
   * A non-number or negative `actualTokens` keeps the reservation as it is.
   */
  settle(reservation: Reservation, actualTokens: number): void {
    if (this.finished.has(reservation)) return
    this.finished.add(reservation)
    if (!Number.isFinite(actualTokens) || actualTokens < 0) return
    this.adjust(reservation, wholeTokens(actualTokens) - reservation.tokens)
  }

  /** Gives the reservation back (the request was not sent, or failed before using tokens). */
  release(reservation: Reservation): void {
    if (this.finished.has(reservation)) return
    this.finished.add(reservation)
    this.adjust(reservation, -reservation.tokens)
  }

  /** Moves the reservation's tokens by `delta` (never below 0). */
  protected abstract adjust(reservation: Reservation, delta: number): void
}

export class TpmWindow extends SettlingWindow {
  private readonly registry: Registry
  private readonly writes: WriteQueue
  private readonly clock: () => number
  private readonly windows = new Map<string, Map<number, Bucket>>()
  private readonly timer: NodeJS.Timeout | undefined
  /** The flush handed to the write queue and not yet run. */
  private writing: Promise<void> | undefined
  private closed = false

  constructor(options: TpmWindowOptions) {
    super()
    this.registry = options.registry
    this.writes = options.writes
    this.clock = options.clock
    this.refresh()
    const every = options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS
    if (every > 0) {
      this.timer = setInterval(() => void this.flush().catch(() => undefined), every)
      this.timer.unref()
    }
  }

  /** Admits `tokens` against `limit` in the resource's window now, or says when they would fit. */
  reserve(resourceId: string, limit: number, tokens: number): ReserveResult {
    const now = this.clock()
    const second = Math.floor(now / 1000)
    const amount = wholeTokens(tokens)
    const buckets = this.buckets(resourceId)
    // Flushes drop old seconds; without them (no timer, a file that stays unreadable) this does.
    if (buckets.size > 2 * WINDOW_BUCKETS)
      for (const s of buckets.keys()) if (s <= second - WINDOW_BUCKETS) buckets.delete(s)
    return admit(buckets, resourceId, limit, amount, now)
  }

  /** The resource's window now, without reserving: for rate-limit headers. */
  peek(resourceId: string, limit: number): { limit: number; remaining: number; resetSeconds: number } {
    const now = this.clock()
    const second = Math.floor(now / 1000)
    const buckets = this.buckets(resourceId)
    return {
      limit,
      remaining: Math.max(0, limit - windowSum(buckets, second)),
      resetSeconds: resetSeconds(buckets, second, now)
    }
  }

  /**
   * Hands this process's deltas to the write queue (one transaction that also prunes and reads the
   * table back), or, while a write waits for the lock or there is nothing to write, re-reads the
   * table. Resolves when the write ran; never blocks the caller on the lock.
   */
  flush(): Promise<void> {
    if (this.writing) {
      this.refresh()
      return this.writing
    }
    const deltas = this.takePending()
    if (deltas.length === 0) {
      this.refresh()
      return Promise.resolve()
    }
    const second = Math.floor(this.clock() / 1000)
    const run = (): void => {
      const rows = this.registry.flushTpmWindow(deltas, {
        pruneBefore: second - PRUNE_AFTER_SECONDS,
        since: Math.floor(this.clock() / 1000) - (WINDOW_BUCKETS - 1)
      })
      // Same synchronous step as the commit: the table now holds `writing`, so drop it as we read.
      this.writing = undefined
      this.load(rows, true)
    }
    const done = this.writes.submit(run, { tryFirst: this.closed }).done.catch((error: unknown) => {
      // Not written (BUSY at close, or a failure): the deltas go back to pending for a later flush.
      this.writing = undefined
      this.unwrite()
      throw error
    })
    // submit ran it at once unless the lock was taken; then it waits in the queue.
    if (this.hasWriting()) this.writing = done
    return done
  }

  /**
   * Stops the timer and writes the last deltas: at once when the lock is free (even behind other
   * queued writes), else they wait in the server's write queue for its drainNow(). Call it before
   * the server drains its queue and closes the registry.
   */
  close(): void {
    if (this.closed) return
    this.closed = true
    if (this.timer) clearInterval(this.timer)
    if (this.writing) return
    void this.flush().catch(() => undefined)
  }

  protected adjust(reservation: Reservation, delta: number): void {
    if (delta === 0) return
    const second = Math.floor(this.clock() / 1000)
    const buckets = this.buckets(reservation.resourceId)
    let target = reservation.second
    if (target < second - (WINDOW_BUCKETS - 1)) {
      // Its second has left the window: giving tokens back there changes nothing; extra ones count now.
      if (delta < 0) return
      target = second
    }
    const bucket = bucketAt(buckets, target)
    bucket.pending += Math.max(delta, -total(bucket))
  }

  private buckets(resourceId: string): Map<number, Bucket> {
    let buckets = this.windows.get(resourceId)
    if (!buckets) {
      buckets = new Map()
      this.windows.set(resourceId, buckets)
    }
    return buckets
  }

  /** Moves every pending delta to `writing` and returns them as rows. */
  private takePending(): TpmWindowRow[] {
    const rows: TpmWindowRow[] = []
    for (const [resourceId, buckets] of this.windows) {
      for (const [second, bucket] of buckets) {
        if (bucket.pending === 0) continue
        rows.push({ resourceId, second, tokens: bucket.pending })
        bucket.writing += bucket.pending
        bucket.pending = 0
      }
    }
    return rows
  }

  private hasWriting(): boolean {
    for (const buckets of this.windows.values()) for (const b of buckets.values()) if (b.writing !== 0) return true
    return false
  }

  private unwrite(): void {
    for (const buckets of this.windows.values()) {
      for (const bucket of buckets.values()) {
        bucket.pending += bucket.writing
        bucket.writing = 0
      }
    }
  }

  /** Reads the table's window (a read: never waits for the write lock in WAL mode). */
  private refresh(): void {
    const since = Math.floor(this.clock() / 1000) - (WINDOW_BUCKETS - 1)
    try {
      this.load(this.registry.loadTpmWindow(since), false)
    } catch {
      // The file was briefly unreadable: keep the counts we have until the next tick.
    }
  }

  /**
   * Takes the table's totals as `stored` for every second in the window (0 where the table has no
   * row), dropping seconds that left it. `written`: the rows include this process's `writing`.
   */
  private load(rows: readonly TpmWindowRow[], written: boolean): void {
    const since = Math.floor(this.clock() / 1000) - (WINDOW_BUCKETS - 1)
    for (const buckets of this.windows.values()) {
      for (const [second, bucket] of buckets) {
        if (second < since) {
          buckets.delete(second)
          continue
        }
        bucket.stored = 0
        if (written) bucket.writing = 0
      }
    }
    for (const row of rows) {
      if (row.second < since) continue
      bucketAt(this.buckets(row.resourceId), row.second).stored = row.tokens
    }
    for (const [resourceId, buckets] of this.windows) if (buckets.size === 0) this.windows.delete(resourceId)
  }
}

/**
 * The window's rule, on both engines: `amount` tokens are admitted at `now` when the buckets'
 * window sum plus them fits `limit`; admitted, they are added to the current second's bucket (as
 * pending). Refused, the answer says when they would fit. PostgreSQL decides the same sum in its
 * statement (PgTpmWindow) and this answers from the rows that statement read.
 */
export function admit(
  buckets: Map<number, Bucket>,
  resourceId: string,
  limit: number,
  amount: number,
  now: number
): ReserveResult {
  const second = Math.floor(now / 1000)
  const used = windowSum(buckets, second)
  if (used + amount <= limit) {
    const bucket = bucketAt(buckets, second)
    bucket.pending += amount
    return {
      ok: true,
      reservation: { resourceId, tokens: amount, second },
      limit,
      remaining: Math.max(0, limit - used - amount),
      resetSeconds: resetSeconds(buckets, second, now)
    }
  }
  const reset = resetSeconds(buckets, second, now)
  const tooLarge = amount > limit
  return {
    ok: false,
    limit,
    remaining: Math.max(0, limit - used),
    retryAfterSeconds: tooLarge ? Math.max(1, reset) : retryAfter(buckets, second, now, limit - amount),
    resetSeconds: reset,
    tooLarge
  }
}

/** Buckets holding stored tokens per second (PostgreSQL's rows), for admit(). */
export function storedBuckets(rows: Iterable<readonly [second: number, tokens: number]>): Map<number, Bucket> {
  const buckets = new Map<number, Bucket>()
  for (const [second, tokens] of rows) bucketAt(buckets, second).stored += tokens
  return buckets
}

function bucketAt(buckets: Map<number, Bucket>, second: number): Bucket {
  let bucket = buckets.get(second)
  if (!bucket) {
    bucket = { stored: 0, writing: 0, pending: 0 }
    buckets.set(second, bucket)
  }
  return bucket
}

/**
 * Tokens in the window of second `second`: buckets second-60 … second, and any later ones (if the
 * clock stepped back, tokens it admitted "in the future" still count).
 */
function windowSum(buckets: Map<number, Bucket>, second: number): number {
  const since = second - (WINDOW_BUCKETS - 1)
  let sum = 0
  for (const [s, bucket] of buckets) if (s >= since) sum += total(bucket)
  return sum
}

/**
 * Seconds from `now` until the window's tokens drop to `target` or below, if nothing more is
 * admitted: bucket b leaves the window when second b+61 starts. At least 1.
 */
function retryAfter(buckets: Map<number, Bucket>, second: number, now: number, target: number): number {
  const inWindow = [...buckets].filter(([s]) => s >= second - (WINDOW_BUCKETS - 1)).sort(([a], [b]) => a - b)
  let remaining = inWindow.reduce((sum, [, b]) => sum + total(b), 0)
  let leaveAt = second + 1
  for (const [s, bucket] of inWindow) {
    if (remaining <= target) break
    remaining -= total(bucket)
    leaveAt = s + WINDOW_BUCKETS
  }
  return Math.max(1, Math.ceil((leaveAt * 1000 - now) / 1000))
}

/** Seconds from `now` until every token now in the window has left it (0 when it is empty). */
function resetSeconds(buckets: Map<number, Bucket>, second: number, now: number): number {
  let newest = Number.NEGATIVE_INFINITY
  for (const [s, bucket] of buckets) {
    if (s >= second - (WINDOW_BUCKETS - 1) && total(bucket) > 0 && s > newest) newest = s
  }
  if (newest === Number.NEGATIVE_INFINITY) return 0
  return Math.max(1, Math.ceil(((newest + WINDOW_BUCKETS) * 1000 - now) / 1000))
}

export function wholeTokens(tokens: number): number {
  return Number.isFinite(tokens) && tokens > 0 ? Math.ceil(tokens) : 0
}
