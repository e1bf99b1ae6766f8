import type { ParsedInput } from '../../shared/contract'
import { KeywardError } from '../../shared/errors'
import type { ApiKey, KeyResource } from '../../shared/types'
import type { AuditRecord } from './audit'
import type { Core } from './context'
import { keyByPk, pkOf, resolveKey } from './key-rows'
import { checkOneTypePerModel, resolveResourceRef, resolveResourceSet, resourceLabel } from './resources'

/** Which resources a key holds: assign, unassign, replace. One resource type per model; none for admin keys. */

export function assignResources(core: Core, v: ParsedInput<'keys.assign'>, actor: string): { key: ApiKey } {
  return changeResources(core, v.key, actor, 'key.assign', (current) => {
    const merged = new Map(current.map((r) => [r.id, r]))
    for (const r of resolveResourceSet(core, v.resources)) merged.set(r.id, r)
    return [...merged.values()]
  })
}

export function unassignResources(core: Core, v: ParsedInput<'keys.unassign'>, actor: string): { key: ApiKey } {
  return changeResources(core, v.key, actor, 'key.unassign', (current) => {
    const removed = new Set(v.resources.map((ref) => resolveResourceRef(core, ref).id))
    return current.filter((r) => !removed.has(r.id))
  })
}

export function setResources(core: Core, v: ParsedInput<'keys.setResources'>, actor: string): { key: ApiKey } {
  return changeResources(core, v.key, actor, 'key.setResources', () => resolveResourceSet(core, v.resources))
}

export function insertAssignments(core: Core, pk: number, resources: readonly KeyResource[]): void {
  const insert = core.store.sql('INSERT INTO key_resources (key_pk, resource_id, model) VALUES (?, ?, ?)')
  for (const r of resources) insert.run(pk, r.id, r.model)
}

function changeResources(
  core: Core,
  ref: string,
  actor: string,
  action: string,
  nextSet: (current: KeyResource[]) => KeyResource[]
): { key: ApiKey } {
  return core.store.write(() => {
    const before = resolveKey(core, ref)
    const plan = planResourceChange(before, nextSet(before.resources), action)
    if (!plan) return { key: before }
    const pk = pkOf(core, before.id)
    const now = core.clock()
    const del = core.store.sql('DELETE FROM key_resources WHERE key_pk = ? AND resource_id = ?')
    for (const r of plan.removed) del.run(pk, r.id)
    insertAssignments(core, pk, plan.added)
    core.store.sql('UPDATE api_keys SET updated_at = ? WHERE pk = ?').run(now, pk)
    core.audit.append(now, { ...plan.record, actor })
    return { key: keyByPk(core, pk) }
  })
}

/**
 * A key's resources going from `before.resources` to `next`, checked against the rules (admin
 * keys take none, one type per model): what to add and remove, and the audit entry; null when
 * nothing changes. On either engine.
 */
export function planResourceChange(
  before: ApiKey,
  next: KeyResource[],
  action: string
): { added: KeyResource[]; removed: KeyResource[]; record: Omit<AuditRecord, 'actor'> } | null {
  if (before.kind === 'admin' && next.length > 0) {
    throw new KeywardError(
      'RULE_VIOLATION',
      `${before.name} is an administrator key; administrator keys take no resources.`,
      {
        resources: 'Administrator keys take no resources.'
      }
    )
  }
  checkOneTypePerModel(next, before.name)
  const beforeIds = new Set(before.resources.map((r) => r.id))
  const nextIds = new Set(next.map((r) => r.id))
  const added = next.filter((r) => !beforeIds.has(r.id))
  const removed = before.resources.filter((r) => !nextIds.has(r.id))
  if (added.length === 0 && removed.length === 0) return null
  return {
    added,
    removed,
    record: {
      action,
      targetId: before.id,
      targetName: before.name,
      details: {
        changes: { resources: { from: before.resources.map(resourceLabel), to: next.map(resourceLabel).sort() } },
        added: added.map(resourceLabel),
        removed: removed.map(resourceLabel)
      }
    }
  }
}
