/** The app's languages; English is the source every other must match key for key. */
export const LOCALES = ['en', 'ar'] as const
export type Locale = (typeof LOCALES)[number]

export type Messages = Record<string, Record<string, unknown>>

/**
 * Merges the message files (locales/<lang>/<area>.ts, each exporting `{ <area>: {...} }`) into one
 * tree per language. An area defined twice for one language is a mistake and throws.
 */
export function collectMessages(files: Record<string, { default: Messages }>): Record<Locale, Messages> {
  const out = Object.fromEntries(LOCALES.map((l) => [l, {}])) as Record<Locale, Messages>
  for (const [path, mod] of Object.entries(files)) {
    const locale = /(?:^|\/)locales\/([^/]+)\//.exec(path)?.[1] as Locale | undefined
    if (!locale || !(locale in out)) continue
    for (const [area, value] of Object.entries(mod.default)) {
      if (area in out[locale]) throw new Error(`i18n: area "${area}" is defined twice for ${locale} (${path})`)
      out[locale][area] = value
    }
  }
  return out
}
