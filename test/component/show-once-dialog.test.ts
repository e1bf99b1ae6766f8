import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import ShowOnceDialog from '@renderer/components/dialogs/ShowOnceDialog.vue'
import type { Reveal } from '@renderer/lib/reveal'
import { apiKey, fakeClient, mountInApp, screenText, settle } from './helpers'

const SECRET = 'kw_9QbN3vXw2LrT7yPz4KcMa8HdE1sUfJg5'

function reveal(extra: Partial<Reveal> = {}): Reveal {
  return { key: apiKey(), secret: SECRET, origin: 'create', clearsInSeconds: 30, ...extra }
}

function button(text: string): HTMLButtonElement {
  const found = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === text)
  if (!found) throw new Error(`no button "${text}"`)
  return found
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
})

afterEach(() => {
  vi.useRealTimers()
  document.body.innerHTML = ''
})

describe('Show-once dialog', () => {
  it('shows the key in monospace with the seed warning and the clipboard countdown', async () => {
    fakeClient({})
    mountInApp(ShowOnceDialog, { reveal: reveal() })
    await settle()
    const code = document.querySelector('[data-testid="secret"]')!
    expect(code.tagName).toBe('CODE')
    expect(code.textContent).toBe(SECRET)
    expect(screenText()).toContain('has been generated successfully. Please copy the API key to a safe place.')
    expect(screenText()).toContain('You can view this API key only once')
    expect(screenText()).toContain('It cannot be viewed again after you close this dialog.')
    expect(screenText()).toContain('Copied to clipboard · clears in 30 s')
    vi.advanceTimersByTime(3000)
    await settle()
    expect(screenText()).toContain('Copied to clipboard · clears in 27 s')
    vi.advanceTimersByTime(27_000)
    await settle()
    expect(screenText()).toContain('Clipboard cleared. Click Copy to copy the key again.')
  })

  it('Copy asks the host to write the secret, and restarts the countdown from its answer', async () => {
    const api = fakeClient({ 'clipboard.writeSecret': () => ({ clearsInSeconds: 45 }) })
    mountInApp(ShowOnceDialog, { reveal: reveal({ clearsInSeconds: 30 }) })
    await settle()
    vi.advanceTimersByTime(10_000)
    button('Copy').click()
    await settle()
    expect(api.callsTo('clipboard.writeSecret').map((c) => c.input)).toEqual([{ secret: SECRET }])
    expect(screenText()).toContain('clears in 45 s')
  })

  it('says so when the clipboard is never cleared (0 seconds)', async () => {
    fakeClient({})
    mountInApp(ShowOnceDialog, { reveal: reveal({ clearsInSeconds: 0 }) })
    await settle()
    expect(screenText()).toContain('Copied to clipboard. It stays there until you copy something else')
  })

  it('when it closes, the secret is gone from the DOM and from the component, and the parent is told to drop it', async () => {
    fakeClient({})
    const { wrapper, props } = mountInApp(ShowOnceDialog, { reveal: reveal() as Reveal | null })
    await settle()
    expect(document.body.innerHTML).toContain(SECRET)
    button('I have stored it').click()
    await settle()
    const dialog = wrapper.findComponent(ShowOnceDialog)
    expect(dialog.emitted('close')).toHaveLength(1)
    // The parent (KeysView) clears its reference on "close".
    props.reveal = null
    await settle()
    expect(document.body.innerHTML).not.toContain(SECRET)
    expect(JSON.stringify((dialog.vm as unknown as { $: { setupState: Record<string, unknown> } }).$.setupState, (_k, v) => (typeof v === 'function' ? undefined : v))).not.toContain(SECRET)
  })

  it('Esc closes it the same way', async () => {
    fakeClient({})
    const { wrapper } = mountInApp(ShowOnceDialog, { reveal: reveal() })
    await settle()
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', code: 'Escape', bubbles: true }))
    await settle()
    expect(wrapper.findComponent(ShowOnceDialog).emitted('close')).toHaveLength(1)
    expect(document.body.innerHTML).not.toContain(SECRET)
  })
})
