const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 }

/**
 * "30m", "24h", "7d", "90s" or "0" → seconds; undefined when it is not such a duration (a bare
 * number other than 0 has no unit, so it is refused). The CLI's --grace and the admin API's
 * `grace` both read durations with this; how long a duration may be is the schema's to say.
 */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d{1,9})\s*([smhd])?\s*$/i.exec(text)
  if (!match) return undefined
  const amount = Number(match[1])
  if (!match[2]) return amount === 0 ? 0 : undefined
  return amount * UNIT_SECONDS[match[2].toLowerCase()]!
}
