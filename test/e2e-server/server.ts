import { AsyncLocalStorage } from 'node:async_hooks'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { TestRegistry } from '../helpers/registry'
import { createSecretClipboard, type ClipboardLike } from '../../src/main/desktop/clipboard-once'
import { desktopHostHandlers, withKeptUpstreamKeys, withSecretOnClipboard } from '../../src/main/desktop/host-handlers'
import { safeStorageUpstreamKeys, type UpstreamKeyStore } from '../../src/main/desktop/upstream-keys'
import { registerOperations, type InvokeEventLike, type IpcMainLike } from '../../src/main/desktop/ipc/register'
import { createNotifyHandlers } from '../../src/main/notify/handlers'
import { createFileHandlers, fileRegistryOf, remoteFileRegistry, type SaveRequest } from '../../src/main/files/handlers'
import { createScanHandlers, remoteScanLookup } from '../../src/main/scan/handlers'
import { safeStoragePasswordStore, type SafeStorageLike } from '../../src/main/desktop/password-store'
import { memoryPreferenceStore } from '../../src/main/desktop/preferences'
import { createSettingsService } from '../../src/main/desktop/app-settings'
import { createRegistrySwitch } from '../../src/main/desktop/registry-switch'
import { safeStorageTeamKey } from '../../src/main/desktop/team-key-store'
import { operationTable } from '../../src/main/transport/dispatch'
import { desktopBulk } from '../../src/main/desktop/bulk-progress'
import { readJsonBody, sendJson } from '../../src/main/transport/http-rpc'
import type { OperationName, Reply } from '../../src/shared/contract'
import { channelOf, type IpcReply } from '../../src/shared/ipc'
import type { AppSettings } from '../../src/shared/schemas'

/**
 * The e2e stand-in for the desktop app: the REAL main-process wiring (registry core on a real
 * SQLite file, desktop host handlers, the show-once clipboard, IPC registration with its sender
 * check) with Electron's parts replaced, serving the BUILT renderer and the BUILT preload.
 *
 * The page gets `window.keyward` from out/preload/index.js itself, run by a classic script the
 * server adds to index.html (GET /__e2e/preload.js): a stand-in `electron` module whose
 * contextBridge sets the page's global and whose ipcRenderer.invoke is a fetch to
 * `POST /__e2e/ipc {channel, args}`, answered by the handlers main registered, with the page's
 * URL as the sender frame. The renderer cannot tell this from Electron.
 *
 * What Electron would do natively:
 *  - the clipboard is a string; every write is recorded with the operation that made it.
 *    `GET /__e2e/clipboard` answers `{current, writes}`.
 *  - settings: the app's settings service over an in-memory preference store; no local server is
 *    started, so server.status answers off.
 *  - email: the real notify handlers (settings and outbox in the registry, nodemailer), with the
 *    app's own safeStorage password adapter over an in-memory stand-in for the OS key store.
 *  - provider keys (Resources dialog): the app's keychain adapter over the same stand-in.
 * `GET /?host=web-console` serves index.html without the bridge: the renderer as the web console
 * (sign-in screen; this server has no admin API). Bound to 127.0.0.1 only: the clipboard holds secrets.
 */

export interface E2eServerOptions {
  dbPath: string
  port?: number
  host?: string
  /** The built app (electron-vite's out/, holding renderer/ and preload/). */
  outDir?: string
  actor?: string
  settings?: Partial<AppSettings>
  /** The stand-in system clipboard refuses this many writes first (a clipboard another program holds). Default 0. */
  clipboardRefusals?: number
  /** What the stand-in OS key store offers the SMTP password, as safeStorage would report it. Default 'os'. */
  passwordStorage?: 'os' | 'basic_text' | 'unavailable'
  /** What the stand-in folder dialog of the leak scan answers (Electron's would ask the user). Default: cancelled. */
  scanFolder?: string
  /** The folder the stand-in save dialog of the Export buttons answers (the file is its suggested name there). Default: cancelled. */
  saveFolder?: string
  /** The file the stand-in open dialog of File ▸ Import Keys… answers. Default: cancelled. */
  importFile?: string
}

export interface ClipboardWrite {
  secret: string
  /** The operation during which main wrote it (keys.create, keys.rotate, clipboard.copySecret). */
  source: OperationName | 'unknown'
  at: string
}

export interface E2eServer {
  url: string
  port: number
  /** The registry, with the database handle it was opened with (specs tamper with rows through it). */
  registry: TestRegistry
  clipboard: { current: string | null; writes: ClipboardWrite[] }
  /** The provider keys the stand-in keychain keeps: the stored blobs (ciphertext) and the store itself. */
  upstreamKeys: { blobs: () => Record<string, string>; store: UpstreamKeyStore }
  /** Calls an operation as the app's own window would (through main's registered IPC handler). */
  call(operation: OperationName, input?: unknown): Promise<Reply>
  close(): Promise<void>
}

/** electron-vite's output: out/renderer (the page) and out/preload (the bridge). */
export const DEFAULT_OUT_DIR = resolve(__dirname, '../../out')

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json'
}

