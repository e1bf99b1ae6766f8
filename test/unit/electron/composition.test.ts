import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { OPERATION_NAMES } from '../../../src/shared/contract'
import { channelOf, MENU_CHANNEL, type IpcReply } from '../../../src/shared/ipc'
import type { FakeElectron } from './fake-electron'
import { settle } from './fakes'

/**
 * The composition root (src/main/desktop/main.ts) run for real, with a recording stand-in for the
 * electron module and electron-store replaced by conf (what it extends) in the test's userData.
 * The registry is a real SQLite file; better-sqlite3 gets its driver through nativeBinding from
 * <appPath>/.electron-abi/ exactly as in the app (here the plain-Node build, copied there).
 */
const state = vi.hoisted(() => ({ fake: undefined as unknown as FakeElectron, appPath: '' }))

vi.mock('electron', async () => {
  const { createFakeElectron } = await import('./fake-electron')
  state.fake = createFakeElectron({ appPath: state.appPath })
  return { ...state.fake.module, default: state.fake.module }
})

vi.mock('electron-store', async () => {
  const { default: Conf } = await import('conf')
  class ElectronStoreStandIn extends Conf<Record<string, unknown>> {
    constructor(options: { name: string } & Record<string, unknown>) {
      const { name, ...rest } = options
      super({ ...rest, configName: name, cwd: state.fake.module.app.getPath('userData'), projectVersion: '0.1.0' })
    }
  }
  return { default: ElectronStoreStandIn }
})

let root: string
let userData: string
let fake: FakeElectron
const saved = { env: { ...process.env } }
// The folder main takes its sibling paths from (__dirname): src/main/desktop here, out/main in the bundle.
const mainDir = resolve('src/main/desktop')
const rendererUrl = pathToFileURL(join(dirname(mainDir), 'renderer', 'index.html')).href

async function call(name: string, input: unknown, url = rendererUrl): Promise<IpcReply> {
  const handler = fake.ipcMain.handlers.get(channelOf(name as never))
  if (!handler) throw new Error(`no handler for ${name}`)
  return (await handler({ senderFrame: { url, parent: null } }, input)) as IpcReply
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'keyward-app-'))
  userData = join(root, 'user data')
  state.appPath = join(root, 'app')
  mkdirSync(join(state.appPath, '.electron-abi'), { recursive: true })
  copyFileSync(
    'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
    join(state.appPath, '.electron-abi', 'better_sqlite3.node')
  )
  process.env.KEYWARD_USER_DATA = userData
  delete process.env.KEYWARD_DB
  delete process.env.ELECTRON_RENDERER_URL
  await import('../../../src/main/desktop/main')
  fake = state.fake
  fake.ready()
  await settle()
})

afterAll(() => {
  process.env = saved.env
  rmSync(root, { recursive: true, force: true })
})

