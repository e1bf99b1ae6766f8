import type { VerifyCode, VerifyResult } from '../../shared/types'
import type { Core } from './context'
import { keyByPk } from './key-rows'
import { hashSecret, isWellFormedSecret } from './secrets'

/**
 * What a secret of another system (imported by its SHA-256, keys import) may look like: 8 to 512
 * printable ASCII characters without spaces. Anything else, and anything starting kw_/kwa_ in any
 * case, is MALFORMED without a lookup, as before any import.
 */
export const FOREIGN_SECRET = /^[\x21-\x7e]{8,512}$/

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

/** A key's row as the verifier reads it by secret hash (on either engine). */
export interface SecretRow {
  retires_at: number | null
  pk: number
  disabled: number
  expires_at: number | null
  app_id: string | null
}

/** The resource a key holds for the requested model. */
export interface Assignment {
  status: string
  id: string
  tpm_limit: number | null
}

// ── The rules, written once for both engines (this file's VerifyPath and pg/verify.ts's PgVerifyPath).
// Plain functions returning a code or a number: no allocation on the hot path.

/**
 * Whether a secret without the kw_ format may be another system's (imported by its SHA-256):
 * otherwise it is MALFORMED without a lookup. A kw_-looking secret with a bad checksum stays
 * MALFORMED, in any case.
 */
export function mayBeForeignSecret(secret: string): boolean {
  return FOREIGN_SECRET.test(secret) && !/^kwa?_/i.test(secret)
}

/**
 * What form a presented secret has, for both engines' lookups: one of ours (kw_/kwa_), one that may
 * be another system's (only a hash imported as 'sha256' can match it), or malformed (refused
 * without a lookup).
 */
export function secretForm(secret: string): 'ours' | 'foreign' | 'malformed' {
  if (isWellFormedSecret(secret)) return 'ours'
  return mayBeForeignSecret(secret) ? 'foreign' : 'malformed'
}

/** What refuses a found key at `now` whatever the model: a retired secret, disabled, expired, another app. */
export function keyRefusal(row: SecretRow, now: number, appName: string | undefined): VerifyCode | undefined {
  if (row.retires_at != null && row.retires_at <= now) return 'REVOKED'
  if (row.disabled) return 'DISABLED'
  if (row.expires_at != null && row.expires_at <= now) return 'EXPIRED'
  if (row.app_id != null && appName !== row.app_id) return 'APP_MISMATCH'
  return undefined
}

/** Whether the request names a model to check (an empty model is none). */
export function asksModel(model: string | undefined): model is string {
  return model !== undefined && model !== ''
}

/** What refuses the key's assignment of the model (null: not assigned). */
export function assignmentRefusal(assignment: Assignment | null): VerifyCode | undefined {
  if (!assignment) return 'MODEL_NOT_ASSIGNED'
  if (assignment.status !== 'active') return 'RESOURCE_INACTIVE'
  return undefined
}

/** The TPM window's minute at `now`: a fixed one-minute window shared by every key on the resource (usage.ts recordUsage). */
export function usageMinute(now: number): number {
  return Math.floor(now / 60_000)
}

/** Seconds until the minute's window resets when `used` tokens reach `limit` (RATE_LIMITED), else undefined. */
export function rateLimitRetryAfter(limit: number, used: number | null | undefined, now: number): number | undefined {
  if (used == null || used < limit) return undefined
  return Math.max(1, Math.ceil(((usageMinute(now) + 1) * 60_000 - now) / 1000))
}

/** What the verifier knows about one secret hash, read once per change of the registry. */
interface Known {
  /** SHA-256 of the secret, hex: the map's key, and what the gateway's in-flight check follows a request by. */
  secretHash: string
  /** undefined: no key has this secret (then `revoked` says whether a tombstone names it). */
  row: SecretRow | undefined
  revoked: boolean
  /** model → the key's assignment of it (null: not assigned). */
  models: Map<string, Assignment | null>
  summary?: KeySummary | null
}

/**
 * When the verifier looks for changes made by other connections (SQLite's data_version):
 *  - 'call': before every verification (the CLI and the app, where calls are few);
 *  - 'turn': once per turn of the event loop (`keyward serve`): every request read off the
 *    sockets in one turn is answered from the registry as it was when the turn began, and a change
 *    another process commits is seen by every request of the next turn. Under load a turn lasts
 *    well under a millisecond; the server's own writes are seen at once (SqliteStore.generation).
 */
export type Freshness = 'call' | 'turn'

/** Beyond this many remembered secret hashes (or other reads) the memory is dropped and refilled (bounds memory). */
const MAX_KNOWN = 50_000

