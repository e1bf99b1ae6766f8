import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import ShowOnceDialog from '@renderer/components/dialogs/ShowOnceDialog.vue'
import type { Reveal } from '@renderer/lib/reveal'
import { apiKey, fakeClient, fakeWebConsole, mountInApp, screenText, settle } from './helpers'

const SECRET = 'kw_9QbN3vXw2LrT7yPz4KcMa8HdE1sUfJg5'

function reveal(extra: Partial<Reveal> = {}): Reveal {
  return { key: apiKey(), secret: SECRET, origin: 'create', clipboard: { copied: true, clearsInSeconds: 30 }, ...extra }
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
  it('shows the key in monospace with the seed warning and what the host did: copied, cleared in 30 s', async () => {
    fakeClient({})
    mountInApp(ShowOnceDialog, { reveal: reveal() })
    await settle()
    const code = document.querySelector('[data-testid="secret"]')!
    expect(code.tagName).toBe('CODE')
    expect(code.textContent).toBe(SECRET)
    expect(screenText()).toContain('has been generated successfully. Please copy the API key to a safe place.')
    expect(screenText()).toContain('You can view this API key only once')
    expect(screenText()).toContain('It cannot be viewed again after you close this dialog.')
    expect(screenText()).toContain('Copied; the clipboard is cleared in 30 s')
    vi.advanceTimersByTime(3000)
    await settle()
    expect(screenText()).toContain('Copied; the clipboard is cleared in 27 s')
    vi.advanceTimersByTime(27_000)
    await settle()
    expect(screenText()).toContain('Clipboard cleared. Click Copy to copy the key again.')
  })

  it("never assumes the copy worked: the host's reason is shown, with Copy to try again", async () => {
    fakeClient({})
    mountInApp(ShowOnceDialog, {
      reveal: reveal({ clipboard: { copied: false, reason: 'the system clipboard could not be written' } })
    })
    await settle()
    expect(screenText()).toContain('Not copied: the system clipboard could not be written. Use Copy.')
    expect(screenText()).not.toContain('Copied;')
  })

  it('Copy asks the host to copy the secret it holds for this key, by id only, and shows its answer', async () => {
    const api = fakeClient({ 'clipboard.copySecret': () => ({ copied: true, clearsInSeconds: 45 }) })
    mountInApp(ShowOnceDialog, {
      reveal: reveal({ clipboard: { copied: false, reason: 'the system clipboard could not be written' } })
    })
    await settle()
    button('Copy').click()
    await settle()
    expect(api.callsTo('clipboard.copySecret').map((c) => c.input)).toEqual([{ keyId: 'k_test1' }])
    expect(screenText()).toContain('Copied; the clipboard is cleared in 45 s')
    // The secret never goes back to the host.
    expect(JSON.stringify(api.calls)).not.toContain(SECRET)
  })

  it('a Copy the host could not do says why, and what the user can do instead', async () => {
    fakeClient({
      'clipboard.copySecret': () => ({ copied: false, reason: "Keyward no longer holds this key's secret" })
    })
    mountInApp(ShowOnceDialog, { reveal: reveal() })
    await settle()
    button('Copy').click()
    await settle()
    expect(screenText()).toContain(
      "Not copied: Keyward no longer holds this key's secret. Select the key above and copy it yourself."
    )
  })

  it('says so when the clipboard is never cleared (0 seconds)', async () => {
    fakeClient({})
    mountInApp(ShowOnceDialog, { reveal: reveal({ clipboard: { copied: true, clearsInSeconds: 0 } }) })
    await settle()
    expect(screenText()).toContain('Copied. It stays on the clipboard until you copy something else.')
  })

  it('when it closes, the secret is gone from the DOM, the component and the host, and the parent is told to drop it', async () => {
    const api = fakeClient({ 'clipboard.release': () => ({ released: true }) })
    const { wrapper, props } = mountInApp(ShowOnceDialog, { reveal: reveal() as Reveal | null })
    await settle()
    expect(document.body.innerHTML).toContain(SECRET)
    button('I have stored it').click()
    await settle()
    const dialog = wrapper.findComponent(ShowOnceDialog)
    expect(dialog.emitted('close')).toHaveLength(1)
    expect(api.callsTo('clipboard.release').map((c) => c.input)).toEqual([{ keyId: 'k_test1' }])
    // The parent (KeysView) clears its reference on "close".
    props.reveal = null
    await settle()
    expect(document.body.innerHTML).not.toContain(SECRET)
    expect(
      JSON.stringify((dialog.vm as unknown as { $: { setupState: Record<string, unknown> } }).$.setupState, (_k, v) =>
        typeof v === 'function' ? undefined : v
      )
    ).not.toContain(SECRET)
    wrapper.unmount()
    await settle()
    expect(api.callsTo('clipboard.release')).toHaveLength(1)
  })

  it('Esc closes it the same way', async () => {
    const api = fakeClient({ 'clipboard.release': () => ({ released: true }) })
    const { wrapper } = mountInApp(ShowOnceDialog, { reveal: reveal() })
    await settle()
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', code: 'Escape', bubbles: true }))
    await settle()
    expect(wrapper.findComponent(ShowOnceDialog).emitted('close')).toHaveLength(1)
    expect(document.body.innerHTML).not.toContain(SECRET)
    expect(api.callsTo('clipboard.release')).toHaveLength(1)
  })

  it("in the web console nothing was copied yet; Copy uses this browser's clipboard and asks the server nothing", async () => {
    const web = fakeWebConsole({})
    const written: string[] = []
    Object.defineProperty(navigator, 'clipboard', {
      value: { writeText: async (text: string) => void written.push(text) },
      configurable: true
    })
    const { wrapper } = mountInApp(ShowOnceDialog, { reveal: reveal({ clipboard: null }) })
    await settle()
    expect(screenText()).toContain('Not copied yet: click Copy to put the key on your clipboard.')
    button('Copy').click()
    await settle()
    expect(written).toEqual([SECRET])
    expect(screenText()).toContain('Copied. It stays on the clipboard until you copy something else.')
    wrapper.unmount()
    await settle()
    expect(web.calls).toEqual([])
  })
})
