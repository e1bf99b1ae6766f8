import type { IncomingMessage, ServerResponse } from 'node:http'
import { KeywardError } from '../../shared/errors'
import type { KeyResource, VerifyCode } from '../../shared/types'
import type { KeySummary, VerifyHit } from '../core/verify'
import { UsageRefused, type UsageRecorded } from '../core/usage'
import { HTTP_STATUS } from '../transport/dispatch'
import {
  bearerToken,
  headerSafe,
  headerValue,
  isPlainObject,
  readBody,
  sendError,
  sendJson,
  SMALL_BODY_BYTES
} from './http'

/** The verify answer's status per code: 401 = the caller is not who it claims, 403 = it may not do this. */
export const VERIFY_STATUS: Record<VerifyCode, number> = {
  VALID: 200,
  MALFORMED: 401,
  NOT_FOUND: 401,
  REVOKED: 401,
  EXPIRED: 401,
  DISABLED: 403,
  APP_MISMATCH: 403,
  MODEL_NOT_ASSIGNED: 403,
  RESOURCE_INACTIVE: 403,
  RATE_LIMITED: 429
}

/** The JSON document /v1/keys/verify answers (composed in Verifier.respond). */
export interface VerifyAnswer {
  valid: boolean
  code: VerifyCode
  keyId: string | null
  name: string | null
  department: string | null
  project: string | null
  environment: string | null
  resources: KeyResource[]
  /** Seconds until the TPM window resets, with RATE_LIMITED (also in the Retry-After header). */
  retryAfter?: number
}

/** A verification's decision and the key's summary (null fields when no key). */
export interface VerifyDecision {
  hit: VerifyHit
  key: KeySummary | undefined
}

/**
 * Who decides: the SQLite registry answers at once (Registry.verifyAnswer), a PostgreSQL registry
 * after its query (PgVerifyPath.answer).
 */
export interface VerifySource {
  verifyAnswer(secret: string | undefined, model?: string, appName?: string): VerifyDecision | Promise<VerifyDecision>
}

/**
 * The verifier: the core decides and reads the key's summary (Registry.verifyAnswer, which reads the
 * file on every call, so a change made by any process is seen on the next request); this composes
 * the HTTP answer.
 */
export class Verifier {
  constructor(private readonly source: VerifySource) {}

  /**
   * GET or POST /v1/keys/verify. GET, the gateway's hot path, is answered synchronously; POST
   * reads its JSON body first.
   */
  handle(req: IncomingMessage, res: ServerResponse, query: string): void | Promise<void> {
    if (req.method === 'GET') return this.respond(req, res, query, undefined)
    if (req.method !== 'POST') {
      sendError(
        res,
        405,
        { code: 'VALIDATION', message: 'Use GET or POST for /v1/keys/verify.' },
        { allow: 'GET, POST' }
      )
      return
    }
    return readBody(req, SMALL_BODY_BYTES).then((parsed) => {
      if (parsed !== undefined && !isPlainObject(parsed)) {
        sendError(res, 400, {
          code: 'VALIDATION',
          message: 'The body must be a JSON object like {"key": "kw_…", "model": "gpt-4o"}.'
        })
        return
      }
      this.respond(req, res, query, parsed)
    })
  }

  private respond(
    req: IncomingMessage,
    res: ServerResponse,
    query: string,
    body: Record<string, unknown> | undefined
  ): void | Promise<void> {
    const secret = bearerToken(req) ?? headerValue(req, 'api-key') ?? stringOr(body?.key)
    const model =
      headerValue(req, 'x-model') ?? (query ? new URLSearchParams(query).get('model') : null) ?? stringOr(body?.model)
    const appName = headerValue(req, 'x-app-name') ?? stringOr(body?.appName)
    const decision = this.source.verifyAnswer(secret ?? undefined, model ?? undefined, appName ?? undefined)
    // SQLite decides synchronously (no promise on the hot path); PostgreSQL after its query.
    if (decision instanceof Promise) return decision.then((d) => send(res, d))
    send(res, decision)
  }
}

