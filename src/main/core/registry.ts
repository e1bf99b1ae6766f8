import { randomBytes as nodeRandomBytes } from 'node:crypto'
import type { z } from 'zod'
import { KeywardError } from '../../shared/errors'
import * as s from '../../shared/schemas'
import { fieldErrors } from '../../shared/schemas'
import type {
  ApiKey,
  AuditEntry,
  AuditVerifyResult,
  KeyKind,
  KeyResource,
  Page,
  Resource,
  Suggestions,
  TpmPool,
  VerifyResult
} from '../../shared/types'
import type { Statement } from 'better-sqlite3'
import type { RegistryDatabase } from '../db/open'
import { AuditLog } from './audit'
import { systemClock, iso, type Clock } from './clock'
import { buildKeyListQuery } from './key-query'
import { composeKeyCreatedAlert } from './alert-message'
import { generateSecret, hashSecret, isWellFormedSecret, secretHint, BASE62, type RandomBytes } from './secrets'

export interface RegistryOptions {
  clock?: Clock
  randomBytes?: RandomBytes
  /** How long verified keys' lastUsedAt may wait in memory before it is written (ms). */
  lastUsedFlushMs?: number
}

interface KeyRow {
  pk: number
  id: string
  name: string
  kind: KeyKind
  hint: string
  disabled: number
  department: string | null
  project: string | null
  environment: string | null
  requestor: string | null
  app_id: string | null
  justification: string | null
  notes: string | null
  notify_email: string | null
  created_at: number
  updated_at: number
  expires_at: number | null
  last_used_at: number | null
}

interface ResourceRow {
  id: string
  model: string
  type: 'TPM' | 'PYG'
  status: 'active' | 'inactive'
  tpm_limit: number | null
  key_count?: number
}

const KEY_SELECT = `
  SELECT k.pk, k.id, k.name, k.kind, k.hint, k.disabled, d.name AS department, p.name AS project, k.environment,
         k.requestor, k.app_id, k.justification, k.notes, k.notify_email, k.created_at, k.updated_at,
         k.expires_at, k.last_used_at
  FROM api_keys k
  LEFT JOIN departments d ON d.id = k.department_id
  LEFT JOIN projects p ON p.id = k.project_id`

/** Editable key fields in the order they are shown in audit details. */
const DETAIL_FIELDS = ['name', 'department', 'project', 'environment', 'requestor', 'appId', 'justification', 'notes', 'notifyEmail', 'expiresAt'] as const

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {})
  if (!result.success) throw KeywardError.validation(fieldErrors(result.error))
  return result.data
}

/**
 * The key registry: every rule of the platform's "Manage API Keys" page, over one SQLite file.
 * Each mutating method is one IMMEDIATE transaction (so a refused operation changes nothing, and
 * several processes can share the file) and appends its audit entry inside that transaction.
 * Imports nothing from Electron: the desktop app, the CLI and the server all run this class.
 */
export class Registry {
  readonly audit: AuditLog
  private readonly clock: Clock
  private readonly randomBytes: RandomBytes
  private readonly lastUsedFlushMs: number
  private pendingLastUsed = new Map<number, number>()
  private lastFlushAt = 0
  private readonly stmt
  /** Statements by SQL text: preparing costs more than running most of these, so each is prepared once. */
  private readonly statements = new Map<string, Statement>()

  constructor(
    readonly db: RegistryDatabase,
    options: RegistryOptions = {}
  ) {
    this.clock = options.clock ?? systemClock
    this.randomBytes = options.randomBytes ?? nodeRandomBytes
    this.lastUsedFlushMs = options.lastUsedFlushMs ?? 5_000
    this.audit = new AuditLog(db)
    this.stmt = {
      keyByPk: db.prepare(`${KEY_SELECT} WHERE k.pk = ?`),
      keyById: db.prepare(`${KEY_SELECT} WHERE k.id = ?`),
      keyByName: db.prepare(`${KEY_SELECT} WHERE k.name = ? COLLATE NOCASE`),
      keyResources: db.prepare(
        `SELECT r.id, r.model, r.type, r.status FROM key_resources kr JOIN resources r ON r.id = kr.resource_id
         WHERE kr.key_pk = ? ORDER BY r.model, r.type`
      ),
      secretLookup: db.prepare(
        `SELECT s.retires_at, k.pk, k.disabled, k.expires_at, k.app_id FROM key_secrets s JOIN api_keys k ON k.pk = s.key_pk
         WHERE s.secret_hash = ?`
      ),
      tombstone: db.prepare('SELECT 1 FROM key_tombstones WHERE secret_hash = ?'),
      modelAssignment: db.prepare(
        `SELECT r.status, r.id, r.tpm_limit FROM key_resources kr JOIN resources r ON r.id = kr.resource_id WHERE kr.key_pk = ? AND kr.model = ?`
      ),
      resourceMinuteTokens: db.prepare('SELECT tokens FROM resource_usage WHERE resource_id = ? AND minute = ?').pluck(),
      touch: db.prepare('UPDATE api_keys SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE pk = ?'),
      resourceById: db.prepare(
        `SELECT r.*, (SELECT count(*) FROM key_resources kr WHERE kr.resource_id = r.id) AS key_count FROM resources r WHERE r.id = ?`
      ),
      resourceByModelType: db.prepare(
        `SELECT r.*, (SELECT count(*) FROM key_resources kr WHERE kr.resource_id = r.id) AS key_count FROM resources r
         WHERE r.model = ? AND r.type = ?`
      ),
      // Resolving a reference needs no key count, which costs a scan of the resource's assignments.
      resourceRefById: db.prepare('SELECT id, model, type, status, tpm_limit FROM resources WHERE id = ?'),
      resourceRefByModelType: db.prepare('SELECT id, model, type, status, tpm_limit FROM resources WHERE model = ? AND type = ?')
    }
  }

