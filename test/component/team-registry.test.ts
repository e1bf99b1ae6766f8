import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { KeywardError } from '@shared/errors'
import { DEFAULT_APP_SETTINGS, type AppSettings } from '@shared/schemas'
import AppShell from '@renderer/AppShell.vue'
import RegistrySettingsSection from '@renderer/components/RegistrySettingsSection.vue'
import KeyCreateDialog from '@renderer/components/dialogs/KeyCreateDialog.vue'
import KeyEditDialog from '@renderer/components/dialogs/KeyEditDialog.vue'
import { registryOutOfReach } from '@renderer/api'
import { i18n } from '@renderer/i18n'
import { useSettingsStore } from '@renderer/stores/settings'
import { apiKey, fakeClient, mountInApp, screenText, settle } from './helpers'

const ADMIN_KEY = 'kwa_AdminAdminAdminAdminAdminAdminAdminAdminAdmin01'
const URL = 'https://keys.example.com:8787'
const DOWN = `The team server ${URL} cannot be reached (connection refused). Check your network or VPN and that the server is running; nothing was changed. Keyward retries on its own, or switch to This computer in Settings → Registry.`

/**
 * A desktop host as main answers Settings → Registry: settings.set({registry}) refuses a wrong
 * key (UNAUTHORIZED on adminKey) or a server that is down (UNREACHABLE on url); every registry
 * operation fails UNREACHABLE while `server.up` is false.
 */
function host(start: Partial<AppSettings> = {}, server = { up: true }) {
  let settings: AppSettings = { ...DEFAULT_APP_SETTINGS, ...start }
  const unreachable = () => {
    throw new KeywardError('UNREACHABLE', DOWN)
  }
  const registryOp =
    <T>(answer: () => T) =>
    () =>
      server.up ? answer() : unreachable()
  const client = fakeClient({
    'settings.get': () => settings,
    'settings.set': (patch) => {
      const { registry, ...rest } = patch as Partial<AppSettings> & {
        registry?: { kind: string; url?: string; adminKey?: string }
      }
      if (registry?.kind === 'team') {
        if (!server.up) throw new KeywardError('UNREACHABLE', DOWN, { url: DOWN })
        if (registry.adminKey !== ADMIN_KEY)
          throw new KeywardError('UNAUTHORIZED', 'That administrator key is not valid.', {
            adminKey: 'That administrator key is not valid.'
          })
        settings = { ...settings, ...rest, registry: { kind: 'team', url: registry.url!.replace(/\/+$/, '') } }
      } else if (registry) settings = { ...settings, ...rest, registry: { kind: 'local' } }
      else settings = { ...settings, ...rest }
      return settings
    },
    'server.status': () => ({ state: 'off' }),
    'notify.settings.get': registryOp(() => null),
    'pool.get': registryOp(() => ({ tpmPool: null, assigned: 0, remaining: null })),
    'resources.list': registryOp(() => ({ items: [] })),
    'suggestions.get': registryOp(() => ({ departments: [], projects: [], environments: [] })),
    'keys.list': registryOp(() => ({ items: [], total: 0 })),
    'keys.create': registryOp(() => ({ key: apiKey(), secret: 'kw_x' })),
    'keys.edit': registryOp(() => ({ key: apiKey() }))
  })
  return { client, server, settings: () => settings }
}

function field(id: string): HTMLInputElement {
  const el = document.getElementById(id) as HTMLInputElement | null
  if (!el) throw new Error(`no #${id}`)
  return el
}
async function type(id: string, value: string): Promise<void> {
  const el = field(id)
  el.value = value
  el.dispatchEvent(new Event('input', { bubbles: true }))
  await settle()
}
function button(text: string): HTMLButtonElement {
  const found = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === text)
  if (!found) throw new Error(`no button "${text}"`)
  return found
}
async function choose(testid: string): Promise<void> {
  ;(document.querySelector(`[data-testid="${testid}"] input`) as HTMLInputElement).click()
  await settle()
}

let unmount: (() => void) | undefined
beforeEach(() => {
  registryOutOfReach.value = null
  location.hash = '#/settings'
})
afterEach(() => {
  unmount?.()
  unmount = undefined
  i18n.global.locale.value = 'en'
  vi.useRealTimers()
  document.body.innerHTML = ''
})

