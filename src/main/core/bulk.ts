import type { ParsedInput } from '../../shared/contract'
import { KeywardError } from '../../shared/errors'
import type { KeyBulkResult } from '../../shared/schemas'
import type { ApiKey, KeyResource } from '../../shared/types'
import { insertAssignments } from './assignments'
import type { AuditRecord } from './audit'
import { iso } from './clock'
import type { Core } from './context'
import { buildKeySelectionQuery } from './key-query'
import { diffDetails, entityId, entityIds, keysByPks, resolveKey } from './key-rows'
import { removeKeyRow } from './keys'
import {
  checkOneTypePerModel,
  findResourceId,
  resolveResourceRef,
  resolveResourceSet,
  resourceLabel
} from './resources'

/**
 * Bulk actions: one action on every key that a filter (the same filters as keys.list, without
 * paging) or an explicit list selects.
 *
 * First the PLAN, in one read snapshot (no write lock): every selected key is checked (the
 * one-type-per-model rule, no resources on administrator keys, the expiry date); if any key would
 * break a rule, the action is refused with the offending keys named and nothing changes. A key
 * already in the wanted state counts as matched, not changed, and gets no entry.
 *
 * Then the WRITE, in chunks of at most BULK_CHUNK_KEYS keys in row order, each one IMMEDIATE transaction that
 * re-reads its keys, re-checks them (another process may have changed one since the plan) and
 * writes them set-wise: prepared statements, and each key's audit entry (the same action and
 * details a single-key change writes, one per key, chained) in the same transaction. So no
 * transaction holds the write lock for long (issue 9: about a quarter of a second; a chunk of 500
 * takes a few milliseconds), and a host may let other work in between chunks (runBulkInTurns).
 *
 * All or nothing: a selection of up to one chunk is one transaction, all or nothing exactly. A
 * larger one is checked whole before anything is written, so what can still stop it half-way is
 * only what no check can foresee: another process's change in between that breaks a rule, a full
 * disk, a lock held past the timeout, a crash. Then every committed chunk is complete (each key
 * with its audit entry) and stays; the error says how many keys of how many changed and names
 * them (all are in the audit log); running the same action again finishes it, since keys already
 * changed count as matched. Undoing the earlier chunks instead was not chosen: an undo is itself
 * a write that can fail the same way (and a crash leaves the chunks anyway), the audit log is
 * append-only so an undo would add a second entry per key, and the deleted keys' secrets would
 * have verified as REVOKED in between.
 *
 * A dry run does the plan alone and writes nothing.
 */

export type BulkInput = ParsedInput<'keys.bulk'>
/** Absent fields are unchanged, as undefined ones are to editKey. */
type SetFields = Partial<NonNullable<BulkInput['set']>>
type CheckedSet = SetFields & { expiresMs?: number | null }

/** How many offending keys a refusal names before "and N more". */
const NAMED_IN_REFUSAL = 10
/** Keys per transaction: a few milliseconds of writing, far under the lock budget. */
export const BULK_CHUNK_KEYS = 500

/** A selected key and its row's pk (to re-read and write it without looking it up again). */
export interface BulkTarget {
  pk: number
  key: ApiKey
}
type Target = BulkTarget

/** What an action will do, decided before writing (on PostgreSQL too: pg/bulk.ts). */
export interface BulkPlan {
  matched: number
  /** The keys that would change, in name order. */
  changes: Target[]
  /** For assign/unassign: the named resources, resolved once. */
  named: KeyResource[]
  /** For set: the fields as they will be stored. */
  set: CheckedSet
}

export interface BulkProgress {
  /** Keys of the plan written (or found already done) so far. */
  done: number
  /** Keys the plan would change. */
  total: number
  /** The keys the chunk just committed changed (none in the report before the first chunk). */
  changed: readonly { id: string; name: string }[]
}

export interface BulkOptions {
  /** Keys per transaction (default BULK_CHUNK_KEYS). */
  chunkKeys?: number
  /** Called after each committed chunk. */
  onProgress?: (progress: BulkProgress) => void
}

