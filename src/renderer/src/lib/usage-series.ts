import type { Input } from '@shared/contract'
import type { UsageRow } from '@shared/types'
import { currentLocale, t, type Locale } from '../i18n'

/**
 * The usage panel's ranges and the shaping of a usage report into a chart series. Buckets start
 * on UTC boundaries, as the core's report makes them (src/main/core/usage.ts), so a range's edges
 * are aligned the same way and every bucket of the range gets a bar (zero when nothing was used).
 */
export type UsageRangeId = 'hour' | 'day' | 'week'

export interface UsageRange {
  id: UsageRangeId
  /** The switch's label, in the app's language. */
  readonly label: string
  /** How the range reads in a sentence ("the last 24 hours"), in the app's language. */
  readonly phrase: string
  interval: NonNullable<Input<'usage.report'>['interval']>
  stepMs: number
  buckets: number
}

/** A range whose words are looked up when read, so they follow the language. */
function makeRange(id: UsageRangeId, interval: UsageRange['interval'], stepMs: number, buckets: number): UsageRange {
  return {
    id,
    get label() {
      return t(`usage.ranges.${id}`)
    },
    get phrase() {
      return t(`usage.phrases.${id}`)
    },
    interval,
    stepMs,
    buckets
  }
}

export const USAGE_RANGES: readonly UsageRange[] = [
  makeRange('hour', 'per_minute', 60_000, 60),
  makeRange('day', 'per_hour', 3_600_000, 24),
  makeRange('week', 'per_day', 86_400_000, 7)
]

export function usageRange(id: UsageRangeId): UsageRange {
  return USAGE_RANGES.find((r) => r.id === id)!
}

/** The range's window: `buckets` whole buckets, the last one holding `now`. End is exclusive. */
export function rangeWindow(range: UsageRange, now: number): { start: number; end: number } {
  const end = (Math.floor(now / range.stepMs) + 1) * range.stepMs
  return { start: end - range.buckets * range.stepMs, end }
}

/** The report request for one key over a range. */
export function usageQuery(keyId: string, range: UsageRange, now: number): Input<'usage.report'> {
  const { start, end } = rangeWindow(range, now)
  return {
    key: keyId,
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    interval: range.interval
  }
}

export interface UsageTotals {
  requests: number
  promptTokens: number
  completionTokens: number
  totalTokens: number
}

export interface UsageBucket extends UsageTotals {
  /** Start of the bucket, ms since the epoch. */
  at: number
}

export interface UsageSeries {
  buckets: UsageBucket[]
  totals: UsageTotals
  /** Per model, most tokens first. */
  byModel: (UsageTotals & { model: string })[]
}

const zero = (): UsageTotals => ({ requests: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0 })

function add(into: UsageTotals, row: UsageTotals): void {
  into.requests += row.requests
  into.promptTokens += row.promptTokens
  into.completionTokens += row.completionTokens
  into.totalTokens += row.totalTokens
}

/** Every bucket of the range (models summed), the range's totals and a per-model breakdown. */
export function usageSeries(rows: readonly UsageRow[], range: UsageRange, now: number): UsageSeries {
  const { start } = rangeWindow(range, now)
  const buckets: UsageBucket[] = Array.from({ length: range.buckets }, (_, i) => ({
    at: start + i * range.stepMs,
    ...zero()
  }))
  const totals = zero()
  const models = new Map<string, UsageTotals & { model: string }>()
  for (const row of rows) {
    const index = Math.floor((Date.parse(row.bucket) - start) / range.stepMs)
    // The report answered for this window; a row outside it (a clock moved between asking and drawing) is left out.
    if (index < 0 || index >= buckets.length) continue
    add(buckets[index]!, row)
    add(totals, row)
    let model = models.get(row.model)
    if (!model) models.set(row.model, (model = { model: row.model, ...zero() }))
    add(model, row)
  }
  const byModel = [...models.values()].sort((a, b) => b.totalTokens - a.totalTokens || a.model.localeCompare(b.model))
  return { buckets, totals, byModel }
}

/** One Intl formatter per language: the chart's axis and tooltips follow the app's language. */
function perLocale(options: Intl.DateTimeFormatOptions): () => Intl.DateTimeFormat {
  const made = new Map<Locale, Intl.DateTimeFormat>()
  return () => {
    const locale = currentLocale.value
    let f = made.get(locale)
    if (!f) made.set(locale, (f = new Intl.DateTimeFormat(locale, options)))
    return f
  }
}
const timeFormat = perLocale({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
const dayFormat = perLocale({ month: 'short', day: 'numeric', timeZone: 'UTC' })
const dayLongFormat = perLocale({ weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' })
const dateTimeFormat = perLocale({
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23'
})

/** The axis label of a bucket: local time for minutes and hours, the UTC day for days. */
export function bucketLabel(at: number, range: UsageRange): string {
  return range.interval === 'per_day' ? dayFormat().format(at) : timeFormat().format(at)
}

/** A tooltip's title: the bucket's span in words. */
export function bucketTitle(at: number, range: UsageRange): string {
  if (range.interval === 'per_day') return t('usage.utc', { date: dayLongFormat().format(at) })
  return `${dateTimeFormat().format(at)} – ${timeFormat().format(at + range.stepMs)}`
}
