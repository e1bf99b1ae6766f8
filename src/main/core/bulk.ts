import type { ParsedInput } from '../../shared/contract'
import { KeywardError } from '../../shared/errors'
import type { KeyBulkResult } from '../../shared/schemas'
import type { ApiKey, KeyResource } from '../../shared/types'
import { assignResources, unassignResources } from './assignments'
import type { Core } from './context'
import { buildKeySelectionQuery } from './key-query'
import { entityIds, keyByPk, resolveKey } from './key-rows'
import { deleteKey, editKey, setDisabled } from './keys'
import {
  checkOneTypePerModel,
  findResourceId,
  resolveResourceRef,
  resolveResourceSet,
  resourceLabel
} from './resources'

/**
 * Bulk actions: one action on every key that a filter (the same filters as keys.list, without
 * paging) or an explicit list selects, in ONE IMMEDIATE transaction.
 *
 * All or nothing: every selected key is checked first (the one-type-per-model rule, no resources on
 * administrator keys, the expiry date); if any key would break a rule, the action is refused with
 * the offending keys named and nothing changes. Then each key that would change is changed by the
 * same function a single-key action uses (setDisabled, deleteKey, assignResources, editKey), so
 * the audit entries and the rules are exactly theirs: one entry per changed key. A key already in
 * the wanted state counts as matched, not changed, and gets no entry.
 *
 * A dry run does the same selection and checks in a read transaction and writes nothing.
 */

type BulkInput = ParsedInput<'keys.bulk'>
/** Absent fields are unchanged, as undefined ones are to editKey. */
type SetFields = Partial<NonNullable<BulkInput['set']>>

/** How many offending keys a refusal names before "and N more". */
const NAMED_IN_REFUSAL = 10

interface Plan {
  matched: number
  /** The keys that would change, in name order. */
  changes: ApiKey[]
  /** For `set`: the fields each changing key gets (only those that differ). */
  edits: Map<string, SetFields>
}

export function bulkKeys(core: Core, v: BulkInput, actor: string): KeyBulkResult {
  if (v.dryRun) {
    // A read transaction: one consistent snapshot, no write lock, nothing written.
    let result: KeyBulkResult | undefined
    core.store.batch(() => {
      result = summary(plan(core, v))
    })
    return result!
  }
  return core.store.write(() => {
    const p = plan(core, v)
    for (const key of p.changes) apply(core, v, key, p.edits.get(key.id), actor)
    return summary(p)
  })
}

function summary(p: Plan): KeyBulkResult {
  return { matched: p.matched, changed: p.changes.length, keys: p.changes.map((k) => ({ id: k.id, name: k.name })) }
}

function apply(core: Core, v: BulkInput, key: ApiKey, edit: SetFields | undefined, actor: string): void {
  const ref = { key: key.id }
  switch (v.action) {
    case 'disable':
    case 'enable':
      setDisabled(core, ref, actor, v.action === 'disable')
      return
    case 'delete':
      deleteKey(core, ref, actor)
      return
    case 'assign':
      assignResources(core, { ...ref, resources: v.resources ?? [] }, actor)
      return
    case 'unassign':
      unassignResources(core, { ...ref, resources: v.resources ?? [] }, actor)
      return
    case 'set':
      editKey(core, { ...ref, changes: (edit ?? {}) as ParsedInput<'keys.edit'>['changes'] }, actor)
  }
}

/** The selected keys, what would change on each, and the rule check of every one (throws naming the offenders). */
function plan(core: Core, v: BulkInput): Plan {
  const keys = select(core, v)
  const edits = new Map<string, SetFields>()
  let changes: ApiKey[]
  switch (v.action) {
    case 'disable':
      changes = keys.filter((k) => k.status !== 'disabled')
      break
    case 'enable':
      changes = keys.filter((k) => k.status === 'disabled')
      break
    case 'delete':
      changes = keys
      break
    case 'assign':
    case 'unassign':
      changes = planResources(core, v.action, v.resources ?? [], keys)
      break
    case 'set': {
      const set = checkedSet(core, v.set ?? {})
      changes = []
      for (const key of keys) {
        const edit = differing(key, set)
        if (Object.keys(edit).length === 0) continue
        edits.set(key.id, edit)
        changes.push(key)
      }
    }
  }
  return { matched: keys.length, changes, edits }
}

