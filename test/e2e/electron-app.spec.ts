import { spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test'

/**
 * The desktop app itself. The first suite launches the built app in Electron (Playwright's
 * `_electron`) with a fresh userData folder and walks the key workflow; it is skipped, with the
 * reason, where the Electron binary is not installed (it is fetched by `npm start`). The second
 * suite runs wherever the app is built: it loads the built main bundle (out/main/index.js) in
 * plain Node with a stand-in for the electron module, proving the bundle itself loads and works.
 */

const ROOT = resolve(__dirname, '..', '..')
const OUT = join(ROOT, 'out')
const ABI_BINDING = join(ROOT, '.electron-abi', 'better_sqlite3.node')

function electronBinary(): string | null {
  const dir = join(ROOT, 'node_modules', 'electron')
  const pathTxt = join(dir, 'path.txt')
  if (!existsSync(pathTxt)) return null
  const binary = join(dir, 'dist', readFileSync(pathTxt, 'utf8').trim())
  return existsSync(binary) ? binary : null
}

/** Why the Electron suite cannot run here, or null when it can. */
function electronUnavailable(): string | null {
  if (!electronBinary()) {
    return 'Electron binary is not installed (node_modules/electron/dist is missing; `npm start` downloads it from github.com on first run)'
  }
  if (!existsSync(ABI_BINDING))
    return 'the Electron-ABI better-sqlite3 build (.electron-abi/better_sqlite3.node) is missing; run `npm start` once to build it'
  if (!existsSync(join(OUT, 'main', 'index.js'))) return 'the app is not built; run `npm run build`'
  return null
}

test.describe('desktop app in Electron', () => {
  const reason = electronUnavailable()
  test.skip(reason !== null, `Skipped: ${reason}`)
  // The list reporter prints no skip reasons: say it once, where the run's output shows it.
  if (reason !== null && !process.env.TEST_WORKER_INDEX)
    console.log(`electron-app.spec.ts: desktop app tests SKIPPED: ${reason}.`)

  let app: ElectronApplication
  let page: Page
  let userData: string

  test.beforeEach(async () => {
    userData = mkdtempSync(join(tmpdir(), 'keyward-electron-'))
    app = await electron.launch({
      args: [ROOT],
      cwd: ROOT,
      env: { ...process.env, KEYWARD_USER_DATA: userData, ELECTRON_RUN_AS_NODE: '' } as Record<string, string>
    })
    page = await app.firstWindow()
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible()
  })

  test.afterEach(async () => {
    await app?.close()
    rmSync(userData, { recursive: true, force: true })
  })

  test('the page gets window.keyward and nothing raw', async () => {
    // Runs in the page; globalThis is its window (the Node-side tsconfig has no DOM types).
    const exposed = await page.evaluate(() => {
      const page = globalThis as unknown as Record<string, unknown>
      return {
        keys: Object.keys(page.keyward as object).sort(),
        require: typeof page.require,
        process: typeof page.process,
        ipc: 'ipcRenderer' in page
      }
    })
    expect(exposed.keys).toEqual(['call', 'onMenu'])
    expect(exposed).toMatchObject({ require: 'undefined', process: 'undefined', ipc: false })
  })

  test('create a key, see it once, assign a resource, remove with confirmation', async () => {
    await test.step('add a resource', async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Resources' }).click()
      await page.getByRole('button', { name: 'Add resource' }).first().click()
      const dialog = page.getByRole('dialog', { name: 'Add resource' })
      await dialog.getByLabel('Model').fill('gpt-4o')
      await dialog.getByLabel('Type').getByText('PYG', { exact: true }).click()
      await dialog.getByRole('button', { name: 'Add', exact: true }).click()
      await expect(dialog).toBeHidden()
    })

    let secret = ''
    await test.step('create a key: shown once and on the system clipboard', async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API Keys' }).click()
      await page.getByRole('button', { name: 'Create', exact: true }).click()
      const dialog = page.getByRole('dialog', { name: 'Create API key' })
      await dialog.getByLabel('Name', { exact: true }).fill('DesktopKey')
      await dialog.getByRole('button', { name: 'Create', exact: true }).click()
      const once = page.getByRole('dialog', { name: 'API key created' })
      await expect(once).toBeVisible()
      secret = (await once.getByTestId('secret').textContent())!.trim()
      expect(secret).toMatch(/^kw_[A-Za-z0-9]{20,}$/)
      await expect(once).toContainText('cannot be viewed again')
      const onClipboard = await app.evaluate(async ({ clipboard }) => await clipboard.readText())
      expect(onClipboard).toBe(secret)
      await expect(once.getByTestId('clipboard-status')).toContainText(/Copied; the clipboard is cleared in \d+ s/)
      await once.getByRole('button', { name: 'I have stored it' }).click()
      await expect(once).toBeHidden()
      expect(await page.content()).not.toContain(secret)
    })

    await test.step('assign the resource', async () => {
      await page.getByRole('button', { name: 'Actions for DesktopKey', exact: true }).click()
      await page.getByRole('menuitem', { name: 'Assign resources', exact: true }).click()
      const dialog = page.getByRole('dialog', { name: 'Assign resources to DesktopKey' })
      await dialog.getByRole('checkbox', { name: 'gpt-4o · PYG' }).click()
      await dialog.getByRole('button', { name: 'Associate' }).click()
      await expect(dialog).toBeHidden()
      await expect(page.getByTestId('keys-table')).toContainText('gpt-4o · PYG')
    })

    await test.step('remove with confirmation', async () => {
      await page.getByRole('button', { name: 'Actions for DesktopKey', exact: true }).click()
      await page.getByRole('menuitem', { name: 'Remove', exact: true }).click()
      const dialog = page.getByRole('dialog', { name: 'Remove API key DesktopKey' })
      await expect(dialog).toContainText('requests in progress')
      await dialog.getByRole('button', { name: 'Delete' }).click()
      await expect(dialog).toBeHidden()
      await expect(page.getByRole('button', { name: 'Actions for DesktopKey', exact: true })).toHaveCount(0)
    })

    await test.step('the registry is in the test userData', async () => {
      expect(existsSync(join(userData, 'registry.sqlite3'))).toBe(true)
    })
  })
})

