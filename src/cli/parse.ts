import { KeywardError } from '../shared/errors'
import { parseDuration } from '../main/core/duration'

/**
 * Option-value parsers for commander (`.option('--limit <n>', '…', integerOption('--limit'))`).
 * They throw VALIDATION errors naming the flag, which the CLI prints like any core error (exit 2).
 */

function invalid(flag: string, message: string): KeywardError {
  return KeywardError.validation({ [flag]: message })
}

/** A whole number written in digits only: "abc", "1.5", "1e3", "" are refused. */
export function integerOption(
  flag: string,
  { min = 0, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {}
) {
  return (value: string): number => {
    const text = value.trim()
    if (!/^-?\d+$/.test(text))
      throw invalid(flag, `"${value}" is not a whole number; give digits only, e.g. ${flag} ${Math.max(min, 10)}.`)
    const n = Number(text)
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw invalid(
        flag,
        max === Number.MAX_SAFE_INTEGER ? `Must be ${min} or more.` : `Must be from ${min} to ${max}.`
      )
    }
    return n
  }
}

/** For repeatable options: collects every value into a list. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

/** "30m", "24h", "7d", "90s" or "0" → seconds (how long it may be is the operation's schema to say). */
export function durationOption(flag: string) {
  return (value: string): number => {
    const seconds = parseDuration(value)
    if (seconds === undefined) {
      throw invalid(flag, `"${value}" is not a duration; use a number with s, m, h or d, e.g. 30m, 24h or 7d.`)
    }
    return seconds
  }
}

/**
 * --expires: a date (2027-01-31), a date-time (2027-01-31T12:00:00Z), "Nd" (N days from now),
 * "never" or "" (no expiry: "", which the core reads as null; commander turns a parser's null into "").
 * Dates pass through for the core to check.
 */
export function expiresOption(flag: string, now: () => number = Date.now) {
  return (value: string): string => {
    const text = value.trim()
    if (text === '' || text.toLowerCase() === 'never') return ''
    const days = /^(\d+)d$/i.exec(text)
    if (days) {
      const n = Number(days[1])
      if (n < 1 || n > 36500) throw invalid(flag, `Give from 1d to 36500d, or a date like 2027-01-31, or "never".`)
      return new Date(now() + n * 86_400_000).toISOString()
    }
    return text
  }
}