/** The keys an input selects, hydrated, in name order: by the list's filters, or by id or name. */
function select(core: Core, v: BulkInput): ApiKey[] {
  if (v.keys) {
    const byId = new Map<string, ApiKey>()
    for (const ref of v.keys) {
      const key = resolveKey(core, ref)
      byId.set(key.id, key)
    }
    return [...byId.values()].sort((a, b) => compareNames(a.name, b.name) || a.id.localeCompare(b.id))
  }
  const f = v.filters ?? {}
  // Names become ids as keys.list does; a resource, department or project that does not exist matches nothing.
  let resourceId: string | undefined
  if (f.resource !== undefined) {
    resourceId = findResourceId(core, f.resource)
    if (resourceId === undefined) return []
  }
  const departmentIds = f.departments?.length ? entityIds(core, 'departments', f.departments) : undefined
  const projectIds = f.projects?.length ? entityIds(core, 'projects', f.projects) : undefined
  if (departmentIds?.length === 0 || projectIds?.length === 0) return []
  const query = buildKeySelectionQuery({ ...f, resourceId, departmentIds, projectIds }, core.clock())
  const pks = core.store.pluck(query.sql).all(query.params) as number[]
  return pks.map((pk) => keyByPk(core, pk))
}

/** SQLite's NOCASE: ASCII letters folded, nothing else. */
function foldAscii(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase())
}

function compareNames(a: string, b: string): number {
  const x = foldAscii(a)
  const y = foldAscii(b)
  return x < y ? -1 : x > y ? 1 : 0
}

function planResources(core: Core, action: 'assign' | 'unassign', refs: readonly string[], keys: ApiKey[]): ApiKey[] {
  const named = action === 'assign' ? resolveResourceSet(core, refs) : refs.map((ref) => resolveResourceRef(core, ref))
  const namedIds = new Set(named.map((r) => r.id))
  const changes: ApiKey[] = []
  const refused: string[] = []
  for (const key of keys) {
    const held = new Set(key.resources.map((r) => r.id))
    if (action === 'unassign') {
      if (key.resources.some((r) => namedIds.has(r.id))) changes.push(key)
      continue
    }
    if (named.every((r) => held.has(r.id))) continue
    const problem = ruleProblem(key, [...key.resources, ...named.filter((r) => !held.has(r.id))])
    if (problem) refused.push(`${key.name} (${problem})`)
    else changes.push(key)
  }
  if (refused.length > 0) {
    const shown = refused.slice(0, NAMED_IN_REFUSAL).join(', ')
    const more = refused.length > NAMED_IN_REFUSAL ? ` and ${refused.length - NAMED_IN_REFUSAL} more` : ''
    const labels = named.map(resourceLabel).join(', ')
    throw new KeywardError(
      'RULE_VIOLATION',
      `Nothing was changed: ${plural(refused.length, 'key')} cannot take ${labels}: ${shown}${more}. ` +
        'A key uses a model under one resource type only, and administrator keys take no resources. ' +
        'Narrow the selection, or unassign the other type first.',
      { resources: `Refused for ${shown}${more}.` }
    )
  }
  return changes
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** Why a key cannot hold `next`, in a few words, or '' when it can. */
function ruleProblem(key: ApiKey, next: readonly KeyResource[]): string {
  if (key.kind === 'admin') return 'an administrator key'
  try {
    checkOneTypePerModel(next)
    return ''
  } catch (error) {
    if (!(error instanceof KeywardError)) throw error
    const clash = key.resources.find((r) => next.some((n) => n.model === r.model && n.id !== r.id))
    return clash ? `holds ${resourceLabel(clash)}` : 'one type per model'
  }
}

/** The set's fields as editKey will store them; a date in the past is refused once, for every key. */
function checkedSet(core: Core, set: SetFields): SetFields & { expiresMs?: number | null } {
  if (set.expiresAt == null) return set
  const ms = endOfDay(set.expiresAt)
  const now = core.clock()
  if (ms <= now) {
    throw KeywardError.validation({
      'set.expiresAt': `Expires must be in the future (it is now ${new Date(now).toISOString()}).`
    })
  }
  return { ...set, expiresMs: ms }
}

/** A bare date means the end of that day in UTC, as for a single key. */
function endOfDay(value: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T23:59:59.999Z`) : Date.parse(value)
}

/** The fields of `set` that differ on this key (names compared as SQLite's NOCASE, as they are stored). */
function differing(key: ApiKey, set: SetFields & { expiresMs?: number | null }): SetFields {
  const out: SetFields = {}
  const sameName = (a: string | null, b: string | null) =>
    a === null ? b === null : b !== null && foldAscii(a) === foldAscii(b)
  if (set.department !== undefined && !sameName(key.department, set.department)) out.department = set.department
  if (set.project !== undefined && !sameName(key.project, set.project)) out.project = set.project
  if (set.environment !== undefined && key.environment !== set.environment) out.environment = set.environment
  if (set.expiresAt !== undefined) {
    const current = key.expiresAt ? Date.parse(key.expiresAt) : null
    const next = set.expiresAt === null ? null : (set.expiresMs ?? null)
    // editKey is given the exact instant, so a bare date is not compared at midnight.
    if (current !== next) out.expiresAt = next === null ? null : new Date(next).toISOString()
  }
  return out
}
