import type { Pool, PoolClient } from 'pg'
import type { ParsedInput } from '../../../shared/contract'
import type { ApiKey, AuditEntry, KeyResource, Page, Suggestions } from '../../../shared/types'
import { keyNeverExisted, toAuditEntry, type AuditRow } from '../audit'
import { KEY_SELECT, keyFromRow, type KeyRow } from '../key-rows'
import { inSnapshot } from './transaction'

/**
 * The read-only lists on PostgreSQL, answering what the SQLite core does: the key list
 * (core/keys.ts listKeys, key-query.ts), the audit log's pages (core/audit.ts listAudit) and the
 * forms' suggestions (key-rows.ts suggestions). Each answer is
 * read from one snapshot (REPEATABLE READ, read only), so a page's total and items agree while
 * other nodes write. Text is compared and ordered as SQLite does: names ignoring ASCII case only
 * (keyward_nocase), order as bytes (COLLATE "C"), whatever the database's default collation.
 */

type Queryable = Pick<PoolClient, 'query'>

const KEY_ID_BY_ID = 'SELECT id FROM api_keys WHERE id = $1'
const KEY_ID_BY_NAME = 'SELECT id FROM api_keys WHERE keyward_nocase(name) = keyward_nocase($1)'
const TOMBSTONE_KEY_ID = `SELECT key_id FROM key_tombstones WHERE key_id = $1 OR keyward_nocase(name) = keyward_nocase($1)
  ORDER BY deleted_at DESC LIMIT 1`

const DAY_MS = 86_400_000
/** Never-expiring keys count as expiring at the end of time, as on SQLite. */
const EXPIRES = 'coalesce(k.expires_at, 8640000000000000)'
/** SQLite's orders: NOCASE as ASCII folding then bytes, and NULL before any value (so last when descending). */
const ORDER: Record<ParsedInput<'keys.list'>['sort'], (dir: 'ASC' | 'DESC') => string> = {
  name: (dir) => `keyward_nocase(k.name) COLLATE "C" ${dir}`,
  createdAt: (dir) => `k.created_at ${dir}`,
  lastUsedAt: (dir) => `k.last_used_at ${dir} NULLS ${dir === 'ASC' ? 'FIRST' : 'LAST'}`,
  expiresAt: (dir) => `${EXPIRES} ${dir}`
}
const RESOURCES_OF_KEYS = `SELECT kr.key_pk, r.id, r.model, r.type, r.status FROM key_resources kr JOIN resources r ON r.id = kr.resource_id
  WHERE kr.key_pk = ANY($1::bigint[]) ORDER BY r.model COLLATE "C", r.type COLLATE "C"`

/**
 * The filtered, sorted, paged key list, with the same filters, order and totals as on SQLite. One
 * difference: `search` is a case-insensitive substring match (lower(), per the database's locale)
 * on name, requestor, app id and notes, where SQLite uses its FTS5 trigram index (three or more
 * characters) or LIKE (ASCII case only) on the same fields.
 */
export async function listPgKeys(pool: Pool, v: ParsedInput<'keys.list'>, now: number): Promise<Page<ApiKey>> {
  return inSnapshot(pool, async (client) => {
    const params: unknown[] = []
    const clause = await pgKeyFilterClause(client, v, now, params)
    if (clause === undefined) return { items: [], total: 0 }
    const param = (value: unknown) => {
      params.push(value)
      return `$${params.length}`
    }
    const total = (await client.query<{ n: number }>(`SELECT count(*) AS n FROM api_keys k ${clause}`, params)).rows[0]!
      .n
    const dir = v.desc ? 'DESC' : 'ASC'
    const rows = (
      await client.query<KeyRow>(
        `${KEY_SELECT} ${clause} ORDER BY ${ORDER[v.sort](dir)}, k.pk ${dir} LIMIT ${param(v.limit)} OFFSET ${param(v.offset)}`,
        params
      )
    ).rows
    return { items: await hydratePgKeys(client, rows, now), total: Number(total) }
  })
}

/** The filters of keys.list (no sort, no paging): what keys.bulk and keys.export select by too. */
export type PgKeyFilters = Omit<ParsedInput<'keys.list'>, 'limit' | 'offset' | 'sort' | 'desc'>