/** A planned bulk action, written chunk by chunk. */
export interface BulkRun {
  readonly total: number
  readonly done: number
  /** True when every chunk is committed (at once for a dry run or an empty plan). */
  readonly finished: boolean
  /**
   * Commits the next chunk in its own IMMEDIATE transaction; true while chunks remain. A chunk
   * that throws changed nothing and is not skipped: calling step again retries it (the server
   * does so after a BUSY).
   */
  step(): boolean
  result(): KeyBulkResult
  /** The error to report when `error` stopped the run: as is when nothing was written, else naming what was. */
  stoppedBy(error: unknown): unknown
}

/** The whole action at once, chunk after chunk (the CLI; in-process callers). */
export function bulkKeys(core: Core, v: BulkInput, actor: string, options: BulkOptions = {}): KeyBulkResult {
  const run = startBulk(core, v, actor, options)
  try {
    while (run.step());
  } catch (error) {
    throw run.stoppedBy(error)
  }
  return run.result()
}

/**
 * The action with a turn of the event loop before each chunk, so a server answers requests (and
 * an app's window repaints) in between. `runChunk` runs one step: the server passes it through its
 * write queue, which retries a chunk that found the lock taken.
 */
export async function runBulkInTurns(
  run: BulkRun,
  runChunk: (step: () => boolean) => unknown = (step) => step()
): Promise<KeyBulkResult> {
  try {
    while (!run.finished) {
      await new Promise<void>((resolve) => setImmediate(resolve))
      await runChunk(() => run.step())
    }
  } catch (error) {
    throw run.stoppedBy(error)
  }
  return run.result()
}

/** Plans the action (throws, changing nothing, when a key breaks a rule); the writing is left to step(). */
export function startBulk(core: Core, v: BulkInput, actor: string, options: BulkOptions = {}): BulkRun {
  const chunkKeys = Math.max(1, Math.floor(options.chunkKeys ?? BULK_CHUNK_KEYS))
  let p!: BulkPlan
  // A read transaction: one consistent snapshot, no write lock.
  core.store.batch(() => {
    p = plan(core, v)
  })
  const total = p.changes.length
  // Written in row order (pk), not name order: a chunk then rewrites a run of neighbouring pages
  // instead of a page per key all over the table, which made every chunk's commit rewrite most of it.
  const writeOrder = [...p.changes].sort((a, b) => a.pk - b.pk)
  const nameOrder = new Map(p.changes.map((t, i) => [t.pk, i]))
  const changed: Target[] = []
  /** The changed keys as answers name them: in name order. */
  const named = () =>
    [...changed]
      .sort((a, b) => nameOrder.get(a.pk)! - nameOrder.get(b.pk)!)
      .map(({ key }) => ({ id: key.id, name: key.name }))
  let next = v.dryRun ? total : 0
  return {
    total,
    get done() {
      return next
    },
    get finished() {
      return next >= total
    },
    step() {
      if (next >= total) return false
      const chunk = writeOrder.slice(next, next + chunkKeys)
      const written = core.store.write(() => writeChunk(core, v, p, chunk, actor))
      next += chunk.length
      changed.push(...written)
      options.onProgress?.({
        done: next,
        total,
        changed: written.map(({ key }) => ({ id: key.id, name: key.name }))
      })
      return next < total
    },
    result() {
      if (v.dryRun)
        return bulkSummary(
          p.matched,
          p.changes.map((t) => t.key)
        )
      return { matched: p.matched, changed: changed.length, keys: named() }
    },
    stoppedBy(error) {
      if (changed.length === 0) return error
      const cause = error instanceof KeywardError ? error : undefined
      const names = named()
        .slice(0, NAMED_IN_REFUSAL)
        .map((k) => k.name)
      const more = changed.length > NAMED_IN_REFUSAL ? ` and ${changed.length - NAMED_IN_REFUSAL} more` : ''
      return new KeywardError(
        cause?.code ?? 'INTERNAL',
        `Stopped after ${changed.length} of ${total} keys: ${cause?.message.replace(/^Nothing was changed: /, '') ?? 'the registry could not be written.'} ` +
          `The ${plural(changed.length, 'key')} changed before the stop stay changed, each with its audit entry ` +
          `(${names.join(', ')}${more}); nothing else was changed. Run the same action again to finish it: ` +
          'keys already changed count as matched, not changed.',
        { ...cause?.fields, keys: `Changed before the stop: ${names.join(', ')}${more}.` }
      )
    }
  }
}

