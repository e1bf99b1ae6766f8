import type { IncomingMessage, ServerResponse } from 'node:http'
import { systemClock, type Clock } from '../core/clock'
import { Registry } from '../core/registry'
import { openRegistryDatabase } from '../db/open'
import { operationTable } from '../transport/dispatch'
import { AdminApi } from './admin'
import { createNotifyHandlers } from '../notify/handlers'
import { startOutboxSender } from '../notify/sender'
import { processPasswordStore } from '../notify/types'
import { serverHostHandlers } from './host'
import type { SocketLimits } from './connections'
import { Gateway } from './gateway'
import { estimateTokens } from './gateway/tokens'
import { TpmWindow } from './gateway/tpm'
import { sendError, sendJson } from './http'
import { DEFAULT_HOST, listenFront, parsePath } from './listen'
import { defaultRendererDir, StaticUi } from './static'
import { AuthThrottle, type ThrottleOptions } from './throttle'
import { handleUsage, Verifier } from './verify'
import { ADMIN_WRITE_DEADLINE_MS, retryingWrites, SERVER_BUSY_TIMEOUT_MS, WriteQueue } from './write-queue'
import { bulkInTurns } from '../core/bulk'
import { importInTurns } from '../core/import'

export { DEFAULT_HOST, DEFAULT_PORT } from './listen'

export interface ServerOptions {
  /** The registry file; the server opens its own WAL connection to it. */
  dbPath: string
  host?: string
  /** 0 picks a free port. */
  port?: number
  /** Serve the built renderer as the web console; a string names the folder (default out/renderer). */
  ui?: boolean | string
  /** Milliseconds between writes of buffered lastUsedAt values (default 5000). */
  lastUsedFlushMs?: number
  /** Host names answered besides loopback ones (--allow-host), e.g. a name a proxy forwards. */
  allowHosts?: string[]
  /** Timeouts and connection caps (defaults: DEFAULT_SOCKET_LIMITS; the total from the open-file limit). */
  limits?: Partial<SocketLimits>
  /** Failed admin sign-ins allowed per client address (and in total) per window. */
  throttle?: Omit<ThrottleOptions, 'clock'>
  /** The SMTP password for notify.* and the outbox sender, for this process only (default: KEYWARD_SMTP_PASSWORD). */
  smtpPassword?: string | null
  /** Milliseconds between background runs of the email outbox sender; 0 runs none (default 60000). */
  outboxIntervalMs?: number
  /** An Electron-ABI better-sqlite3 build, inside the desktop app's utility process. */
  nativeBinding?: string
  /** Injected by tests to move time (expiry, rotation grace, TPM windows, throttling). */
  clock?: Clock
  /** Where errors are written (by name only, never a secret). Defaults to stderr. */
  log?: (line: string) => void
  /** Also serve the OpenAI-compatible gateway (/v1/chat/completions, /v1/completions, /v1/embeddings, /v1/responses, /v1/models). */
  gateway?: boolean
  /** The gateway's request body limit in bytes (default 10 MB; 413 beyond). */
  maxBodyBytes?: number
  /**
   * Provider credentials by resource id, used before the resource's upstream_key_env variable (the
   * desktop app's keychain keys). Looked up per request: the owner may refill the object in place.
   */
  upstreamKeys?: Record<string, string>
  /** Milliseconds the gateway waits for an upstream that sends nothing (default 300000): 504. */
  upstreamTimeoutMs?: number
  /** Milliseconds between the gateway's re-checks of requests in flight (default 200). */
  inFlightCheckMs?: number
}

export interface RunningServer {
  /** e.g. http://127.0.0.1:8787 */
  url: string
  host: string
  port: number
  /** The server's own registry connection (tests read it; callers must not close it). */
  registry: Registry
  /** Stops accepting requests, lets in-flight ones finish, writes lastUsedAt, closes the database. */
  close(): Promise<void>
}

export { isLoopback } from './host-header'