/**
 * The WHERE clause (or '') of the list's filters, its values pushed onto `params`; undefined when a
 * named resource, department or project does not exist, so no key can match (as on SQLite).
 */
export async function pgKeyFilterClause(
  client: Queryable,
  v: PgKeyFilters,
  now: number,
  params: unknown[]
): Promise<string | undefined> {
  const param = (value: unknown) => {
    params.push(value)
    return `$${params.length}`
  }
  const where: string[] = []
  if (v.resource !== undefined) {
    const resourceId = await resourceIdOf(client, v.resource)
    if (resourceId === undefined) return undefined
    where.push(
      `EXISTS (SELECT 1 FROM key_resources kr WHERE kr.key_pk = k.pk AND kr.resource_id = ${param(resourceId)})`
    )
  }
  for (const [column, table, names] of [
    ['k.department_id', 'departments', v.departments],
    ['k.project_id', 'projects', v.projects]
  ] as const) {
    if (!names?.length) continue
    const ids = await entityIds(client, table, names)
    if (ids.length === 0) return undefined
    where.push(`${column} = ANY(${param(ids)}::bigint[])`)
  }
  if (v.environment !== undefined) where.push(`keyward_nocase(k.environment) = keyward_nocase(${param(v.environment)})`)
  if (v.status === 'disabled') where.push('k.disabled = 1')
  else if (v.status === 'expired') where.push(`k.disabled = 0 AND ${EXPIRES} <= ${param(now)}`)
  else if (v.status === 'active') where.push(`k.disabled = 0 AND ${EXPIRES} > ${param(now)}`)
  if (v.search) {
    // No stored text holds a NUL (PostgreSQL's text cannot), so nothing matches one.
    if (v.search.includes('\0')) where.push('false')
    else {
      const text = param(v.search)
      where.push(
        `(${['k.name', 'k.requestor', 'k.app_id', 'k.notes'].map((c) => `strpos(lower(${c}), lower(${text})) > 0`).join(' OR ')})`
      )
    }
  }
  if (v.expiringWithinDays !== undefined)
    where.push(`${EXPIRES} > ${param(now)} AND ${EXPIRES} <= ${param(now + v.expiringWithinDays * DAY_MS)}`)
  return where.length ? `WHERE ${where.join(' AND ')}` : ''
}

/**
 * The pks of every key the filters select, without paging, in the list's order (export) or by name
 * (bulk actions: `sort` absent), as SQLite's buildKeyMatchQuery and buildKeySelectionQuery.
 */
export async function pgKeyPks(
  client: Queryable,
  v: PgKeyFilters & { sort?: ParsedInput<'keys.list'>['sort']; desc?: boolean },
  now: number
): Promise<number[]> {
  const params: unknown[] = []
  const clause = await pgKeyFilterClause(client, v, now, params)
  if (clause === undefined) return []
  const dir = v.desc ? 'DESC' : 'ASC'
  const rows = await client.query<{ pk: number }>(
    `SELECT k.pk FROM api_keys k ${clause} ORDER BY ${ORDER[v.sort ?? 'name'](dir)}, k.pk ${dir}`,
    params
  )
  return rows.rows.map((r) => Number(r.pk))
}

/** The keys of these pks, in the order given (a pk of no key is left out), each with its resources. */
export async function pgKeysByPks(
  client: Queryable,
  pks: readonly number[],
  now: number
): Promise<{ pk: number; key: ApiKey }[]> {
  if (pks.length === 0) return []
  const rows = (await client.query<KeyRow>(`${KEY_SELECT} WHERE k.pk = ANY($1::bigint[])`, [pks])).rows
  const byPk = new Map(rows.map((r) => [Number(r.pk), r]))
  const ordered = pks.flatMap((pk) => byPk.get(pk) ?? [])
  const keys = await hydratePgKeys(client, ordered, now)
  return ordered.map((r, i) => ({ pk: Number(r.pk), key: keys[i]! }))
}