export function bulkSummary(matched: number, changes: ApiKey[]): KeyBulkResult {
  return { matched, changed: changes.length, keys: changes.map((k) => ({ id: k.id, name: k.name })) }
}

/** The selected keys, what would change, and the rule check of every one (throws naming the offenders). */
function plan(core: Core, v: BulkInput): BulkPlan {
  const targets = select(core, v)
  const named =
    v.action === 'assign'
      ? resolveResourceSet(core, v.resources ?? [])
      : v.action === 'unassign'
        ? (v.resources ?? []).map((ref) => resolveResourceRef(core, ref))
        : []
  const set = v.action === 'set' ? checkedSet(v.set ?? {}, core.clock()) : {}
  const p: BulkPlan = { matched: targets.length, changes: [], named, set }
  p.changes = bulkChanges(v, p, targets)
  return p
}

/** Of `targets`, those the action would change; throws naming every key that breaks a rule. */
export function bulkChanges(v: BulkInput, p: BulkPlan, targets: Target[]): Target[] {
  switch (v.action) {
    case 'disable':
      return targets.filter((t) => t.key.status !== 'disabled')
    case 'enable':
      return targets.filter((t) => t.key.status === 'disabled')
    case 'delete':
      return targets
    case 'assign':
    case 'unassign':
      return planResources(v.action, p.named, targets)
    case 'set':
      return targets.filter((t) => Object.keys(differing(t.key, p.set)).length > 0)
  }
}

/** One chunk, inside its transaction: its keys re-read and re-checked, then written with their audit entries. */
function writeChunk(core: Core, v: BulkInput, p: BulkPlan, chunk: readonly Target[], actor: string): Target[] {
  // A key deleted meanwhile is gone from `fresh`; one changed meanwhile is judged as it is now.
  const fresh = bulkChanges(
    v,
    p,
    keysByPks(
      core,
      chunk.map((t) => t.pk)
    )
  )
  if (fresh.length === 0) return []
  const now = core.clock()
  const records = writers[v.action](core, p, fresh, now, actor).map((r): AuditRecord => ({ actor, ...r }))
  core.audit.appendMany(now, records)
  return fresh
}

export type BulkEntry = Omit<AuditRecord, 'actor'>
type Entry = BulkEntry
type Writer = (core: Core, p: BulkPlan, targets: readonly Target[], now: number, actor: string) => Entry[]

/**
 * Per action: the rows written and each key's audit entry, the same action and details the
 * single-key functions (setDisabled, deleteKey, assignResources, unassignResources, editKey)
 * write, built from the rows already read instead of reading each key again.
 */
