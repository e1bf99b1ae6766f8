import { afterEach, describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import OutboxView from '@renderer/views/OutboxView.vue'
import ResourcesView from '@renderer/views/ResourcesView.vue'
import { i18n } from '../../src/renderer/src/i18n'
import { fakeClient, mountInApp, resource, screenText, settle } from './helpers'

/** Arabic numerals as Intl writes them for "ar" (the test does not assume which digits). */
const ar = (n: number) => new Intl.NumberFormat('ar').format(n)

describe('the Resources screen in Arabic', () => {
  afterEach(() => {
    i18n.global.locale.value = 'en'
    document.body.innerHTML = ''
  })

  function open() {
    fakeClient({
      'resources.list': () => ({
        items: [
          resource('r1', 'gpt-4o', 'TPM', { tpmLimit: 350_000, keyCount: 1_234 }),
          resource('r2', 'claude-sonnet-4', 'PYG', { status: 'inactive' })
        ]
      }),
      'pool.get': () => ({ tpmPool: 1_000_000, assigned: 350_000, remaining: 650_000 })
    })
    return mountInApp(ResourcesView)
  }

  it('speaks Arabic, with counts and figures in Arabic numbering, and model names left as they are', async () => {
    i18n.global.locale.value = 'ar'
    open()
    await settle()
    const text = screenText()
    expect(text).toContain('الموارد')
    expect(text).toContain('مجمّع TPM')
    expect(text).toContain('إضافة مورد')
    expect(text).toContain('غير نشط')
    expect(text).toContain('الدفع حسب الاستخدام')
    // Figures through Intl for "ar": the pool, the assigned TPM, a limit and a key count.
    for (const n of [1_000_000, 350_000, 650_000, 1_234]) expect(text).toContain(ar(n))
    // Two resources: Arabic's dual form, not "{n} resources".
    expect(text).toContain('موردان')
    expect(text).toContain('gpt-4o')
    // No English left in the table's words.
    for (const english of ['Resources', 'TPM pool', 'Add resource', 'Inactive', 'Pay as you go', 'Remaining'])
      expect(text).not.toContain(english)
    // Row actions are named in Arabic, with the model kept whole inside an isolate.
    const edit = document.querySelector('button[aria-label^="تعديل"]')
    expect(edit?.getAttribute('aria-label')).toBe('تعديل \u2068gpt-4o TPM\u2069')
  })

  it('switches back to English when the language changes, without remounting', async () => {
    i18n.global.locale.value = 'ar'
    open()
    await settle()
    i18n.global.locale.value = 'en'
    await nextTick()
    const text = screenText()
    expect(text).toContain('TPM pool')
    expect(text).toContain('1,000,000')
    expect(text).toContain('2 resources')
    expect(text).not.toContain('الموارد')
  })
})

describe('the Outbox in Arabic', () => {
  afterEach(() => {
    i18n.global.locale.value = 'en'
    document.body.innerHTML = ''
  })

  it('writes dates and the message count as Intl does for "ar", and keeps addresses left-to-right', async () => {
    i18n.global.locale.value = 'ar'
    const createdAt = '2026-06-01T12:00:00.000Z'
    const items = [3, 2, 1].map((id) => ({
      id,
      to: `person${id}@example.com`,
      subject: `Keyward: API key "Key${id}" was created`,
      status: 'pending' as const,
      attempts: 1_500,
      lastError: null,
      createdAt,
      sentAt: null,
      nextAttemptAt: null
    }))
    fakeClient({
      'notify.settings.get': () => ({
        host: 'smtp.example.com',
        port: 587,
        security: 'starttls',
        user: null,
        from: 'keyward@example.com',
        passwordSet: false,
        passwordStorage: 'os'
      }),
      'notify.outbox': () => ({ items })
    })
    mountInApp(OutboxView)
    await settle()
    const text = screenText()
    const date = new Intl.DateTimeFormat('ar', {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23'
    }).format(new Date(createdAt))
    expect(text).toContain(date)
    expect(text).toContain(ar(1_500))
    // Three messages: Arabic's "few" form, with the number written by Intl.
    expect(text).toContain(`${ar(3)} رسائل`)
    expect(text).toContain('صندوق الصادر')
    expect(text).toContain('قيد الانتظار')
    const to = document.querySelector('.outbox-message__to')
    expect(to?.getAttribute('dir')).toBe('ltr')
    expect(to?.textContent).toBe('person3@example.com')
  })
})
