import { afterEach, describe, expect, it } from 'vitest'
import { nextTick, ref } from 'vue'
import { arabicPlural, followLanguage, i18n, resolveLocale, systemLocale } from '../../src/renderer/src/i18n'
import { collectMessages } from '../../src/renderer/src/i18n/collect'
import { formatNumber, formatRelative } from '../../src/renderer/src/lib/format'
import type { Language } from '@shared/schemas'

afterEach(() => {
  i18n.global.locale.value = 'en'
  document.documentElement.lang = 'en'
  document.documentElement.dir = 'ltr'
})

describe('the app language', () => {
  it('follows the first OS language the app speaks, else English', () => {
    expect(systemLocale(['ar-EG', 'en-US'])).toBe('ar')
    expect(systemLocale(['fr-FR', 'ar'])).toBe('ar')
    expect(systemLocale(['fr-FR', 'de'])).toBe('en')
    expect(systemLocale([])).toBe('en')
    expect(resolveLocale('en')).toBe('en')
    expect(resolveLocale('ar')).toBe('ar')
  })

  it('sets <html lang dir> and the messages as the setting changes', async () => {
    const setting = ref<Language>('ar')
    followLanguage(() => setting.value)
    await nextTick()
    expect(document.documentElement.lang).toBe('ar')
    expect(document.documentElement.dir).toBe('rtl')
    expect(i18n.global.t('common.never')).toBe('أبدًا')
    setting.value = 'en'
    await nextTick()
    expect(document.documentElement.dir).toBe('ltr')
    expect(i18n.global.t('common.never')).toBe('Never')
  })

  it('formats numbers and relative times for the language', async () => {
    expect(formatNumber(100000)).toBe('100,000')
    const twoMinutesAgo = new Date(Date.now() - 125_000).toISOString()
    expect(formatRelative(twoMinutesAgo)).toBe('2 minutes ago')
    i18n.global.locale.value = 'ar'
    await nextTick()
    expect(formatNumber(100000)).toBe(new Intl.NumberFormat('ar').format(100000))
    expect(formatRelative(twoMinutesAgo)).toBe(
      new Intl.RelativeTimeFormat('ar', { numeric: 'auto' }).format(-2, 'minute')
    )
    expect(formatRelative(null)).toBe('أبدًا')
  })

  it("chooses among Arabic's six plural forms by Intl.PluralRules", () => {
    const six = 6
    expect([0, 1, 2, 3, 11, 100].map((n) => arabicPlural(n, six))).toEqual([0, 1, 2, 3, 4, 5])
    // Messages with fewer choices keep vue-i18n's two/three-way rule.
    expect([0, 1, 5].map((n) => arabicPlural(n, 3))).toEqual([0, 1, 2])
    expect([1, 5].map((n) => arabicPlural(n, 2))).toEqual([0, 1])
  })

  it('refuses an area defined twice for one language', () => {
    const file = { default: { keys: { a: 'A' } } }
    expect(() => collectMessages({ 'locales/en/a.ts': file, 'locales/en/b.ts': file })).toThrow(
      /"keys" is defined twice/
    )
  })
})