/**
 * `keyward serve` as a function: the verifier (/v1/keys/verify), usage reports (/v1/usage), the
 * admin API (/v1/admin/*) and, with `ui`, the web console, over one registry file.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const clock = options.clock ?? systemClock
  const log = options.log ?? ((line: string) => console.error(line))
  const host = options.host ?? DEFAULT_HOST
  const ui = options.ui ? new StaticUi(typeof options.ui === 'string' ? options.ui : defaultRendererDir()) : undefined
  // lastUsedAt is written by the timer below, never inside a verification.
  const registry = new Registry(openRegistryDatabase(options.dbPath, { nativeBinding: options.nativeBinding }), {
    clock,
    lastUsedFlushMs: Number.POSITIVE_INFINITY,
    // Writes never hold the event loop: they wait milliseconds for the lock, then retry from `writes`.
    busyTimeoutMs: SERVER_BUSY_TIMEOUT_MS,
    // Other processes' changes are looked for once per event-loop turn, not once per request.
    verifyFreshness: 'turn'
  })
  const writes = new WriteQueue()
  const passwords = processPasswordStore(
    options.smtpPassword === undefined ? process.env.KEYWARD_SMTP_PASSWORD : options.smtpPassword
  )
  const outboxIntervalMs = options.outboxIntervalMs ?? 60_000
  // Alerts for keys created through the admin API go out from here, as from the desktop app.
  const sender =
    outboxIntervalMs > 0
      ? startOutboxSender({ registry, passwords, clock, log, intervalMs: outboxIntervalMs })
      : undefined
  const notify = createNotifyHandlers({
    registry,
    passwords,
    clock,
    flush: sender ? () => sender.flushNow() : undefined
  })
  const table = {
    ...retryingWrites(operationTable(registry, serverHostHandlers(notify)), writes),
    // A bulk action's chunks go through the queue one at a time, requests answered in between.
    'keys.bulk': bulkInTurns(registry, {
      runChunk: (step) => writes.submit(step, { deadlineMs: ADMIN_WRITE_DEADLINE_MS, tryFirst: true }).done
    }),
    // So do an import's (about 200 ms each): a 10,000-row import does not stop verification.
    'keys.import': importInTurns(registry, {
      runChunk: (step) => writes.submit(step, { deadlineMs: ADMIN_WRITE_DEADLINE_MS, tryFirst: true }).done
    })
  }
  const verifier = new Verifier(registry)
  const gateway = options.gateway
    ? new Gateway({
        registry,
        writeUsage: (rows) => writes.submit(() => registry.recordUsageRows(rows)).done,
        clock,
        log,
        maxBodyBytes: options.maxBodyBytes,
        upstreamKeys: options.upstreamKeys,
        upstreamTimeoutMs: options.upstreamTimeoutMs,
        inFlightCheckMs: options.inFlightCheckMs,
        limits: { window: new TpmWindow({ registry, writes, clock }), estimate: estimateTokens }
      })
    : undefined
  const admin = new AdminApi(registry, table, new AuthThrottle({ ...options.throttle, clock }), log)

  const route = (req: IncomingMessage, res: ServerResponse): void | Promise<void> => {
    const raw = req.url ?? '/'
    const query = raw.indexOf('?')
    // The hot path skips URL parsing: its path is matched exactly, its query read only when needed.
    const exact = query < 0 ? raw : raw.slice(0, query)
    if (exact === '/v1/keys/verify') return verifier.handle(req, res, query < 0 ? '' : raw.slice(query + 1))
    // So is the gateway's: its paths matched exactly, before (and without) parsing the URL.
    if (gateway && Gateway.serves(exact)) return gateway.handle(req, res, exact)
    // Origin-form only ("/path?query"): "*", "http://…" and "//host/…" would make the URL parser pick a host.
    const url = parsePath(raw)
    if (!url)
      return sendError(res, 400, {
        code: 'VALIDATION',
        message: 'The request target must be a path starting with a single "/".'
      })
    const path = url.pathname
    if (path === '/v1/keys/verify') return verifier.handle(req, res, url.search.slice(1))
    if (path === '/v1/usage')
      return handleUsage(req, res, (input, now) => writes.submit(registry.prepareUsage(input, now)).done, clock, log)
    if (path === '/v1/health') {
      if (req.method === 'GET' || req.method === 'HEAD') return sendJson(res, 200, { status: 'ok' })
      return sendError(res, 405, { code: 'VALIDATION', message: 'Use GET for /v1/health.' }, { allow: 'GET, HEAD' })
    }
    if (path.startsWith('/v1/admin/')) return admin.handle(req, res, path.slice('/v1/admin'.length), url)
    if (gateway && Gateway.serves(path)) return gateway.handle(req, res, path)
    if (ui && !path.startsWith('/v1/')) return ui.handle(req, res, path)
    sendError(res, 404, {
      code: 'NOT_FOUND',
      message:
        ui || path.startsWith('/v1/')
          ? `No endpoint ${req.method} ${path.slice(0, 200)}.`
          : 'No web console here: start the server with --ui to serve it.'
    })
  }

  const front = await listenFront({ ...options, host, log }, route, async () => {
    await sender?.stop()
    void gateway?.close()
    registry.close()
  })

  // Through the write queue: while another process holds the lock, the values stay buffered and retried.
  let flushing = false
  const flush = () => {
    if (flushing) return
    flushing = true
    writes
      .submit(() => registry.flushLastUsed())
      .done.catch((error: unknown) => log(`keyward serve: lastUsedAt not written (${(error as Error)?.message}).`))
      .finally(() => (flushing = false))
  }
  const timer = setInterval(flush, options.lastUsedFlushMs ?? 5_000)
  timer.unref()

  return {
    url: front.url,
    host: front.host,
    port: front.port,
    registry,
    close() {
      clearInterval(timer)
      return front.close(async () => {
        await sender?.stop().catch(() => undefined)
        // Closing may wait for the lock: queued usage reports and lastUsedAt get their last chance.
        registry.setBusyTimeout(5_000)
        void gateway?.close()
        writes.drainNow()
        registry.close()
      })
    }
  }
}