describe('the desktop app, composed', () => {
  it('uses the test userData for preferences and the registry, and opens one hardened window on the built page', () => {
    expect(fake.errors).toEqual([])
    expect(fake.app.name).toBe('Keyward')
    expect(fake.module.app.getPath('userData')).toBe(userData)
    expect(existsSync(join(userData, 'registry.sqlite3'))).toBe(true)
    const [window] = fake.BrowserWindow.windows
    expect(fake.BrowserWindow.windows).toHaveLength(1)
    expect(window!.loadedUrl).toBe(rendererUrl)
    expect(window!.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      devTools: false
    })
    expect(window!.options.webPreferences.preload).toBe(join(dirname(mainDir), 'preload', 'index.js'))
    window!.emit('ready-to-show')
    expect(window!.shown).toBe(true)
  })

  it('registers every operation, refuses foreign frames, and serves the page through the real core', async () => {
    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual(OPERATION_NAMES.map(channelOf).sort())
    expect(await call('keys.list', {}, 'https://evil.example.com/')).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' }
    })
    expect(await call('resources.add', { model: 'gpt-4o', type: 'PYG' })).toMatchObject({ ok: true })
    const created = await call('keys.create', { name: 'FromTheWindow', resources: ['gpt-4o:PYG'] })
    expect(created.ok).toBe(true)
    const { secret } = (created as { result: { secret: string } }).result
    expect(fake.clipboard.text).toBe(secret)
    const listed = await call('keys.list', {})
    expect(listed).toMatchObject({ ok: true, result: { total: 1, items: [{ name: 'FromTheWindow' }] } })
    const audit = (await call('audit.list', {})) as { result: { items: { actor: string; action: string }[] } }
    expect(audit.result.items.find((e) => e.action === 'key.create')?.actor).toBeTruthy()
  })

  it('hardens every web contents and the session', () => {
    const window = fake.BrowserWindow.windows[0]!
    let prevented = false
    window.webContents.emit('will-navigate', { preventDefault: () => (prevented = true) }, 'https://evil.example.com')
    expect(prevented).toBe(true)
    expect(window.webContents.openHandler!({ url: 'https://docs.example.com' })).toEqual({ action: 'deny' })
    expect(window.webContents.openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' })
    expect(fake.opened).toEqual(['https://docs.example.com'])
    let granted: boolean | undefined
    fake.session.defaultSession.permissionRequest!(null, 'media', (g) => (granted = g))
    expect(granted).toBe(false)
    expect(fake.session.defaultSession.headers).toBeTypeOf('function')
  })

  it('the menu sends New Key to the page; choosing a theme stores it, applies it, and tells the page', async () => {
    const window = fake.BrowserWindow.windows[0]!
    const menu = fake.menus.at(-1) as {
      label: string
      submenu: { id?: string; click?: () => void; submenu?: { id?: string; click?: () => void }[] }[]
    }[]
    const file = menu.find((m) => m.label === '&File')!
    file.submenu.find((i) => i.id === 'new-key')!.click!()
    expect(window.webContents.sent).toContainEqual([MENU_CHANNEL, 'new-key'])
    const view = menu.find((m) => m.label === '&View')!
    view.submenu.find((i) => i.submenu)!.submenu!.find((i) => i.id === 'theme-dark')!.click!()
    expect(fake.nativeTheme.themeSource).toBe('dark')
    expect(window.webContents.sent).toContainEqual([MENU_CHANNEL, 'settings-changed'])
    expect(await call('settings.get', {})).toMatchObject({ ok: true, result: { theme: 'dark' } })
    const onDisk = JSON.parse(readFileSync(join(userData, 'preferences.json'), 'utf8'))
    expect(onDisk.settings.theme).toBe('dark')
  })

  it('the menu follows the Language setting: Arabic for ar, the OS languages for system, English for en', async () => {
    const topLabels = () => (fake.menus.at(-1) as { label: string }[]).map((m) => m.label)
    expect(topLabels()).toEqual(['&File', '&Edit', '&View', '&Help'])
    expect(await call('settings.set', { language: 'ar' })).toMatchObject({ ok: true })
    expect(topLabels()).toEqual(['&ملف', '&تحرير', '&عرض', '&مساعدة'])
    // The theme radio is rebuilt with the stored choice still checked.
    const view = (fake.menus.at(-1) as { submenu: { submenu?: { id?: string; checked?: boolean }[] }[] }[])[2]!
    expect(view.submenu.find((i) => i.submenu)!.submenu!.find((i) => i.checked)?.id).toBe('theme-dark')
    fake.app.systemLanguages = ['fr-FR', 'ar-EG']
    expect(await call('settings.set', { language: 'en' })).toMatchObject({ ok: true })
    expect(topLabels()[0]).toBe('&File')
    expect(await call('settings.set', { language: 'system' })).toMatchObject({ ok: true })
    expect(topLabels()[0]).toBe('&ملف')
    fake.app.systemLanguages = ['en-US']
    expect(await call('settings.set', { language: 'en' })).toMatchObject({ ok: true })
    expect(await call('settings.set', { language: 'system' })).toMatchObject({ ok: true })
    expect(topLabels()[0]).toBe('&File')
  })
  it('the local server switch forks the server utility process on the chosen port, server.status reports it running, and switched off it stops', async () => {
    expect(await call('settings.set', { serverEnabled: true, serverPort: 18787 })).toMatchObject({ ok: true })
    expect(fake.forks).toHaveLength(1)
    expect(fake.forks[0]!.modulePath).toBe(join(mainDir, 'server-process.js'))
    expect(fake.forks[0]!.messages[0]).toMatchObject({
      type: 'start',
      dbPath: join(userData, 'registry.sqlite3'),
      host: '127.0.0.1',
      port: 18787,
      nativeBinding: join(state.appPath, '.electron-abi', 'better_sqlite3.node')
    })
    await settle()
    expect(await call('server.status', {})).toEqual({
      ok: true,
      result: { state: 'running', url: 'http://127.0.0.1:18787', port: 18787 }
    })
    expect(await call('settings.set', { serverEnabled: false })).toMatchObject({ ok: true })
    await settle()
    expect(fake.forks[0]!.messages.at(-1)).toEqual({ type: 'stop' })
    expect(fake.forks[0]!.proc.killed).toBe(true)
    expect(await call('server.status', {})).toEqual({ ok: true, result: { state: 'off' } })
  })

  it('SMTP password goes through safeStorage into its own owner-only file, never in plaintext', async () => {
    const reply = await call('notify.settings.set', {
      host: 'smtp.example.com',
      port: 587,
      from: 'keyward@example.com',
      password: 'hunter2'
    })
    expect(reply).toMatchObject({ ok: true, result: { passwordSet: true, passwordStorage: 'os' } })
    const file = readFileSync(join(userData, 'smtp-password.json'), 'utf8')
    expect(file).not.toContain('hunter2')
    expect(readFileSync(join(userData, 'preferences.json'), 'utf8')).not.toContain('hunter2')
  })

  it('a provider key goes through safeStorage into its own owner-only file; the Gateway switch hands it to the server by message', async () => {
    const providerKey = 'sk-composed-provider-key-0123456789'
    await call('resources.add', { model: 'o3', type: 'PYG', upstreamUrl: 'https://api.openai.com/v1' })
    expect(await call('resources.setUpstreamKey', { resource: 'o3:PYG', providerKey })).toMatchObject({
      ok: true,
      result: { resource: { upstream: { keyKept: true } } }
    })
    const file = join(userData, 'upstream-keys.json')
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(readFileSync(file, 'utf8')).not.toContain(providerKey)
    expect(readFileSync(join(userData, 'preferences.json'), 'utf8')).not.toContain(providerKey)
    expect(readFileSync(join(userData, 'registry.sqlite3')).toString('latin1')).not.toContain(providerKey)

    expect(await call('settings.set', { serverEnabled: true, serverGateway: true, serverPort: 18788 })).toMatchObject({
      ok: true
    })
    const fork = fake.forks.at(-1)!
    const start = fork.messages.at(-1) as { type: string; gateway: boolean; upstreamKeys: Record<string, string> }
    expect(start).toMatchObject({ type: 'start', port: 18788, gateway: true })
    expect(Object.values(start.upstreamKeys)).toEqual([providerKey])
    await settle()
    expect(await call('settings.set', { serverEnabled: false, serverGateway: false })).toMatchObject({ ok: true })
    await settle()
  })

  it('closing the window remembers its bounds; quitting clears the secret from the clipboard and closes the registry', async () => {
    const created = await call('keys.create', { name: 'LastOne' })
    const { secret } = (created as { result: { secret: string } }).result
    expect(fake.clipboard.text).toBe(secret)
    fake.BrowserWindow.windows[0]!.close()
    const prefs = JSON.parse(readFileSync(join(userData, 'preferences.json'), 'utf8'))
    expect(prefs.window).toEqual({ x: 40, y: 30, width: 1111, height: 777, maximized: false })
    fake.app.emit('window-all-closed')
    await settle()
    await settle()
    expect(fake.calls).toContain('app.quit: done')
    expect(fake.clipboard.text).toBe('')
    // The registry connection is closed: the file can be opened exclusively by another process now.
    expect(await call('keys.list', {})).toMatchObject({ ok: false, error: { code: 'INTERNAL' } })
  })
})
