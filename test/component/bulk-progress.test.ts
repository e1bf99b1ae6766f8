import { afterEach, describe, expect, it } from 'vitest'
import { BULK_PROGRESS_CHANNEL } from '@shared/ipc'
import AppShell from '../../src/renderer/src/AppShell.vue'
import { apiKey, fakeClient, mountInApp, screenText, settle } from './helpers'

/**
 * A long bulk action in the desktop app: main sends {done, total} after each chunk on the bulk
 * progress channel, through the real preload bridge; the confirmation (or the change dialog)
 * stays open and shows the bar until the action answers.
 */
const page = [apiKey({ id: 'k_a', name: 'Alpha' }), apiKey({ id: 'k_b', name: 'Bravo' })]

function app() {
  let finish!: () => void
  const client = fakeClient({
    'keys.list': () => ({ items: page, total: 1201 }),
    'resources.list': () => ({ items: [] }),
    'suggestions.get': () => ({ departments: [], projects: [], environments: [] }),
    'settings.get': () => ({}),
    'server.status': () => ({ state: 'off' }),
    'keys.bulk': () =>
      new Promise((resolve) => {
        finish = () => resolve({ matched: 1201, changed: 1201, keys: [] })
      })
  })
  return { ...client, finish: () => finish() }
}

const bar = () => document.querySelector<HTMLElement>('[data-testid="bulk-progress"]')
const byTestId = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`)!
function dialogButton(label: string): HTMLElement {
  const found = [...document.querySelectorAll<HTMLElement>('.n-dialog button')].find((b) =>
    b.textContent?.includes(label)
  )
  if (!found) throw new Error(`no dialog button ${label}: ${screenText().slice(-300)}`)
  return found
}

describe('API Keys: a bulk action shows its progress', () => {
  afterEach(() => {
    document.body.innerHTML = ''
    location.hash = ''
  })

  it('in the confirmation, after each chunk main reports, until the action answers', async () => {
    const client = app()
    mountInApp(AppShell)
    await settle()
    document.querySelectorAll<HTMLElement>('[data-testid="keys-table"] .n-checkbox')[0]!.click()
    await settle()
    byTestId('bulk-select-all').click()
    await settle()
    byTestId('bulk-disable').click()
    await settle()
    dialogButton('Disable 1,201 keys').click()
    await settle()
    expect(client.callsTo('keys.bulk')).toHaveLength(1)
    // Running, nothing reported yet: no bar; the dialog is still open.
    expect(bar()).toBeNull()
    expect(screenText()).toContain('Disable 1,201 keys?')

    client.send(BULK_PROGRESS_CHANNEL, { done: 500, total: 1201 })
    await settle()
    expect(bar()?.textContent).toContain('500 of 1,201 keys')
    expect(bar()?.getAttribute('aria-valuenow')).toBe('500')
    client.send(BULK_PROGRESS_CHANNEL, { done: 1000, total: 1201 })
    await settle()
    expect(bar()?.textContent).toContain('1,000 of 1,201 keys')

    client.finish()
    await settle()
    expect(bar()).toBeNull()
    expect(screenText()).toContain('1,201 keys disabled')
  })

  it('in the change dialog; a report with no action running is ignored', async () => {
    const client = app()
    mountInApp(AppShell)
    await settle()
    client.send(BULK_PROGRESS_CHANNEL, { done: 7, total: 9 })
    document.querySelectorAll<HTMLElement>('[data-testid="keys-table"] .n-checkbox')[1]!.click()
    await settle()
    byTestId('bulk-set').click()
    await settle()
    const input = byTestId('bulk-value').querySelector('input')!
    input.value = 'Finance'
    input.dispatchEvent(new Event('input'))
    await settle()
    expect(bar()).toBeNull()
    byTestId('bulk-apply').click()
    await settle()
    expect(bar()).toBeNull()
    client.send(BULK_PROGRESS_CHANNEL, { done: 1, total: 1 })
    await settle()
    expect(
      document.querySelector('[data-testid="bulk-change-dialog"] [data-testid="bulk-progress"]')?.textContent
    ).toContain('1 of 1 keys')
    client.finish()
    await settle()
    expect(bar()).toBeNull()
  })
})