/**
 * Verification, the gateway's hot path: secret (+ model, + app name) → one code. Malformed secrets
 * are refused before any lookup. What a secret hash resolves to (its key row, the key's model
 * assignments, the summary the HTTP verifier answers with, a TPM resource's minute count) is
 * remembered until the registry changes: any commit by this connection (SqliteStore.generation)
 * or by any other connection or process (`PRAGMA data_version`, checked per call or per event-loop
 * turn, see Freshness) forgets it all. Time-based rules (expiry, a rotated secret's grace) are
 * decided on every call from the remembered dates. A call never writes (lastUsedAt is buffered).
 */
export class VerifyPath {
  private readonly secretLookup
  private readonly foreignLookup
  private readonly anyForeign
  private readonly tombstone
  private readonly modelAssignment
  private readonly resourceMinuteTokens
  private readonly keySummary
  private readonly keyKind
  private readonly changes

  private readonly known = new Map<string, Known>()
  private readonly minuteTokens = new Map<string, number | undefined>()
  private readonly remembered = new Map<string, unknown>()
  /** Whether any foreign (non-kw_) secret hash was imported; undefined: not asked since the last change. */
  private foreignPresent: boolean | undefined
  private seenGeneration = -1
  private seenDataVersion = -1
  private seenOwnChanges = -1
  private turnChecked = false
  private readonly endTurn = (): void => {
    this.turnChecked = false
  }

  constructor(
    private readonly core: Core,
    private readonly freshness: Freshness = 'call'
  ) {
    const { store } = core
    this.secretLookup = store.sql(
      `SELECT s.retires_at, k.pk, k.disabled, k.expires_at, k.app_id FROM key_secrets s JOIN api_keys k ON k.pk = s.key_pk
       WHERE s.secret_hash = ?`
    )
    // Only hashes imported as another system's (format 'sha256') may match a secret without the kw_ format.
    this.foreignLookup = store.sql(
      `SELECT s.retires_at, k.pk, k.disabled, k.expires_at, k.app_id FROM key_secrets s JOIN api_keys k ON k.pk = s.key_pk
       WHERE s.secret_hash = ? AND s.format = 'sha256'`
    )
    this.anyForeign = store.pluck("SELECT EXISTS (SELECT 1 FROM key_secrets WHERE format = 'sha256')")
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
    // Other connections' commits change data_version; this connection's own, total_changes().
    this.changes = store.raw('SELECT data_version, total_changes() FROM pragma_data_version')
  }

  /** Forgets what changed: called before every decision; reads data_version per call or per turn. */
  private refresh(): void {
    const generation = this.core.store.generation
    if (this.turnChecked && generation === this.seenGeneration) return
    const [dataVersion, ownChanges] = this.changes.get() as [number, number]
    if (
      generation !== this.seenGeneration ||
      dataVersion !== this.seenDataVersion ||
      ownChanges !== this.seenOwnChanges ||
      this.known.size >= MAX_KNOWN ||
      this.remembered.size >= MAX_KNOWN
    ) {
      this.known.clear()
      this.minuteTokens.clear()
      this.remembered.clear()
      this.foreignPresent = undefined
      this.seenGeneration = generation
      this.seenDataVersion = dataVersion
      this.seenOwnChanges = ownChanges
    }
    if (this.freshness === 'turn' && !this.turnChecked) {
      this.turnChecked = true
      setImmediate(this.endTurn)
    }
  }

  private lookup(secret: string): Known {
    const hash = hashSecret(secret)
    const id = hash.toString('hex')
    let known = this.known.get(id)
    if (!known) {
      const row = this.secretLookup.get(hash) as SecretRow | undefined
      known = {
        secretHash: id,
        row,
        revoked: row === undefined && this.tombstone.get(hash) !== undefined,
        models: new Map()
      }
      this.known.set(id, known)
    }
    return known
  }

  /**
   * A secret without the kw_ format: known only if its SHA-256 was imported as another system's
   * hash. Anything else is MALFORMED, as before any import (undefined here).
   */
  private lookupForeign(secret: string): Known | undefined {
    this.foreignPresent ??= this.anyForeign.get() === 1
    if (!this.foreignPresent) return undefined
    const hash = hashSecret(secret)
    const secretHash = hash.toString('hex')
    // 65 characters: never the id of a kw_ secret's entry (64).
    const id = `f${secretHash}`
    let known = this.known.get(id)
    if (!known) {
      const row = this.foreignLookup.get(hash) as SecretRow | undefined
      known = { secretHash, row, revoked: false, models: new Map() }
      this.known.set(id, known)
    }
    return known.row ? known : undefined
  }

