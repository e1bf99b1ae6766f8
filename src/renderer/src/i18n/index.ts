import { computed, watchEffect } from 'vue'
import { createI18n } from 'vue-i18n'
import type { Language } from '@shared/schemas'
import { collectMessages, LOCALES, type Locale, type Messages } from './collect'

export { LOCALES, type Locale }

/**
 * The renderer's words, through vue-i18n. English is the source; every other language must have
 * exactly the same message keys (test/unit/lint/i18n.test.ts checks). Messages live in one file per
 * area under locales/<lang>/, each exporting `{ <area>: { ... } }`; they are merged here, so adding
 * an area is adding a file.
 */
/** Locales written right to left. */
const RTL: ReadonlySet<Locale> = new Set(['ar'])

const modules = import.meta.glob<{ default: Messages }>('./locales/*/*.ts', { eager: true })

export const messages = collectMessages(modules)

/**
 * Arabic has six plural forms. A message with six choices ("zero | one | two | few | many | other")
 * picks by Intl.PluralRules; one with fewer falls back to vue-i18n's rule (English's two or three).
 */
const ARABIC_FORMS = ['zero', 'one', 'two', 'few', 'many', 'other']
const arabicRules = new Intl.PluralRules('ar')
export function arabicPlural(choice: number, choicesLength: number): number {
  if (choicesLength === ARABIC_FORMS.length) return ARABIC_FORMS.indexOf(arabicRules.select(Math.abs(choice)))
  if (choicesLength === 3) return choice === 0 ? 0 : Math.abs(choice) === 1 ? 1 : 2
  return Math.abs(choice) === 1 ? 0 : 1
}

export const i18n = createI18n({
  legacy: false,
  locale: 'en',
  fallbackLocale: 'en',
  messages,
  pluralRules: { ar: arabicPlural },
  // A missing key falls back to English; say so in development only.
  missingWarn: import.meta.env.DEV,
  fallbackWarn: import.meta.env.DEV
})

/** The language the OS (or browser) prefers, when it is one we speak; else English. */
export function systemLocale(preferred: readonly string[] = navigator.languages ?? [navigator.language]): Locale {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0] as Locale
    if ((LOCALES as readonly string[]).includes(base)) return base
  }
  return 'en'
}

export function resolveLocale(setting: Language | undefined): Locale {
  return !setting || setting === 'system' ? systemLocale() : setting
}

export function isRtl(locale: Locale): boolean {
  return RTL.has(locale)
}

/** The active locale, for Intl formatters and components outside a setup context. */
export const currentLocale = computed<Locale>(() => i18n.global.locale.value as Locale)

/** `t` for code outside components (stores, lib helpers). Components use useI18n(). */
export const t = i18n.global.t

/**
 * Keeps <html lang dir> in step with the chosen language: screen readers pick the voice from lang,
 * and dir="rtl" mirrors the whole layout (flex rows, text alignment, Naive UI's logical properties).
 */
export function followLanguage(setting: () => Language | undefined): void {
  watchEffect(() => {
    const locale = resolveLocale(setting())
    i18n.global.locale.value = locale
    document.documentElement.lang = locale
    document.documentElement.dir = isRtl(locale) ? 'rtl' : 'ltr'
  })
}
