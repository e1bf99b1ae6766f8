import type { ErrorPayload } from '@shared/errors'
import { isolate } from '../../lib/bidi'
import type { Locale } from '../collect'
import { currentLocale, t } from '../index'
import { coreTranslator, type CoreCatalog, type CoreTranslator } from './translate'

/**
 * The sentences main sends (errors, validation messages shared with the CLI, result texts) in
 * the app's language. English is their source and needs no catalog; each other language has
 * core-messages/<lang>/*.ts, merged here.
 */
const modules = import.meta.glob<{ default: CoreCatalog }>('./*/*.ts', { eager: true })

export function mergeCatalogs(files: Record<string, { default: CoreCatalog }>): Partial<Record<Locale, CoreCatalog>> {
  const out: Partial<Record<Locale, Record<string, string>>> = {}
  for (const [path, mod] of Object.entries(files)) {
    const locale = /(?:^|\/)([a-z]{2})\/[^/]+\.ts$/.exec(path)?.[1] as Locale | undefined
    if (!locale) continue
    const into = (out[locale] ??= {})
    for (const [english, target] of Object.entries(mod.default)) {
      if (english in into) throw new Error(`core messages: "${english}" is translated twice for ${locale} (${path})`)
      into[english] = target
    }
  }
  return out
}

const catalogs = mergeCatalogs(modules)
const compiled = new Map<Locale, CoreTranslator>()

function translator(locale: Locale): CoreTranslator | null {
  const catalog = catalogs[locale]
  if (!catalog) return null
  let found = compiled.get(locale)
  if (!found) {
    const list = new Intl.ListFormat(locale, { type: 'unit' })
    found = coreTranslator(catalog, isolate, (messages) => t('errors.invalidInput', { list: list.format(messages) }))
    compiled.set(locale, found)
  }
  return found
}

/** A sentence from main in the app's language (as it came when that language has no translation of it). */
export function coreMessage(text: string, locale: Locale = currentLocale.value): string {
  return translator(locale)?.message(text) ?? text
}

/** An error from main with its headline and field messages in the app's language. */
export function localizeError(payload: ErrorPayload, locale: Locale = currentLocale.value): ErrorPayload {
  return translator(locale)?.payload(payload) ?? payload
}
