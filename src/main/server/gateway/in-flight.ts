import type { InFlightCheck } from '../../core/gateway'
import type { Registry } from '../../core/registry'
import type { VerifyCode } from '../../../shared/types'

/** How often requests in flight are re-checked against the registry file. */
export const IN_FLIGHT_CHECK_MS = 200

export interface Flight {
  check: InFlightCheck
  /** Ends the request with the code that now refuses it (called once, then forgotten). */
  end(code: VerifyCode): void
}

/**
 * Requests in flight, re-checked together every `intervalMs` with one read (Registry.gatewayLiveness):
 * a key deleted, disabled, expired, unassigned from the model, its resource made inactive or its
 * secret's rotation grace ended, by this process or any other on the same file, ends its requests
 * within one interval plus one check. The timer runs only while requests are in flight (and one
 * interval after), unref'd.
 */
export class InFlightWatcher {
  private readonly flights = new Set<Flight>()
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly registry: Registry,
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
    const flights = [...this.flights]
    let codes: (VerifyCode | null)[]
    try {
      codes = this.registry.gatewayLiveness(flights.map((f) => f.check))
    } catch (error) {
      // A read failing (the file gone, a closed connection) must not take the server down: next tick.
      this.log(`keyward serve: the in-flight check failed: ${(error as Error)?.message}`)
      return
    }
    codes.forEach((code, i) => {
      if (code === null) return
      const flight = flights[i]!
      this.remove(flight)
      flight.end(code)
    })
  }
}
