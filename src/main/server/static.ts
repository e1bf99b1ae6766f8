import { existsSync, readFileSync, statSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, resolve, sep } from 'node:path'
import { CONTENT_SECURITY_POLICY } from '../../shared/csp'
import { KeywardError } from '../../shared/errors'
import { sendError } from './http'

/** The web console's policy: the desktop window's own. */
export const WEB_CONSOLE_CSP = CONTENT_SECURITY_POLICY

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8'
}

const SECURITY_HEADERS = {
  'content-security-policy': WEB_CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin'
}

/** The built renderer: next to the bundled main (out/main → out/renderer), or out/renderer from the source tree. */
export function defaultRendererDir(): string {
  const candidates = [
    resolve(__dirname, '../renderer'),
    resolve(__dirname, '../../../out/renderer'),
    resolve(process.cwd(), 'out/renderer')
  ]
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[candidates.length - 1]!
}

/** Serves the built renderer read-only, with index.html marked as the web console. */
export class StaticUi {
  private readonly root: string
  private readonly index: Buffer

  constructor(dir: string) {
    this.root = resolve(dir)
    const indexPath = join(this.root, 'index.html')
    if (!existsSync(indexPath)) {
      throw new KeywardError(
        'NOT_FOUND',
        `The web console is not built: ${indexPath} is missing. Run "npm run build" first, then start "keyward serve --ui" again.`
      )
    }
    // Served as built: a page without the desktop app's window.keyward is the web console.
    this.index = readFileSync(indexPath)
  }

  handle(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, 405, { code: 'VALIDATION', message: 'The web console is read with GET.' }, { allow: 'GET, HEAD' })
      return
    }
    let decoded: string
    try {
      decoded = decodeURIComponent(pathname)
    } catch {
      sendError(res, 400, { code: 'VALIDATION', message: 'The path is not valid.' })
      return
    }
    const file = decoded === '/' || decoded === '/index.html' ? null : this.resolveFile(decoded)
    if (file === null) {
      // The console routes in the page itself: any extension-less path is the app.
      if (decoded === '/' || decoded === '/index.html' || extname(decoded) === '')
        return this.send(req, res, this.index, MIME['.html']!, 'no-store')
      sendError(res, 404, { code: 'NOT_FOUND', message: `No file ${decoded.slice(0, 200)} in the web console.` })
      return
    }
    const immutable = file.startsWith(join(this.root, 'assets') + sep)
    this.send(
      req,
      res,
      readFileSync(file),
      MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
      immutable ? 'public, max-age=31536000, immutable' : 'no-cache'
    )
  }

  /** A regular file inside the root, never outside it (no "..", no absolute paths). */
  private resolveFile(path: string): string | null {
    if (path.includes('\0')) return null
    const full = resolve(this.root, '.' + path)
    if (full !== this.root && !full.startsWith(this.root + sep)) return null
    try {
      return statSync(full).isFile() ? full : null
    } catch {
      return null
    }
  }

  private send(req: IncomingMessage, res: ServerResponse, body: Buffer, type: string, cache: string): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': type,
      'content-length': body.length,
      'cache-control': cache
    })
    res.end(req.method === 'HEAD' ? undefined : body)
  }
}