/** Electron's safeStorage in miniature (reversible, in memory), so the app's password adapter runs unchanged. */
function standInSafeStorage(storage: 'os' | 'basic_text' | 'unavailable'): SafeStorageLike {
  const scramble = (bytes: Uint8Array) => Buffer.from(bytes.map((b) => b ^ 0x5a))
  return {
    isEncryptionAvailable: () => storage !== 'unavailable',
    getSelectedStorageBackend: () => (storage === 'basic_text' ? 'basic_text' : 'gnome_libsecret'),
    encryptString: (text) => scramble(Buffer.from(text, 'utf8')),
    decryptString: (blob) => scramble(blob).toString('utf8')
  }
}

/** The built preload, run in the page over a stand-in `electron` module; see the comment at the top. */
function pagePreload(preloadFile: string): string {
  return `(() => {
  const listeners = new Map()
  const ipcRenderer = {
    async invoke(channel, ...args) {
      const response = await fetch('/__e2e/ipc', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel, args }) })
      if (!response.ok) throw new Error('No handler registered for ' + channel)
      return response.json()
    },
    on(channel, listener) {
      if (!listeners.has(channel)) listeners.set(channel, new Set())
      listeners.get(channel).add(listener)
    },
    removeListener(channel, listener) {
      listeners.get(channel)?.delete(listener)
    }
  }
  const contextBridge = { exposeInMainWorld: (key, api) => Object.defineProperty(window, key, { value: api, enumerable: true }) }
  const require = (name) => {
    if (name === 'electron') return { contextBridge, ipcRenderer }
    throw new Error('A sandboxed preload can require electron only, not ' + name)
  }
  const module = { exports: {} }
  ;(function (require, module, exports) {
${readFileSync(preloadFile, 'utf8')}
  })(require, module, module.exports)
})()
`
}

