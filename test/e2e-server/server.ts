import { existsSync, readFileSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { TestRegistry } from '../helpers/registry'
import type { CallContext, HostHandlers } from '../../src/main/core/operations'
import { operationTable, type OperationTable } from '../../src/main/transport/dispatch'
import { handleRpc, sendJson } from '../../src/main/transport/http-rpc'
import { createNotifyHandlers } from '../../src/main/notify/handlers'
import { safeStoragePasswordStore, type SafeStorageLike } from '../../src/main/desktop/password-store'
import { DEFAULT_APP_SETTINGS, type AppSettings } from '../../src/shared/schemas'

/**
 * The e2e stand-in for the desktop app's main process: the REAL registry core on a real SQLite
 * file, reached through the same contract over HTTP (`POST /rpc/<operation>`), serving the BUILT
 * renderer. What Electron would do natively is recorded so tests can look:
 *  - the clipboard: keys.create and keys.rotate write the new secret once (as main does),
 *    clipboard.writeSecret writes it again; cleared after clipboardClearSeconds if unchanged.
 *    `GET /__test/clipboard` answers `{current, writes}`.
 *  - settings live in memory, starting from the defaults; no local server is started, so
 *    server.status answers off.
 *  - email: the real notify handlers (settings and outbox in the registry, nodemailer), with the
 *    app's own safeStorage password adapter over an in-memory stand-in for the OS key store.
 * Bound to 127.0.0.1 only: the recording clipboard holds secrets.
 */

export interface E2eServerOptions {
  dbPath: string
  port?: number
  host?: string
  /** The built renderer (electron-vite's out/renderer). */
  rendererDir?: string
  actor?: string
  settings?: Partial<AppSettings>
  /** What the stand-in OS key store offers the SMTP password, as safeStorage would report it. Default 'os'. */
  passwordStorage?: 'os' | 'basic_text' | 'unavailable'
}

export interface ClipboardWrite {
  secret: string
  source: 'keys.create' | 'keys.rotate' | 'clipboard.writeSecret'
  at: string
}

export interface E2eServer {
  url: string
  port: number
  /** The registry, with the database handle it was opened with (specs tamper with rows through it). */
  registry: TestRegistry
  clipboard: { current: string | null; writes: ClipboardWrite[] }
  close(): Promise<void>
}

export const DEFAULT_RENDERER_DIR = resolve(__dirname, '../../out/renderer')

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

export async function startE2eServer(options: E2eServerOptions): Promise<E2eServer> {
  const rendererDir = resolve(options.rendererDir ?? DEFAULT_RENDERER_DIR)
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`No built renderer at ${rendererDir}. Build it first: npx electron-vite build`)
  }
  const registry = TestRegistry.open(options.dbPath)
  const ctx: CallContext = { actor: options.actor ?? 'e2e' }
  let settings: AppSettings = { ...DEFAULT_APP_SETTINGS, ...options.settings }
  const blobs = new Map<string, string>()
  const passwords = safeStoragePasswordStore(
    standInSafeStorage(options.passwordStorage ?? 'os'),
    { get: (k) => blobs.get(k), set: (k, v) => void blobs.set(k, v), delete: (k) => void blobs.delete(k) },
    'linux'
  )
  const clipboard: E2eServer['clipboard'] = { current: null, writes: [] }
  const timers = new Set<NodeJS.Timeout>()

  /** Main's clipboard logic in miniature: write once, clear later only if it still holds this secret. */
  function writeClipboard(secret: string, source: ClipboardWrite['source']): number {
    clipboard.current = secret
    clipboard.writes.push({ secret, source, at: new Date().toISOString() })
    const seconds = settings.clipboardClearSeconds
    if (seconds > 0) {
      const timer = setTimeout(() => {
        timers.delete(timer)
        if (clipboard.current === secret) clipboard.current = null
      }, seconds * 1000)
      timer.unref()
      timers.add(timer)
    }
    return seconds
  }

  const host: HostHandlers = {
    'settings.get': () => settings,
    'settings.set': (patch) => (settings = { ...settings, ...(patch as Partial<AppSettings>) }),
    // The browser preview keeps the switch but starts no server (the page says so): always off.
    'server.status': () => ({ state: 'off' }),
    ...createNotifyHandlers({ registry, passwords }),
    'clipboard.writeSecret': (input) => ({ clearsInSeconds: writeClipboard(input.secret, 'clipboard.writeSecret') })
  }
  const core = operationTable(registry, host)
  const table: OperationTable = {
    ...core,
    'keys.create': async (input, c) => {
      const created = await core['keys.create'](input, c)
      writeClipboard(created.secret, 'keys.create')
      return created
    },
    'keys.rotate': async (input, c) => {
      const rotated = await core['keys.rotate'](input, c)
      writeClipboard(rotated.secret, 'keys.rotate')
      return rotated
    }
  }

  function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    const relative = normalize(decodeURIComponent(pathname === '/' ? '/index.html' : pathname)).replace(/^([/\\])+/, '')
    const file = resolve(rendererDir, relative)
    if (!(file === rendererDir || file.startsWith(rendererDir + sep)) || !existsSync(file) || !statSync(file).isFile()) {
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
    const rpc = /^\/rpc\/([A-Za-z.]+)$/.exec(url.pathname)
    if (rpc) {
      void handleRpc(req, res, rpc[1]!, table, ctx).catch(() => {
        if (!res.headersSent) sendJson(res, 500, { error: { code: 'INTERNAL', message: 'The test server failed.' } })
      })
      return
    }
    if (url.pathname === '/__test/clipboard') {
      sendJson(res, 200, clipboard)
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

  return {
    url: `http://${hostName}:${port}/`,
    port,
    registry,
    clipboard,
    async close() {
      for (const t of timers) clearTimeout(t)
      server.closeAllConnections()
      await new Promise<void>((ok) => server.close(() => ok()))
      registry.close()
    }
  }
}
