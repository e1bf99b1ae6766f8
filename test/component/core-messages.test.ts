import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Transport } from '@shared/contract'
import { KeywardError } from '@shared/errors'
import { createClient } from '@renderer/api/client'
import { i18n } from '@renderer/i18n'
import { coreMessage } from '@renderer/i18n/core-messages'
import { coreTranslator } from '@shared/core-messages'
import { dispatch, operationTable } from '../../src/main/transport/dispatch'
import { tempRegistry } from '../helpers/registry'

/**
 * Main answers in English (the CLI's words); the window shows those answers in the app's language
 * through the catalog keyed by the English (src/renderer/src/i18n/core-messages/).
 */
const iso = (s: string) => `[${s}]`

describe('the core translator', () => {
  const tr = coreTranslator(
    {
      'Name is required.': 'الاسم مطلوب.',
      'Resource {0}:{1} already exists.': 'المورد {1} من {0} موجود بالفعل.',
      '{0} must be text.': '{0} يجب أن يكون نصًا.',
      'Notes must be text.': 'الملاحظات نص.',
      Department: 'القسم',
      '{0} Nothing was changed.': '{0} لم يتغير شيء.',
      'No key "{0}".': 'لا يوجد مفتاح «{0}».'
    },
    iso,
    (messages) => `غير صالح: ${messages.join(' | ')}`
  )

  it('looks a sentence up whole, or by its pattern with the values moved where the language puts them', () => {
    expect(tr.message('Name is required.')).toBe('الاسم مطلوب.')
    expect(tr.message('Resource gpt-4o:TPM already exists.')).toBe('المورد [TPM] من [gpt-4o] موجود بالفعل.')
  })

  it('translates what fills a placeholder when it knows it, and isolates it when not', () => {
    expect(tr.message('Department must be text.')).toBe('القسم يجب أن يكون نصًا.')
    expect(tr.message('Env must be text.')).toBe('[Env] يجب أن يكون نصًا.')
    expect(tr.message('No key "x". Nothing was changed.')).toBe('لا يوجد مفتاح «[x]». لم يتغير شيء.')
  })

  it('prefers the sentence written out over a pattern that also fits', () => {
    expect(tr.message('Notes must be text.')).toBe('الملاحظات نص.')
  })

  it('leaves a sentence it does not know as it came', () => {
    expect(tr.message('Something new happened.')).toBe('Something new happened.')
  })

  it("rewrites a validation error's headline from its translated fields", () => {
    expect(
      tr.payload({ code: 'VALIDATION', message: 'name: Name is required.', fields: { name: 'Name is required.' } })
    ).toEqual({ code: 'VALIDATION', message: 'الاسم مطلوب.', fields: { name: 'الاسم مطلوب.' } })
    const several = tr.payload({
      code: 'VALIDATION',
      message: 'Invalid input: name: Name is required.; department: Department must be text.',
      fields: { name: 'Name is required.', department: 'Department must be text.' }
    })
    expect(several.message).toBe('غير صالح: الاسم مطلوب. | القسم يجب أن يكون نصًا.')
  })
})

describe("main's real answers in the window, in Arabic", () => {
  const temp = tempRegistry()
  const table = operationTable(temp.registry, {} as never)
  const transport: Transport = async (operation, input) =>
    (await dispatch(table, operation, input, { actor: 'test' }, () => {})) as Awaited<ReturnType<Transport>>
  const api = createClient(transport)
  const failure = async (call: Promise<unknown>): Promise<KeywardError> => {
    const error = await call.then(
      () => null,
      (e: unknown) => e
    )
    expect(error).toBeInstanceOf(KeywardError)
    return error as KeywardError
  }
  const arabic = /[\u0600-\u06FF]/

  beforeEach(() => {
    i18n.global.locale.value = 'ar'
  })
  afterEach(() => {
    i18n.global.locale.value = 'en'
  })
  afterAll(() => temp.close())

  it("translates a field's validation message from the shared schema", async () => {
    const error = await failure(api['keys.create']({ name: 'bad name!' }))
    expect(error.code).toBe('VALIDATION')
    expect(error.fields?.name).toMatch(arabic)
    expect(error.message).toBe(error.fields?.name)
  })

  it('translates every field of an input wrong in several ways, and the headline names them all', async () => {
    const error = await failure(
      api['keys.create']({ name: '', notifyEmail: 'not an address', expiresAt: 'soon' } as never)
    )
    const fields = Object.values(error.fields ?? {})
    expect(fields.length).toBeGreaterThanOrEqual(3)
    for (const text of fields) expect(text).toMatch(arabic)
    expect(error.message.startsWith('مدخلات غير صالحة: ')).toBe(true)
  })

  it("translates the core's own errors and keeps the name the user typed, isolated, inside them", async () => {
    await api['keys.create']({ name: 'Payroll' })
    const taken = await failure(api['keys.create']({ name: 'payroll' }))
    expect(taken.code).toBe('CONFLICT')
    expect(Object.values(taken.fields ?? { m: taken.message }).join(' ')).toMatch(arabic)
    const missing = await failure(api['keys.get']({ key: 'Nobody' }))
    expect(missing.code).toBe('NOT_FOUND')
    expect(missing.message).toMatch(arabic)
    expect(missing.message).toContain('\u2068Nobody\u2069')
    await api['resources.add']({ model: 'gpt-4o', type: 'TPM', tpmLimit: 1000 })
    const twice = await failure(api['resources.add']({ model: 'gpt-4o', type: 'TPM', tpmLimit: 1000 }))
    expect(twice.message).toMatch(arabic)
    expect(twice.message).not.toMatch(/already exists/)
  })

  it('answers in English again when the language is English', async () => {
    i18n.global.locale.value = 'en'
    const missing = await failure(api['keys.get']({ key: 'Nobody' }))
    expect(missing.message).toBe('No key "Nobody". Name it by its id or name; list keys with "keys list".')
    expect(coreMessage('Name is required: use 1 to 64 letters and digits.')).toBe(
      'Name is required: use 1 to 64 letters and digits.'
    )
  })
})
