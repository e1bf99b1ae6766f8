import { contract, CORE_OPERATIONS } from '../../shared/contract'
import { KeywardError } from '../../shared/errors'
import { isBusyError } from '../core/sqlite-errors'
import type { OperationTable } from '../transport/dispatch'

/**
 * The server's writes, kept off the request path while another process (the app, the CLI, a
 * seed-demo) holds the registry's write lock. better-sqlite3 is synchronous and the server has one
 * event loop, so its connection waits only a few milliseconds for the lock (SERVER_BUSY_TIMEOUT_MS);
 * a write that finds the lock taken is queued here and retried on a timer, in order, while
 * verification (reads only) goes on answering.
 *
 * While anything is queued, new writes join the back of the queue without trying: one attempt per
 * retry tick, however many requests arrive, so the event loop is never blocked for longer than
 * one busy timeout at a time.
 */

/** How long one attempt of the server's connection waits for the write lock. */
export const SERVER_BUSY_TIMEOUT_MS = 5
/** How long an admin API change is retried before that request alone answers 503 BUSY. */
export const ADMIN_WRITE_DEADLINE_MS = 2_000
/** Retry ticks grow from the first to the last: short enough to catch a chunked writer's pauses. */
const RETRY_MS = [2, 5, 10, 20] as const
/** Time one drain may run queued writes back to back before letting requests in. */
const DRAIN_SLICE_MS = 20

export interface QueuedWrite<T> {
  /** Settles once the write ran: its result, its own error, or BUSY when its deadline passed first. */
  done: Promise<T>
}

interface Job {
  run: () => unknown
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
  /** Epoch ms after which the job gives up with BUSY; Infinity retries until it runs. */
  deadline: number
}

export interface WriteQueueOptions {
  /** At most this many writes wait at once; beyond that a write is refused with BUSY at once. */
  maxQueued?: number
  now?: () => number
}

export class WriteQueue {
  private readonly jobs: Job[] = []
  private timer: NodeJS.Timeout | undefined
  private failures = 0
  private readonly maxQueued: number
  private readonly now: () => number

  constructor(options: WriteQueueOptions = {}) {
    this.maxQueued = options.maxQueued ?? 100_000
    this.now = options.now ?? Date.now
  }

  /** Writes waiting for the lock. */
  get size(): number {
    return this.jobs.length
  }

  /**
   * Runs `write` now when nothing is waiting (or `tryFirst`), else queues it behind the others;
   * a busy attempt is queued and retried until it runs or `deadlineMs` passes (BUSY).
   */
  submit<T>(write: () => T, options: { deadlineMs?: number; tryFirst?: boolean } = {}): QueuedWrite<T> {
    if (this.jobs.length === 0 || options.tryFirst) {
      try {
        return { done: Promise.resolve(write()) }
      } catch (error) {
        if (!isBusyError(error)) return { done: Promise.reject(error) }
      }
    }
    if (this.jobs.length >= this.maxQueued) return { done: Promise.reject(busyError()) }
    let job!: Job
    const done = new Promise<T>((resolve, reject) => {
      job = {
        run: write,
        resolve: resolve as (value: unknown) => void,
        reject,
        deadline: this.now() + (options.deadlineMs ?? Number.POSITIVE_INFINITY)
      }
    })
    this.jobs.push(job)
    this.schedule()
    return { done }
  }

  /**
   * Runs the queued writes once more, now, in order (the caller has raised the busy timeout: the
   * server is closing). At the first one still busy, it and all after it fail with BUSY: one wait
   * for the lock, not one per write. Stops the retry timer.
   */
  drainNow(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    let busy = false
    for (const job of this.jobs.splice(0)) {
      if (!busy && this.attempt(job, false)) continue
      busy = true
      job.reject(busyError())
    }
  }

  private schedule(): void {
    if (this.timer) return
    const delay = RETRY_MS[Math.min(this.failures, RETRY_MS.length - 1)]
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.drain()
    }, delay)
  }

  private drain(): void {
    const started = this.now()
    while (this.jobs.length > 0) {
      const job = this.jobs[0]!
      if (!this.attempt(job, this.now() >= job.deadline)) {
        this.failures++
        break
      }
      this.jobs.shift()
      this.failures = 0
      if (this.now() - started >= DRAIN_SLICE_MS) break
    }
    // Jobs behind a busy head that are past their deadline answer now, not when the lock goes.
    const now = this.now()
    for (let i = this.jobs.length - 1; i >= 1; i--) {
      const job = this.jobs[i]!
      if (now >= job.deadline) {
        this.jobs.splice(i, 1)
        job.reject(busyError())
      }
    }
    if (this.jobs.length > 0) this.schedule()
  }

  /** False when the lock was still taken and the job stays queued (unless `last`, when it fails BUSY). */
  private attempt(job: Job, last: boolean): boolean {
    try {
      job.resolve(job.run())
      return true
    } catch (error) {
      if (!isBusyError(error)) {
        job.reject(error)
        return true
      }
      if (!last) return false
      job.reject(busyError())
      return true
    }
  }
}

export function busyError(): KeywardError {
  return new KeywardError(
    'BUSY',
    "The registry is busy with another process's change (the desktop app, the CLI or a seed-demo), so this change could not be written in time. Nothing was changed; try again in a moment."
  )
}

/**
 * The operation table with each core operation that changes the registry retried through `queue`
 * for up to `deadlineMs` (then BUSY, HTTP 503 with Retry-After); reads run as they are.
 */
export function retryingWrites(
  table: OperationTable,
  queue: WriteQueue,
  deadlineMs = ADMIN_WRITE_DEADLINE_MS
): OperationTable {
  const wrapped = { ...table } as Record<string, (input: unknown, ctx: unknown) => unknown>
  for (const name of CORE_OPERATIONS) {
    // demo.load commits in chunks: retried after a busy chunk it would seed a second time.
    if (!contract[name].mutates || name === 'demo.load') continue
    const handler = wrapped[name]!
    // tryFirst: an admin change is rare; it tries at once even behind queued usage reports.
    wrapped[name] = (input, ctx) => queue.submit(() => handler(input, ctx), { deadlineMs, tryFirst: true }).done
  }
  return wrapped as unknown as OperationTable
}
