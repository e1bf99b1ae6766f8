import type { Registry } from '../../core/registry'
import type { UsageEntry } from '../../core/usage'
import { MINUTE_MS } from '../../core/usage'
import type { WriteQueue } from '../write-queue'

/** How often the gateway writes the usage it buffered. */
export const USAGE_FLUSH_MS = 500

/**
 * The gateway's usage per key, model and minute, summed in memory and written through the
 * server's write queue every USAGE_FLUSH_MS (and when the server stops) in one transaction:
 * never a disk write on the request path, and one write for many requests.
 */
export class GatewayUsage {
  private rows = new Map<string, UsageEntry>()
  private readonly timer: NodeJS.Timeout

  constructor(
    private readonly registry: Registry,
    private readonly writes: WriteQueue,
    private readonly log: (line: string) => void,
    flushMs = USAGE_FLUSH_MS
  ) {
    this.timer = setInterval(() => this.flush(), flushMs)
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

  /** Queues the buffered rows for writing (the queue retries them while another process holds the lock). */
  flush(): void {
    if (this.rows.size === 0) return
    const rows = [...this.rows.values()]
    this.rows = new Map()
    this.writes
      .submit(() => this.registry.recordUsageRows(rows))
      .done.catch((error: unknown) =>
        this.log(`keyward serve: gateway usage of ${rows.length} rows not written: ${(error as Error)?.message}`)
      )
  }

  /** Stops the timer and queues what is left (the server drains the queue before it closes). */
  close(): void {
    clearInterval(this.timer)
    this.flush()
  }
}
