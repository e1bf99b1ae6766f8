import type { ParsedInput } from '../../shared/contract'
import { KeywardError } from '../../shared/errors'
import type { ResourceStatus, ResourceType } from '../../shared/schemas'
import type { KeyResource, Resource, ResourceUpstream } from '../../shared/types'
import type { AuditRecord } from './audit'
import { newId, type Core } from './context'
import { assignedTpm, checkPool } from './pool'

/** Resources (a model under TPM or PYG) and how keys name them: by id or as MODEL:TYPE. */

export interface ResourceRow {
  id: string
  model: string
  type: ResourceType
  status: ResourceStatus
  tpm_limit: number | null
  upstream_url?: string | null
  upstream_model?: string | null
  upstream_key_env?: string | null
  key_count?: number
}

/** What the audit log says about a provider credential: that it changed, never what it is. */
export const UPSTREAM_CREDENTIAL_CHANGED = 'upstream credential changed'

const WITH_KEY_COUNT =
  'SELECT r.*, (SELECT count(*) FROM key_resources kr WHERE kr.resource_id = r.id) AS key_count FROM resources r'
// Resolving a reference needs no key count, which costs a scan of the resource's assignments.
const REF_ONLY = 'SELECT id, model, type, status, tpm_limit FROM resources r'
// Whole statements as constants: the statement cache is keyed by SQL text, and a constant's hash is computed once.
const BY_ID = { counted: `${WITH_KEY_COUNT} WHERE r.id = ?`, ref: `${REF_ONLY} WHERE r.id = ?` }
const BY_MODEL_TYPE = {
  counted: `${WITH_KEY_COUNT} WHERE r.model = ? AND r.type = ?`,
  ref: `${REF_ONLY} WHERE r.model = ? AND r.type = ?`
}

export function listResources(core: Core): { items: Resource[] } {
  const rows = core.store.sql(`${WITH_KEY_COUNT} ORDER BY r.model, r.type`).all() as ResourceRow[]
  return { items: rows.map(toResource) }
}

/**
 * A new resource's row, in the column order of INSERT INTO resources (id, model, type, status,
 * tpm_limit, upstream_url, upstream_model, upstream_key_env, created_at, updated_at), for both engines.
 */
export function newResourceRow(id: string, v: ParsedInput<'resources.add'>, now: number): unknown[] {
  return [
    id,
    v.model,
    v.type,
    v.status,
    v.type === 'TPM' ? v.tpmLimit : null,
    v.upstreamUrl ?? null,
    v.upstreamUrl ? (v.upstreamModel ?? null) : null,
    v.upstreamUrl ? (v.upstreamKeyEnv ?? null) : null,
    now,
    now
  ]
}

export function addResource(core: Core, v: ParsedInput<'resources.add'>, actor: string): { resource: Resource } {
  return core.store.write(() => {
    if (core.store.sql(BY_MODEL_TYPE.ref).get(v.model, v.type)) throw resourceExists(v)
    if (v.type === 'TPM') checkPool(core, assignedTpm(core) + v.tpmLimit!, 'tpmLimit')
    const now = core.clock()
    const id = newId(core, 'r_')
    core.store
      .sql(
        'INSERT INTO resources (id, model, type, status, tpm_limit, upstream_url, upstream_model, upstream_key_env, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'
      )
      .run(...newResourceRow(id, v, now))
    const resource = resourceById(core, id)
    core.audit.append(now, { ...addAuditRecord(resource), actor })
    return { resource }
  })
}

export function editResource(core: Core, v: ParsedInput<'resources.edit'>, actor: string): { resource: Resource } {
  return core.store.write(() => {
    const before = resolveResource(core, v.resource)
    const limit = editedTpmLimit(before, v)
    if (limit !== undefined) checkPool(core, assignedTpm(core) - before.tpmLimit! + limit, 'tpmLimit')
    const { changes, upstream } = editPlan(before, v)
    if (Object.keys(changes).length === 0) return { resource: before }
    const now = core.clock()
    core.store
      .sql(
        'UPDATE resources SET tpm_limit = coalesce(?, tpm_limit), status = coalesce(?, status), upstream_url = ?, upstream_model = ?, upstream_key_env = ?, updated_at = ? WHERE id = ?'
      )
      .run(
        v.tpmLimit ?? null,
        v.status ?? null,
        upstream?.url ?? null,
        upstream?.model ?? null,
        upstream?.keyEnv ?? null,
        now,
        before.id
      )
    core.audit.append(now, { ...editAuditRecord(before, changes), actor })
    return { resource: resourceById(core, before.id) }
  })
}

