import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { KeywardError } from '@shared/errors'
import { DEFAULT_APP_SETTINGS, type AppSettings } from '@shared/schemas'
import type { LocalServerStatus } from '@shared/types'
import ServerSettingsSection from '@renderer/components/ServerSettingsSection.vue'
import { useSettingsStore } from '@renderer/stores/settings'
import { fakeClient, fakeWebConsole, mountInApp, screenText, settle } from './helpers'

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

/**
 * A host that keeps settings (the desktop app's main), applying settings.set as main does. Its
 * local server's state is `server.current`, which the test moves as main's would move.
 */
function desktopHost(
  start: Partial<AppSettings> = {},
  server: { current: LocalServerStatus } = { current: { state: 'off' } }
) {
  let settings: AppSettings = { ...DEFAULT_APP_SETTINGS, ...start }
  return fakeClient({
    'settings.get': () => settings,
    'settings.set': (patch) => (settings = { ...settings, ...patch }),
    'server.status': () => server.current
  })
}

const statusLine = () => document.querySelector('[data-testid="server-status"]')
const statusText = () => statusLine()?.textContent?.trim()

/** Moves the section's status poll (a setInterval) on; nothing else in the section waits on time. */
async function pollFor(ms: number): Promise<void> {
  vi.advanceTimersByTime(ms)
  await settle()
}

let unmount: (() => void) | undefined
function mountSection(props: Record<string, unknown>) {
  const mounted = mountInApp(ServerSettingsSection, props)
  unmount = () => mounted.wrapper.unmount()
  return mounted
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
})

afterEach(() => {
  unmount?.()
  unmount = undefined
  vi.useRealTimers()
  document.body.innerHTML = ''
})

describe('Settings → Local server: what the server is doing', () => {
  it('shows each state main reports beside the switch: running on its URL, starting, failed with the reason, off', async () => {
    const server: { current: LocalServerStatus } = {
      current: { state: 'running', url: 'http://127.0.0.1:8787', port: 8787 }
    }
    desktopHost({ serverEnabled: true }, server)
    mountSection({})
    await useSettingsStore().load()
    await settle()
    expect(statusText()).toBe('Running on http://127.0.0.1:8787')
    expect(statusLine()!.getAttribute('role')).toBe('status')
    expect(statusLine()!.getAttribute('data-state')).toBe('running')
    // The status sits in the switch's row.
    expect(statusLine()!.parentElement!.querySelector('[role="switch"]')).not.toBeNull()

    server.current = {
      state: 'failed',
      port: 8787,
      message: 'Port 8787 on 127.0.0.1 is already in use. Choose another port.'
    }
    await pollFor(10_000)
    expect(statusText()).toBe('Failed: Port 8787 on 127.0.0.1 is already in use. Choose another port.')
    expect(statusLine()!.getAttribute('data-state')).toBe('failed')

    server.current = { state: 'starting', port: 8787 }
    await pollFor(10_000)
    expect(statusText()).toBe('Starting on port 8787…')

    server.current = { state: 'off' }
    await pollFor(2_000)
    expect(statusText()).toBe('Off')
  })

  it('after saving it asks again, then checks every 2 s while starting and every 10 s once settled', async () => {
    const server: { current: LocalServerStatus } = { current: { state: 'off' } }
    const api = desktopHost({}, server)
    mountSection({})
    await useSettingsStore().load()
    await settle()
    expect(statusText()).toBe('Off')

    // main starts the server when serverEnabled is saved; the section asks right after the save.
    server.current = { state: 'starting', port: 8787 }
    ;(document.querySelector('[role="switch"]') as HTMLElement).click()
    await settle()
    expect(api.callsTo('settings.set').map((c) => c.input)).toEqual([{ serverEnabled: true }])
    expect(statusText()).toBe('Starting on port 8787…')

    const asked = api.callsTo('server.status').length
    server.current = { state: 'running', url: 'http://127.0.0.1:8787', port: 8787 }
    await pollFor(2_000)
    expect(api.callsTo('server.status')).toHaveLength(asked + 1)
    expect(statusText()).toBe('Running on http://127.0.0.1:8787')

    // Running: no more 2-second checks, one every 10 s (a server that dies later still shows up).
    server.current = { state: 'failed', port: 8787, message: 'The server process ended unexpectedly (exit code 1).' }
    await pollFor(8_000)
    expect(api.callsTo('server.status')).toHaveLength(asked + 1)
    expect(statusText()).toBe('Running on http://127.0.0.1:8787')
    await pollFor(2_000)
    expect(statusText()).toBe('Failed: The server process ended unexpectedly (exit code 1).')
  })

  it('leaving Settings stops the checks', async () => {
    const api = desktopHost({}, { current: { state: 'starting', port: 8787 } })
    mountSection({})
    await useSettingsStore().load()
    await settle()
    const asked = api.callsTo('server.status').length
    unmount!()
    unmount = undefined
    await pollFor(20_000)
    expect(api.callsTo('server.status')).toHaveLength(asked)
  })

  it('a host without server.status: no status line, and it is not asked again', async () => {
    let settings: AppSettings = { ...DEFAULT_APP_SETTINGS }
    const api = fakeClient({
      'settings.get': () => settings,
      'settings.set': (patch) => (settings = { ...settings, ...patch }),
      'server.status': () => {
        throw new KeywardError('NOT_FOUND', 'Unknown operation "server.status".')
      }
    })
    mountSection({})
    await useSettingsStore().load()
    await settle()
    expect(document.querySelector('[role="switch"]')).not.toBeNull()
    expect(statusLine()).toBeNull()
    const asked = api.callsTo('server.status').length
    expect(asked).toBe(1)
    await pollFor(20_000)
    expect(api.callsTo('server.status')).toHaveLength(1)
  })
})

describe('Settings → Local server', () => {
  it('on the desktop: the switch saves serverEnabled, and the URL gateways use is shown for the saved port', async () => {
    const api = desktopHost()
    mountSection({})
    await useSettingsStore().load()
    await settle()
    const toggle = document.querySelector('[role="switch"]') as HTMLElement
    expect(toggle.getAttribute('aria-labelledby')).toBe('server-enabled-label')
    expect(document.getElementById('server-enabled-label')!.textContent!.trim()).toBe(
      'Run the verification server on this computer'
    )
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
    mountSection({})
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
    const api = fakeWebConsole({
      'settings.get': () => {
        throw new KeywardError(
          'NOT_FOUND',
          '"settings.get" belongs to the desktop app on its own machine and is not available over HTTP.'
        )
      }
    })
    mountSection({ origin: 'http://127.0.0.1:8787' })
    await useSettingsStore().load()
    await settle()
    expect(document.querySelector('[role="switch"]')).toBeNull()
    expect(document.getElementById('server-port')).toBeNull()
    const note = document.querySelector('[data-testid="server-unavailable"]')!.textContent!.replace(/\s+/g, ' ')
    expect(note).toContain('The local server switch belongs to the desktop app.')
    expect(note).toContain('http://127.0.0.1:8787/v1/keys/verify')
    expect(api.callsTo('settings.set')).toHaveLength(0)
    await pollFor(20_000)
    expect(api.callsTo('server.status')).toHaveLength(0)
    expect(statusLine()).toBeNull()
  })
})
