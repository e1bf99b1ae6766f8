import type { IncomingMessage, ServerResponse } from 'node:http'
import type { OperationName } from '../../shared/contract'
import { KeywardError, type ErrorPayload } from '../../shared/errors'
import type { AdminSignIn } from '../core/verify'
import { isOperationName } from '../../shared/contract'
import { dispatch, HTTP_STATUS, type OperationTable } from '../transport/dispatch'
import { handleRpc, MAX_BODY_BYTES } from '../transport/http-rpc'
import { parseDuration } from '../core/duration'
import { bearerToken, clientAddress, headerValue, isPlainObject, readBody, sendError, sendJson } from './http'
import type { AuthThrottle } from './throttle'

/** Operations that belong to the desktop app's own machine: never served over HTTP. */
export const HOST_ONLY_PREFIXES = ['settings.', 'clipboard.'] as const

export function isHostOnly(name: string): boolean {
  return HOST_ONLY_PREFIXES.some((p) => name.startsWith(p))
}

type AuthOutcome = { ok: true; actor: string } | { ok: false; status: 401 | 403; error: ErrorPayload }

type Query = URLSearchParams
interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  path: RegExp
  op: OperationName
  /** Path captures, query and JSON body → the operation's input. */
  input: (params: string[], query: Query, body: Record<string, unknown>) => unknown
  status?: number
}

const REF = '([^/]+)'
const route = (
  method: Route['method'],
  path: string,
  op: OperationName,
  input: Route['input'] = () => ({}),
  status?: number
): Route => ({
  method,
  path: new RegExp(`^${path}$`),
  op,
  input,
  status
})

/** REST-style routes under /v1/admin; each is one contract operation, answered with its output as is. */
export const ADMIN_ROUTES: readonly Route[] = [
  route('GET', '/keys', 'keys.list', (_, q) => keyListInput(q)),
  route('POST', '/keys', 'keys.create', (_, __, b) => b, 201),
  route('GET', `/keys/${REF}`, 'keys.get', ([key]) => ({ key })),
  route('PATCH', `/keys/${REF}`, 'keys.edit', ([key], _, changes) => ({ key, changes })),
  route('DELETE', `/keys/${REF}`, 'keys.delete', ([key]) => ({ key })),
  route('POST', `/keys/${REF}/assign`, 'keys.assign', ([key], _, b) => ({ ...b, key })),
  route('POST', `/keys/${REF}/unassign`, 'keys.unassign', ([key], _, b) => ({ ...b, key })),
  route('PUT', `/keys/${REF}/resources`, 'keys.setResources', ([key], _, b) => ({ ...b, key })),
  route('POST', `/keys/${REF}/disable`, 'keys.disable', ([key]) => ({ key })),
  route('POST', `/keys/${REF}/enable`, 'keys.enable', ([key]) => ({ key })),
  route('POST', `/keys/${REF}/rotate`, 'keys.rotate', ([key], _, b) => rotateInput(key!, b)),
  route('GET', '/resources', 'resources.list'),
  route('POST', '/resources', 'resources.add', (_, __, b) => b, 201),
  route('PATCH', `/resources/${REF}`, 'resources.edit', ([resource], _, b) => ({ ...b, resource })),
  route('DELETE', `/resources/${REF}`, 'resources.remove', ([resource]) => ({ resource })),
  route('GET', '/pool', 'pool.get'),
  route('PUT', '/pool', 'pool.set', (_, __, b) => b),
  route('GET', '/suggestions', 'suggestions.get'),
  route('GET', '/audit', 'audit.list', (_, q) => auditListInput(q)),
  route('GET', '/audit/verify', 'audit.verify'),
  route('POST', '/usage', 'usage.report', (_, __, b) => b),
  route('GET', '/usage', 'usage.report', (_, q) => usageReportInput(q))
]

/**
 * The admin API: `/v1/admin/*` REST routes and `/v1/admin/rpc/<operation>`, both through the
 * one dispatch path with the contract's schemas and error codes. Only an administrator key in
 * `Authorization: Bearer` gets in; failed sign-ins are throttled per client address.
 */
/** Who decides whether a key may sign in: the file's Registry, or a PostgreSQL node's PgVerifyPath. */
export interface AdminSignInSource {
  adminSignIn(secret: string, appName?: string): AdminSignIn | Promise<AdminSignIn>
}

export class AdminApi {
  constructor(
    private readonly signIns: AdminSignInSource,
    private readonly table: OperationTable,
    private readonly throttle: AuthThrottle,
    private readonly log: (line: string) => void
  ) {}

