import type { InFlightCheck } from '../../core/gateway'
import type { VerifyCode } from '../../../shared/types'

/** How often requests in flight are re-checked against the registry file. */
export const IN_FLIGHT_CHECK_MS = 200

export interface Flight {
  check: InFlightCheck
  /** Ends the request with the code that now refuses it (called once, then forgotten). */
  end(code: VerifyCode): void
}

/** One read deciding, for each request in flight, null (still allowed) or the code that now refuses it. */
export type LivenessRead = (checks: readonly InFlightCheck[]) => (VerifyCode | null)[] | Promise<(VerifyCode | null)[]>

/**
 * Requests in flight, re-checked together every `intervalMs` with one read (Registry.gatewayLiveness
 * on a file, PgGateway.liveness on PostgreSQL):
 * a key deleted, disabled, expired, unassigned from the model, its resource made inactive or its
 * secret's rotation grace ended, by this process or any other on the same registry (any node of a
 * PostgreSQL one), ends its requests within one interval plus one check. A check still running
 * when the next tick comes is not doubled: that tick is skipped. The timer runs only while
 * requests are in flight (and one interval after), unref'd.
 */
export class InFlightWatcher {
  private readonly flights = new Set<Flight>()
  private timer: NodeJS.Timeout | undefined
  private checking = false

  constructor(
    private readonly read: LivenessRead,
    private readonly log: (line: string) => void,
    private readonly intervalMs = IN_FLIGHT_CHECK_MS
  ) {}

  get size(): number {
    return this.flights.size
  }

  /** Watches a request until the returned function is called (or it is ended). */
  add(flight: Flight): () => void {
    this.flights.add(flight)
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.intervalMs)
      this.timer.unref()
    }
    return () => this.remove(flight)
  }

  close(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }

  // The timer is stopped by the first tick that finds nothing in flight, not when the last request
  // ends: under light load a request at a time would otherwise start and stop a timer each.
  private remove(flight: Flight): void {
    this.flights.delete(flight)
  }

  private tick(): void {
    if (this.flights.size === 0) return this.close()
    if (this.checking) return
    const flights = [...this.flights]
    const failed = (error: unknown): void =>
      // A read failing (the file gone, a closed connection, the database out of reach) must not take the server down: next tick.
      this.log(`keyward serve: the in-flight check failed: ${(error as Error)?.message}`)
    let codes: (VerifyCode | null)[] | Promise<(VerifyCode | null)[]>
    try {
      codes = this.read(flights.map((f) => f.check))
    } catch (error) {
      return failed(error)
    }
    if (Array.isArray(codes)) return this.end(flights, codes)
    this.checking = true
    codes.then((read) => this.end(flights, read), failed).finally(() => (this.checking = false))
  }

  private end(flights: Flight[], codes: (VerifyCode | null)[]): void {
    codes.forEach((code, i) => {
      if (code === null) return
      const flight = flights[i]!
      // Already done (it finished while an asynchronous check ran): nothing to end.
      if (!this.flights.has(flight)) return
      this.remove(flight)
      flight.end(code)
    })
  }
}
