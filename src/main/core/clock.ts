/** Milliseconds since the epoch. Injected so tests can move time. */
export type Clock = () => number

export const systemClock: Clock = () => Date.now()

export function iso(ms: number): string
export function iso(ms: number | null): string | null
export function iso(ms: number | null): string | null {
  return ms == null ? null : new Date(ms).toISOString()
}
