import type { ResourceType, VerifyCode } from '../../shared/types'
import type { Core } from './context'
import type { VerifyPath } from './verify'

/**
 * The OpenAI-compatible gateway's reads (keyward serve --gateway): which resource carries a key's
 * request for a model, the models a key may list, and whether requests already in flight are
 * still allowed. The key itself is decided by the verify hot path (VerifyPath.hit), so the gateway
 * refuses exactly what /v1/keys/verify refuses; the model is checked here, against the resource's
 * upstream. The route is remembered with the verifier's memory (VerifyPath.remember), so a change
 * made by any process is seen when the verifier sees it (see VerifyPath and docs/server.md).
 */

/** The resource a key's request goes to, with its upstream (never the provider credential itself). */
export interface GatewayTarget {
  resourceId: string
  model: string
  type: ResourceType
  /** Tokens per minute for a TPM resource; null for PYG. */
  tpmLimit: number | null
  /** OpenAI-compatible base URL (e.g. http://127.0.0.1:9000/v1); null when the resource has none. */
  upstreamUrl: string | null
  /** The model name the upstream expects (the resource's own model when none was set). */
  upstreamModel: string
  /** The NAME of the serving process's environment variable holding the provider credential. */
  upstreamKeyEnv: string | null
}

/** Refusals the gateway adds to the verify codes: no resource in the registry serves that model (404). */
export type GatewayCode = VerifyCode | 'MODEL_UNKNOWN'

export type GatewayDecision =
  { ok: true; pk: number; target: GatewayTarget; secretHash: string } | { ok: false; code: GatewayCode }

/** The models a key may call now, for GET /v1/models, or why it may not. */
export type GatewayModelsAnswer =
  { ok: true; models: { id: string; created: number }[] } | { ok: false; code: VerifyCode }

/** One request in flight, as the liveness check sees it. */
export interface InFlightCheck {
  /** SHA-256 of the secret the request came with, hex (a rotated-out secret ends with its grace). */
  secretHash: string
  model: string
  appName: string | undefined
}

export interface RouteRow {
  id: string
  type: ResourceType
  status: string
  tpm_limit: number | null
  upstream_url: string | null
  upstream_model: string | null
  upstream_key_env: string | null
}

/** The key's assignment for `model` (any status), or why there is none. */
export function gatewayRoute(
  core: Core,
  pk: number,
  model: string
):
  | { ok: true; target: GatewayTarget }
  | { ok: false; code: 'MODEL_NOT_ASSIGNED' | 'RESOURCE_INACTIVE' | 'MODEL_UNKNOWN' } {
  const row = core.store
    .sql(
      `SELECT r.id, r.type, r.status, r.tpm_limit, r.upstream_url, r.upstream_model, r.upstream_key_env
       FROM key_resources kr JOIN resources r ON r.id = kr.resource_id WHERE kr.key_pk = ? AND kr.model = ?`
    )
    .get(pk, model) as RouteRow | undefined
  return routeFromRow(
    row,
    model,
    () => !!core.store.pluck('SELECT 1 FROM resources WHERE model = ? LIMIT 1').get(model)
  )
}

/**
 * The route a key's assignment row gives (both engines): no row is MODEL_NOT_ASSIGNED when some
 * resource serves the model (`known`), else MODEL_UNKNOWN; an inactive resource RESOURCE_INACTIVE.
 */
export function routeFromRow(
  row: RouteRow | undefined | null,
  model: string,
  known: () => boolean
):
  | { ok: true; target: GatewayTarget }
  | { ok: false; code: 'MODEL_NOT_ASSIGNED' | 'RESOURCE_INACTIVE' | 'MODEL_UNKNOWN' } {
  if (!row) return { ok: false, code: known() ? 'MODEL_NOT_ASSIGNED' : 'MODEL_UNKNOWN' }
  if (row.status !== 'active') return { ok: false, code: 'RESOURCE_INACTIVE' }
  return {
    ok: true,
    target: {
      resourceId: row.id,
      model,
      type: row.type,
      tpmLimit: row.tpm_limit,
      upstreamUrl: row.upstream_url,
      upstreamModel: row.upstream_model ?? model,
      upstreamKeyEnv: row.upstream_key_env
    }
  }
}