describe('Settings → Registry', () => {
  it('connects to a team server; a refused key keeps what was typed; the key never reaches Pinia', async () => {
    const h = host()
    const { wrapper, pinia } = mountInApp(RegistrySettingsSection)
    unmount = () => wrapper.unmount()
    await useSettingsStore().load()
    await settle()
    expect(screenText()).toContain('On the registry file of this computer')
    await choose('registry-team')
    await type('registry-url', URL)
    await type('registry-admin-key', 'kwa_wrong')
    button('Connect').click()
    await settle()
    // Refused: nothing saved, the reason on the key's field, and both fields keep what was typed.
    expect(h.settings().registry).toEqual({ kind: 'local' })
    expect(field('registry-url').value).toBe(URL)
    expect(field('registry-admin-key').value).toBe('kwa_wrong')
    expect(field('registry-admin-key').closest('.n-form-item')!.textContent).toContain(
      'That administrator key is not valid.'
    )
    expect(screenText()).toContain('Sign-in required')

    await type('registry-admin-key', ADMIN_KEY)
    button('Connect').click()
    await settle()
    expect(h.client.callsTo('settings.set').at(-1)!.input).toEqual({
      registry: { kind: 'team', url: URL, adminKey: ADMIN_KEY }
    })
    expect(h.settings().registry).toEqual({ kind: 'team', url: URL })
    expect(useSettingsStore().items.registry).toEqual({ kind: 'team', url: URL })
    expect(field('registry-admin-key').value).toBe('')
    expect(screenText()).toContain(`On the team server \u2068${URL}\u2069`.replace(/\u2068|\u2069/g, ''))
    expect(JSON.stringify(pinia.state.value)).not.toContain(ADMIN_KEY)
    expect(document.body.innerHTML).not.toContain(ADMIN_KEY)

    // Back to this computer.
    await choose('registry-local')
    button('Use this computer').click()
    await settle()
    expect(h.client.callsTo('settings.set').at(-1)!.input).toEqual({ registry: { kind: 'local' } })
    expect(h.settings().registry).toEqual({ kind: 'local' })
  })

  it('a server that does not answer: the reason on the URL, the form kept', async () => {
    host({}, { up: false })
    const { wrapper } = mountInApp(RegistrySettingsSection)
    unmount = () => wrapper.unmount()
    await useSettingsStore().load()
    await settle()
    await choose('registry-team')
    await type('registry-url', URL)
    await type('registry-admin-key', ADMIN_KEY)
    button('Connect').click()
    await settle()
    expect(field('registry-url').closest('.n-form-item')!.textContent).toContain('cannot be reached')
    expect(field('registry-url').value).toBe(URL)
    expect(field('registry-admin-key').value).toBe(ADMIN_KEY)
  })
})

describe('the window on a team server', () => {
  it('shows which registry it is on, in English and Arabic', async () => {
    host({ registry: { kind: 'team', url: URL } })
    const { wrapper } = mountInApp(AppShell)
    unmount = () => wrapper.unmount()
    await useSettingsStore().load()
    await settle()
    const chip = () => document.querySelector('[data-testid="registry-indicator"]')!
    expect(chip().textContent).toContain('keys.example.com:8787')
    expect(chip().getAttribute('aria-label')).toBe('Registry: team server keys.example.com:8787')
    i18n.global.locale.value = 'ar'
    await settle()
    expect(chip().getAttribute('aria-label')).toBe('السجل: خادم الفريق keys.example.com:8787')
    i18n.global.locale.value = 'en'
    await useSettingsStore().save({ registry: { kind: 'local' } })
    await settle()
    expect(chip().textContent?.trim()).toBe('This computer')
  })

  it('a banner while the server is out of reach, retrying every 5 s, gone once it answers', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const h = host({ registry: { kind: 'team', url: URL } })
    location.hash = '#/keys'
    const { wrapper } = mountInApp(AppShell)
    unmount = () => wrapper.unmount()
    await useSettingsStore().load()
    await settle()
    expect(document.querySelector('[data-testid="team-server-banner"]')).toBeNull()

    h.server.up = false
    await useSettingsStore().load() // a local answer does not clear or raise the banner
    ;(await import('@renderer/api')).api['keys.list']({}).catch(() => undefined)
    await settle()
    const banner = () => document.querySelector('[data-testid="team-server-banner"]')
    expect(banner()?.textContent).toContain('The team server keys.example.com:8787 cannot be reached. Retrying…')
    expect(banner()?.textContent).toContain('connection refused')

    const before = h.client.callsTo('pool.get').length
    vi.advanceTimersByTime(5000)
    await settle()
    expect(h.client.callsTo('pool.get').length).toBe(before + 1)
    expect(banner()).not.toBeNull()

    i18n.global.locale.value = 'ar'
    await settle()
    expect(banner()?.textContent).toContain('يتعذّر الوصول إلى خادم الفريق keys.example.com:8787. جارٍ إعادة المحاولة…')
    expect(banner()?.textContent).toContain('رُفض الاتصال')
    i18n.global.locale.value = 'en'

    h.server.up = true
    vi.advanceTimersByTime(5000)
    await settle()
    expect(banner()).toBeNull()
    const after = h.client.callsTo('pool.get').length
    vi.advanceTimersByTime(15000)
    await settle()
    expect(h.client.callsTo('pool.get').length).toBe(after)
  })
})

describe('nothing typed is lost when the server is out of reach', () => {
  it('the create dialog stays open with every field', async () => {
    const h = host({ registry: { kind: 'team', url: URL } }, { up: true })
    const { wrapper } = mountInApp(KeyCreateDialog, { show: true })
    unmount = () => wrapper.unmount()
    await settle()
    h.server.up = false
    await type('create-name', 'BillingBot1')
    await type('create-notes', 'Quarterly rotation')
    button('Create').click()
    await settle()
    expect(h.client.callsTo('keys.create')).toHaveLength(1)
    expect(wrapper.findComponent(KeyCreateDialog).emitted('update:show')).toBeUndefined()
    expect(field('create-name').value).toBe('BillingBot1')
    expect(field('create-notes').value).toBe('Quarterly rotation')
    expect(screenText()).toContain('The team server cannot be reached')
  })

  it('the edit dialog stays open with the change', async () => {
    const h = host({ registry: { kind: 'team', url: URL } }, { up: false })
    const { wrapper } = mountInApp(KeyEditDialog, { show: true, apiKey: apiKey() })
    unmount = () => wrapper.unmount()
    await settle()
    await type('edit-notes', 'moved to the team server')
    button('Save').click()
    await settle()
    expect(h.client.callsTo('keys.edit')).toHaveLength(1)
    expect(wrapper.findComponent(KeyEditDialog).emitted('update:show')).toBeUndefined()
    expect(field('edit-notes').value).toBe('moved to the team server')
  })
})
