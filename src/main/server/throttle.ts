import type { Clock } from '../core/clock'

export interface ThrottleOptions {
  /** Failed authentications allowed per client within one window. */
  maxFailures?: number
  windowMs?: number
  /** Failed authentications allowed from all clients together within one window. */
  maxTotalFailures?: number
  /** Clients remembered at once; the least recently seen are forgotten first. */
  maxClients?: number
  clock?: Clock
}

interface Entry {
  failures: number
  windowStart: number
}

/** Why a sign-in must wait: this address failed too often, or every address together did. */
export interface ThrottleWait {
  seconds: number
  scope: 'client' | 'total'
}

/**
 * Failed admin sign-ins per client address in a fixed window: after `maxFailures` in `windowMs`
 * the address gets 429 until the window ends, even with a correct key, so guessing keys costs a
 * window per few tries. Failures are also counted for all addresses together (`maxTotalFailures`),
 * so an attacker with many addresses (a /64 of IPv6, 127.0.0.0/8) gains nothing by rotating them;
 * past that limit every address waits for the window to end. Memory is bounded by `maxClients`
 * (a Map kept in least-recently-seen order).
 */
export class AuthThrottle {
  readonly maxFailures: number
  readonly windowMs: number
  readonly maxTotalFailures: number
  private readonly maxClients: number
  private readonly clock: Clock
  private readonly entries = new Map<string, Entry>()
  private total: Entry = { failures: 0, windowStart: 0 }

  constructor(options: ThrottleOptions = {}) {
    this.maxFailures = options.maxFailures ?? 10
    this.windowMs = options.windowMs ?? 60_000
    this.maxTotalFailures = options.maxTotalFailures ?? 100
    this.maxClients = options.maxClients ?? 10_000
    this.clock = options.clock ?? Date.now
  }

  /** Seconds the client must wait before trying again; 0 when it may try now. */
  retryAfter(client: string): number {
    return this.wait(client)?.seconds ?? 0
  }

  /** How long and why the client must wait; undefined when it may try now. */
  wait(client: string): ThrottleWait | undefined {
    const now = this.clock()
    const totalEndsAt = this.total.windowStart + this.windowMs
    if (this.total.failures >= this.maxTotalFailures && now < totalEndsAt) {
      return { seconds: Math.max(1, Math.ceil((totalEndsAt - now) / 1000)), scope: 'total' }
    }
    const seconds = this.clientWait(client, now)
    return seconds > 0 ? { seconds, scope: 'client' } : undefined
  }

  private clientWait(client: string, now: number): number {
    const entry = this.entries.get(client)
    if (!entry) return 0
    const endsAt = entry.windowStart + this.windowMs
    if (now >= endsAt) {
      this.entries.delete(client)
      return 0
    }
    return entry.failures >= this.maxFailures ? Math.max(1, Math.ceil((endsAt - now) / 1000)) : 0
  }

  fail(client: string): void {
    const now = this.clock()
    this.total =
      now >= this.total.windowStart + this.windowMs
        ? { failures: 1, windowStart: now }
        : { failures: this.total.failures + 1, windowStart: this.total.windowStart }
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