  /** `sub` is the path after /v1/admin, e.g. "/keys/k_123/rotate". */
  async handle(req: IncomingMessage, res: ServerResponse, sub: string, url: URL): Promise<void> {
    const client = clientAddress(req)
    const wait = this.throttle.wait(client)
    if (wait) {
      const who = wait.scope === 'client' ? 'from this address' : 'from all addresses together'
      sendError(
        res,
        429,
        {
          code: 'RATE_LIMITED',
          message: `Too many failed sign-ins ${who}. Wait ${wait.seconds} seconds, then sign in with a valid administrator key.`
        },
        { 'retry-after': String(wait.seconds) }
      )
      return
    }
    const auth = await this.authenticate(req)
    if (!auth.ok) {
      this.throttle.fail(client)
      sendError(
        res,
        auth.status,
        auth.error,
        auth.status === 401 ? { 'www-authenticate': 'Bearer realm="keyward-admin"' } : {}
      )
      return
    }
    this.throttle.succeed(client)
    const ctx = { actor: auth.actor }

    const rpc = /^\/rpc\/([^/]+)$/.exec(sub)
    if (rpc) {
      const name = decodePathPart(rpc[1]!)
      if (name === undefined) {
        sendError(res, 400, badEncoding(sub))
        return
      }
      if (isHostOnly(name)) {
        sendError(res, 404, hostOnlyError(name))
        return
      }
      await handleRpc(req, res, name, this.table, ctx)
      return
    }

    const matching = ADMIN_ROUTES.map((r) => ({ r, m: r.path.exec(sub) })).filter((x) => x.m !== null)
    if (matching.length === 0) {
      sendError(res, 404, {
        code: 'NOT_FOUND',
        message: `No admin endpoint ${sub}. See docs/server.md ("Admin API") for the list, or use POST /v1/admin/rpc/<operation>.`
      })
      return
    }
    const hit = matching.find((x) => x.r.method === req.method)
    if (!hit) {
      const allow = [...new Set(matching.map((x) => x.r.method))].join(', ')
      sendError(res, 405, { code: 'VALIDATION', message: `Use ${allow} for /v1/admin${sub}.` }, { allow })
      return
    }
    let body: Record<string, unknown> = {}
    if (req.method !== 'GET' && req.method !== 'DELETE') {
      const parsed = await readBody(req, MAX_BODY_BYTES)
      if (parsed !== undefined && !isPlainObject(parsed)) {
        sendError(res, 400, { code: 'VALIDATION', message: 'The body must be a JSON object.' })
        return
      }
      body = parsed ?? {}
    }
    const params = hit.m!.slice(1).map((p) => decodePathPart(p!))
    if (params.includes(undefined)) {
      sendError(res, 400, badEncoding(sub))
      return
    }
    let input: unknown
    try {
      input = hit.r.input(params as string[], url.searchParams, body)
    } catch (error) {
      if (!(error instanceof KeywardError)) throw error
      sendError(res, HTTP_STATUS[error.code], error.toPayload())
      return
    }
    const outcome = await dispatch(this.table, hit.r.op, input, ctx, this.log)
    if (outcome.ok) sendJson(res, hit.r.status ?? 200, outcome.result)
    else sendError(res, HTTP_STATUS[outcome.error.code], outcome.error)
  }

  /** An administrator key that verifies now (exists, not deleted, disabled or expired); the core decides. */
  async authenticate(req: IncomingMessage): Promise<AuthOutcome> {
    const token = bearerToken(req)
    if (!token) {
      return {
        ok: false,
        status: 401,
        error: {
          code: 'UNAUTHORIZED',
          message: 'Sign in with an administrator key: send the header "Authorization: Bearer kwa_…".'
        }
      }
    }
    const signIn = await this.signIns.adminSignIn(token, headerValue(req, 'x-app-name'))
    if (signIn.ok) return { ok: true, actor: `admin-key:${signIn.name}` }
    if (signIn.reason === 'INVALID') {
      return {
        ok: false,
        status: 401,
        error: {
          code: 'UNAUTHORIZED',
          message: `That key cannot sign in (${signIn.code}). Use a current administrator key (kwa_…).`
        }
      }
    }
    if (signIn.reason === 'GONE') {
      return {
        ok: false,
        status: 401,
        error: { code: 'UNAUTHORIZED', message: 'That key was just deleted. Use a current administrator key (kwa_…).' }
      }
    }
    return {
      ok: false,
      status: 403,
      error: {
        code: 'FORBIDDEN',
        message:
          'Standard keys (kw_…) are for models and can only be verified. The admin API needs an administrator key (kwa_…).'
      }
    }
  }
}

