import type pg from 'pg'
import type { VerifyCode } from '../../../shared/types'
import { hashSecret } from '../secrets'
import {
  asksModel,
  assignmentRefusal,
  keyRefusal,
  secretForm,
  rateLimitRetryAfter,
  usageMinute,
  type AdminSignIn,
  type KeySummary,
  type SecretRow,
  type VerifyHit
} from '../verify'

/** What the one statement reads about a secret hash: the key, its summary, the model's assignment and the minute's tokens. */
interface VerifyRow extends Omit<SecretRow, 'pk'> {
  /** null: no key has this secret (then `revoked` says whether a tombstone names it). */
  pk: number | null
  kind: string | null
  id: string
  name: string
  department: string | null
  project: string | null
  environment: string | null
  /** The key's resources as JSON text, ordered by model as on SQLite. */
  resources: string
  /** The key's assignment of the requested model; all null when it holds none (or none was asked). */
  status: string | null
  resource_id: string | null
  tpm_limit: number | null
  /** The resource's tokens in the current minute (resource_usage), null when none were recorded. */
  tokens: number | null
  revoked: boolean
}

/**
 * One statement, one round trip, whatever the answer: the secret's key (joined from one driving
 * row, so a secret nobody holds still answers a row), its summary (resources built by PostgreSQL,
 * in the order and shape SQLite's json_group_array gives: by model, byte order as SQLite's BINARY),
 * the assignment of $2 with its resource, the resource's tokens in minute $3, and, only when no
 * key holds the secret, whether a tombstone does. $4: the secret is another system's, so only a
 * hash imported as format 'sha256' may match and tombstones are not consulted (as on SQLite).
 */
const VERIFY_SQL = /* sql */ `
  SELECT k.pk, s.retires_at, k.disabled, k.expires_at, k.app_id, k.kind,
         k.id, k.name, d.name AS department, p.name AS project, k.environment,
         (SELECT coalesce(
                   json_agg(json_build_object('id', r.id, 'model', r.model, 'type', r.type, 'status', r.status)
                            ORDER BY kr.model COLLATE "C"),
                   '[]')::text
            FROM key_resources kr JOIN resources r ON r.id = kr.resource_id
           WHERE kr.key_pk = k.pk) AS resources,
         a.status, a.id AS resource_id, a.tpm_limit, u.tokens,
         CASE WHEN k.pk IS NULL AND NOT $4::boolean
              THEN EXISTS (SELECT 1 FROM key_tombstones t WHERE t.secret_hash = q.secret_hash)
              ELSE false END AS revoked
    FROM (SELECT $1::bytea AS secret_hash) AS q
    LEFT JOIN key_secrets s ON s.secret_hash = q.secret_hash AND (NOT $4::boolean OR s.format = 'sha256')
    LEFT JOIN api_keys k ON k.pk = s.key_pk
    LEFT JOIN departments d ON d.id = k.department_id
    LEFT JOIN projects p ON p.id = k.project_id
    LEFT JOIN (key_resources ka JOIN resources a ON a.id = ka.resource_id)
           ON ka.key_pk = k.pk AND ka.model = $2::text
    LEFT JOIN resource_usage u ON u.resource_id = a.id AND u.minute = $3::bigint`

/**
 * Verification on a PostgreSQL registry: the same decisions as the SQLite verifier (core/verify.ts,
 * whose rule functions this calls), the same codes and the same KeySummary.
 *
 * No positive cache: every call reads the database, in one statement (one round trip) whatever
 * the answer; malformed secrets are refused before any query. So a key deleted, disabled or
 * unassigned through any node is refused by the next call that starts after the change commits
 * (the statement's snapshot is taken after the call starts; READ COMMITTED sees every commit that
 * finished before it). Expiry and a rotated secret's grace are decided against the clock read
 * when the call starts. A call never writes: lastUsedAt is left to the caller to buffer.
 *
 * The pool must come from openPgRegistry (BIGINT columns as numbers, as better-sqlite3 gives
 * them) and point at the primary: a replica that lags would answer from the past.
 */
export class PgVerifyPath {
  constructor(
    private readonly pool: pg.Pool,
    private readonly clock: () => number = Date.now,
    /** Where an administrator key's sign-in is noted as a use (the server's lastUsedAt buffer), as on SQLite. */
    private readonly lastUsed?: { note(pk: number, at: number): void }
  ) {}

  /** The decision and the few fields the HTTP verifier answers with (Verifier composes the JSON). */
  async answer(
    secret: string | undefined,
    model?: string,
    appName?: string
  ): Promise<{ hit: VerifyHit; key: KeySummary | undefined }> {
    if (secret === undefined) return { hit: { code: 'MALFORMED' }, key: undefined }
    const { hit, row } = await this.decide(secret, model, appName)
    if (hit.pk === undefined || !row) return { hit, key: undefined }
    return { hit, key: [row.id, row.name, row.department, row.project, row.environment, row.resources] }
  }

  /** An administrator key that verifies now (exists, not deleted, disabled or expired), and its name. */
  async adminSignIn(secret: string, appName?: string): Promise<AdminSignIn> {
    const { hit, row } = await this.decide(secret, undefined, appName)
    if (hit.code !== 'VALID') return { ok: false, reason: 'INVALID', code: hit.code }
    // The key's kind is read by the same statement as its secret: it cannot be gone in between.
    if (!row || row.kind === null) return { ok: false, reason: 'GONE' }
    if (row.kind !== 'admin') return { ok: false, reason: 'NOT_ADMIN' }
    this.lastUsed?.note(hit.pk!, this.clock())
    return { ok: true, name: row.name }
  }

  private async decide(
    secret: string,
    model: string | undefined,
    appName: string | undefined
  ): Promise<{ hit: VerifyHit; row?: VerifyRow }> {
    const form = secretForm(secret)
    if (form === 'malformed') return { hit: { code: 'MALFORMED' } }
    const foreign = form === 'foreign'
    const now = this.clock()
    // A model with a NUL cannot be stored (models refuse control characters) nor sent to PostgreSQL: none is assigned.
    const asked = asksModel(model)
    const modelParam = asked && !model.includes('\0') ? model : null
    const result = await this.pool.query<VerifyRow>({
      name: 'keyward-verify',
      text: VERIFY_SQL,
      values: [hashSecret(secret), modelParam, usageMinute(now), foreign]
    })
    const row = result.rows[0]
    if (!row || row.pk === null) {
      // A foreign-looking secret nobody imported is MALFORMED, as on SQLite, deleted or not.
      const code: VerifyCode = foreign ? 'MALFORMED' : row?.revoked ? 'REVOKED' : 'NOT_FOUND'
      return { hit: { code } }
    }
    const pk = row.pk
    const refused = keyRefusal(row as SecretRow, now, appName)
    if (refused) return { hit: { code: refused, pk }, row }
    if (asked) {
      const assignment =
        row.resource_id === null ? null : { status: row.status!, id: row.resource_id, tpm_limit: row.tpm_limit }
      const unusable = assignmentRefusal(assignment)
      if (unusable) return { hit: { code: unusable, pk }, row }
      if (row.tpm_limit != null) {
        const retryAfter = rateLimitRetryAfter(row.tpm_limit, row.tokens, now)
        if (retryAfter !== undefined) return { hit: { code: 'RATE_LIMITED', pk, retryAfter }, row }
      }
    }
    return { hit: { code: 'VALID', pk }, row }
  }
}
