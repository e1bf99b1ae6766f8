import type { ParsedInput } from '../../shared/contract'
import { KeywardError } from '../../shared/errors'
import type { ApiKey, Page } from '../../shared/types'
import { insertAssignments } from './assignments'
import type { AuditRecord } from './audit'
import { iso } from './clock'
import { newId, type Core } from './context'
import { buildKeyListQuery } from './key-query'
import {
  diffDetails,
  ensureNameFree,
  entityId,
  entityIds,
  hydrate,
  keyByPk,
  keyRows,
  pickDetails,
  pkOf,
  resolveKey
} from './key-rows'
import { enqueueKeyCreatedAlert } from './outbox'
import { findResourceId, resolveResourceSet, resourceLabel } from './resources'
import { generateSecret, hashSecret, secretHint } from './secrets'

/** API keys: create, read, list, edit, disable/enable, rotate, delete. Each change is one transaction with its audit entry. */

export function createKey(core: Core, v: ParsedInput<'keys.create'>, actor: string): { key: ApiKey; secret: string } {
  return core.store.write(() => {
    const now = core.clock()
    const expiresAt = futureDate(v.expiresAt, now)
    ensureNameFree(core, v.name)
    refuseAdminResources(v)
    const resources = resolveResourceSet(core, v.resources)
    const secret = generateSecret(v.kind, core.randomBytes)
    const hint = secretHint(secret)
    const id = newId(core, 'k_')
    const { lastInsertRowid } = core.store
      .sql(
        `INSERT INTO api_keys (id, name, kind, hint, department_id, project_id, environment, requestor, app_id, justification,
           notes, notify_email, created_by, created_at, updated_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
      )
      .run(
        id,
        v.name,
        v.kind,
        hint,
        entityId(core, 'departments', v.department),
        entityId(core, 'projects', v.project),
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
    core.store
      .sql('INSERT INTO key_secrets (key_pk, secret_hash, hint, created_at) VALUES (?, ?, ?, ?)')
      .run(pk, hashSecret(secret), hint, now)
    insertAssignments(core, pk, resources)
    const key = keyByPk(core, pk)
    core.audit.append(now, { ...createAuditRecord(key), actor })
    if (key.notifyEmail) enqueueKeyCreatedAlert(core, key, actor, now)
    return { key, secret }
  })
}

/** A new administrator key with resources is refused, on either engine. */
export function refuseAdminResources(v: ParsedInput<'keys.create'>): void {
  if (v.kind === 'admin' && v.resources.length > 0) {
    throw new KeywardError(
      'RULE_VIOLATION',
      'Administrator keys take no resources: they manage the registry, not models. Remove the resources or make a standard key.',
      {
        resources: 'Administrator keys take no resources.'
      }
    )
  }
}

/** The audit entry of a created key (its hint, never its secret), on either engine. */
export function createAuditRecord(key: ApiKey): Omit<AuditRecord, 'actor'> {
  return {
    action: 'key.create',
    targetId: key.id,
    targetName: key.name,
    details: { kind: key.kind, hint: key.hint, ...pickDetails(key), resources: key.resources.map(resourceLabel) }
  }
}

export function getKey(core: Core, v: ParsedInput<'keys.get'>): { key: ApiKey } {
  return { key: resolveKey(core, v.key) }
}

export function listKeys(core: Core, v: ParsedInput<'keys.list'>): Page<ApiKey> {
  let resourceId: string | undefined
  if (v.resource !== undefined) {
    resourceId = findResourceId(core, v.resource)
    if (resourceId === undefined) return { items: [], total: 0 }
  }
  // Names become ids first, so the query can drive an index with a plain equality.
  const departmentIds = v.departments?.length ? entityIds(core, 'departments', v.departments) : undefined
  const projectIds = v.projects?.length ? entityIds(core, 'projects', v.projects) : undefined
  if (departmentIds?.length === 0 || projectIds?.length === 0) return { items: [], total: 0 }
  const query = buildKeyListQuery({ ...v, resourceId, departmentIds, projectIds }, core.clock())
  const total = core.store.pluck(query.countSql).get(query.params) as number
  const rows = keyRows(core, query.pageSql, { ...query.params, limit: v.limit, offset: v.offset })
  return { items: hydrate(core, rows), total }
}

export function editKey(core: Core, v: ParsedInput<'keys.edit'>, actor: string): { key: ApiKey } {
  return core.store.write(() => {
    const before = resolveKey(core, v.key)
    const now = core.clock()
    const c = v.changes
    const sets: string[] = []
    const params: unknown[] = []
    const set = (column: string, value: unknown) => {
      sets.push(`${column} = ?`)
      params.push(value)
    }
    if (c.name !== undefined && c.name !== before.name) {
      ensureNameFree(core, c.name, before.id)
      set('name', c.name)
    }
    if (c.department !== undefined) set('department_id', entityId(core, 'departments', c.department))
    if (c.project !== undefined) set('project_id', entityId(core, 'projects', c.project))
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
      if (next !== current) set('expires_at', futureDate(c.expiresAt, now))
    }
    if (sets.length === 0) return { key: before }
    const pk = pkOf(core, before.id)
    // At most 2^10 column sets, each prepared once.
    core.store.sql(`UPDATE api_keys SET ${sets.join(', ')}, updated_at = ? WHERE pk = ?`).run(...params, now, pk)
    const after = keyByPk(core, pk)
    const changes = diffDetails(before, after)
    if (Object.keys(changes).length > 0) {
      core.audit.append(now, {
        actor,
        action: 'key.edit',
        targetId: after.id,
        targetName: after.name,
        details: { changes }
      })
    }
    return { key: after }
  })
}

export function setDisabled(
  core: Core,
  v: ParsedInput<'keys.disable'>,
  actor: string,
  disabled: boolean,
  /** Why, for the audit entry (a leak scan's "leaked: FILE:LINE"). */
  reason?: string
): { key: ApiKey } {
  return core.store.write(() => {
    const before = resolveKey(core, v.key)
    const pk = pkOf(core, before.id)
    const wasDisabled = before.status === 'disabled'
    if (wasDisabled === disabled) return { key: before }
    const now = core.clock()
    core.store.sql('UPDATE api_keys SET disabled = ?, updated_at = ? WHERE pk = ?').run(disabled ? 1 : 0, now, pk)
    const after = keyByPk(core, pk)
    core.audit.append(now, { ...statusAuditRecord(before, after, disabled, reason), actor })
    return { key: after }
  })
}

/** The audit entry of a disable or enable, on either engine. */
export function statusAuditRecord(
  before: ApiKey,
  after: ApiKey,
  disabled: boolean,
  reason?: string
): Omit<AuditRecord, 'actor'> {
  return {
    action: disabled ? 'key.disable' : 'key.enable',
    targetId: after.id,
    targetName: after.name,
    details: { changes: { status: { from: before.status, to: after.status } }, reason }
  }
}

/** A new secret for the same key; the previous one keeps verifying for `graceSeconds`. */
export function rotateKey(core: Core, v: ParsedInput<'keys.rotate'>, actor: string): { key: ApiKey; secret: string } {
  return core.store.write(() => {
    const before = resolveKey(core, v.key)
    const pk = pkOf(core, before.id)
    const now = core.clock()
    const retiresAt = now + v.graceSeconds * 1000
    // Secrets already in a grace window keep theirs unless this one ends sooner.
    core.store
      .sql(
        'UPDATE key_secrets SET retires_at = CASE WHEN retires_at IS NULL OR retires_at > ? THEN ? ELSE retires_at END WHERE key_pk = ?'
      )
      .run(retiresAt, retiresAt, pk)
    const secret = generateSecret(before.kind, core.randomBytes)
    const hint = secretHint(secret)
    core.store
      .sql('INSERT INTO key_secrets (key_pk, secret_hash, hint, created_at) VALUES (?, ?, ?, ?)')
      .run(pk, hashSecret(secret), hint, now)
    core.store.sql('UPDATE api_keys SET hint = ?, updated_at = ? WHERE pk = ?').run(hint, now, pk)
    core.audit.append(now, { ...rotateAuditRecord(before, hint, v.graceSeconds, retiresAt), actor })
    return { key: keyByPk(core, pk), secret }
  })
}

/** The audit entry of a rotation (the hints, never a secret), on either engine. */
export function rotateAuditRecord(
  before: ApiKey,
  hint: string,
  graceSeconds: number,
  retiresAt: number
): Omit<AuditRecord, 'actor'> {
  return {
    action: 'key.rotate',
    targetId: before.id,
    targetName: before.name,
    details: {
      changes: { hint: { from: before.hint, to: hint } },
      graceSeconds,
      previousRetiresAt: iso(retiresAt)
    }
  }
}

/** Removes the key and its assignments; its secret hashes stay as tombstones so verify says REVOKED. */
export function deleteKey(
  core: Core,
  v: ParsedInput<'keys.delete'>,
  actor: string,
  /** Why, for the audit entry (a leak scan's "leaked: FILE:LINE"). */
  reason?: string
): { deleted: { id: string; name: string } } {
  return core.store.write(() => {
    const key = resolveKey(core, v.key)
    const now = core.clock()
    core.audit.append(now, { ...removeKeyRow(core, pkOf(core, key.id), key, now, actor, reason), actor })
    return { deleted: { id: key.id, name: key.name } }
  })
}

/**
 * Inside a write: removes the key's row (its assignments go with it) and keeps its secret hashes
 * as tombstones, so they verify as REVOKED; answers the audit entry that says so. For one delete
 * and for each key of a bulk delete.
 */
export function removeKeyRow(
  core: Core,
  pk: number,
  key: ApiKey,
  now: number,
  actor: string,
  reason?: string
): Omit<AuditRecord, 'actor'> {
  core.store
    .sql(
      `INSERT OR IGNORE INTO key_tombstones (secret_hash, key_id, name, deleted_at, deleted_by)
       SELECT secret_hash, ?, ?, ?, ? FROM key_secrets WHERE key_pk = ?`
    )
    .run(key.id, key.name, now, actor, pk)
  core.store.sql('DELETE FROM api_keys WHERE pk = ?').run(pk)
  core.lastUsed.forget(pk)
  return deleteAuditRecord(key, reason)
}

/** The audit entry of a deleted key (what it was, so the log keeps its history), on either engine. */
export function deleteAuditRecord(key: ApiKey, reason?: string): Omit<AuditRecord, 'actor'> {
  return {
    action: 'key.delete',
    targetId: key.id,
    targetName: key.name,
    details: {
      kind: key.kind,
      hint: key.hint,
      ...pickDetails(key),
      resources: key.resources.map(resourceLabel),
      reason
    }
  }
}

/** An expiry as epoch ms, refused unless in the future; a bare date is the end of that day (UTC). On either engine. */
export function futureDate(value: string | null | undefined, now: number): number | null {
  if (value == null) return null
  // A bare date means the end of that day in UTC: "expires 2027-01-31" still works on the 31st.
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T23:59:59.999Z`) : Date.parse(value)
  if (ms <= now) {
    throw KeywardError.validation({
      expiresAt: `Expires must be in the future (it is now ${new Date(now).toISOString()}).`
    })
  }
  return ms
}
