const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 }

/** "30m", "24h", "7d", "90s" or "0" → seconds; undefined when it is not such a duration. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d{1,7})\s*([smhd])?\s*$/i.exec(text)
  if (!match) return undefined
  const amount = Number(match[1])
  if (!match[2]) return amount === 0 ? 0 : undefined
  return amount * UNIT_SECONDS[match[2].toLowerCase()]!
}
