import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { KeywardError, toErrorPayload } from '../../shared/errors'
import { applySocketLimits, DEFAULT_SOCKET_LIMITS, type SocketLimits } from './connections'
import { HostCheck } from './host-header'
import { BodyError, sendError } from './http'
import { answerClientError, refuseConnect } from './refuse'

export const DEFAULT_HOST = '127.0.0.1'
export const DEFAULT_PORT = 8787

/** What the HTTP front of `keyward serve` needs, whichever registry answers behind it. */
export interface FrontOptions {
  host?: string
  port?: number
  allowHosts?: string[]
  limits?: Partial<SocketLimits>
  log: (line: string) => void
}

export interface Front {
  server: Server
  /** e.g. http://127.0.0.1:8787 */
  url: string
  host: string
  port: number
  /** Stops accepting, lets in-flight requests finish (5 s at most), then runs `after`. */
  close(after: () => Promise<void> | void): Promise<void>
}

/** 421 for a Host the server does not answer (see HostCheck): a DNS-rebinding page, or a proxy name not allowed. */
function misdirected(res: ServerResponse, header: string | undefined): void {
  sendError(
    res,
    421,
    {
      code: 'FORBIDDEN',
      message: `This server does not answer for the host "${(header ?? '').slice(0, 100)}". Use its own address (e.g. 127.0.0.1 or localhost), or start it with --allow-host <name> for a name a proxy forwards.`
    },
    { connection: 'close' }
  )
}

/**
 * The HTTP server around a router: the Host check, socket limits, answers to malformed requests
 * and CONNECT, an unexpected failure logged by name and answered 500 (never a stack), and a
 * listen error in words that say what to do. The router is the registry's (file or PostgreSQL).
 */
export async function listenFront(
  options: FrontOptions,
  route: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
  /** When the port cannot be had: release what was opened for the router (the registry). */
  abandon: () => Promise<void> | void
): Promise<Front> {
  const { host = DEFAULT_HOST, port = DEFAULT_PORT, log } = options
  const fail = (req: IncomingMessage, res: ServerResponse, error: unknown): void => {
    if (error instanceof BodyError) {
      if (!res.headersSent) sendError(res, error.status, error.payload, { connection: 'close' })
      return
    }
    if (!(error instanceof KeywardError))
      log(
        `keyward serve: ${req.method} ${(req.url ?? '').split('?')[0]} failed: ${(error as Error)?.name ?? 'Error'}: ${(error as Error)?.message}`
      )
    if (!res.headersSent) sendError(res, 500, toErrorPayload(error))
    else res.destroy()
  }
  const hosts = HostCheck.for(host, options.allowHosts)
  const server: Server = createServer({ connectionsCheckingInterval: 1_000 }, (req, res) => {
    if (!hosts.allows(req)) return misdirected(res, req.headers.host)
    try {
      const pending = route(req, res)
      if (pending) pending.catch((error: unknown) => fail(req, res, error))
    } catch (error) {
      fail(req, res, error)
    }
  })
  applySocketLimits(server, { ...DEFAULT_SOCKET_LIMITS, ...options.limits })
  server.on('clientError', answerClientError)
  server.on('connect', refuseConnect)

  try {
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => {
        server.off('error', reject)
        resolveListen()
      })
    })
  } catch (error) {
    await abandon()
    throw listenError(error, host, port)
  }

  const address = server.address() as AddressInfo
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
  hosts.expect(`${shownHost}:${address.port}`)
  let closing: Promise<void> | undefined
  return {
    server,
    url: `http://${shownHost}:${address.port}`,
    host: address.address,
    port: address.port,
    close(after) {
      closing ??= new Promise<void>((resolveClose) => {
        const force = setTimeout(() => server.closeAllConnections(), 5_000)
        force.unref()
        server.close(() => {
          clearTimeout(force)
          Promise.resolve()
            .then(after)
            .catch((error: unknown) =>
              log(`keyward serve: the registry did not close cleanly: ${(error as Error)?.message}`)
            )
            .finally(resolveClose)
        })
        server.closeIdleConnections()
      })
      return closing
    }
  }
}

function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'EADDRINUSE')
    return new KeywardError(
      'CONFLICT',
      `Port ${port} on ${host} is already in use. Stop the other server or choose another port with --port.`
    )
  if (code === 'EACCES')
    return new KeywardError(
      'FORBIDDEN',
      `Not allowed to listen on ${host}:${port}. Use a port from 1024 up, or another --host.`
    )
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
    return new KeywardError(
      'VALIDATION',
      `Cannot listen on ${host}: it is not an address of this machine. Check --host.`
    )
  return error
}

/** The request target as a URL, for origin-form targets only ("/path?query"); null otherwise. */
export function parsePath(raw: string): URL | null {
  if (!raw.startsWith('/') || raw.startsWith('//')) return null
  try {
    return new URL(raw, 'http://keyward.invalid')
  } catch {
    return null
  }
}
