import core from './ar/core'
import main from './ar/main'
import shared from './ar/shared'
import words from './ar/words'
import { coreTranslator, type CoreCatalog, type CoreTranslator } from './translate'

export { coreTranslator, type CoreCatalog, type CoreTranslator } from './translate'

/**
 * The sentences main and the shared schemas write (in English, for the CLI and the HTTP APIs)
 * in the app's other languages, for the window (src/renderer/src/i18n/core-messages) and main's
 * native dialogs (src/main/desktop/native-words.ts). Arabic is kept by where the English comes from:
 * the shared schemas, the core, the rest of main, and the words that fill their placeholders.
 */
export function mergeCatalogs(language: string, parts: readonly CoreCatalog[]): CoreCatalog {
  const out: Record<string, string> = {}
  for (const part of parts)
    for (const [english, target] of Object.entries(part)) {
      if (english in out) throw new Error(`core messages: "${english}" is translated twice for ${language}`)
      out[english] = target
    }
  return out
}

export const CORE_CATALOGS = { ar: mergeCatalogs('ar', [shared, core, main, words]) } as const
export type CoreLanguage = keyof typeof CORE_CATALOGS

/** KeywardError.validation's headline for several fields ("Invalid input: …"), with their messages. */
const INVALID_INPUT: Record<CoreLanguage, (list: string) => string> = {
  ar: (list) => `مدخلات غير صالحة: ${list}`
}

/** Unicode's first-strong isolate: a value keeps its own direction inside the sentence. */
const isolate = (value: string) => `\u2068${value}\u2069`

const compiled = new Map<CoreLanguage, CoreTranslator>()

/** The translator for a language (compiled once), or null for English, the sentences' own language. */
export function coreTranslatorFor(language: string): CoreTranslator | null {
  if (!(language in CORE_CATALOGS)) return null
  const key = language as CoreLanguage
  let found = compiled.get(key)
  if (!found) {
    const list = new Intl.ListFormat(key, { type: 'unit' })
    found = coreTranslator(CORE_CATALOGS[key], isolate, (messages) => INVALID_INPUT[key](list.format(messages)))
    compiled.set(key, found)
  }
  return found
}
