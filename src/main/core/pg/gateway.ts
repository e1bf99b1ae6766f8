import type pg from 'pg'
import type { VerifyCode } from '../../../shared/types'
import {
  livenessCodes,
  routeFromRow,
  type GatewayDecision,
  type GatewayModelsAnswer,
  type InFlightCheck,
  type LivenessRow,
  type RouteRow
} from '../gateway'
import { hashSecret } from '../secrets'
import { keyRefusal, secretForm, type SecretRow } from '../verify'

/** What the decision's one statement reads: the secret's key, the model's assignment with its resource, and whether the model is known. */
interface DecideRow {
  /** null: no key has this secret (then `revoked` says whether a tombstone names it). */
  pk: number | null
  retires_at: number | null
  disabled: number | null
  expires_at: number | null
  app_id: string | null
  /** The assignment's resource; all null when the key holds none for the model. */
  id: string | null
  type: RouteRow['type'] | null
  status: string | null
  tpm_limit: number | null
  upstream_url: string | null
  upstream_model: string | null
  upstream_key_env: string | null
  /** Whether any resource serves the model (read only when the key does not hold it). */
  known: boolean
  revoked: boolean
}

/**
 * One round trip for a gateway request, whatever the answer: the key as PgVerifyPath reads it
 * (without the per-minute check: the gateway's window limits TPM), the key's assignment of $2 with
 * the resource's upstream, and, when the key does not hold the model, whether any resource serves
 * it (MODEL_NOT_ASSIGNED or MODEL_UNKNOWN). $3: the secret is another system's (only a hash
 * imported as 'sha256' may match, tombstones are not consulted), as on a file.
 */
const DECIDE_SQL = /* sql */ `
  SELECT k.pk, s.retires_at, k.disabled, k.expires_at, k.app_id,
         a.id, a.type, a.status, a.tpm_limit, a.upstream_url, a.upstream_model, a.upstream_key_env,
         (k.pk IS NOT NULL AND a.id IS NULL AND EXISTS (SELECT 1 FROM resources m WHERE m.model = $2::text)) AS known,
         CASE WHEN k.pk IS NULL AND NOT $3::boolean
              THEN EXISTS (SELECT 1 FROM key_tombstones t WHERE t.secret_hash = q.secret_hash)
              ELSE false END AS revoked
    FROM (SELECT $1::bytea AS secret_hash) AS q
    LEFT JOIN key_secrets s ON s.secret_hash = q.secret_hash AND (NOT $3::boolean OR s.format = 'sha256')
    LEFT JOIN api_keys k ON k.pk = s.key_pk
    LEFT JOIN (key_resources ka JOIN resources a ON a.id = ka.resource_id)
           ON ka.key_pk = k.pk AND ka.model = $2::text`

/** Every request in flight, by secret hash and model, in one statement: the rows livenessCodes reads on a file too. */
const LIVENESS_SQL = /* sql */ `
  SELECT (w.i - 1)::int AS i, s.retires_at, s.key_pk, k.disabled, k.expires_at, k.app_id, r.status
    FROM unnest($1::bytea[], $2::text[]) WITH ORDINALITY AS w (secret_hash, model, i)
    LEFT JOIN key_secrets s ON s.secret_hash = w.secret_hash
    LEFT JOIN api_keys k ON k.pk = s.key_pk
    LEFT JOIN key_resources kr ON kr.key_pk = s.key_pk AND kr.model = w.model
    LEFT JOIN resources r ON r.id = kr.resource_id`

const MODELS_SQL = /* sql */ `
  SELECT r.model AS id, r.created_at AS created FROM key_resources kr JOIN resources r ON r.id = kr.resource_id
   WHERE kr.key_pk = $1 AND r.status = 'active' ORDER BY kr.model COLLATE "C"`

/**
 * The gateway's reads on a PostgreSQL registry, with the same decisions as on a file (core/gateway.ts,
 * whose rule functions these call). No cache: every request, and every in-flight check, reads the
 * database, so a key deleted, disabled, expired or unassigned through any node or the CLI is
 * refused by every node's gateway from the first request that starts after the change commits,
 * and its requests in flight on any node end within one check interval plus one check.
 * lastUsedAt is noted in the node's buffer for an allowed request, never written here.
 */
export class PgGateway {
  constructor(
    private readonly pool: pg.Pool,
    private readonly clock: () => number,
    private readonly lastUsed: { note(pk: number, at: number): void },
    /** Who answers GET /v1/models's key check: the node's verification path. */
    private readonly verify: {
      answer(
        secret: string | undefined,
        model?: string,
        appName?: string
      ): Promise<{ hit: { code: VerifyCode; pk?: number } }>
    }
  ) {}

  async gatewayDecide(
    secret: string | undefined,
    model: string,
    appName: string | undefined
  ): Promise<GatewayDecision> {
    if (secret === undefined) return { ok: false, code: 'MALFORMED' }
    const form = secretForm(secret)
    if (form === 'malformed') return { ok: false, code: 'MALFORMED' }
    const foreign = form === 'foreign'
    const hash = hashSecret(secret)
    const now = this.clock()
    // A model with a NUL cannot be stored nor sent to PostgreSQL: no resource serves it.
    const modelParam = model.includes('\0') ? null : model
    const { rows } = await this.pool.query<DecideRow>({
      name: 'keyward-gateway-decide',
      text: DECIDE_SQL,
      values: [hash, modelParam, foreign]
    })
    const row = rows[0]
    if (!row || row.pk === null)
      return { ok: false, code: foreign ? 'MALFORMED' : row?.revoked ? 'REVOKED' : 'NOT_FOUND' }
    const refused = keyRefusal(row as unknown as SecretRow, now, appName)
    if (refused) return { ok: false, code: refused }
    const route = routeFromRow(row.id === null ? undefined : (row as RouteRow), model, () => row.known)
    if (!route.ok) return route
    this.lastUsed.note(row.pk, now)
    return { ok: true, pk: row.pk, target: route.target, secretHash: hash.toString('hex') }
  }

  async gatewayModels(secret: string | undefined, appName: string | undefined): Promise<GatewayModelsAnswer> {
    const { hit } = await this.verify.answer(secret, undefined, appName)
    if (hit.code !== 'VALID' || hit.pk === undefined) return { ok: false, code: hit.code }
    const { rows } = await this.pool.query<{ id: string; created: number }>(MODELS_SQL, [hit.pk])
    return { ok: true, models: rows.map((r) => ({ id: r.id, created: Math.floor(r.created / 1000) })) }
  }

  async gatewayLiveness(checks: readonly InFlightCheck[]): Promise<(VerifyCode | null)[]> {
    if (checks.length === 0) return []
    const now = this.clock()
    const { rows } = await this.pool.query<LivenessRow>({
      name: 'keyward-gateway-liveness',
      text: LIVENESS_SQL,
      values: [
        checks.map((c) => Buffer.from(c.secretHash, 'hex')),
        checks.map((c) => (c.model.includes('\0') ? null : c.model))
      ]
    })
    return livenessCodes(checks, rows, now)
  }
}