export function removeResource(core: Core, v: ParsedInput<'resources.remove'>, actor: string): { removed: Resource } {
  return core.store.write(() => {
    const resource = resolveResource(core, v.resource)
    if (resource.keyCount > 0) throw resourceInUse(resource)
    core.store.sql('DELETE FROM resources WHERE id = ?').run(resource.id)
    core.audit.append(core.clock(), { ...removeAuditRecord(resource), actor })
    return { removed: resource }
  })
}

/**
 * A provider credential kept outside the registry (the desktop app's keychain) was set or removed:
 * `apply` stores it, inside this transaction with the audit entry, which records that the
 * credential changed and where it is kept, never the credential. The resource must have an upstream.
 */
export function changeKeptCredential(
  core: Core,
  ref: string,
  actor: string,
  kept: boolean,
  apply: (resource: Resource) => void
): Resource {
  return core.store.write(() => {
    const resource = resolveResource(core, ref)
    if (kept && !resource.upstream) {
      throw KeywardError.validation({
        providerKey: `${resourceLabel(resource)} has no upstream: give it an upstream URL first, then its provider key.`
      })
    }
    apply(resource)
    core.audit.append(core.clock(), {
      actor,
      action: 'resource.upstreamCredential',
      targetId: resource.id,
      targetName: resourceLabel(resource),
      details: { credential: UPSTREAM_CREDENTIAL_CHANGED, keptIn: 'desktop keychain', kept }
    })
    return resource
  })
}

export function findResource(core: Core, ref: string): Resource | undefined {
  const row = resourceRow(core, ref, true)
  return row ? toResource(row) : undefined
}

export function resolveResource(core: Core, ref: string): Resource {
  const found = findResource(core, ref)
  if (!found) throw resourceNotFound(ref)
  return found
}

/** The resource's id, or undefined when no resource answers to `ref` (no key count: constant cost). */
export function findResourceId(core: Core, ref: string): string | undefined {
  return resourceRow(core, ref, false)?.id
}

/** Like resolveResource without the key count: what assignments and filters need, at constant cost. */
export function resolveResourceRef(core: Core, ref: string): KeyResource {
  const row = resourceRow(core, ref, false)
  if (!row) throw resourceNotFound(ref)
  return { id: row.id, model: row.model, type: row.type, status: row.status }
}

/** Refs → distinct resources, checked against the one-type-per-model rule. */
export function resolveResourceSet(core: Core, refs: readonly string[]): KeyResource[] {
  const byId = new Map<string, KeyResource>()
  for (const ref of refs) {
    const r = resolveResourceRef(core, ref)
    byId.set(r.id, r)
  }
  const set = [...byId.values()]
  checkOneTypePerModel(set)
  return set
}

