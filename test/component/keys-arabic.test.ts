import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import KeysView from '../../src/renderer/src/views/KeysView.vue'
import { i18n } from '../../src/renderer/src/i18n'
import { apiKey, fakeClient, mountInApp, screenText, settle } from './helpers'

/** The API Keys screen in Arabic: its words from the Arabic messages, its numbers and dates from Intl('ar'). */
const TOTAL = 12_345
const page = [
  apiKey({ id: 'k_a', name: 'Alpha', createdAt: '2026-03-14T09:00:00.000Z' }),
  apiKey({ id: 'k_b', name: 'Bravo', status: 'disabled' })
]

function app() {
  return fakeClient({
    'keys.list': () => ({ items: page, total: TOTAL }),
    'resources.list': () => ({ items: [] }),
    'suggestions.get': () => ({ departments: [], projects: [], environments: [] })
  })
}

const ar = (n: number) => new Intl.NumberFormat('ar').format(n)

describe('API Keys in Arabic', () => {
  beforeEach(() => {
    i18n.global.locale.value = 'ar'
  })
  afterEach(() => {
    i18n.global.locale.value = 'en'
    document.body.innerHTML = ''
  })

  it('shows Arabic headings, statuses and counts, with numbers and dates written by Intl for Arabic', async () => {
    app()
    mountInApp(KeysView)
    await settle()
    const text = screenText()
    expect(text).toContain('مفاتيح API')
    for (const heading of ['الاسم', 'المفتاح', 'الموارد', 'الحالة', 'آخر استخدام']) expect(text).toContain(heading)
    expect(text).toContain('نشط')
    expect(text).toContain('معطّل')
    expect(text).not.toContain('Active')
    // 12,345 takes the "many" form of the noun, its digits and separator as Intl writes them for "ar".
    expect(text).toContain(`${ar(TOTAL)} مفتاحًا`)
    expect(ar(TOTAL)).not.toBe('12345')
    const created = new Intl.DateTimeFormat('ar', { year: 'numeric', month: 'short', day: 'numeric' }).format(
      new Date('2026-03-14T09:00:00.000Z')
    )
    expect(text).toContain(created)
    // The key's name stays left to right inside the Arabic button name.
    expect(document.querySelector('button[aria-label="إجراءات \u2068Alpha\u2069"]')).not.toBeNull()
  })

  it('names the selection with the right plural form, and "select all" with the formatted total', async () => {
    app()
    mountInApp(KeysView)
    await settle()
    document.querySelectorAll<HTMLElement>('[data-testid="keys-table"] .n-checkbox')[1]!.click()
    await settle()
    const count = () => document.querySelector('[data-testid="bulk-count"]')?.textContent ?? ''
    expect(count()).toContain('تم تحديد مفتاح واحد')
    document.querySelectorAll<HTMLElement>('[data-testid="keys-table"] .n-checkbox')[2]!.click()
    await settle()
    expect(count()).toContain('تم تحديد مفتاحين')
    const selectAll = document.querySelector<HTMLElement>('[data-testid="bulk-select-all"]')!
    expect(selectAll.textContent).toContain(ar(TOTAL))
    selectAll.click()
    await settle()
    expect(count()).toContain(`تم تحديد ${ar(TOTAL)} مفتاحًا (كل المطابقة)`)
  })

  it('back in English, the same screen reads as before, with a thousands separator', async () => {
    i18n.global.locale.value = 'en'
    app()
    mountInApp(KeysView)
    await settle()
    expect(screenText()).toContain('12,345 keys')
    expect(screenText()).toContain('Last used')
    expect(document.querySelector('button[aria-label="Actions for Alpha"]')).not.toBeNull()
  })
})
