import type { VerifyCode, VerifyResult } from '../../shared/types'
import type { Core } from './context'
import { keyByPk } from './key-rows'
import { hashSecret, isWellFormedSecret } from './secrets'

/** The decision alone: a code, and the key (by its row) when the secret belongs to one. */
export interface VerifyHit {
  code: VerifyCode
  pk?: number
  retryAfter?: number
}

/** What the HTTP verifier answers about a key: id, name, department, project, environment, resources (JSON built by SQLite). */
export type KeySummary = [
  id: string,
  name: string,
  department: string | null,
  project: string | null,
  environment: string | null,
  resources: string
]

/** Why an administrator key may not sign in, or who it is. */
export type AdminSignIn =
  | { ok: true; name: string }
  | { ok: false; reason: 'INVALID'; code: VerifyCode }
  | { ok: false; reason: 'GONE' | 'NOT_ADMIN' }

/**
 * Verification, the gateway's hot path: secret (+ model, + app name) → one code. Malformed secrets
 * are refused before any lookup; every lookup is one prepared statement held here, so a call costs
 * a SHA-256 and one or two indexed reads, and never a write (lastUsedAt is buffered). It reads the
 * file on every call, so a change made by any process is seen on the next request.
 */
export class VerifyPath {
  private readonly secretLookup
  private readonly tombstone
  private readonly modelAssignment
  private readonly resourceMinuteTokens
  private readonly keySummary
  private readonly keyKind

  constructor(private readonly core: Core) {
    const { store } = core
    this.secretLookup = store.sql(
      `SELECT s.retires_at, k.pk, k.disabled, k.expires_at, k.app_id FROM key_secrets s JOIN api_keys k ON k.pk = s.key_pk
       WHERE s.secret_hash = ?`
    )
    this.tombstone = store.sql('SELECT 1 FROM key_tombstones WHERE secret_hash = ?')
    this.modelAssignment = store.sql(
      'SELECT r.status, r.id, r.tpm_limit FROM key_resources kr JOIN resources r ON r.id = kr.resource_id WHERE kr.key_pk = ? AND kr.model = ?'
    )
    this.resourceMinuteTokens = store.pluck('SELECT tokens FROM resource_usage WHERE resource_id = ? AND minute = ?')
    // Resources in (key_pk, model) index order: the model is unique per key, so no sort is needed.
    this.keySummary = store.raw(
      `SELECT k.id, k.name, d.name, p.name, k.environment,
              (SELECT json_group_array(json_object('id', r.id, 'model', r.model, 'type', r.type, 'status', r.status))
               FROM (SELECT kr.resource_id FROM key_resources kr WHERE kr.key_pk = k.pk ORDER BY kr.model) AS x
               JOIN resources r ON r.id = x.resource_id)
       FROM api_keys k LEFT JOIN departments d ON d.id = k.department_id LEFT JOIN projects p ON p.id = k.project_id
       WHERE k.pk = ?`
    )
    this.keyKind = store.sql('SELECT kind, name FROM api_keys WHERE pk = ?')
  }

  /** `noteUse` false: decide only, and leave lastUsedAt to the caller (a refused sign-in writes nothing). */
  hit(secret: string, model?: string, appName?: string, noteUse = true): VerifyHit {
    if (!isWellFormedSecret(secret)) return { code: 'MALFORMED' }
    const hash = hashSecret(secret)
    const row = this.secretLookup.get(hash) as
      | { retires_at: number | null; pk: number; disabled: number; expires_at: number | null; app_id: string | null }
      | undefined
    if (!row) return { code: this.tombstone.get(hash) ? 'REVOKED' : 'NOT_FOUND' }
    const now = this.core.clock()
    if (row.retires_at != null && row.retires_at <= now) return { code: 'REVOKED', pk: row.pk }
    if (row.disabled) return { code: 'DISABLED', pk: row.pk }
    if (row.expires_at != null && row.expires_at <= now) return { code: 'EXPIRED', pk: row.pk }
    if (row.app_id != null && appName !== row.app_id) return { code: 'APP_MISMATCH', pk: row.pk }
    if (model !== undefined && model !== '') {
      const assignment = this.modelAssignment.get(row.pk, model) as
        { status: string; id: string; tpm_limit: number | null } | undefined
      if (!assignment) return { code: 'MODEL_NOT_ASSIGNED', pk: row.pk }
      if (assignment.status !== 'active') return { code: 'RESOURCE_INACTIVE', pk: row.pk }
      if (assignment.tpm_limit != null) {
        // Fixed one-minute window shared by every key on the resource (see usage.ts recordUsage).
        const minute = Math.floor(now / 60_000)
        const used = this.resourceMinuteTokens.get(assignment.id, minute) as number | undefined
        if (used !== undefined && used >= assignment.tpm_limit) {
          return {
            code: 'RATE_LIMITED',
            pk: row.pk,
            retryAfter: Math.max(1, Math.ceil(((minute + 1) * 60_000 - now) / 1000))
          }
        }
      }
    }
    if (noteUse) this.core.lastUsed.note(row.pk, now)
    return { code: 'VALID', pk: row.pk }
  }

  /** The decision with the key's whole document, for the CLI and the app. */
  verify(v: { secret: string; model?: string; appName?: string }): VerifyResult {
    const hit = this.hit(v.secret, v.model, v.appName)
    const result: VerifyResult = { valid: hit.code === 'VALID', code: hit.code }
    if (hit.pk !== undefined) result.key = keyByPk(this.core, hit.pk)
    if (hit.retryAfter !== undefined) result.retryAfter = hit.retryAfter
    return result
  }

  /** The decision and the few fields the HTTP verifier answers with, in one more indexed read. */
  answer(
    secret: string | undefined,
    model?: string,
    appName?: string
  ): { hit: VerifyHit; key: KeySummary | undefined } {
    const hit: VerifyHit = secret === undefined ? { code: 'MALFORMED' } : this.hit(secret, model, appName)
    const key = hit.pk === undefined ? undefined : (this.keySummary.get(hit.pk) as KeySummary | undefined)
    return { hit, key }
  }

  /** An administrator key that verifies now (exists, not deleted, disabled or expired), and its name. */
  adminSignIn(secret: string, appName?: string): AdminSignIn {
    const hit = this.hit(secret, undefined, appName, false)
    if (hit.code !== 'VALID') return { ok: false, reason: 'INVALID', code: hit.code }
    const key = this.keyKind.get(hit.pk) as { kind: string; name: string } | undefined
    if (!key) return { ok: false, reason: 'GONE' }
    // A standard key refused here was not used: its lastUsedAt stays as it was.
    if (key.kind !== 'admin') return { ok: false, reason: 'NOT_ADMIN' }
    this.core.lastUsed.note(hit.pk!, this.core.clock())
    return { ok: true, name: key.name }
  }
}
