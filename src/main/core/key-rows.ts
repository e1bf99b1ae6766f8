import { KEY_DETAIL_FIELDS as DETAIL_FIELDS } from '../../shared/schemas'
import { KeywardError } from '../../shared/errors'
import type { ApiKey, KeyKind, KeyResource, Suggestions } from '../../shared/types'
import { iso } from './clock'
import type { Core } from './context'

/** Reading keys: rows → the ApiKey documents every operation answers with, and name lookups. */

export interface KeyRow {
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

/** The ApiKey view's columns and joins: portable SQL, so the PostgreSQL engine (pg/keys.ts) reads the same view. */
export const KEY_SELECT = `
  SELECT k.pk, k.id, k.name, k.kind, k.hint, k.disabled, d.name AS department, p.name AS project, k.environment,
         k.requestor, k.app_id, k.justification, k.notes, k.notify_email, k.created_at, k.updated_at,
         k.expires_at, k.last_used_at
  FROM api_keys k
  LEFT JOIN departments d ON d.id = k.department_id
  LEFT JOIN projects p ON p.id = k.project_id`

// Whole statements as constants: the statement cache is keyed by SQL text, and a constant's hash is computed once.
const KEY_BY_ID = `${KEY_SELECT} WHERE k.id = ?`
const KEY_BY_PK = `${KEY_SELECT} WHERE k.pk = ?`
const KEY_BY_NAME = `${KEY_SELECT} WHERE k.name = ? COLLATE NOCASE`
const KEYS_BY_PKS = `${KEY_SELECT} WHERE k.pk IN (SELECT value FROM json_each(?))`

export function findKey(core: Core, ref: string): ApiKey | undefined {
  const trimmed = ref.trim()
  const row = (core.store.sql(KEY_BY_ID).get(trimmed) ?? keyRowByName(core, trimmed)) as KeyRow | undefined
  return row ? hydrate(core, [row])[0] : undefined
}

export function resolveKey(core: Core, ref: string): ApiKey {
  const key = findKey(core, ref)
  if (!key) throw keyNotFound(ref)
  return key
}

/** The error for a key named by id or name that does not exist, on either engine. */
export function keyNotFound(ref: string): KeywardError {
  return new KeywardError('NOT_FOUND', `No key "${ref}". Name it by its id or name; list keys with "keys list".`, {
    key: `No key "${ref}".`
  })
}

export function keyByPk(core: Core, pk: number): ApiKey {
  return hydrate(core, [core.store.sql(KEY_BY_PK).get(pk) as KeyRow])[0]!
}

/**
 * The keys with these pks that still exist, in the order given, each with its pk: two queries
 * however many (a bulk action's selection), not one per key.
 */
export function keysByPks(core: Core, pks: readonly number[]): { pk: number; key: ApiKey }[] {
  if (pks.length === 0) return []
  const rows = core.store.sql(KEYS_BY_PKS).all(JSON.stringify(pks)) as KeyRow[]
  const byPk = new Map(rows.map((row) => [row.pk, row]))
  const ordered = pks.map((pk) => byPk.get(pk)).filter((row): row is KeyRow => row !== undefined)
  return hydrate(core, ordered).map((key, i) => ({ pk: ordered[i]!.pk, key }))
}

export function pkOf(core: Core, id: string): number {
  return core.store.pluck('SELECT pk FROM api_keys WHERE id = ?').get(id) as number
}

/** Rows of a list page's SQL (built by key-query.ts, selecting KEY_SELECT's columns). */
export function keyRows(core: Core, sql: string, params: Record<string, unknown>): KeyRow[] {
  return core.store.sql(sql).all(params) as KeyRow[]
}

export function ensureNameFree(core: Core, name: string, exceptId?: string): void {
  const clash = keyRowByName(core, name)
  if (clash && clash.id !== exceptId) throw nameTaken(clash.name)
}

/** The refusal of a name a live key (named `taken`, as stored) already has ignoring case, on either engine. */
export function nameTaken(taken: string): KeywardError {
  return new KeywardError(
    'CONFLICT',
    `A key named "${taken}" already exists (names are unique, ignoring case). Choose another name.`,
    {
      name: `"${taken}" is taken.`
    }
  )
}

/** Rows → documents, fetching every row's resources in one query. */
export function hydrate(core: Core, rows: KeyRow[]): ApiKey[] {
  if (rows.length === 0) return []
  const now = core.clock()
  const resources = new Map<number, KeyResource[]>()
  if (rows.length === 1) {
    const one = core.store.sql(
      `SELECT r.id, r.model, r.type, r.status FROM key_resources kr JOIN resources r ON r.id = kr.resource_id
       WHERE kr.key_pk = ? ORDER BY r.model, r.type`
    )
    resources.set(rows[0]!.pk, one.all(rows[0]!.pk) as KeyResource[])
  } else {
    const all = core.store
      .sql(
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
  return rows.map((r) => keyFromRow(r, resources.get(r.pk) ?? [], now, core.lastUsed.get(r.pk)))
}

/**
 * One row and its resources (ordered by model, then type, as bytes) → the ApiKey document, on
 * either engine. `bufferedLastUsed` is a lastUsedAt not yet written to the row (0 when none).
 */
export function keyFromRow(r: KeyRow, resources: KeyResource[], now: number, bufferedLastUsed = 0): ApiKey {
  return {
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
    resources,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
    expiresAt: iso(r.expires_at),
    lastUsedAt: iso(Math.max(r.last_used_at ?? 0, bufferedLastUsed) || null)
  }
}

/** The editable fields of a key, for audit details. */
export function pickDetails(key: ApiKey): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of DETAIL_FIELDS) out[f] = key[f]
  return out
}

export function diffDetails(before: ApiKey, after: ApiKey): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {}
  for (const f of DETAIL_FIELDS) if (before[f] !== after[f]) out[f] = { from: before[f], to: after[f] }
  return out
}

// ── Departments and projects: entities created on first use, matched ignoring case ──

export function entityId(
  core: Core,
  table: 'departments' | 'projects',
  name: string | null | undefined
): number | null {
  if (name == null) return null
  const found = core.store.pluck(`SELECT id FROM ${table} WHERE name = ? COLLATE NOCASE`).get(name) as
    number | undefined
  if (found !== undefined) return found
  return Number(core.store.sql(`INSERT INTO ${table} (name) VALUES (?)`).run(name).lastInsertRowid)
}

/** Ids of the named departments or projects that exist (names match ignoring case). */
export function entityIds(core: Core, table: 'departments' | 'projects', names: readonly string[]): number[] {
  return core.store
    .pluck(`SELECT id FROM ${table} WHERE name IN (SELECT value FROM json_each(?)) ORDER BY id`)
    .all(JSON.stringify(names)) as number[]
}

/** What the forms offer while typing: known departments, projects and environments. */
export function suggestions(core: Core): Suggestions {
  const names = (sql: string) => core.store.pluck(sql).all() as string[]
  return {
    departments: names('SELECT name FROM departments ORDER BY name COLLATE NOCASE'),
    projects: names('SELECT name FROM projects ORDER BY name COLLATE NOCASE'),
    environments: names(
      'SELECT DISTINCT environment FROM api_keys WHERE environment IS NOT NULL ORDER BY environment COLLATE NOCASE LIMIT 200'
    )
  }
}

function keyRowByName(core: Core, name: string): KeyRow | undefined {
  return core.store.sql(KEY_BY_NAME).get(name) as KeyRow | undefined
}
