import { afterEach, describe, expect, it } from 'vitest'
import { KeywardError } from '@shared/errors'
import { DEFAULT_APP_SETTINGS, type AppSettings } from '@shared/schemas'
import ServerSettingsSection from '@renderer/components/ServerSettingsSection.vue'
import { useSettingsStore } from '@renderer/stores/settings'
import { fakeClient, mountInApp, screenText, settle } from './helpers'

async function typePort(value: string): Promise<void> {
  const el = document.getElementById('server-port') as HTMLInputElement
  el.value = value
  el.dispatchEvent(new Event('input', { bubbles: true }))
  await settle()
}

function saveButton(): HTMLButtonElement {
  return [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Save')!
}

const verifyUrl = () => document.querySelector('[data-testid="server-verify-url"]')?.textContent

/** A host that keeps settings (the desktop app's main), applying settings.set as main does. */
function desktopHost(start: Partial<AppSettings> = {}) {
  let settings: AppSettings = { ...DEFAULT_APP_SETTINGS, ...start }
  return fakeClient({
    'settings.get': () => settings,
    'settings.set': (patch) => (settings = { ...settings, ...patch })
  })
}

afterEach(() => {
  document.body.innerHTML = ''
})

describe('Settings → Local server', () => {
  it('on the desktop: the switch saves serverEnabled, and the URL gateways use is shown for the saved port', async () => {
    const api = desktopHost()
    mountInApp(ServerSettingsSection, { mode: 'desktop' })
    await useSettingsStore().load()
    await settle()
    const toggle = document.querySelector('[role="switch"]') as HTMLElement
    expect(toggle.getAttribute('aria-labelledby')).toBe('server-enabled-label')
    expect(document.getElementById('server-enabled-label')!.textContent!.trim()).toBe('Run the verification server on this computer')
    expect(toggle.getAttribute('aria-checked')).toBe('false')
    expect(verifyUrl()).toBe('http://127.0.0.1:8787/v1/keys/verify')
    expect(screenText()).toContain('It binds to 127.0.0.1 (loopback) only')

    toggle.click()
    await settle()
    expect(api.callsTo('settings.set').map((c) => c.input)).toEqual([{ serverEnabled: true }])
    expect(toggle.getAttribute('aria-checked')).toBe('true')
    expect(document.querySelector('[data-testid="server-state"]')!.textContent!.trim()).toBe('On')
  })

  it('checks the port with the shared settings schema while typing; Save sends only a valid port, and the URL follows it', async () => {
    const api = desktopHost({ serverEnabled: true })
    mountInApp(ServerSettingsSection, { mode: 'desktop' })
    await useSettingsStore().load()
    await settle()
    expect(saveButton().disabled).toBe(true)

    await typePort('80')
    expect(screenText()).toContain('Use a port from 1024 to 65535.')
    expect(saveButton().disabled).toBe(true)
    await typePort('')
    expect(screenText()).toContain('Give a port from 1024 to 65535.')
    saveButton().click()
    await settle()
    expect(api.callsTo('settings.set')).toHaveLength(0)

    await typePort('9100')
    expect(screenText()).not.toContain('from 1024 to 65535')
    expect(verifyUrl()).toBe('http://127.0.0.1:8787/v1/keys/verify')
    saveButton().click()
    await settle()
    expect(api.callsTo('settings.set').map((c) => c.input)).toEqual([{ serverPort: 9100 }])
    expect(verifyUrl()).toBe('http://127.0.0.1:9100/v1/keys/verify')
    expect(screenText()).toContain('the local server restarts on 9100')

    // Enter in the field saves too.
    await typePort('9200')
    document.getElementById('server-port')!.dispatchEvent(new KeyboardEvent('keyup', { key: 'Enter', bubbles: true }))
    await settle()
    expect(api.callsTo('settings.set').map((c) => c.input)).toEqual([{ serverPort: 9100 }, { serverPort: 9200 }])
  })

  it('in the web console: no switch; it says where this console’s own server verifies keys', async () => {
    const api = fakeClient({
      'settings.get': () => {
        throw new KeywardError('NOT_FOUND', '"settings.get" belongs to the desktop app on its own machine and is not available over HTTP.')
      }
    })
    mountInApp(ServerSettingsSection, { mode: 'web-console', origin: 'http://127.0.0.1:8787' })
    await useSettingsStore().load()
    await settle()
    expect(document.querySelector('[role="switch"]')).toBeNull()
    expect(document.getElementById('server-port')).toBeNull()
    const note = document.querySelector('[data-testid="server-unavailable"]')!.textContent!.replace(/\s+/g, ' ')
    expect(note).toContain('The local server switch belongs to the desktop app.')
    expect(note).toContain('http://127.0.0.1:8787/v1/keys/verify')
    expect(api.callsTo('settings.set')).toHaveLength(0)
  })

  it('in a browser whose host keeps no settings: disabled with the reason', async () => {
    fakeClient({
      'settings.get': () => {
        throw new KeywardError('NOT_FOUND', 'No settings here.')
      }
    })
    mountInApp(ServerSettingsSection, { mode: 'http' })
    await useSettingsStore().load()
    await settle()
    expect(document.querySelector('[role="switch"]')).toBeNull()
    expect(document.querySelector('[data-testid="server-unavailable"]')!.textContent).toContain('cannot be switched on here')
  })

  it('in the browser preview (the test server keeps settings), the controls work and say that only the desktop app starts a server', async () => {
    desktopHost()
    mountInApp(ServerSettingsSection, { mode: 'http' })
    await useSettingsStore().load()
    await settle()
    expect(document.querySelector('[role="switch"]')).not.toBeNull()
    expect(document.querySelector('[data-testid="server-preview-note"]')!.textContent).toContain('starts no server; the desktop app does')
  })
})