  // ── Resources ────────────────────────────────────────────────────────────

  listResources(): { items: Resource[] } {
    const rows = this.sql(
        `SELECT r.*, (SELECT count(*) FROM key_resources kr WHERE kr.resource_id = r.id) AS key_count
         FROM resources r ORDER BY r.model, r.type`
      )
      .all() as ResourceRow[]
    return { items: rows.map(toResource) }
  }

  addResource(input: s.ResourceAddInput, actor: string): { resource: Resource } {
    const v = parseInput(s.ResourceAddInput, input)
    return this.write(() => {
      if (this.stmt.resourceByModelType.get(v.model, v.type)) {
        throw new KeywardError('CONFLICT', `Resource ${v.model}:${v.type} already exists. Edit it instead of adding it again.`, {
          model: `${v.model} already has a ${v.type} resource.`
        })
      }
      if (v.type === 'TPM') this.checkPool(this.assignedTpm() + v.tpmLimit!, 'tpmLimit')
      const now = this.clock()
      const id = this.newId('r_')
      this.sql('INSERT INTO resources (id, model, type, status, tpm_limit, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(id, v.model, v.type, v.status, v.type === 'TPM' ? v.tpmLimit : null, now, now)
      const resource = this.resourceOrThrow(id)
      this.audit.append(now, {
        actor,
        action: 'resource.add',
        targetId: id,
        targetName: `${v.model}:${v.type}`,
        details: { model: v.model, type: v.type, status: v.status, tpmLimit: resource.tpmLimit }
      })
      return { resource }
    })
  }

  editResource(input: z.input<typeof s.ResourceEditInput>, actor: string): { resource: Resource } {
    const v = parseInput(s.ResourceEditInput, input)
    return this.write(() => {
      const before = this.resolveResource(v.resource)
      const changes: Record<string, { from: unknown; to: unknown }> = {}
      if (v.tpmLimit !== undefined) {
        if (before.type !== 'TPM') {
          throw KeywardError.validation({ tpmLimit: 'A PYG (pay-as-you-go) resource takes no TPM limit.' })
        }
        if (v.tpmLimit !== before.tpmLimit) {
          this.checkPool(this.assignedTpm() - before.tpmLimit! + v.tpmLimit, 'tpmLimit')
          changes.tpmLimit = { from: before.tpmLimit, to: v.tpmLimit }
        }
      }
      if (v.status !== undefined && v.status !== before.status) changes.status = { from: before.status, to: v.status }
      if (Object.keys(changes).length === 0) return { resource: before }
      const now = this.clock()
      this.sql('UPDATE resources SET tpm_limit = coalesce(?, tpm_limit), status = coalesce(?, status), updated_at = ? WHERE id = ?')
        .run(v.tpmLimit ?? null, v.status ?? null, now, before.id)
      this.audit.append(now, {
        actor,
        action: 'resource.edit',
        targetId: before.id,
        targetName: `${before.model}:${before.type}`,
        details: { changes }
      })
      return { resource: this.resourceOrThrow(before.id) }
    })
  }

  removeResource(input: z.input<typeof s.ResourceRefInput>, actor: string): { removed: Resource } {
    const v = parseInput(s.ResourceRefInput, input)
    return this.write(() => {
      const resource = this.resolveResource(v.resource)
      if (resource.keyCount > 0) {
        throw new KeywardError(
          'CONFLICT',
          `Resource ${resource.model}:${resource.type} is assigned to ${resource.keyCount} key${resource.keyCount === 1 ? '' : 's'}. ` +
            'Unassign it from them first, or mark it inactive instead.'
        )
      }
      this.sql('DELETE FROM resources WHERE id = ?').run(resource.id)
      this.audit.append(this.clock(), {
        actor,
        action: 'resource.remove',
        targetId: resource.id,
        targetName: `${resource.model}:${resource.type}`,
        details: { model: resource.model, type: resource.type, tpmLimit: resource.tpmLimit, status: resource.status }
      })
      return { removed: resource }
    })
  }

  // ── TPM pool ─────────────────────────────────────────────────────────────

  getPool(): TpmPool {
    const tpmPool = this.poolSize()
    const assigned = this.assignedTpm()
    return { tpmPool, assigned, remaining: tpmPool == null ? null : tpmPool - assigned }
  }

  setPool(input: z.input<typeof s.PoolSetInput>, actor: string): TpmPool {
    const v = parseInput(s.PoolSetInput, input)
    return this.write(() => {
      const before = this.poolSize()
      const assigned = this.assignedTpm()
      if (v.tpmPool != null && assigned > v.tpmPool) {
        throw new KeywardError(
          'RULE_VIOLATION',
          `TPM resources already provision ${assigned} tokens per minute, more than a pool of ${v.tpmPool}. ` +
            `Set a pool of at least ${assigned}, or lower the resources' TPM limits first.`,
          { tpmPool: `Must be at least ${assigned}, the TPM already assigned.` }
        )
      }
      if (before === v.tpmPool) return this.getPool()
      if (v.tpmPool == null) this.sql("DELETE FROM registry_settings WHERE name = 'tpm_pool'").run()
      else
        this.sql("INSERT INTO registry_settings (name, value) VALUES ('tpm_pool', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value")
          .run(String(v.tpmPool))
      this.audit.append(this.clock(), {
        actor,
        action: 'pool.set',
        targetId: null,
        targetName: 'TPM pool',
        details: { changes: { tpmPool: { from: before, to: v.tpmPool } } }
      })
      return this.getPool()
    })
  }

  // ── Keys ─────────────────────────────────────────────────────────────────

  createKey(input: s.KeyCreateInput, actor: string): { key: ApiKey; secret: string } {
    const v = parseInput(s.KeyCreateInput, input)
    return this.write(() => {
      const now = this.clock()
      const expiresAt = this.futureDate(v.expiresAt, now)
      this.ensureNameFree(v.name)
      if (v.kind === 'admin' && v.resources.length > 0) {
        throw new KeywardError('RULE_VIOLATION', 'Administrator keys take no resources: they manage the registry, not models. Remove the resources or make a standard key.', {
          resources: 'Administrator keys take no resources.'
        })
      }
      const resources = this.resolveResourceSet(v.resources)
      const secret = generateSecret(v.kind, this.randomBytes)
      const hint = secretHint(secret)
      const id = this.newId('k_')
      const { lastInsertRowid } = this.sql(
          `INSERT INTO api_keys (id, name, kind, hint, department_id, project_id, environment, requestor, app_id, justification,
             notes, notify_email, created_by, created_at, updated_at, expires_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
        )
        .run(
          id,
          v.name,
          v.kind,
          hint,
          this.entityId('departments', v.department),
          this.entityId('projects', v.project),
          v.environment ?? null,
          v.requestor ?? null,
          v.appId ?? null,
          v.justification ?? null,
          v.notes ?? null,
          v.notifyEmail ?? null,
          actor,
          now,
          now,
          expiresAt
        )
      const pk = Number(lastInsertRowid)
      this.sql('INSERT INTO key_secrets (key_pk, secret_hash, hint, created_at) VALUES (?, ?, ?, ?)')
        .run(pk, hashSecret(secret), hint, now)
      this.insertAssignments(pk, resources)
      const key = this.keyByPk(pk)
      this.audit.append(now, {
        actor,
        action: 'key.create',
        targetId: id,
        targetName: key.name,
        details: { kind: key.kind, hint, ...pickDetails(key), resources: key.resources.map(resourceLabel) }
      })
      if (key.notifyEmail) this.enqueueAlert(key, actor, now)
      return { key, secret }
    })
  }

  getKey(input: z.input<typeof s.KeyRefInput>): { key: ApiKey } {
    const v = parseInput(s.KeyRefInput, input)
    return { key: this.resolveKey(v.key) }
  }

  listKeys(input: s.KeyListInput = {}): Page<ApiKey> {
    const v = parseInput(s.KeyListInput, input)
    let resourceId: string | undefined
    if (v.resource !== undefined) {
      const found = this.resourceRow(v.resource, false)
      if (!found) return { items: [], total: 0 }
      resourceId = found.id
    }
    // Names become ids first, so the query can drive an index with a plain equality.
    const departmentIds = v.departments?.length ? this.entityIds('departments', v.departments) : undefined
    const projectIds = v.projects?.length ? this.entityIds('projects', v.projects) : undefined
    if (departmentIds?.length === 0 || projectIds?.length === 0) return { items: [], total: 0 }
    const query = buildKeyListQuery({ ...v, resourceId, departmentIds, projectIds }, this.clock())
    const total = (this.sql(query.countSql).get(query.params) as { n: number }).n
    const rows = this.sql(query.pageSql).all({ ...query.params, limit: v.limit, offset: v.offset }) as KeyRow[]
    return { items: this.hydrate(rows), total }
  }

  editKey(input: z.input<typeof s.KeyEditInput>, actor: string): { key: ApiKey } {
    const v = parseInput(s.KeyEditInput, input)
    return this.write(() => {
      const before = this.resolveKey(v.key)
      const now = this.clock()
      const c = v.changes
      const sets: string[] = []
      const params: unknown[] = []
      const set = (column: string, value: unknown) => {
        sets.push(`${column} = ?`)
        params.push(value)
      }
      if (c.name !== undefined && c.name !== before.name) {
        this.ensureNameFree(c.name, before.id)
        set('name', c.name)
      }
      if (c.department !== undefined) set('department_id', this.entityId('departments', c.department))
      if (c.project !== undefined) set('project_id', this.entityId('projects', c.project))
      if (c.environment !== undefined) set('environment', c.environment)
      if (c.requestor !== undefined) set('requestor', c.requestor)
      if (c.appId !== undefined) set('app_id', c.appId)
      if (c.justification !== undefined) set('justification', c.justification)
      if (c.notes !== undefined) set('notes', c.notes)
      if (c.notifyEmail !== undefined) set('notify_email', c.notifyEmail)
      if (c.expiresAt !== undefined) {
        const current = before.expiresAt ? Date.parse(before.expiresAt) : null
        const next = c.expiresAt === null ? null : Date.parse(c.expiresAt)
        // Re-saving an unchanged (possibly past) date is not a new choice of date.
        if (next !== current) set('expires_at', this.futureDate(c.expiresAt, now))
      }
      if (sets.length === 0) return { key: before }
      const pk = this.pkOf(before.id)
      this.db.prepare(`UPDATE api_keys SET ${sets.join(', ')}, updated_at = ? WHERE pk = ?`).run(...params, now, pk)
      const after = this.keyByPk(pk)
      const changes = diffDetails(before, after)
      if (Object.keys(changes).length > 0) {
        this.audit.append(now, { actor, action: 'key.edit', targetId: after.id, targetName: after.name, details: { changes } })
      }
      return { key: after }
    })
  }

  assignResources(input: z.input<typeof s.KeyResourcesInput>, actor: string): { key: ApiKey } {
    const v = parseInput(s.KeyResourcesInput, input)
    return this.changeResources(v.key, actor, 'key.assign', (current) => {
      const added = this.resolveResourceSet(v.resources)
      const merged = new Map(current.map((r) => [r.id, r]))
      for (const r of added) merged.set(r.id, r)
      return [...merged.values()]
    })
  }

  unassignResources(input: z.input<typeof s.KeyResourcesInput>, actor: string): { key: ApiKey } {
    const v = parseInput(s.KeyResourcesInput, input)
    return this.changeResources(v.key, actor, 'key.unassign', (current) => {
      const removed = new Set(v.resources.map((ref) => this.resolveResourceRef(ref).id))
      return current.filter((r) => !removed.has(r.id))
    })
  }

  setResources(input: z.input<typeof s.KeyResourcesInput>, actor: string): { key: ApiKey } {
    const v = parseInput(s.KeyResourcesInput, input)
    return this.changeResources(v.key, actor, 'key.setResources', () => this.resolveResourceSet(v.resources))
  }

  disableKey(input: z.input<typeof s.KeyRefInput>, actor: string): { key: ApiKey } {
    return this.setDisabled(input, actor, true)
  }

  enableKey(input: z.input<typeof s.KeyRefInput>, actor: string): { key: ApiKey } {
    return this.setDisabled(input, actor, false)
  }

  /** A new secret for the same key; the previous one keeps verifying for `graceSeconds`. */
  rotateKey(input: z.input<typeof s.KeyRotateInput>, actor: string): { key: ApiKey; secret: string } {
    const v = parseInput(s.KeyRotateInput, input)
    return this.write(() => {
      const before = this.resolveKey(v.key)
      const pk = this.pkOf(before.id)
      const now = this.clock()
      const retiresAt = now + v.graceSeconds * 1000
      // Secrets already in a grace window keep theirs unless this one ends sooner.
      this.sql('UPDATE key_secrets SET retires_at = CASE WHEN retires_at IS NULL OR retires_at > ? THEN ? ELSE retires_at END WHERE key_pk = ?')
        .run(retiresAt, retiresAt, pk)
      const secret = generateSecret(before.kind, this.randomBytes)
      const hint = secretHint(secret)
      this.sql('INSERT INTO key_secrets (key_pk, secret_hash, hint, created_at) VALUES (?, ?, ?, ?)').run(pk, hashSecret(secret), hint, now)
      this.sql('UPDATE api_keys SET hint = ?, updated_at = ? WHERE pk = ?').run(hint, now, pk)
      this.audit.append(now, {
        actor,
        action: 'key.rotate',
        targetId: before.id,
        targetName: before.name,
        details: { changes: { hint: { from: before.hint, to: hint } }, graceSeconds: v.graceSeconds, previousRetiresAt: iso(retiresAt) }
      })
      return { key: this.keyByPk(pk), secret }
    })
  }

  /** Removes the key and its assignments; its secret hashes stay as tombstones so verify says REVOKED. */
  deleteKey(input: z.input<typeof s.KeyRefInput>, actor: string): { deleted: { id: string; name: string } } {
    const v = parseInput(s.KeyRefInput, input)
    return this.write(() => {
      const key = this.resolveKey(v.key)
      const pk = this.pkOf(key.id)
      const now = this.clock()
      this.sql(
          `INSERT OR IGNORE INTO key_tombstones (secret_hash, key_id, name, deleted_at, deleted_by)
           SELECT secret_hash, ?, ?, ?, ? FROM key_secrets WHERE key_pk = ?`
        )
        .run(key.id, key.name, now, actor, pk)
      this.sql('DELETE FROM api_keys WHERE pk = ?').run(pk)
      this.pendingLastUsed.delete(pk)
      this.audit.append(now, {
        actor,
        action: 'key.delete',
        targetId: key.id,
        targetName: key.name,
        details: { kind: key.kind, hint: key.hint, ...pickDetails(key), resources: key.resources.map(resourceLabel) }
      })
      return { deleted: { id: key.id, name: key.name } }
    })
  }

  // ── Verification ─────────────────────────────────────────────────────────

  /**
   * Secret (+ model, + app name) → one code. Malformed secrets are refused before any lookup.
   * Never writes to disk per call: lastUsedAt is buffered and flushed at most every few seconds.
   */
  verify(input: s.VerifyInput): VerifyResult {
    const v = parseInput(s.VerifyInput, input)
    const hit = this.verifyHit(v.secret, v.model, v.appName)
    const result: VerifyResult = { valid: hit.code === 'VALID', code: hit.code }
    if (hit.pk !== undefined) result.key = this.keyByPk(hit.pk)
    if (hit.retryAfter !== undefined) result.retryAfter = hit.retryAfter
    return result
  }

  /** The decision alone, without building the key document: the hot path of the HTTP verifier. */
  verifyHit(secret: string, model?: string, appName?: string): { code: VerifyResult['code']; pk?: number; retryAfter?: number } {
    if (!isWellFormedSecret(secret)) return { code: 'MALFORMED' }
    const hash = hashSecret(secret)
    const row = this.stmt.secretLookup.get(hash) as
      | { retires_at: number | null; pk: number; disabled: number; expires_at: number | null; app_id: string | null }
      | undefined
    if (!row) return { code: this.stmt.tombstone.get(hash) ? 'REVOKED' : 'NOT_FOUND' }
    const now = this.clock()
    if (row.retires_at != null && row.retires_at <= now) return { code: 'REVOKED', pk: row.pk }
    if (row.disabled) return { code: 'DISABLED', pk: row.pk }
    if (row.expires_at != null && row.expires_at <= now) return { code: 'EXPIRED', pk: row.pk }
    if (row.app_id != null && appName !== row.app_id) return { code: 'APP_MISMATCH', pk: row.pk }
    if (model !== undefined && model !== '') {
      const assignment = this.stmt.modelAssignment.get(row.pk, model) as { status: string; id: string; tpm_limit: number | null } | undefined
      if (!assignment) return { code: 'MODEL_NOT_ASSIGNED', pk: row.pk }
      if (assignment.status !== 'active') return { code: 'RESOURCE_INACTIVE', pk: row.pk }
      if (assignment.tpm_limit != null) {
        // Fixed one-minute window shared by every key on the resource (see usage.ts recordUsage).
        const minute = Math.floor(now / 60_000)
        const used = this.stmt.resourceMinuteTokens.get(assignment.id, minute) as number | undefined
        if (used !== undefined && used >= assignment.tpm_limit) {
          return { code: 'RATE_LIMITED', pk: row.pk, retryAfter: Math.max(1, Math.ceil(((minute + 1) * 60_000 - now) / 1000)) }
        }
      }
    }
    this.noteUsed(row.pk, now)
    return { code: 'VALID', pk: row.pk }
  }

  /** Writes buffered lastUsedAt values. Called on its own schedule and on close. */
  flushLastUsed(): void {
    this.lastFlushAt = this.clock()
    if (this.pendingLastUsed.size === 0) return
    const pending = this.pendingLastUsed
    this.pendingLastUsed = new Map()
    try {
      this.db.transaction(() => {
        for (const [pk, at] of pending) this.stmt.touch.run(at, pk)
      })()
    } catch (error) {
      // Another process held the lock too long: keep the times for the next flush (newest wins).
      for (const [pk, at] of pending) if ((this.pendingLastUsed.get(pk) ?? 0) < at) this.pendingLastUsed.set(pk, at)
      throw error
    }
  }

  close(): void {
    try {
      this.flushLastUsed()
    } catch {
      // Another process held the write lock past the timeout: a lost lastUsedAt beats failing to close.
    } finally {
      this.db.close()
    }
  }

  // ── Suggestions, audit ───────────────────────────────────────────────────

  suggestions(): Suggestions {
    const names = (sql: string) => (this.sql(sql).pluck().all() as string[])
    return {
      departments: names('SELECT name FROM departments ORDER BY name COLLATE NOCASE'),
      projects: names('SELECT name FROM projects ORDER BY name COLLATE NOCASE'),
      environments: names('SELECT DISTINCT environment FROM api_keys WHERE environment IS NOT NULL ORDER BY environment COLLATE NOCASE LIMIT 200')
    }
  }

  listAudit(input: z.input<typeof s.AuditListInput> = {}): Page<AuditEntry> {
    const v = parseInput(s.AuditListInput, input)
    let targetId: string | undefined
    if (v.key !== undefined) {
      const live = this.findKey(v.key)
      targetId = live?.id
      if (!targetId) {
        // Deleted keys are still in the audit: look for them by id or by their last name.
        const gone = this.sql('SELECT key_id FROM key_tombstones WHERE key_id = ? OR name = ? COLLATE NOCASE ORDER BY deleted_at DESC LIMIT 1')
          .get(v.key, v.key) as { key_id: string } | undefined
        if (!gone) throw new KeywardError('NOT_FOUND', `No key "${v.key}" exists or ever existed. Check the name or id.`, { key: 'No such key.' })
        targetId = gone.key_id
      }
    }
    return this.audit.list({ targetId, action: v.action, limit: v.limit, offset: v.offset })
  }

  verifyAudit(): AuditVerifyResult {
    return this.audit.verify()
  }

  // ── Internals ────────────────────────────────────────────────────────────

  private sql(source: string): Statement {
    let statement = this.statements.get(source)
    if (!statement) {
      statement = this.db.prepare(source)
      this.statements.set(source, statement)
    }
    return statement
  }

  /** Runs fn in an IMMEDIATE transaction: the write lock is taken up front, so reads and writes agree. */
  write<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate()
    } catch (error) {
      throw translateSqliteError(error)
    }
  }

  private noteUsed(pk: number, now: number): void {
    this.pendingLastUsed.set(pk, now)
    if (now - this.lastFlushAt >= this.lastUsedFlushMs) {
      try {
        this.flushLastUsed()
      } catch {
        // Another process holds the write lock past the timeout: try again on a later call.
      }
    }
  }

  private changeResources(
    ref: string,
    actor: string,
    action: string,
    nextSet: (current: KeyResource[]) => KeyResource[]
  ): { key: ApiKey } {
    return this.write(() => {
      const before = this.resolveKey(ref)
      const next = nextSet(before.resources)
      if (before.kind === 'admin' && next.length > 0) {
        throw new KeywardError('RULE_VIOLATION', `${before.name} is an administrator key; administrator keys take no resources.`, {
          resources: 'Administrator keys take no resources.'
        })
      }
      checkOneTypePerModel(next, before.name)
      const beforeIds = new Set(before.resources.map((r) => r.id))
      const nextIds = new Set(next.map((r) => r.id))
      const added = next.filter((r) => !beforeIds.has(r.id))
      const removed = before.resources.filter((r) => !nextIds.has(r.id))
      if (added.length === 0 && removed.length === 0) return { key: before }
      const pk = this.pkOf(before.id)
      const now = this.clock()
      const del = this.sql('DELETE FROM key_resources WHERE key_pk = ? AND resource_id = ?')
      for (const r of removed) del.run(pk, r.id)
      this.insertAssignments(pk, added)
      this.sql('UPDATE api_keys SET updated_at = ? WHERE pk = ?').run(now, pk)
      this.audit.append(now, {
        actor,
        action,
        targetId: before.id,
        targetName: before.name,
        details: {
          changes: { resources: { from: before.resources.map(resourceLabel), to: next.map(resourceLabel).sort() } },
          added: added.map(resourceLabel),
          removed: removed.map(resourceLabel)
        }
      })
      return { key: this.keyByPk(pk) }
    })
  }

  private setDisabled(input: z.input<typeof s.KeyRefInput>, actor: string, disabled: boolean): { key: ApiKey } {
    const v = parseInput(s.KeyRefInput, input)
    return this.write(() => {
      const before = this.resolveKey(v.key)
      const pk = this.pkOf(before.id)
      const wasDisabled = before.status === 'disabled'
      if (wasDisabled === disabled) return { key: before }
      const now = this.clock()
      this.sql('UPDATE api_keys SET disabled = ?, updated_at = ? WHERE pk = ?').run(disabled ? 1 : 0, now, pk)
      const after = this.keyByPk(pk)
      this.audit.append(now, {
        actor,
        action: disabled ? 'key.disable' : 'key.enable',
        targetId: after.id,
        targetName: after.name,
        details: { changes: { status: { from: before.status, to: after.status } } }
      })
      return { key: after }
    })
  }

  private insertAssignments(pk: number, resources: readonly KeyResource[]): void {
    const insert = this.sql('INSERT INTO key_resources (key_pk, resource_id, model) VALUES (?, ?, ?)')
    for (const r of resources) insert.run(pk, r.id, r.model)
  }

  private resolveResourceSet(refs: readonly string[]): KeyResource[] {
    const byId = new Map<string, KeyResource>()
    for (const ref of refs) {
      const r = this.resolveResourceRef(ref)
      byId.set(r.id, r)
    }
    const set = [...byId.values()]
    checkOneTypePerModel(set)
    return set
  }

  findResource(ref: string): Resource | undefined {
    const row = this.resourceRow(ref, true)
    return row ? toResource(row) : undefined
  }

  resolveResource(ref: string): Resource {
    const found = this.findResource(ref)
    if (!found) throw resourceNotFound(ref)
    return found
  }

  /** Like resolveResource without the key count: what assignments and filters need, at constant cost. */
  private resolveResourceRef(ref: string): KeyResource {
    const row = this.resourceRow(ref, false)
    if (!row) throw resourceNotFound(ref)
    return { id: row.id, model: row.model, type: row.type, status: row.status }
  }

  private resourceRow(ref: string, withKeyCount: boolean): ResourceRow | undefined {
    const trimmed = ref.trim()
    const byId = withKeyCount ? this.stmt.resourceById : this.stmt.resourceRefById
    const byModelType = withKeyCount ? this.stmt.resourceByModelType : this.stmt.resourceRefByModelType
    let row = byId.get(trimmed) as ResourceRow | undefined
    if (!row) {
      const at = trimmed.lastIndexOf(':')
      if (at > 0) {
        const type = trimmed.slice(at + 1).toUpperCase()
        row = byModelType.get(trimmed.slice(0, at), type) as ResourceRow | undefined
      }
    }
    return row
  }

  private resourceOrThrow(id: string): Resource {
    return toResource(this.stmt.resourceById.get(id) as ResourceRow)
  }

  findKey(ref: string): ApiKey | undefined {
    const trimmed = ref.trim()
    const row = (this.stmt.keyById.get(trimmed) ?? this.stmt.keyByName.get(trimmed)) as KeyRow | undefined
    return row ? this.hydrate([row])[0] : undefined
  }

  resolveKey(ref: string): ApiKey {
    const key = this.findKey(ref)
    if (!key) throw new KeywardError('NOT_FOUND', `No key "${ref}". Name it by its id or name; list keys with "keys list".`, { key: `No key "${ref}".` })
    return key
  }

  private keyByPk(pk: number): ApiKey {
    return this.hydrate([this.stmt.keyByPk.get(pk) as KeyRow])[0]!
  }

  private pkOf(id: string): number {
    return (this.sql('SELECT pk FROM api_keys WHERE id = ?').get(id) as { pk: number }).pk
  }

  /** Rows → documents, fetching every row's resources in one query. */
  private hydrate(rows: KeyRow[]): ApiKey[] {
    if (rows.length === 0) return []
    const now = this.clock()
    const resources = new Map<number, KeyResource[]>()
    if (rows.length === 1) {
      resources.set(rows[0]!.pk, this.stmt.keyResources.all(rows[0]!.pk) as KeyResource[])
    } else {
      const all = this.sql(
          `SELECT kr.key_pk, r.id, r.model, r.type, r.status FROM key_resources kr JOIN resources r ON r.id = kr.resource_id
           WHERE kr.key_pk IN (SELECT value FROM json_each(?)) ORDER BY r.model, r.type`
        )
        .all(JSON.stringify(rows.map((r) => r.pk))) as (KeyResource & { key_pk: number })[]
      for (const { key_pk, ...r } of all) {
        const list = resources.get(key_pk) ?? []
        list.push(r)
        resources.set(key_pk, list)
      }
    }
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      kind: r.kind,
      hint: r.hint,
      status: r.disabled ? 'disabled' : r.expires_at != null && r.expires_at <= now ? 'expired' : 'active',
      department: r.department,
      project: r.project,
      environment: r.environment,
      requestor: r.requestor,
      appId: r.app_id,
      justification: r.justification,
      notes: r.notes,
      notifyEmail: r.notify_email,
      resources: resources.get(r.pk) ?? [],
      createdAt: iso(r.created_at),
      updatedAt: iso(r.updated_at),
      expiresAt: iso(r.expires_at),
      lastUsedAt: iso(Math.max(r.last_used_at ?? 0, this.pendingLastUsed.get(r.pk) ?? 0) || null)
    }))
  }

  private ensureNameFree(name: string, exceptId?: string): void {
    const clash = this.stmt.keyByName.get(name) as KeyRow | undefined
    if (clash && clash.id !== exceptId) {
      throw new KeywardError('CONFLICT', `A key named "${clash.name}" already exists (names are unique, ignoring case). Choose another name.`, {
        name: `"${clash.name}" is taken.`
      })
    }
  }

  /** Department/project names are entities, created on first use, matched ignoring case. */
  private entityId(table: 'departments' | 'projects', name: string | null | undefined): number | null {
    if (name == null) return null
    const found = this.sql(`SELECT id FROM ${table} WHERE name = ? COLLATE NOCASE`).get(name) as { id: number } | undefined
    if (found) return found.id
    return Number(this.sql(`INSERT INTO ${table} (name) VALUES (?)`).run(name).lastInsertRowid)
  }

  /** Ids of the named departments or projects that exist (names match ignoring case). */
  private entityIds(table: 'departments' | 'projects', names: readonly string[]): number[] {
    return this.sql(`SELECT id FROM ${table} WHERE name IN (SELECT value FROM json_each(?)) ORDER BY id`).pluck().all(JSON.stringify(names)) as number[]
  }

  private futureDate(value: string | null | undefined, now: number): number | null {
    if (value == null) return null
    // A bare date means the end of that day in UTC: "expires 2027-01-31" still works on the 31st.
    const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T23:59:59.999Z`) : Date.parse(value)
    if (ms <= now) {
      throw KeywardError.validation({ expiresAt: `Expires must be in the future (it is now ${new Date(now).toISOString()}).` })
    }
    return ms
  }

  private poolSize(): number | null {
    const row = this.sql("SELECT value FROM registry_settings WHERE name = 'tpm_pool'").get() as { value: string } | undefined
    return row ? Number(row.value) : null
  }

  private assignedTpm(): number {
    return (this.sql("SELECT coalesce(sum(tpm_limit), 0) AS n FROM resources WHERE type = 'TPM'").get() as { n: number }).n
  }

  private checkPool(assignedAfter: number, field: string): void {
    const pool = this.poolSize()
    if (pool == null || assignedAfter <= pool) return
    const remaining = pool - this.assignedTpm()
    throw new KeywardError(
      'RULE_VIOLATION',
      `That would assign ${assignedAfter} tokens per minute, over the TPM pool of ${pool}. ${remaining} TPM remain${remaining === 1 ? 's' : ''} in the pool; ` +
        'lower the limit or raise the pool.',
      { [field]: `Only ${remaining} TPM remain in the pool.` }
    )
  }

  private enqueueAlert(key: ApiKey, actor: string, now: number): void {
    const message = composeKeyCreatedAlert(key, actor, now)
    this.sql(
        `INSERT INTO outbox (kind, recipient, subject, body_text, body_html, next_attempt_at, message_id, created_at)
         VALUES ('key.created', ?, ?, ?, ?, ?, ?, ?)`
      )
      .run(key.notifyEmail, message.subject, message.text, message.html, now, `<${key.id}.${now}@keyward.local>`, now)
  }

  private newId(prefix: string): string {
    const bytes = this.randomBytes(12)
    let out = prefix
    for (const b of bytes) out += BASE62[b % 62]
    return out
  }
}

function toResource(row: ResourceRow): Resource {
  return {
    id: row.id,
    model: row.model,
    type: row.type,
    status: row.status,
    tpmLimit: row.tpm_limit,
    keyCount: row.key_count ?? 0
  }
}

function resourceNotFound(ref: string): KeywardError {
  return new KeywardError('NOT_FOUND', `No resource "${ref}". Name it by its id or as MODEL:TYPE (e.g. gpt-4o:TPM); list them with "resources list".`, {
    resources: `No resource "${ref}".`
  })
}

function resourceLabel(r: { model: string; type: string }): string {
  return `${r.model}:${r.type}`
}

function pickDetails(key: ApiKey): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of DETAIL_FIELDS) out[f] = key[f]
  return out
}

function diffDetails(before: ApiKey, after: ApiKey): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {}
  for (const f of DETAIL_FIELDS) if (before[f] !== after[f]) out[f] = { from: before[f], to: after[f] }
  return out
}

