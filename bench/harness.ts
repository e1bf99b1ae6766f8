/**
 * The measuring and printing every benchmark suite shares. Figures are medians of interleaved
 * samples: the machine is shared, so the things being compared take turns rather than running
 * one after the other (a burst of load elsewhere then hurts both alike).
 */

export interface Measured {
  label: string
  /** Median milliseconds per operation. */
  ms: number
}

export interface MeasureOptions {
  /** Milliseconds of warm-up per contender, also used to size a sample. */
  warmupMs?: number
  /** Target milliseconds per sample. */
  sampleMs?: number
  /** Samples per contender (odd, so the median is one of them). */
  samples?: number
}

const now = () => performance.now()

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/**
 * Measures several contenders in turns: warm each up, size its sample to ~sampleMs, then take
 * one sample of each in rotation until each has `samples`. Returns median ms per operation.
 */
export function measureInTurns(
  contenders: Record<string, () => unknown>,
  options: MeasureOptions = {}
): Record<string, number> {
  const warmupMs = options.warmupMs ?? 40
  const sampleMs = options.sampleMs ?? 30
  const samples = options.samples ?? 7
  const names = Object.keys(contenders)
  const iterations: Record<string, number> = {}
  for (const name of names) {
    const fn = contenders[name]!
    let n = 0
    const start = now()
    do {
      fn()
      n++
    } while (now() - start < warmupMs)
    iterations[name] = Math.max(1, Math.round((sampleMs * n) / (now() - start)))
  }
  const taken: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]))
  for (let s = 0; s < samples; s++) {
    for (const name of names) {
      const fn = contenders[name]!
      const n = iterations[name]!
      const start = now()
      for (let i = 0; i < n; i++) fn()
      taken[name]!.push((now() - start) / n)
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(taken[n]!)]))
}

/** Times one run of fn (for things that change state and cannot be repeated in a loop). */
export function timeOnce<T>(fn: () => T): { ms: number; result: T } {
  const start = now()
  const result = fn()
  return { ms: now() - start, result }
}

export function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`
  if (ms >= 1) return `${ms.toFixed(2)} ms`
  return `${(ms * 1000).toFixed(1)} µs`
}

export function formatRatio(ratio: number): string {
  return `${ratio.toFixed(2)}x`
}

/** A fixed-width table: the first column left-aligned, the rest right-aligned. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)]
}

/** A stated goal and whether this run met it. Benchmarks report these; they never fail on them. */
export interface Target {
  goal: string
  /** What was measured, in words and figures. */
  measured: string
  met: boolean
}

export interface BenchReport {
  log(line?: string): void
  target(target: Target): void
}
