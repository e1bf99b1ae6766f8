import type { IncomingMessage, ServerResponse } from 'node:http'
import { KeywardError } from '../../shared/errors'
import type { KeyResource, VerifyCode } from '../../shared/types'
import type { Registry } from '../core/registry'
import { recordUsage, UsageRefused } from '../core/usage'
import { HTTP_STATUS } from '../transport/dispatch'
import { bearerToken, headerSafe, headerValue, isPlainObject, readBody, sendError, sendJson, SMALL_BODY_BYTES } from './http'

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

interface KeySummary {
  id: string
  name: string
  department: string | null
  project: string | null
  environment: string | null
}

/**
 * The verifier: the core decides (Registry.verifyHit, which reads the file on every call, so a
 * change made by any process is seen on the next request), then two prepared lookups fill the answer.
 */
export class Verifier {
  private readonly summary
  private readonly resources

  constructor(private readonly registry: Registry) {
    this.summary = registry.db.prepare(
      `SELECT k.id, k.name, d.name AS department, p.name AS project, k.environment
       FROM api_keys k LEFT JOIN departments d ON d.id = k.department_id LEFT JOIN projects p ON p.id = k.project_id
       WHERE k.pk = ?`
    )
    this.resources = registry.db.prepare(
      `SELECT r.id, r.model, r.type, r.status FROM key_resources kr JOIN resources r ON r.id = kr.resource_id
       WHERE kr.key_pk = ? ORDER BY r.model, r.type`
    )
  }

  answer(secret: string | undefined, model: string | undefined, appName: string | undefined): VerifyAnswer {
    const hit = secret === undefined ? { code: 'MALFORMED' as const } : this.registry.verifyHit(secret, model, appName)
    const key = hit.pk === undefined ? undefined : (this.summary.get(hit.pk) as KeySummary | undefined)
    const answer: VerifyAnswer = {
      valid: hit.code === 'VALID',
      code: hit.code,
      keyId: key?.id ?? null,
      name: key?.name ?? null,
      department: key?.department ?? null,
      project: key?.project ?? null,
      environment: key?.environment ?? null,
      resources: key ? (this.resources.all(hit.pk) as KeyResource[]) : []
    }
    if ('retryAfter' in hit && hit.retryAfter !== undefined) answer.retryAfter = hit.retryAfter
    return answer
  }

  /** GET or POST /v1/keys/verify. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'POST') {
      sendError(res, 405, { code: 'VALIDATION', message: 'Use GET or POST for /v1/keys/verify.' }, { allow: 'GET, POST' })
      return
    }
    let body: Record<string, unknown> = {}
    if (req.method === 'POST') {
      const parsed = await readBody(req, SMALL_BODY_BYTES)
      if (parsed !== undefined && !isPlainObject(parsed)) {
        sendError(res, 400, { code: 'VALIDATION', message: 'The body must be a JSON object like {"key": "kw_…", "model": "gpt-4o"}.' })
        return
      }
      body = parsed ?? {}
    }
    const secret = bearerToken(req) ?? headerValue(req, 'api-key') ?? stringOr(body.key)
    const model = headerValue(req, 'x-model') ?? url.searchParams.get('model') ?? stringOr(body.model)
    const appName = headerValue(req, 'x-app-name') ?? stringOr(body.appName)
    const answer = this.answer(secret, model, appName)
    const headers: Record<string, string> = {}
    if (answer.valid) {
      headers['x-keyward-key-id'] = answer.keyId!
      headers['x-keyward-key-name'] = answer.name!
      if (answer.department !== null) headers['x-keyward-department'] = headerSafe(answer.department)
      if (answer.project !== null) headers['x-keyward-project'] = headerSafe(answer.project)
    } else if (answer.code === 'RATE_LIMITED') {
      headers['retry-after'] = String(answer.retryAfter ?? 60)
    } else if (VERIFY_STATUS[answer.code] === 401) {
      headers['www-authenticate'] = 'Bearer realm="keyward"'
    }
    sendJson(res, VERIFY_STATUS[answer.code], answer, headers)
  }
}

/** POST /v1/usage {key, model, promptTokens, completionTokens}: the key authenticates the report. */
export async function handleUsage(req: IncomingMessage, res: ServerResponse, registry: Registry, clock: () => number): Promise<void> {
  if (req.method !== 'POST') {
    sendError(res, 405, { code: 'VALIDATION', message: 'Use POST with a JSON body {key, model, promptTokens, completionTokens}.' }, { allow: 'POST' })
    return
  }
  const parsed = await readBody(req, SMALL_BODY_BYTES)
  if (!isPlainObject(parsed)) {
    sendError(res, 400, { code: 'VALIDATION', message: 'Send a JSON object {"key", "model", "promptTokens", "completionTokens"}.' })
    return
  }
  const input = {
    ...parsed,
    key: parsed.key ?? bearerToken(req) ?? headerValue(req, 'api-key'),
    appName: headerValue(req, 'x-app-name') ?? parsed.appName
  }
  try {
    sendJson(res, 200, { recorded: recordUsage(registry, input as Parameters<typeof recordUsage>[1], clock()) })
  } catch (error) {
    if (error instanceof UsageRefused) {
      sendJson(res, error.code === 'UNAUTHORIZED' ? 401 : 403, { error: error.toPayload(), verifyCode: error.verifyCode })
      return
    }
    if (!(error instanceof KeywardError)) throw error
    sendError(res, HTTP_STATUS[error.code], error.toPayload())
  }
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}