/** The seed's rule: one key, one resource type per model (TPM or PYG, never both). */
function checkOneTypePerModel(resources: readonly KeyResource[], keyName?: string): void {
  const byModel = new Map<string, KeyResource>()
  for (const r of resources) {
    const other = byModel.get(r.model)
    if (other && other.id !== r.id) {
      throw new KeywardError(
        'RULE_VIOLATION',
        `${keyName ? `Key ${keyName}` : 'A key'} cannot hold ${r.model} under both ${other.type} and ${r.type}: ` +
          `a key may use a model under one resource type only. Keep ${r.model}:${other.type} or ${r.model}:${r.type}, not both.`,
        { resources: `${r.model} is already chosen under ${other.type}.` }
      )
    }
    byModel.set(r.model, r)
  }
}

/** Constraint failures that slipped past the checks (another process, a race) become user errors. */
function translateSqliteError(error: unknown): unknown {
  if (error instanceof KeywardError) return error
  const code = (error as { code?: string }).code ?? ''
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new KeywardError('CONFLICT', 'The registry is busy with another change (another window, CLI or server). Nothing was changed; try again.')
  }
  if (code.startsWith('SQLITE_CONSTRAINT')) {
    const message = String((error as Error).message)
    if (message.includes('key_resources.key_pk, key_resources.model')) {
      return new KeywardError('RULE_VIOLATION', 'A key may use a model under one resource type only (TPM or PYG, not both). Nothing was changed.')
    }
    if (message.includes('admin keys take no resources')) {
      return new KeywardError('RULE_VIOLATION', 'Administrator keys take no resources. Nothing was changed.')
    }
    if (message.includes('api_keys.name') || message.includes('api_keys_name')) {
      return new KeywardError('CONFLICT', 'A key with that name already exists (names are unique, ignoring case). Choose another name.')
    }
    return new KeywardError('CONFLICT', 'That change conflicts with the registry as it is now. Nothing was changed; reload and try again.')
  }
  return error
}