const writers: Record<BulkInput['action'], Writer> = {
  disable: (core, _p, targets, now) => statusWriter(core, targets, now, true),
  enable: (core, _p, targets, now) => statusWriter(core, targets, now, false),
  delete: (core, _p, targets, now, actor) => targets.map(({ pk, key }) => removeKeyRow(core, pk, key, now, actor)),
  assign: (core, p, targets, now) => resourcesWriter(core, targets, now, 'key.assign', bulkNextResources('assign', p)),
  unassign: (core, p, targets, now) =>
    resourcesWriter(core, targets, now, 'key.unassign', bulkNextResources('unassign', p)),
  set: (core, p, targets, now) => {
    const set = p.set
    const columns: string[] = []
    const values: unknown[] = []
    const stored: Partial<ApiKey> = {}
    for (const [field, table, column] of [
      ['department', 'departments', 'department_id'],
      ['project', 'projects', 'project_id']
    ] as const) {
      const name = set[field]
      if (name === undefined) continue
      // Created on first use, as for a single key; the name as stored (an existing one keeps its case).
      const id = entityId(core, table, name)
      columns.push(`${column} = ?`)
      values.push(id)
      stored[field] =
        id === null ? null : (core.store.pluck(`SELECT name FROM ${table} WHERE id = ?`).get(id) as string)
    }
    if (set.environment !== undefined) {
      columns.push('environment = ?')
      values.push(set.environment)
      stored.environment = set.environment
    }
    if (set.expiresAt !== undefined) {
      columns.push('expires_at = ?')
      values.push(set.expiresMs ?? null)
      stored.expiresAt = iso(set.expiresMs ?? null)
    }
    // Every changing key gets every field of the set: fields it already had are rewritten unchanged.
    const update = core.store.sql(`UPDATE api_keys SET ${columns.join(', ')}, updated_at = ? WHERE pk = ?`)
    return targets.map(({ pk, key }) => {
      update.run(...values, now, pk)
      return bulkSetRecord(key, stored)
    })
  }
}

/** A key's entry for the set action: the fields as stored, as editKey records them. */
export function bulkSetRecord(key: ApiKey, stored: Partial<ApiKey>): Entry {
  return {
    action: 'key.edit',
    targetId: key.id,
    targetName: key.name,
    details: { changes: diffDetails(key, { ...key, ...stored }) }
  }
}

function statusWriter(core: Core, targets: readonly Target[], now: number, disabled: boolean): Entry[] {
  const update = core.store.sql('UPDATE api_keys SET disabled = ?, updated_at = ? WHERE pk = ?')
  return targets.map(({ pk, key }) => {
    update.run(disabled ? 1 : 0, now, pk)
    return bulkStatusRecord(key, now, disabled)
  })
}

/** A key's entry for disable or enable, from the row read before the change. */
export function bulkStatusRecord(key: ApiKey, now: number, disabled: boolean): Entry {
  const expired = key.expiresAt !== null && Date.parse(key.expiresAt) <= now
  return {
    action: disabled ? 'key.disable' : 'key.enable',
    targetId: key.id,
    targetName: key.name,
    details: { changes: { status: { from: key.status, to: disabled ? 'disabled' : expired ? 'expired' : 'active' } } }
  }
}

/** For assign and unassign: a key's resources after the action. */
export function bulkNextResources(
  action: 'assign' | 'unassign',
  p: BulkPlan
): (current: KeyResource[]) => KeyResource[] {
  if (action === 'assign')
    return (current) => {
      const merged = new Map(current.map((r) => [r.id, r]))
      for (const r of p.named) merged.set(r.id, r)
      return [...merged.values()]
    }
  const removed = new Set(p.named.map((r) => r.id))
  return (current) => current.filter((r) => !removed.has(r.id))
}

/** What assign or unassign changes on one key: the assignments to add and remove, and its entry. */
export function bulkResourcesChange(
  key: ApiKey,
  action: string,
  nextSet: (current: KeyResource[]) => KeyResource[]
): { added: KeyResource[]; removed: KeyResource[]; record: Entry } {
  const next = nextSet(key.resources)
  const beforeIds = new Set(key.resources.map((r) => r.id))
  const nextIds = new Set(next.map((r) => r.id))
  const added = next.filter((r) => !beforeIds.has(r.id))
  const removed = key.resources.filter((r) => !nextIds.has(r.id))
  return {
    added,
    removed,
    record: {
      action,
      targetId: key.id,
      targetName: key.name,
      details: {
        changes: { resources: { from: key.resources.map(resourceLabel), to: next.map(resourceLabel).sort() } },
        added: added.map(resourceLabel),
        removed: removed.map(resourceLabel)
      }
    }
  }
}