/** A percent-decoded path segment; undefined when its encoding is broken (%ZZ, a cut-off UTF-8 sequence). */
function decodePathPart(part: string): string | undefined {
  try {
    return decodeURIComponent(part)
  } catch {
    return undefined
  }
}

function badEncoding(sub: string): ErrorPayload {
  return {
    code: 'VALIDATION',
    message: `The path /v1/admin${sub.slice(0, 200)} has a malformed percent-encoding: encode each reserved or non-ASCII byte as %XX of its UTF-8.`
  }
}

export function hostOnlyError(name: string): ErrorPayload {
  return {
    code: 'NOT_FOUND',
    message: isOperationName(name)
      ? `"${name}" belongs to the desktop app on its own machine and is not available over HTTP.`
      : `Unknown operation "${name.slice(0, 64)}".`
  }
}

// ── Query strings → operation inputs ──────────────────────────────────────

function unknownParams(query: Query, known: readonly string[]): void {
  const unknown = [...new Set(query.keys())].filter((k) => !known.includes(k))
  if (unknown.length > 0) {
    const fields: Record<string, string> = {}
    for (const name of unknown) fields[name] = `Unknown query parameter "${name}". Use: ${known.join(', ')}.`
    throw KeywardError.validation(fields)
  }
}

/** A number when the text is one, otherwise the text itself, so the schema names the field in its error. */
function numberOr(text: string | null): number | string | undefined {
  if (text === null) return undefined
  return /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : text
}

function flag(query: Query, name: string): boolean | undefined {
  const text = query.get(name)
  if (text === null) return undefined
  if (['', 'true', '1', 'yes'].includes(text.toLowerCase())) return true
  if (['false', '0', 'no'].includes(text.toLowerCase())) return false
  throw KeywardError.validation({ [name]: `${name} must be true or false.` })
}

/** Repeated parameters under either spelling: ?department=A&department=B or ?departments=A. */
function list(query: Query, ...names: string[]): string[] | undefined {
  const values = names.flatMap((n) => query.getAll(n))
  return values.length ? values : undefined
}

function defined<T extends Record<string, unknown>>(input: T): Partial<T> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<T>
}

const KEY_LIST_PARAMS = [
  'department',
  'departments',
  'project',
  'projects',
  'environment',
  'status',
  'resource',
  'search',
  'expiringWithinDays',
  'sort',
  'desc',
  'limit',
  'offset'
] as const

export function keyListInput(q: Query): unknown {
  unknownParams(q, KEY_LIST_PARAMS)
  return defined({
    departments: list(q, 'department', 'departments'),
    projects: list(q, 'project', 'projects'),
    environment: q.get('environment') ?? undefined,
    status: q.get('status') ?? undefined,
    resource: q.get('resource') ?? undefined,
    search: q.get('search') ?? undefined,
    expiringWithinDays: numberOr(q.get('expiringWithinDays')),
    sort: q.get('sort') ?? undefined,
    desc: flag(q, 'desc'),
    limit: numberOr(q.get('limit')),
    offset: numberOr(q.get('offset'))
  })
}

function auditListInput(q: Query): unknown {
  unknownParams(q, ['key', 'action', 'limit', 'offset'])
  return defined({
    key: q.get('key') ?? undefined,
    action: q.get('action') ?? undefined,
    limit: numberOr(q.get('limit')),
    offset: numberOr(q.get('offset'))
  })
}

function usageReportInput(q: Query): unknown {
  unknownParams(q, ['model', 'models', 'key', 'department', 'project', 'start', 'end', 'interval'])
  const models = list(q, 'model', 'models')
    ?.flatMap((m) => m.split(','))
    .filter((m) => m !== '')
  return defined({
    models,
    key: q.get('key') ?? undefined,
    department: q.get('department') ?? undefined,
    project: q.get('project') ?? undefined,
    start: q.get('start') ?? undefined,
    end: q.get('end') ?? undefined,
    interval: q.get('interval') ?? undefined
  })
}

/** `{graceSeconds: 3600}` or `{grace: "1h"}` (30m, 24h, 7d, like the CLI's --grace). */
function rotateInput(key: string, body: Record<string, unknown>): unknown {
  const { grace, ...rest } = body
  if (grace === undefined) return { ...rest, key }
  if (rest.graceSeconds !== undefined) throw KeywardError.validation({ grace: 'Give grace or graceSeconds, not both.' })
  const seconds = typeof grace === 'string' ? parseDuration(grace) : undefined
  if (seconds === undefined)
    throw KeywardError.validation({ grace: 'Grace must be a duration like 30m, 24h or 7d (or 0 for none).' })
  return { ...rest, key, graceSeconds: seconds }
}