/** Rows → documents, every row's resources in one query (ordered as bytes, as on SQLite). */
async function hydratePgKeys(client: Queryable, rows: readonly KeyRow[], now: number): Promise<ApiKey[]> {
  const resources = new Map<number, KeyResource[]>()
  if (rows.length > 0) {
    const all = await client.query<KeyResource & { key_pk: number }>(RESOURCES_OF_KEYS, [rows.map((r) => r.pk)])
    for (const { key_pk, ...r } of all.rows) resources.set(key_pk, [...(resources.get(key_pk) ?? []), r])
  }
  return rows.map((r) => keyFromRow(r, resources.get(r.pk) ?? [], now))
}

/** Audit entries, newest first; `key` may name a deleted key too (by its id or last name). */
export async function listPgAudit(pool: Pool, v: ParsedInput<'audit.list'>): Promise<Page<AuditEntry>> {
  return inSnapshot(pool, async (client) => {
    const where: string[] = []
    const params: unknown[] = []
    if (v.key !== undefined) {
      params.push(await auditTarget(client, v.key))
      where.push(`target_id = $${params.length}`)
    }
    if (v.action !== undefined) {
      params.push(v.action)
      where.push(`action = $${params.length}`)
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : ''
    const total = (await client.query<{ n: number }>(`SELECT count(*) AS n FROM audit_log ${clause}`, params)).rows[0]!
      .n
    const rows = (
      await client.query<AuditRow>(
        `SELECT * FROM audit_log ${clause} ORDER BY seq DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, v.limit, v.offset]
      )
    ).rows
    return { total: Number(total), items: rows.map(toAuditEntry) }
  })
}

/** What the forms offer while typing: known departments, projects and environments. */
export async function pgSuggestions(pool: Pool): Promise<Suggestions> {
  return inSnapshot(pool, async (client) => {
    const names = async (sql: string) => (await client.query<{ name: string }>(sql)).rows.map((r) => r.name)
    return {
      departments: await names('SELECT name FROM departments ORDER BY keyward_nocase(name) COLLATE "C"'),
      projects: await names('SELECT name FROM projects ORDER BY keyward_nocase(name) COLLATE "C"'),
      // Equal ignoring case ("Prod", "prod"): in byte order, as SQLite reads them from its index.
      environments: await names(
        `SELECT environment AS name FROM (SELECT DISTINCT environment FROM api_keys WHERE environment IS NOT NULL) e
         ORDER BY keyward_nocase(environment) COLLATE "C", environment COLLATE "C" LIMIT 200`
      )
    }
  })
}

/** A resource's id by id or as MODEL:TYPE (the type in any case), as findResourceId on SQLite. */
async function resourceIdOf(client: Queryable, ref: string): Promise<string | undefined> {
  const trimmed = ref.trim()
  const byId = (await client.query<{ id: string }>('SELECT id FROM resources WHERE id = $1', [trimmed])).rows[0]
  if (byId) return byId.id
  const at = trimmed.lastIndexOf(':')
  if (at <= 0) return undefined
  const params = [trimmed.slice(0, at), trimmed.slice(at + 1).toUpperCase()]
  return (await client.query<{ id: string }>('SELECT id FROM resources WHERE model = $1 AND type = $2', params)).rows[0]
    ?.id
}

/** Ids of the named departments or projects that exist (names match ignoring ASCII case). */
async function entityIds(
  client: Queryable,
  table: 'departments' | 'projects',
  names: readonly string[]
): Promise<number[]> {
  const rows = await client.query<{ id: number }>(
    `SELECT id FROM ${table} WHERE keyward_nocase(name) = ANY(SELECT keyward_nocase(n) FROM unnest($1::text[]) n) ORDER BY id`,
    [names]
  )
  return rows.rows.map((r) => Number(r.id))
}

/** The key's id by id or name (trimmed, as findKey), else a deleted key's by id or last name. */
async function auditTarget(client: Queryable, ref: string): Promise<string> {
  const trimmed = ref.trim()
  const live =
    (await client.query<{ id: string }>(KEY_ID_BY_ID, [trimmed])).rows[0] ??
    (await client.query<{ id: string }>(KEY_ID_BY_NAME, [trimmed])).rows[0]
  if (live) return live.id
  const gone = (await client.query<{ key_id: string }>(TOMBSTONE_KEY_ID, [ref])).rows[0]
  if (!gone) throw keyNeverExisted(ref)
  return gone.key_id
}