function resourcesWriter(
  core: Core,
  targets: readonly Target[],
  now: number,
  action: string,
  nextSet: (current: KeyResource[]) => KeyResource[]
): Entry[] {
  const remove = core.store.sql('DELETE FROM key_resources WHERE key_pk = ? AND resource_id = ?')
  const touch = core.store.sql('UPDATE api_keys SET updated_at = ? WHERE pk = ?')
  return targets.map(({ pk, key }) => {
    const { added, removed, record } = bulkResourcesChange(key, action, nextSet)
    for (const r of removed) remove.run(pk, r.id)
    insertAssignments(core, pk, added)
    touch.run(now, pk)
    return record
  })
}

/** The keys an input selects, in name order: by the list's filters, or by id or name. */
function select(core: Core, v: BulkInput): Target[] {
  if (v.keys) {
    const refs = v.keys.map((ref) => ref.trim())
    // Ids in one query; a ref that is no id is looked up as a name, as resolveKey does.
    const byId = new Map(
      core.store
        .raw('SELECT id, pk FROM api_keys WHERE id IN (SELECT value FROM json_each(?))')
        .all(JSON.stringify(refs)) as [string, number][]
    )
    const pks = new Set<number>()
    for (const ref of refs) {
      const pk =
        byId.get(ref) ??
        (core.store.pluck('SELECT pk FROM api_keys WHERE name = ? COLLATE NOCASE').get(ref) as number | undefined)
      if (pk === undefined)
        resolveKey(core, ref) // throws NOT_FOUND naming the ref
      else pks.add(pk)
    }
    return keysByPks(core, [...pks]).sort(
      (a, b) => compareNames(a.key.name, b.key.name) || a.key.id.localeCompare(b.key.id)
    )
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
  return keysByPks(core, core.store.pluck(query.sql).all(query.params) as number[])
}

/** SQLite's NOCASE: ASCII letters folded, nothing else. */
function foldAscii(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase())
}

/** Names in SQLite's NOCASE order (a list of named keys is answered in it). */
export function compareNames(a: string, b: string): number {
  const x = foldAscii(a)
  const y = foldAscii(b)
  return x < y ? -1 : x > y ? 1 : 0
}

function planResources(action: 'assign' | 'unassign', named: readonly KeyResource[], targets: Target[]): Target[] {
  const namedIds = new Set(named.map((r) => r.id))
  const changes: Target[] = []
  const refused: string[] = []
  for (const target of targets) {
    const key = target.key
    const held = new Set(key.resources.map((r) => r.id))
    if (action === 'unassign') {
      if (key.resources.some((r) => namedIds.has(r.id))) changes.push(target)
      continue
    }
    if (named.every((r) => held.has(r.id))) continue
    const problem = ruleProblem(key, [...key.resources, ...named.filter((r) => !held.has(r.id))])
    if (problem) refused.push(`${key.name} (${problem})`)
    else changes.push(target)
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
export function checkedSet(set: SetFields, now: number): CheckedSet {
  if (set.expiresAt == null) return set
  const ms = endOfDay(set.expiresAt)
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
function differing(key: ApiKey, set: CheckedSet): SetFields {
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

/** What bulkInTurns needs of a registry (Registry.startBulk). */
export interface BulkStarter {
  startBulk(input: BulkInput, actor: string, options?: BulkOptions): BulkRun
}

/**
 * A host's keys.bulk handler: planned at once, then written chunk by chunk with a turn of the
 * event loop before each (runBulkInTurns), reporting progress after each chunk.
 */
export function bulkInTurns(
  registry: BulkStarter,
  options: { onProgress?: (progress: BulkProgress) => void; runChunk?: (step: () => boolean) => unknown } = {}
): (input: BulkInput, ctx: { actor: string }) => Promise<KeyBulkResult> {
  return async (input, ctx) => {
    const run = registry.startBulk(input, ctx.actor, { onProgress: options.onProgress })
    if (!run.finished) options.onProgress?.({ done: 0, total: run.total, changed: [] })
    return runBulkInTurns(run, options.runChunk)
  }
}