/** A CommonJS stand-in for `electron`, loaded with `node -r` before the built main bundle. */
const FAKE_ELECTRON = String.raw`
const Module = require('node:module')
const path = require('node:path')
const { EventEmitter } = require('node:events')
const { pathToFileURL } = require('node:url')
const report = (o) => process.stdout.write('FAKE-ELECTRON ' + JSON.stringify(o) + '\n')
const handlers = new Map()
const windows = []
const clip = { text: '' }
const paths = {}
const app = Object.assign(new EventEmitter(), {
  isPackaged: false,
  getAppPath: () => process.env.FAKE_APP_PATH,
  getVersion: () => '0.0.0',
  getLocale: () => 'en-US',
  getPreferredSystemLanguages: () => ['en-US'],
  getPath: (n) => paths[n],
  setPath: (n, v) => { paths[n] = v },
  setName: () => {},
  requestSingleInstanceLock: () => true,
  whenReady: () => Promise.resolve(),
  quit: () => {
    let held = false
    app.emit('will-quit', { preventDefault: () => { held = true } })
    if (!held) { report({ quit: true, clipboard: clip.text }); process.exit(0) }
  },
  exit: (code) => { report({ exit: code }); process.exit(code) },
  setAboutPanelOptions: () => {},
  showAboutPanel: () => {}
})
class BrowserWindow extends EventEmitter {
  static getAllWindows() { return windows }
  constructor(options) {
    super()
    this.options = options
    this.webContents = Object.assign(new EventEmitter(), { send() {}, setWindowOpenHandler() {} })
    app.emit('web-contents-created', {}, this.webContents)
    windows.push(this)
  }
  loadURL(url) { this.url = url; return Promise.resolve() }
  show() {}
  maximize() {}
  isMaximized() { return false }
  getNormalBounds() { return { x: 0, y: 0, width: 1000, height: 700 } }
}
const electron = {
  app,
  BrowserWindow,
  clipboard: { readText: async () => clip.text, writeText: async (t) => { clip.text = t }, clear: () => { clip.text = '' } },
  dialog: { showErrorBox: (t, m) => report({ error: t + ': ' + m }) },
  ipcMain: { handle: (c, l) => handlers.set(c, l), removeHandler: (c) => handlers.delete(c), on: () => {} },
  Menu: { buildFromTemplate: (t) => t, setApplicationMenu: () => {} },
  nativeTheme: { themeSource: 'system', shouldUseDarkColors: false },
  safeStorage: { isEncryptionAvailable: () => false, encryptString: () => Buffer.alloc(0), decryptString: () => '', getSelectedStorageBackend: () => 'basic_text' },
  screen: { getAllDisplays: () => [] },
  session: { defaultSession: { setPermissionRequestHandler() {}, setPermissionCheckHandler() {}, webRequest: { onHeadersReceived() {} } } },
  shell: { openExternal: async () => {} },
  utilityProcess: { fork: () => { throw new Error('no utility process in this test') } }
}
const load = Module._load
Module._load = function (request, parent, isMain) {
  if (request === 'electron') return electron
  return load.call(this, request, parent, isMain)
}
const drive = async () => {
  const url = pathToFileURL(path.join(process.env.FAKE_OUT, 'renderer', 'index.html')).href
  const call = (op, input, from = url) => handlers.get('keyward:' + op)({ senderFrame: { url: from, parent: null } }, input)
  const created = await call('keys.create', { name: 'BundleSmoke' })
  const createCopied = created.ok && clip.text === created.result.secret
  clip.text = 'the user copied something'
  const copied = await call('clipboard.copySecret', { keyId: created.result.key.id })
  const copiedAgain = clip.text === created.result.secret
  const released = await call('clipboard.release', { keyId: created.result.key.id })
  const list = await call('keys.list', {})
  const foreign = await call('keys.list', {}, 'https://evil.example.com/')
  const settings = await call('settings.set', { theme: 'dark' })
  report({
    channels: handlers.size,
    created: created.ok,
    secretOnClipboard: createCopied && copiedAgain,
    clipboard: created.result.clipboard,
    copy: copied.result,
    released: released.result,
    total: list.ok ? list.result.total : null,
    foreign: foreign.ok ? 'accepted' : foreign.error.code,
    theme: settings.ok ? settings.result.theme : null,
    themeSource: electron.nativeTheme.themeSource,
    windowUrl: windows[0] && windows[0].url,
    preload: windows[0] && windows[0].options.webPreferences.preload
  })
  app.emit('window-all-closed')
}
const poll = () => (handlers.has('keyward:keys.create') ? drive().catch((e) => { report({ failure: String((e && e.stack) || e) }); process.exit(1) }) : setImmediate(poll))
setImmediate(poll)
`