  private assignment(known: Known, pk: number, model: string): Assignment | null {
    let assignment = known.models.get(model)
    if (assignment === undefined) {
      assignment = (this.modelAssignment.get(pk, model) as Assignment | undefined) ?? null
      known.models.set(model, assignment)
    }
    return assignment
  }

  private tokensUsed(resourceId: string, minute: number): number | undefined {
    const id = `${minute}:${resourceId}`
    if (this.minuteTokens.has(id)) return this.minuteTokens.get(id)
    const used = this.resourceMinuteTokens.get(resourceId, minute) as number | undefined
    this.minuteTokens.set(id, used)
    return used
  }

  /**
   * Another hot-path read remembered with the verifier's own (the gateway's route of a key and
   * model): `read` runs once, and again after any change to the registry, exactly when the
   * verifier forgets what it knows.
   */
  remember<T>(id: string, read: () => T): T {
    this.refresh()
    if (this.remembered.has(id)) return this.remembered.get(id) as T
    const value = read()
    this.remembered.set(id, value)
    return value
  }

  /** `noteUse` false: decide only, and leave lastUsedAt to the caller (a refused sign-in writes nothing). */
  hit(secret: string, model?: string, appName?: string, noteUse = true): VerifyHit {
    return this.decide(secret, model, appName, noteUse).hit
  }

  /**
   * The gateway's decision of a key (no model: its own window limits tokens, and lastUsedAt is left
   * to it), with the secret's hash (hex) for the in-flight check: the secret is hashed once.
   */
  gatewayHit(secret: string, appName: string | undefined): { hit: VerifyHit; secretHash: string | undefined } {
    const { hit, known } = this.decide(secret, undefined, appName, false)
    return { hit, secretHash: known?.secretHash }
  }

  private decide(
    secret: string,
    model: string | undefined,
    appName: string | undefined,
    noteUse: boolean
  ): { hit: VerifyHit; known?: Known } {
    let known: Known
    if (isWellFormedSecret(secret)) {
      this.refresh()
      known = this.lookup(secret)
    } else {
      if (!mayBeForeignSecret(secret)) return { hit: { code: 'MALFORMED' } }
      this.refresh()
      const foreign = this.lookupForeign(secret)
      if (!foreign) return { hit: { code: 'MALFORMED' } }
      known = foreign
    }
    const row = known.row
    if (!row) return { hit: { code: known.revoked ? 'REVOKED' : 'NOT_FOUND' } }
    const now = this.core.clock()
    const pk = row.pk
    const refused = keyRefusal(row, now, appName)
    if (refused) return { hit: { code: refused, pk }, known }
    if (asksModel(model)) {
      const assignment = this.assignment(known, pk, model)
      const unusable = assignmentRefusal(assignment)
      if (unusable) return { hit: { code: unusable, pk }, known }
      if (assignment!.tpm_limit != null) {
        const retryAfter = rateLimitRetryAfter(
          assignment!.tpm_limit,
          this.tokensUsed(assignment!.id, usageMinute(now)),
          now
        )
        if (retryAfter !== undefined) return { hit: { code: 'RATE_LIMITED', pk, retryAfter }, known }
      }
    }
    if (noteUse) this.core.lastUsed.note(pk, now)
    return { hit: { code: 'VALID', pk }, known }
  }

  /** The decision with the key's whole document, for the CLI and the app. */
  verify(v: { secret: string; model?: string; appName?: string }): VerifyResult {
    const hit = this.hit(v.secret, v.model, v.appName)
    const result: VerifyResult = { valid: hit.code === 'VALID', code: hit.code }
    if (hit.pk !== undefined) result.key = keyByPk(this.core, hit.pk)
    if (hit.retryAfter !== undefined) result.retryAfter = hit.retryAfter
    return result
  }

  /** The decision and the few fields the HTTP verifier answers with (read once per change of the registry). */
  answer(
    secret: string | undefined,
    model?: string,
    appName?: string
  ): { hit: VerifyHit; key: KeySummary | undefined } {
    if (secret === undefined) return { hit: { code: 'MALFORMED' }, key: undefined }
    const { hit, known } = this.decide(secret, model, appName, true)
    if (hit.pk === undefined || !known) return { hit, key: undefined }
    if (known.summary === undefined) known.summary = (this.keySummary.get(hit.pk) as KeySummary | undefined) ?? null
    return { hit, key: known.summary ?? undefined }
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
