import { afterEach, describe, expect, it } from 'vitest'
import { KeywardError } from '@shared/errors'
import AppShell from '../../src/renderer/src/AppShell.vue'
import { apiKey, fakeClient, mountInApp, screenText, settle } from './helpers'

const page = [apiKey({ id: 'k_a', name: 'Alpha' }), apiKey({ id: 'k_b', name: 'Bravo' })]

function app(total = 60) {
  return fakeClient({
    'keys.list': () => ({ items: page, total }),
    'resources.list': () => ({ items: [] }),
    'suggestions.get': () => ({ departments: [], projects: [], environments: [] }),
    'settings.get': () => ({}),
    'server.status': () => ({ state: 'off' }),
    'keys.bulk': (input) => {
      if (input.set?.department === 'Nope')
        throw new KeywardError('RULE_VIOLATION', 'Nothing was changed: 1 key cannot take that: Bravo.')
      return { matched: input.keys?.length ?? total, changed: input.keys?.length ?? total, keys: [] }
    }
  })
}

function button(testId: string): HTMLElement {
  const el = document.querySelector<HTMLElement>(`[data-testid="${testId}"]`)
  if (!el) throw new Error(`no ${testId} on screen: ${screenText().slice(0, 300)}`)
  return el
}

/** The row checkboxes of the API Keys table (the header's select-page box first). */
function checkboxes(): HTMLElement[] {
  return [...document.querySelectorAll<HTMLElement>('[data-testid="keys-table"] .n-checkbox')]
}

function dialogButton(label: string): HTMLElement {
  const found = [...document.querySelectorAll<HTMLElement>('.n-dialog button')].find((b) =>
    b.textContent?.includes(label)
  )
  if (!found) throw new Error(`no dialog button ${label}: ${screenText().slice(-300)}`)
  return found
}

describe('API Keys: bulk actions', () => {
  afterEach(() => {
    document.body.innerHTML = ''
    location.hash = ''
  })

  it('checking rows shows the action bar; Disable asks naming the count, then sends keys.bulk for those keys', async () => {
    const client = app()
    mountInApp(AppShell)
    await settle()
    expect(document.querySelector('[data-testid="bulk-bar"]')).toBeNull()
    const boxes = checkboxes()
    expect(boxes.length).toBe(3)
    boxes[1]!.click()
    await settle()
    expect(button('bulk-count').textContent).toContain('1 key selected')
    button('bulk-disable').click()
    await settle()
    expect(screenText()).toContain('Disable 1 key?')
    expect(screenText()).toContain('requests in flight will fail')
    dialogButton('Disable 1 key').click()
    await settle()
    expect(client.callsTo('keys.bulk').map((c) => c.input)).toEqual([{ action: 'disable', keys: ['k_a'] }])
    // The selection is cleared and the page reloaded.
    expect(document.querySelector('[data-testid="bulk-bar"]')).toBeNull()
  })

  it('"Select all N matching" acts on the filter across pages; delete warns that in-flight requests will fail', async () => {
    const client = app(60)
    mountInApp(AppShell)
    await settle()
    checkboxes()[0]!.click()
    await settle()
    expect(button('bulk-count').textContent).toContain('2 keys selected')
    button('bulk-select-all').click()
    await settle()
    expect(button('bulk-count').textContent).toContain('60 keys selected (all matching)')
    button('bulk-delete').click()
    await settle()
    expect(screenText()).toContain('Delete 60 keys?')
    expect(screenText()).toContain('requests in flight with them will fail')
    dialogButton('Cancel').click()
    await settle()
    expect(client.callsTo('keys.bulk')).toEqual([])
    button('bulk-delete').click()
    await settle()
    dialogButton('Delete 60 keys').click()
    await settle()
    expect(client.callsTo('keys.bulk').map((c) => c.input)).toEqual([{ action: 'delete', filters: {} }])
  })

  it('Set… applies one detail to the selection; a refusal is shown in the dialog and it stays open', async () => {
    const client = app()
    mountInApp(AppShell)
    await settle()
    checkboxes()[2]!.click()
    await settle()
    button('bulk-set').click()
    await settle()
    expect(screenText()).toContain('Set a detail on 1 key')
    const type = async (text: string) => {
      const input = button('bulk-value').querySelector('input')!
      input.value = text
      input.dispatchEvent(new Event('input'))
      await settle()
    }
    await type('Nope')
    button('bulk-apply').click()
    await settle()
    expect(document.querySelector('[data-testid="bulk-change-dialog"] [role="alert"]')?.textContent).toContain(
      'Nothing was changed: 1 key cannot take that: Bravo.'
    )
    await type('Finance')
    button('bulk-apply').click()
    await settle()
    expect(client.callsTo('keys.bulk').map((c) => c.input)).toEqual([
      { action: 'set', keys: ['k_b'], set: { department: 'Nope' } },
      { action: 'set', keys: ['k_b'], set: { department: 'Finance' } }
    ])
    expect(document.querySelector('[data-testid="bulk-bar"]')).toBeNull()
  })
})
