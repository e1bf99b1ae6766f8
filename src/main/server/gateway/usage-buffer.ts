import type { UsageEntry } from '../../core/usage'
import { MINUTE_MS } from '../../core/usage'

/** Writes buffered usage rows in one transaction (through the write queue on a file, a pool connection on PostgreSQL). */
export type UsageWrite = (rows: readonly UsageEntry[]) => Promise<unknown>

/** How often the gateway writes the usage it buffered. */
export const USAGE_FLUSH_MS = 500

/**
 * The gateway's usage per key, model and minute, summed in memory and written every
 * USAGE_FLUSH_MS (and when the server stops) in one transaction:
 * never a disk write on the request path, and one write for many requests.
 */
export class GatewayUsage {
  private rows = new Map<string, UsageEntry>()
  private readonly timer: NodeJS.Timeout

  constructor(
    private readonly write: UsageWrite,
    private readonly log: (line: string) => void,
    flushMs = USAGE_FLUSH_MS
  ) {
    this.timer = setInterval(() => void this.flush(), flushMs)
    this.timer.unref()
  }

  add(pk: number, model: string, now: number, promptTokens: number, completionTokens: number): void {
    const minute = Math.floor(now / MINUTE_MS)
    const id = `${pk} ${minute} ${model}`
    const row = this.rows.get(id)
    if (row) {
      row.requests = (row.requests ?? 1) + 1
      row.promptTokens += promptTokens
      row.completionTokens += completionTokens
    } else {
      this.rows.set(id, { pk, model, minute, promptTokens, completionTokens, requests: 1 })
    }
  }

  /** Hands the buffered rows to the write (a file's queue retries them while another process holds the lock). */
  flush(): Promise<void> {
    if (this.rows.size === 0) return Promise.resolve()
    const rows = [...this.rows.values()]
    this.rows = new Map()
    return this.write(rows).then(
      () => undefined,
      (error: unknown) =>
        this.log(`keyward serve: gateway usage of ${rows.length} rows not written: ${(error as Error)?.message}`)
    )
  }

  /** Stops the timer and hands over what is left (a file's server drains its queue before it closes). */
  close(): Promise<void> {
    clearInterval(this.timer)
    return this.flush()
  }
}