/** The verify answer: status, headers and the JSON document, from the decision. */
function send(res: ServerResponse, { hit, key }: VerifyDecision): void {
  const status = VERIFY_STATUS[hit.code]
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff'
  }
  const [keyId, name, department, project, environment, resources] = key ?? [null, null, null, null, null, '[]']
  if (hit.code === 'VALID' && keyId !== null) {
    headers['x-keyward-key-id'] = keyId
    headers['x-keyward-key-name'] = name!
    if (department !== null) headers['x-keyward-department'] = headerSafe(department)
    if (project !== null) headers['x-keyward-project'] = headerSafe(project)
  } else if (hit.code === 'RATE_LIMITED') {
    headers['retry-after'] = String(hit.retryAfter ?? 60)
  } else if (status === 401) {
    headers['www-authenticate'] = 'Bearer realm="keyward"'
  }
  // Composed by hand: the resources array arrives as JSON from SQLite and is spliced in as is.
  const text =
    `{"valid":${hit.code === 'VALID'},"code":"${hit.code}","keyId":${json(keyId)},"name":${json(name)},` +
    `"department":${json(department)},"project":${json(project)},"environment":${json(environment)},` +
    `"resources":${resources}${hit.retryAfter !== undefined ? `,"retryAfter":${hit.retryAfter}` : ''}}`
  headers['content-length'] = String(Buffer.byteLength(text))
  res.writeHead(status, headers)
  res.end(text)
}

function json(value: string | null | undefined): string {
  return value == null ? 'null' : JSON.stringify(value)
}

/** How long a usage report waits for its write before the answer is 202 (queued) instead of 200. */
export const USAGE_ACK_MS = 1_000

/**
 * POST /v1/usage {key, model, promptTokens, completionTokens}: the key authenticates the report.
 * The report is checked at once (400/401/403 as before); its write goes through the server's write
 * queue. Normally it commits at once: 200 {recorded}. While another process holds the registry's
 * write lock past USAGE_ACK_MS, the answer is 202 {queued}: the tokens are held in memory and
 * written, in order, as soon as the lock is released (a gateway should not resend them). Only a
 * full queue answers 503 BUSY with Retry-After (nothing recorded: resend).
 */
export async function handleUsage(
  req: IncomingMessage,
  res: ServerResponse,
  /** Checks the report (throwing UsageRefused or VALIDATION) and returns its write: the file's queue, or a PostgreSQL transaction. */
  record: (input: unknown, now: number) => Promise<UsageRecorded>,
  clock: () => number,
  log: (line: string) => void = () => undefined
): Promise<void> {
  if (req.method !== 'POST') {
    sendError(
      res,
      405,
      { code: 'VALIDATION', message: 'Use POST with a JSON body {key, model, promptTokens, completionTokens}.' },
      { allow: 'POST' }
    )
    return
  }
  const parsed = await readBody(req, SMALL_BODY_BYTES)
  if (!isPlainObject(parsed)) {
    sendError(res, 400, {
      code: 'VALIDATION',
      message: 'Send a JSON object {"key", "model", "promptTokens", "completionTokens"}.'
    })
    return
  }
  const input = {
    ...parsed,
    key: parsed.key ?? bearerToken(req) ?? headerValue(req, 'api-key'),
    appName: headerValue(req, 'x-app-name') ?? parsed.appName
  }
  const now = clock()
  try {
    const done = record(input, now)
    let timer: NodeJS.Timeout | undefined
    const acked = await Promise.race([
      done.then((recorded) => ({ recorded })),
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), USAGE_ACK_MS)))
    ]).finally(() => clearTimeout(timer))
    if (acked) {
      sendJson(res, 200, { recorded: acked.recorded })
      return
    }
    done.catch((error: unknown) =>
      log(`keyward serve: a queued usage report was not recorded: ${(error as Error)?.message}`)
    )
    const { model, promptTokens, completionTokens } = input as unknown as {
      model: string
      promptTokens: number
      completionTokens: number
    }
    sendJson(res, 202, {
      queued: {
        model,
        minute: new Date(Math.floor(now / 60_000) * 60_000).toISOString(),
        promptTokens,
        completionTokens
      }
    })
  } catch (error) {
    if (error instanceof UsageRefused) {
      sendJson(res, error.code === 'UNAUTHORIZED' ? 401 : 403, {
        error: error.toPayload(),
        verifyCode: error.verifyCode
      })
      return
    }
    if (!(error instanceof KeywardError)) throw error
    sendError(res, HTTP_STATUS[error.code], error.toPayload())
  }
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}
