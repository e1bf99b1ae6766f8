import { afterEach, describe, expect, it } from 'vitest'
import { KeywardError } from '@shared/errors'
import KeyEditDialog from '@renderer/components/dialogs/KeyEditDialog.vue'
import { apiKey, fakeClient, mountInApp, screenText, settle } from './helpers'

async function type(id: string, value: string): Promise<void> {
  const el = document.getElementById(id) as HTMLInputElement
  el.value = value
  el.dispatchEvent(new Event('input', { bubbles: true }))
  await settle()
}

function button(text: string): HTMLButtonElement {
  const found = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === text)
  if (!found) throw new Error(`no button "${text}"`)
  return found
}

afterEach(() => {
  document.body.innerHTML = ''
})

describe('Edit dialog', () => {
  const key = apiKey({ name: 'ChatbotProd', department: 'Engineering', notes: 'Old note' })
  const backend = (extra: Parameters<typeof fakeClient>[0] = {}) =>
    fakeClient({
      'suggestions.get': () => ({ departments: ['Engineering'], projects: [], environments: [] }),
      'keys.list': () => ({ items: [], total: 0 }),
      ...extra
    })

  it('opens with the key’s details and checks the name rule as the user types', async () => {
    backend()
    mountInApp(KeyEditDialog, { show: true, apiKey: key })
    await settle()
    expect((document.getElementById('edit-name') as HTMLInputElement).value).toBe('ChatbotProd')
    expect((document.getElementById('edit-department') as HTMLInputElement).value).toBe('Engineering')
    expect(screenText()).not.toContain('Remove:')
    await type('edit-name', 'Chatbot-Prod')
    expect(screenText()).toContain('Remove: "-".')
    await type('edit-name', 'ChatbotProd2')
    expect(screenText()).not.toContain('Remove:')
  })

  it('"Save" sends only what changed; a cleared field is sent as null', async () => {
    const api = backend({ 'keys.edit': () => ({ key: { ...key, name: 'ChatbotProd2' } }) })
    mountInApp(KeyEditDialog, { show: true, apiKey: key })
    await settle()
    await type('edit-name', 'ChatbotProd2')
    await type('edit-notes', '')
    button('Save').click()
    await settle()
    expect(api.callsTo('keys.edit').map((c) => c.input)).toEqual([
      { key: 'k_test1', changes: { name: 'ChatbotProd2', notes: null } }
    ])
  })

  it('does not save while the name breaks the rule', async () => {
    const api = backend({ 'keys.edit': () => ({ key }) })
    mountInApp(KeyEditDialog, { show: true, apiKey: key })
    await settle()
    await type('edit-name', 'Chatbot Prod')
    button('Save').click()
    await settle()
    expect(api.callsTo('keys.edit')).toHaveLength(0)
    expect(screenText()).toContain('Remove: space.')
  })

  it('puts the core’s field error on the field it names (changes.name → Name)', async () => {
    backend({
      'keys.edit': () => {
        throw new KeywardError(
          'CONFLICT',
          'A key named "Billing" already exists (names are unique, ignoring case). Choose another name.',
          {
            'changes.name': '"Billing" is taken.'
          }
        )
      }
    })
    mountInApp(KeyEditDialog, { show: true, apiKey: key })
    await settle()
    await type('edit-name', 'billing')
    button('Save').click()
    await settle()
    const nameItem = document.getElementById('edit-name')!.closest('.n-form-item')!
    expect(nameItem.textContent).toContain('"Billing" is taken.')
    expect(screenText()).toContain('Already exists or still in use')
  })
})
