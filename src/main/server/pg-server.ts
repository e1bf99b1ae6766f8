import type { IncomingMessage, ServerResponse } from 'node:http'
import { systemClock, type Clock } from '../core/clock'
import { PgGateway } from '../core/pg/gateway'
import { PgLastUsed } from '../core/pg/last-used'
import { recordPgUsage } from '../core/pg/usage-record'
import { recordPgUsageRows } from '../core/pg/usage'
import { PgVerifyPath } from '../core/pg/verify'
import { openPgRegistry } from '../db/pg/open'
import { pgOperationTable } from '../transport/pg-table'
import { PgOutbox } from '../core/pg/outbox'
import { PgSmtpConfig } from '../core/pg/smtp-config'
import { startOutboxSender } from '../notify/sender'
import { processPasswordStore } from '../notify/types'
import { AdminApi } from './admin'
import type { SocketLimits } from './connections'
import { Gateway } from './gateway'
import { PgTpmWindow } from './gateway/pg-tpm'
import { estimateTokens } from './gateway/tokens'
import { BodyError, sendError, sendJson } from './http'
import { listenFront, parsePath } from './listen'
import { defaultRendererDir, StaticUi } from './static'
import { AuthThrottle, type ThrottleOptions } from './throttle'
import { handleUsage, Verifier, type VerifySource } from './verify'
import { UsageRecordInput } from '../core/usage'
import { parseInput } from '../core/validate'

export interface PgServerOptions {
  /** postgres://USER@HOST:PORT/DB; the password from the URL, PGPASSWORD or ~/.pgpass. */
  url: string
  /** The option the URL came from, for messages (--db or KEYWARD_DB). */
  field?: string
  env?: NodeJS.ProcessEnv
  host?: string
  port?: number
  allowHosts?: string[]
  limits?: Partial<SocketLimits>
  /** Connections this node keeps to PostgreSQL (default 8): verifications in flight at once. */
  poolSize?: number
  /** Milliseconds between writes of buffered lastUsedAt values (default 5000). */
  lastUsedFlushMs?: number
  /** Also serve the web console (the built renderer; a folder to serve another build). */
  ui?: boolean | string
  /** Also serve the OpenAI-compatible gateway (/v1/chat/completions, …), its TPM window shared by every node. */
  gateway?: boolean
  maxBodyBytes?: number
  /** Resource id → provider credential, checked before the resource's environment variable. */
  upstreamKeys?: Record<string, string>
  upstreamTimeoutMs?: number
  /** Milliseconds between re-checks of the gateway's requests in flight (default 200). */
  inFlightCheckMs?: number
  /** Failed admin sign-ins allowed per client address (and in total) per window. */
  throttle?: Omit<ThrottleOptions, 'clock'>
  /** The SMTP password for notify.* and the outbox sender, for this process only (default: KEYWARD_SMTP_PASSWORD). */
  smtpPassword?: string | null
  /** Milliseconds between background runs of the email outbox sender; 0 runs none (default 60000). */
  outboxIntervalMs?: number
  clock?: Clock
  log?: (line: string) => void
}

export interface RunningPgServer {
  url: string
  host: string
  port: number
  /** Stops accepting requests, lets in-flight ones finish, writes lastUsedAt, closes the pool. */
  close(): Promise<void>
}

/**
 * `keyward serve --db postgres://…`: one node of a team registry (verification, the admin API, and
 * with the options the gateway and the web console). Any number of nodes may serve one database.
 * Nothing is cached: every verification and every gateway request reads the key's current rows
 * (PgVerifyPath, PgGateway), so a key deleted, disabled, expired or unassigned through any node or
 * the CLI is refused by every node from the first request that starts after the change commits,
 * and the gateway's requests in flight on any node end within one check interval plus one check.
 * The gateway's TPM window lives in PostgreSQL (PgTpmWindow). lastUsedAt is buffered per node
 * (PgLastUsed), the gateway's usage too (written every 500 ms).
 */
