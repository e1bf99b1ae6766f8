import type { Clock } from '../core/clock'

export interface ThrottleOptions {
  /** Failed authentications allowed per client within one window. */
  maxFailures?: number
  windowMs?: number
  /** Clients remembered at once; the least recently seen are forgotten first. */
  maxClients?: number
  clock?: Clock
}

interface Entry {
  failures: number
  windowStart: number
}

/**
 * Failed admin sign-ins per client address in a fixed window: after `maxFailures` in `windowMs`
 * the address gets 429 until the window ends, even with a correct key, so guessing keys costs a
 * window per few tries. Memory is bounded by `maxClients` (a Map kept in least-recently-seen order).
 */
export class AuthThrottle {
  readonly maxFailures: number
  readonly windowMs: number
  private readonly maxClients: number
  private readonly clock: Clock
  private readonly entries = new Map<string, Entry>()

  constructor(options: ThrottleOptions = {}) {
    this.maxFailures = options.maxFailures ?? 10
    this.windowMs = options.windowMs ?? 60_000
    this.maxClients = options.maxClients ?? 10_000
    this.clock = options.clock ?? Date.now
  }

  /** Seconds the client must wait before trying again; 0 when it may try now. */
  retryAfter(client: string): number {
    const entry = this.entries.get(client)
    if (!entry) return 0
    const now = this.clock()
    const endsAt = entry.windowStart + this.windowMs
    if (now >= endsAt) {
      this.entries.delete(client)
      return 0
    }
    return entry.failures >= this.maxFailures ? Math.max(1, Math.ceil((endsAt - now) / 1000)) : 0
  }

  fail(client: string): void {
    const now = this.clock()
    const entry = this.entries.get(client)
    this.entries.delete(client)
    const fresh = !entry || now >= entry.windowStart + this.windowMs
    this.entries.set(
      client,
      fresh ? { failures: 1, windowStart: now } : { failures: entry.failures + 1, windowStart: entry.windowStart }
    )
    while (this.entries.size > this.maxClients) this.entries.delete(this.entries.keys().next().value!)
  }

  succeed(client: string): void {
    this.entries.delete(client)
  }

  get size(): number {
    return this.entries.size
  }
}