export async function startE2eServer(options: E2eServerOptions): Promise<E2eServer> {
  const outDir = resolve(options.outDir ?? DEFAULT_OUT_DIR)
  const rendererDir = join(outDir, 'renderer')
  const preloadFile = join(outDir, 'preload', 'index.js')
  if (!existsSync(join(rendererDir, 'index.html')) || !existsSync(preloadFile)) {
    throw new Error(
      `No built app in ${outDir} (renderer/index.html and preload/index.js). Build it first: npm run build`
    )
  }
  const preloadScript = pagePreload(preloadFile)
  const registry = TestRegistry.open(options.dbPath)
  const actor = options.actor ?? 'e2e'

  const settings = createSettingsService(memoryPreferenceStore())
  if (options.settings) settings.set(options.settings)
  const blobs = new Map<string, string>()
  const passwords = safeStoragePasswordStore(
    standInSafeStorage(options.passwordStorage ?? 'os'),
    { get: (k) => blobs.get(k), set: (k, v) => void blobs.set(k, v), delete: (k) => void blobs.delete(k) },
    'linux'
  )

  /** Which operation is running, so a clipboard write can say what made it. */
  const running = new AsyncLocalStorage<OperationName>()
  const clipboard: E2eServer['clipboard'] = { current: null, writes: [] }
  let refusals = options.clipboardRefusals ?? 0
  const systemClipboard: ClipboardLike = {
    readText: () => clipboard.current ?? '',
    writeText: (text) => {
      if (refusals > 0) {
        refusals--
        throw new Error('the clipboard is held by another program')
      }
      clipboard.current = text
      clipboard.writes.push({ secret: text, source: running.getStore() ?? 'unknown', at: new Date().toISOString() })
    },
    clear: () => {
      clipboard.current = null
    }
  }
  const secretClipboard = createSecretClipboard({
    clipboard: systemClipboard,
    timers: {
      setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
      clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout)
    },
    clearAfterSeconds: () => settings.get().clipboardClearSeconds,
    log: () => undefined
  })
  // The app's keychain adapter for provider keys, over the same stand-in OS key store.
  let upstreamBlobs: Record<string, string> = {}
  const upstreamKeys = safeStorageUpstreamKeys(
    standInSafeStorage(options.passwordStorage ?? 'os'),
    { get: () => upstreamBlobs, set: (_k, v) => void (upstreamBlobs = { ...v }) },
    'linux'
  )
  const fileDialogs = {
    pickSavePath: async (request: SaveRequest) =>
      options.saveFolder ? join(options.saveFolder, request.defaultPath) : null,
    pickOpenPath: async () => options.importFile ?? null
  }
  const host = desktopHostHandlers({
    settings,
    clipboard: secretClipboard,
    // No local server is started here: the switch is kept, and the status says so.
    localServer: { status: () => ({ state: 'off' }) },
    notify: createNotifyHandlers({ registry, passwords }),
    upstreamKeys: { store: upstreamKeys, registry },
    scan: createScanHandlers({ registry, pickFolder: async () => options.scanFolder ?? null }),
    files: createFileHandlers({ registry: fileRegistryOf(registry), ...fileDialogs })
  })
  const table = withKeptUpstreamKeys(
    withSecretOnClipboard(
      {
        ...operationTable(registry, host),
        // As main.ts; the page here gets no progress events (no webContents to send them through).
        'keys.bulk': desktopBulk(registry, secretClipboard, () => undefined)
      },
      secretClipboard
    ),
    upstreamKeys
  )

  // Settings → Registry as in main.ts: this registry, or a team server (`keyward serve`) whose
  // admin key the app's keychain adapter keeps over the stand-in OS key store.
  const teamKeyBlobs = new Map<string, string>()
  const registrySwitch = createRegistrySwitch({
    settings,
    keys: safeStorageTeamKey(
      standInSafeStorage(options.passwordStorage ?? 'os'),
      {
        get: (k) => teamKeyBlobs.get(k),
        set: (k, v) => void teamKeyBlobs.set(k, v),
        delete: (k) => void teamKeyBlobs.delete(k)
      },
      'linux'
    ),
    local: table,
    host,
    clipboard: secretClipboard,
    onServer: (server) => ({
      ...createFileHandlers({ registry: remoteFileRegistry(server), ...fileDialogs }),
      ...createScanHandlers({ registry: remoteScanLookup(server), pickFolder: async () => options.scanFolder ?? null })
    })
  })

  /** ipcMain in miniature: main registers its handlers here, exactly as in the app. */
  const handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<IpcReply>>()
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => void handlers.set(channel, listener),
    removeHandler: (channel) => void handlers.delete(channel)
  }
  let origin = ''
  registerOperations(ipcMain, {
    table: registrySwitch.table,
    isTrustedSender: (frameUrl) => URL.canParse(frameUrl) && new URL(frameUrl).origin === origin,
    context: () => ({ actor }),
    log: () => undefined
  })

  async function invoke(channel: string, frameUrl: string, args: unknown[]): Promise<IpcReply | null> {
    const handler = handlers.get(channel)
    if (!handler) return null
    const operation = channel.slice(channel.indexOf(':') + 1) as OperationName
    return running.run(operation, () => handler({ senderFrame: { url: frameUrl, parent: null } }, ...args))
  }

  async function handleIpc(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return void sendJson(res, 405, { error: 'POST only' })
    const body = (await readJsonBody(req)) as { channel?: unknown; args?: unknown } | null
    const channel = typeof body?.channel === 'string' ? body.channel : ''
    const args = Array.isArray(body?.args) ? body.args : []
    // The sender frame is the page that asked, as Electron would report it.
    const reply = await invoke(channel, String(req.headers.referer ?? ''), args)
    if (!reply) return void sendJson(res, 404, { error: `No handler registered for '${channel.slice(0, 64)}'` })
    sendJson(res, 200, reply)
  }

  function serveIndex(res: ServerResponse, webConsole: boolean): void {
    let html = readFileSync(join(rendererDir, 'index.html'), 'utf8')
    // A classic script in <head> runs before the page's module scripts, as a preload does.
    if (!webConsole) html = html.replace('<head>', '<head>\n    <script src="/__e2e/preload.js"></script>')
    res.writeHead(200, {
      'content-type': CONTENT_TYPES['.html']!,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff'
    })
    res.end(html)
  }

  function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    const relative = normalize(decodeURIComponent(pathname === '/' ? '/index.html' : pathname)).replace(/^([/\\])+/, '')
    const file = resolve(rendererDir, relative)
    if (
      !(file === rendererDir || file.startsWith(rendererDir + sep)) ||
      !existsSync(file) ||
      !statSync(file).isFile()
    ) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found')
      return
    }
    const body = readFileSync(file)
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff'
    })
    res.end(req.method === 'HEAD' ? undefined : body)
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (url.pathname === '/__e2e/ipc') {
      void handleIpc(req, res).catch(() => {
        if (!res.headersSent) sendJson(res, 500, { error: 'The e2e server failed.' })
      })
      return
    }
    if (url.pathname === '/__e2e/preload.js') {
      res.writeHead(200, { 'content-type': CONTENT_TYPES['.js']!, 'cache-control': 'no-store' }).end(preloadScript)
      return
    }
    if (url.pathname === '/__e2e/clipboard') {
      sendJson(res, 200, clipboard)
      return
    }
    if ((url.pathname === '/' || url.pathname === '/index.html') && (req.method === 'GET' || req.method === 'HEAD')) {
      serveIndex(res, url.searchParams.get('host') === 'web-console')
      return
    }
    serveStatic(req, res, url.pathname)
  })

  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => ok())
  })
  const { port } = server.address() as AddressInfo
  const hostName = options.host ?? '127.0.0.1'
  origin = `http://${hostName}:${port}`

  return {
    url: `http://${hostName}:${port}/`,
    port,
    registry,
    clipboard,
    upstreamKeys: { blobs: () => ({ ...upstreamBlobs }), store: upstreamKeys },
    async call(operation, input = {}) {
      return (await invoke(channelOf(operation), `${origin}/`, [input]))!
    },
    async close() {
      await secretClipboard.clearOnQuit()
      server.closeAllConnections()
      await new Promise<void>((ok) => server.close(() => ok()))
      registry.close()
    }
  }
}