/**
 * A gateway request's decision: the key as the verifier decides it (without a model, so the
 * verifier's own per-minute TPM check does not apply: the gateway's window does), then the model.
 * lastUsedAt is noted only for an allowed request, as verify does.
 */
export function gatewayDecide(
  core: Core,
  verifier: VerifyPath,
  secret: string | undefined,
  model: string,
  appName: string | undefined
): GatewayDecision {
  if (secret === undefined) return { ok: false, code: 'MALFORMED' }
  const { hit, secretHash } = verifier.gatewayHit(secret, appName)
  if (hit.code !== 'VALID' || hit.pk === undefined || secretHash === undefined) return { ok: false, code: hit.code }
  const pk = hit.pk
  const route = verifier.remember(`route\0${pk}\0${model}`, () => gatewayRoute(core, pk, model))
  if (!route.ok) return route
  core.lastUsed.note(hit.pk, core.clock())
  return { ok: true, pk: hit.pk, target: route.target, secretHash }
}

/** The models a key may call now (its active resources), for GET /v1/models, or why it may not. */
export function gatewayModels(
  core: Core,
  verifier: VerifyPath,
  secret: string | undefined,
  appName: string | undefined
): GatewayModelsAnswer {
  if (secret === undefined) return { ok: false, code: 'MALFORMED' }
  const hit = verifier.hit(secret, undefined, appName)
  if (hit.code !== 'VALID' || hit.pk === undefined) return { ok: false, code: hit.code }
  const rows = core.store
    .raw(
      `SELECT r.model, r.created_at FROM key_resources kr JOIN resources r ON r.id = kr.resource_id
       WHERE kr.key_pk = ? AND r.status = 'active' ORDER BY kr.model`
    )
    .all(hit.pk) as [string, number][]
  return { ok: true, models: rows.map(([id, created]) => ({ id, created: Math.floor(created / 1000) })) }
}

export interface LivenessRow {
  i: number
  retires_at: number | null
  key_pk: number | null
  disabled: number | null
  expires_at: number | null
  app_id: string | null
  status: string | null
}

/**
 * Whether requests in flight may go on: one read for all of them. For each, null (still allowed)
 * or the code that now refuses it: REVOKED (key deleted, or its secret's rotation grace ended),
 * DISABLED, EXPIRED, APP_MISMATCH (App ID changed), MODEL_NOT_ASSIGNED, RESOURCE_INACTIVE.
 */
export function gatewayLiveness(core: Core, checks: readonly InFlightCheck[]): (VerifyCode | null)[] {
  if (checks.length === 0) return []
  const rows = core.store
    .sql(
      `SELECT w.key AS i, s.retires_at, s.key_pk, k.disabled, k.expires_at, k.app_id, r.status
       FROM json_each(?) w
       LEFT JOIN key_secrets s ON s.secret_hash = unhex(w.value ->> '$[0]')
       LEFT JOIN api_keys k ON k.pk = s.key_pk
       LEFT JOIN key_resources kr ON kr.key_pk = s.key_pk AND kr.model = w.value ->> '$[1]'
       LEFT JOIN resources r ON r.id = kr.resource_id`
    )
    .all(JSON.stringify(checks.map((c) => [c.secretHash, c.model]))) as LivenessRow[]
  return livenessCodes(checks, rows, core.clock())
}

/** Each check's code from the rows of its read (both engines): a check with no row is REVOKED. */
export function livenessCodes(
  checks: readonly InFlightCheck[],
  rows: readonly LivenessRow[],
  now: number
): (VerifyCode | null)[] {
  const codes: (VerifyCode | null)[] = checks.map(() => 'REVOKED')
  for (const row of rows) {
    const check = checks[row.i]!
    if (row.key_pk === null) codes[row.i] = 'REVOKED'
    else if (row.retires_at !== null && row.retires_at <= now) codes[row.i] = 'REVOKED'
    else if (row.disabled) codes[row.i] = 'DISABLED'
    else if (row.expires_at !== null && row.expires_at <= now) codes[row.i] = 'EXPIRED'
    else if (row.app_id !== null && row.app_id !== check.appName) codes[row.i] = 'APP_MISMATCH'
    else if (row.status === null) codes[row.i] = 'MODEL_NOT_ASSIGNED'
    else if (row.status !== 'active') codes[row.i] = 'RESOURCE_INACTIVE'
    else codes[row.i] = null
  }
  return codes
}