export async function startPgServer(options: PgServerOptions): Promise<RunningPgServer> {
  const clock = options.clock ?? systemClock
  const log = options.log ?? ((line: string) => console.error(line))
  const pg = await openPgRegistry(options.url, { field: options.field, env: options.env, max: options.poolSize ?? 8 })
  // The admin API's changes get connections of their own: a change waiting on a row lock never
  // holds a connection a verification needs.
  let changes
  try {
    changes = await openPgRegistry(options.url, { field: options.field, env: options.env, max: 2 })
  } catch (error) {
    await pg.close().catch(() => undefined)
    throw error
  }
  const lastUsed = new PgLastUsed(pg.pool)
  const verifyPath = new PgVerifyPath(pg.pool, clock, lastUsed)
  const source: VerifySource = {
    verifyAnswer: async (secret, model, appName) => {
      const decision = await verifyPath.answer(secret, model, appName)
      if (decision.hit.code === 'VALID' && decision.hit.pk !== undefined) lastUsed.note(decision.hit.pk, clock())
      return decision
    }
  }
  const verifier = new Verifier(source)
  // Alerts for keys created through any node go out from every node's sender: claims keep them apart.
  const passwords = processPasswordStore(
    options.smtpPassword === undefined ? process.env.KEYWARD_SMTP_PASSWORD || null : options.smtpPassword
  )
  const outboxIntervalMs = options.outboxIntervalMs ?? 60_000
  const sender =
    outboxIntervalMs > 0
      ? startOutboxSender({
          outbox: new PgOutbox(changes.pool),
          settings: new PgSmtpConfig(changes.pool, clock),
          passwords,
          clock,
          log,
          intervalMs: outboxIntervalMs
        })
      : undefined
  const admin = new AdminApi(
    verifyPath,
    pgOperationTable(changes, clock, 'operation', { passwords, flush: sender && (() => sender.flushNow()) }),
    new AuthThrottle({ ...options.throttle, clock }),
    log
  )

  const ui = options.ui ? new StaticUi(typeof options.ui === 'string' ? options.ui : defaultRendererDir()) : undefined
  const window = options.gateway ? new PgTpmWindow(pg.pool, log) : undefined
  const gateway =
    options.gateway && window
      ? new Gateway({
          registry: new PgGateway(pg.pool, clock, lastUsed, verifyPath),
          writeUsage: (rows) => recordPgUsageRows(pg.pool, rows),
          clock,
          log,
          maxBodyBytes: options.maxBodyBytes,
          upstreamKeys: options.upstreamKeys,
          upstreamTimeoutMs: options.upstreamTimeoutMs,
          inFlightCheckMs: options.inFlightCheckMs,
          limits: { window, estimate: estimateTokens }
        })
      : undefined

  const health = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendError(res, 405, { code: 'VALIDATION', message: 'Use GET for /v1/health.' }, { allow: 'GET, HEAD' })
    // A load balancer takes a node out when its database is out of reach.
    try {
      await pg.pool.query('SELECT 1')
      sendJson(res, 200, { status: 'ok', registry: 'postgres' })
    } catch {
      sendError(res, 503, { code: 'BUSY', message: 'This node cannot reach its PostgreSQL registry.' })
    }
  }

  // A verification that cannot reach the database is answered 503 with Retry-After (a gateway may try
  // another node), never as a decision about the key; the cause is logged at most every 5 s.
  let loggedAt = -Infinity
  const unreachable = (res: ServerResponse, error: unknown): void => {
    // A body too large or not JSON is the client's, answered by the front as on a file.
    if (error instanceof BodyError) throw error
    const now = Date.now()
    if (now - loggedAt >= 5_000) {
      loggedAt = now
      log(`keyward serve: the PostgreSQL registry did not answer a verification (${(error as Error)?.message}).`)
    }
    if (!res.headersSent)
      sendError(
        res,
        503,
        {
          code: 'BUSY',
          message: 'This node cannot reach its PostgreSQL registry right now. Try again, or another node.'
        },
        { 'retry-after': '1' }
      )
  }
  const verify = (req: IncomingMessage, res: ServerResponse, query: string): Promise<void> | void =>
    verifier.handle(req, res, query)?.catch((error: unknown) => unreachable(res, error))

  const route = (req: IncomingMessage, res: ServerResponse): void | Promise<void> => {
    const raw = req.url ?? '/'
    const query = raw.indexOf('?')
    const exact = query < 0 ? raw : raw.slice(0, query)
    if (exact === '/v1/keys/verify') return verify(req, res, query < 0 ? '' : raw.slice(query + 1))
    if (gateway && Gateway.serves(exact)) return gateway.handle(req, res, exact)
    const url = parsePath(raw)
    if (!url)
      return sendError(res, 400, {
        code: 'VALIDATION',
        message: 'The request target must be a path starting with a single "/".'
      })
    if (url.pathname === '/v1/keys/verify') return verify(req, res, url.search.slice(1))
    if (url.pathname === '/v1/health') return health(req, res)
    if (url.pathname === '/v1/usage')
      return handleUsage(
        req,
        res,
        (input, now) => recordPgUsage(pg.pool, verifyPath, parseInput(UsageRecordInput, input), now),
        clock,
        log
      )
    const path = url.pathname
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

  // The gateway's last usage and settles are written before the pools close.
  const closeGateway = async (): Promise<void> => {
    await gateway?.close()
    await window?.flushed()
  }
  const closePools = () => Promise.all([pg.close(), changes.close()]).then(() => undefined)
  const front = await listenFront({ ...options, log }, route, () =>
    Promise.all([sender?.stop(), closeGateway()])
      .then(closePools)
      .catch(() => undefined)
  )

  let flushing: Promise<void> | undefined
  const flush = (): Promise<void> =>
    (flushing ??= lastUsed
      .flush()
      .catch((error: unknown) => log(`keyward serve: lastUsedAt not written (${(error as Error)?.message}).`))
      .finally(() => (flushing = undefined)))
  const timer = setInterval(() => void flush(), options.lastUsedFlushMs ?? 5_000)
  timer.unref()

  return {
    url: front.url,
    host: front.host,
    port: front.port,
    close() {
      clearInterval(timer)
      return front.close(async () => {
        await sender?.stop().catch(() => undefined)
        await closeGateway()
        await flushing
        await flush()
        await closePools()
      })
    }
  }
}
