import { currentLocale, t, type Locale } from '../i18n'

/**
 * Dates, numbers and durations through Intl, in the app's language: "Nov 30, 2026" and "100,000"
 * in English, in Arabic as Intl writes them for "ar". Formatters are built once per locale.
 */
function perLocale<F>(make: (locale: Locale) => F): () => F {
  const made = new Map<Locale, F>()
  return () => {
    const locale = currentLocale.value
    let f = made.get(locale)
    if (!f) made.set(locale, (f = make(locale)))
    return f
  }
}

const dateFormat = perLocale((l) => new Intl.DateTimeFormat(l, { year: 'numeric', month: 'short', day: 'numeric' }))
const dateTimeFormat = perLocale(
  (l) =>
    new Intl.DateTimeFormat(l, {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23'
    })
)
const numberFormat = perLocale((l) => new Intl.NumberFormat(l))
const relativeFormat = perLocale((l) => new Intl.RelativeTimeFormat(l, { numeric: 'auto', style: 'long' }))
const unitFormat = perLocale(
  (l) => (unit: 'second' | 'minute' | 'hour') => new Intl.NumberFormat(l, { style: 'unit', unit, unitDisplay: 'short' })
)

export function formatDate(iso: string | null | undefined): string {
  return iso ? dateFormat().format(new Date(iso)) : '—'
}

export function formatDateTime(iso: string | null | undefined): string {
  return iso ? dateTimeFormat().format(new Date(iso)) : '—'
}

export function formatNumber(n: number | null | undefined): string {
  return n == null ? '—' : numberFormat().format(n)
}

/** "now", "3 minutes ago", "2 days ago" (in the app's language); "Never" for null. */
export function formatRelative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return t('common.never')
  const seconds = Math.round((now - Date.parse(iso)) / 1000)
  if (seconds < 0) return formatDate(iso)
  const rel = relativeFormat()
  if (seconds < 60) return rel.format(0, 'second')
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return rel.format(-minutes, 'minute')
  const hours = Math.floor(minutes / 60)
  if (hours < 24) return rel.format(-hours, 'hour')
  const days = Math.floor(hours / 24)
  if (days < 30) return rel.format(-days, 'day')
  return formatDate(iso)
}

/** Seconds → "30 sec", "5 min", "1 hr" (in the app's language). */
export function formatSeconds(seconds: number): string {
  const unit = unitFormat()
  if (seconds < 60) return unit('second').format(seconds)
  if (seconds < 3600) return unit('minute').format(Math.round(seconds / 60))
  return unit('hour').format(Math.round(seconds / 3600))
}
