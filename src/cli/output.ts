import type { ErrorPayload } from '../shared/errors'

/** Anything that looks like a Keyward secret is masked before text reaches stderr. */
const SECRET_LIKE = /kwa?_[0-9A-Za-z]{8,}/g

export function redactSecrets(text: string): string {
  return text.replace(SECRET_LIKE, (m) => `${m.slice(0, m.indexOf('_') + 1)}[redacted]`)
}

export interface Column<T> {
  header: string
  value: (row: T) => string | number | null | undefined
  /** Right-align (numbers). */
  right?: boolean
  /** Cut cells longer than this, ending with "…". */
  max?: number
}

/** Shown for a null or empty cell. */
export const NONE = '-'

function cell(value: string | number | null | undefined, max?: number): string {
  if (value === null || value === undefined || value === '') return NONE
  const text = String(value).replace(/[\r\n\t]+/g, ' ')
  return max !== undefined && text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/** Rows → an aligned plain-text table with a header line; "(none)" when empty. */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[], empty = '(none)'): string {
  if (rows.length === 0) return empty
  const cells = rows.map((row) => columns.map((c) => cell(c.value(row), c.max)))
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)))
  const line = (values: string[]) =>
    values
      .map((v, i) => (columns[i]!.right ? v.padStart(widths[i]!) : i === values.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n')
}

/** Label/value pairs → aligned "Label  value" lines (for one record). */
export function formatFields(pairs: ReadonlyArray<readonly [string, string | number | null | undefined]>): string {
  const width = Math.max(...pairs.map(([label]) => label.length))
  return pairs.map(([label, value]) => `${`${label}:`.padEnd(width + 1)}  ${cell(value)}`).join('\n')
}

/** ISO 8601 UTC → "2026-06-01 12:00 UTC"; null → "-". */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return NONE
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`
}

/** ISO 8601 UTC → "2026-06-01"; null → "-". */
export function formatDate(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 10) : NONE
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}

/** The human form of an error: one line, then per-field lines when the message does not already name them. */
export function formatError(error: ErrorPayload): string {
  const lines = [`keyward: ${error.message}`]
  if (error.fields) {
    for (const [field, message] of Object.entries(error.fields)) {
      if (!error.message.includes(message)) lines.push(`  ${field}: ${message}`)
    }
  }
  return redactSecrets(lines.join('\n'))
}