/** The seed's rule: one key, one resource type per model (TPM or PYG, never both). */
export function checkOneTypePerModel(resources: readonly KeyResource[], keyName?: string): void {
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

export function resourceLabel(r: { model: string; type: string }): string {
  return `${r.model}:${r.type}`
}

function resourceRow(core: Core, ref: string, withKeyCount: boolean): ResourceRow | undefined {
  const trimmed = ref.trim()
  const kind = withKeyCount ? 'counted' : 'ref'
  let row = core.store.sql(BY_ID[kind]).get(trimmed) as ResourceRow | undefined
  if (!row) {
    const at = trimmed.lastIndexOf(':')
    if (at > 0) {
      const type = trimmed.slice(at + 1).toUpperCase()
      row = core.store.sql(BY_MODEL_TYPE[kind]).get(trimmed.slice(0, at), type) as ResourceRow | undefined
    }
  }
  return row
}

function resourceById(core: Core, id: string): Resource {
  return toResource(core.store.sql(BY_ID.counted).get(id) as ResourceRow)
}

// ── Shared with the PostgreSQL engine (pg/resources.ts): the same rules, errors and audit entries ──

export type ResourceChanges = Record<string, { from: unknown; to: unknown }>

/** The TPM limit an edit sets, or undefined when it leaves it as it is; a PYG resource takes none. */
export function editedTpmLimit(before: Resource, v: ParsedInput<'resources.edit'>): number | undefined {
  if (v.tpmLimit === undefined) return undefined
  if (before.type !== 'TPM') {
    throw KeywardError.validation({ tpmLimit: 'A PYG (pay-as-you-go) resource takes no TPM limit.' })
  }
  return v.tpmLimit === before.tpmLimit ? undefined : v.tpmLimit
}

/** What an edit changes (before → after, for the audit entry) and the upstream it leaves. Checks the pool not. */
export function editPlan(
  before: Resource,
  v: ParsedInput<'resources.edit'>
): { changes: ResourceChanges; upstream: ResourceUpstream | null } {
  const changes: ResourceChanges = {}
  const limit = editedTpmLimit(before, v)
  if (limit !== undefined) changes.tpmLimit = { from: before.tpmLimit, to: limit }
  if (v.status !== undefined && v.status !== before.status) changes.status = { from: before.status, to: v.status }
  const upstream = nextUpstream(before, v)
  const was = before.upstream
  if ((upstream?.url ?? null) !== (was?.url ?? null))
    changes.upstreamUrl = { from: was?.url ?? null, to: upstream?.url ?? null }
  if ((upstream?.model ?? null) !== (was?.model ?? null))
    changes.upstreamModel = { from: was?.model ?? null, to: upstream?.model ?? null }
  // The variable's NAME may be recorded; its value never reaches the registry at all.
  if ((upstream?.keyEnv ?? null) !== (was?.keyEnv ?? null))
    changes.upstreamKeyEnv = { from: was?.keyEnv ?? null, to: upstream?.keyEnv ?? null }
  return { changes, upstream }
}

export function resourceExists(v: { model: string; type: ResourceType }): KeywardError {
  return new KeywardError(
    'CONFLICT',
    `Resource ${v.model}:${v.type} already exists. Edit it instead of adding it again.`,
    {
      model: `${v.model} already has a ${v.type} resource.`
    }
  )
}

export function resourceInUse(resource: Resource): KeywardError {
  return new KeywardError(
    'CONFLICT',
    `Resource ${resource.model}:${resource.type} is assigned to ${resource.keyCount} key${resource.keyCount === 1 ? '' : 's'}. ` +
      'Unassign it from them first, or mark it inactive instead.'
  )
}

export function addAuditRecord(resource: Resource): Omit<AuditRecord, 'actor'> {
  return {
    action: 'resource.add',
    targetId: resource.id,
    targetName: resourceLabel(resource),
    details: {
      model: resource.model,
      type: resource.type,
      status: resource.status,
      tpmLimit: resource.tpmLimit,
      ...(resource.upstream
        ? {
            upstream: { url: resource.upstream.url, model: resource.upstream.model },
            ...(resource.upstream.keyEnv
              ? { credential: UPSTREAM_CREDENTIAL_CHANGED, upstreamKeyEnv: resource.upstream.keyEnv }
              : {})
          }
        : {})
    }
  }
}

export function editAuditRecord(before: Resource, changes: ResourceChanges): Omit<AuditRecord, 'actor'> {
  return {
    action: 'resource.edit',
    targetId: before.id,
    targetName: resourceLabel(before),
    details: changes.upstreamKeyEnv ? { changes, credential: UPSTREAM_CREDENTIAL_CHANGED } : { changes }
  }
}

export function removeAuditRecord(resource: Resource): Omit<AuditRecord, 'actor'> {
  return {
    action: 'resource.remove',
    targetId: resource.id,
    targetName: resourceLabel(resource),
    details: { model: resource.model, type: resource.type, tpmLimit: resource.tpmLimit, status: resource.status }
  }
}

/** The upstream after an edit: undefined fields keep theirs; a removed URL takes its model and key variable along. */
function nextUpstream(before: Resource, v: ParsedInput<'resources.edit'>): ResourceUpstream | null {
  const url = v.upstreamUrl === undefined ? (before.upstream?.url ?? null) : v.upstreamUrl
  const model = v.upstreamModel === undefined ? (before.upstream?.model ?? null) : v.upstreamModel
  const keyEnv = v.upstreamKeyEnv === undefined ? (before.upstream?.keyEnv ?? null) : v.upstreamKeyEnv
  if (url === null) {
    if (v.upstreamUrl === undefined) {
      const field = v.upstreamModel != null ? 'upstreamModel' : v.upstreamKeyEnv != null ? 'upstreamKeyEnv' : null
      if (field)
        throw KeywardError.validation({
          [field]: `${resourceLabel(before)} has no upstream: give an upstream URL too, or leave this empty.`
        })
    }
    return null
  }
  return { url, model, keyEnv }
}

export function toResource(row: ResourceRow): Resource {
  return {
    id: row.id,
    model: row.model,
    type: row.type,
    status: row.status,
    tpmLimit: row.tpm_limit,
    keyCount: row.key_count ?? 0,
    upstream: row.upstream_url
      ? { url: row.upstream_url, model: row.upstream_model ?? null, keyEnv: row.upstream_key_env ?? null }
      : null
  }
}

/** The error for a resource named by id or MODEL:TYPE that does not exist, on either engine. */
export function resourceNotFound(ref: string): KeywardError {
  return new KeywardError(
    'NOT_FOUND',
    `No resource "${ref}". Name it by its id or as MODEL:TYPE (e.g. gpt-4o:TPM); list them with "resources list".`,
    {
      resources: `No resource "${ref}".`
    }
  )
}