test.describe('the built main bundle', () => {
  test.skip(!existsSync(join(OUT, 'main', 'index.js')), 'Skipped: the app is not built; run `npm run build`')

  test('is CommonJS that loads without Electron-only or ESM-only requires left unresolved', () => {
    const bundle = readFileSync(join(OUT, 'main', 'index.js'), 'utf8')
    const required = [...bundle.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]!)
    const packages = [
      ...new Set(required.filter((r) => !r.startsWith('.') && !r.startsWith('node:') && r !== 'electron'))
    ]
    // Code-generation strings of ajv are not real requires; everything else must be a CJS-loadable package.
    const real = packages.filter((p) => !p.startsWith('ajv'))
    expect(real).not.toContain('electron-store')
    expect(real).not.toContain('conf')
    for (const name of real) {
      const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'))
      const cjs = pkg.type !== 'module' || (pkg.exports && JSON.stringify(pkg.exports).includes('"require"'))
      expect(cjs, `${name} must be loadable with require()`).toBe(true)
    }
    expect(bundle).not.toMatch(/^\s*(import|export)\s/m)
  })

  test('runs in plain Node with a stand-in electron: opens the registry, serves IPC, copies the secret once, clears it on quit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyward-bundle-'))
    try {
      const appPath = join(dir, 'app')
      mkdirSync(join(appPath, '.electron-abi'), { recursive: true })
      // In Node the plain-Node driver stands in for the Electron-ABI one, at the path the app uses.
      copyFileSync(
        join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'),
        join(appPath, '.electron-abi', 'better_sqlite3.node')
      )
      const fake = join(dir, 'fake-electron.cjs')
      writeFileSync(fake, FAKE_ELECTRON)
      const child = spawn(process.execPath, ['-r', fake, join(OUT, 'main', 'index.js')], {
        cwd: ROOT,
        env: {
          ...process.env,
          FAKE_APP_PATH: appPath,
          FAKE_OUT: OUT,
          KEYWARD_USER_DATA: join(dir, 'userData'),
          KEYWARD_DB: ''
        },
        stdio: ['ignore', 'pipe', 'pipe']
      })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d) => (stdout += d))
      child.stderr.on('data', (d) => (stderr += d))
      const code = await new Promise<number | null>((done) => child.on('exit', done))
      const reports = stdout
        .split('\n')
        .filter((l) => l.startsWith('FAKE-ELECTRON '))
        .map((l) => JSON.parse(l.slice('FAKE-ELECTRON '.length)))
      expect(reports, `stdout:\n${stdout}\nstderr:\n${stderr}`).toHaveLength(2)
      expect(reports[0]).toEqual({
        channels: expect.any(Number),
        created: true,
        secretOnClipboard: true,
        clipboard: { copied: true, clearsInSeconds: 30 },
        copy: { copied: true, clearsInSeconds: 30 },
        released: { released: true },
        total: 1,
        foreign: 'FORBIDDEN',
        theme: 'dark',
        themeSource: 'dark',
        windowUrl: new URL(`file://${join(OUT, 'renderer', 'index.html')}`).href,
        preload: join(OUT, 'preload', 'index.js')
      })
      expect(reports[0].channels).toBeGreaterThan(20)
      expect(reports[1]).toEqual({ quit: true, clipboard: '' })
      expect(code).toBe(0)
      expect(existsSync(join(dir, 'userData', 'registry.sqlite3'))).toBe(true)
      expect(existsSync(join(dir, 'userData', 'preferences.json'))).toBe(true)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
