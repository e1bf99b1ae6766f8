import type { KeyListInput } from '../../shared/schemas'
import type { z } from 'zod'
import type { Core } from './context'
import { entityIds } from './key-rows'
import { findResourceId } from './resources'

/** The list's filters and order, with department/project names and the resource already resolved to ids. */
export type KeyFilter = Omit<z.output<typeof KeyListInput>, 'limit' | 'offset'> & {
  resourceId?: string
  departmentIds?: number[]
  projectIds?: number[]
}
type ParsedList = KeyFilter & Pick<z.output<typeof KeyListInput>, 'limit' | 'offset'>
/** The filters alone (no sort, no paging), names resolved to ids: what `keys.list` and `keys.bulk` select by. */
export type KeyFilters = Omit<KeyFilter, 'sort' | 'desc'>

export interface KeyListQuery {
  countSql: string
  pageSql: string
  params: Record<string, unknown>
}

const DAY_MS = 86_400_000
/** Never-expiring keys count as expiring at the end of time: the same expression the index is built on. */
const EXPIRES = 'coalesce(k.expires_at, 8640000000000000)'

/** Sort keys map to expressions that match an index exactly, so a page never sorts the table. */
const ORDER: Record<KeyFilter['sort'], string> = {
  name: 'k.name COLLATE NOCASE',
  createdAt: 'k.created_at',
  lastUsedAt: 'k.last_used_at',
  expiresAt: EXPIRES
}

/**
 * Escapes a search string as one FTS5 phrase (trigram tokenizer: substring match, any case): the
 * text is data, never query syntax (AND, NEAR, *, ^, column filters are matched literally).
 * The caller keeps NUL out: FTS5 reads it as the end of the query.
 */
export function ftsPhrase(text: string): string {
  return `"${text.replace(/"/g, '""')}"`
}

/**
 * The filtered, sorted, paged key list as two statements over named parameters. Every filter
 * narrows through an index; text of three or more characters goes through the FTS5 trigram index.
 *
 * Without statistics SQLite would pick any indexed equality to drive the query, and it prefers
 * one that also gives the order; for `disabled = 0` (nearly every key) that means walking the
 * whole table. So the most selective filter present drives, and the weak ones are written with a
 * unary + (which only stops an index from being used): project, then department, then
 * environment; `disabled = 0` never drives.
 */
export function buildKeyListQuery(v: ParsedList, now: number): KeyListQuery {
  const { clause, params } = keyFilterClause(v, now)
  const dir = v.desc ? 'DESC' : 'ASC'
  return {
    countSql: countSql(v, clause),
    pageSql: `
      SELECT k.pk, k.id, k.name, k.kind, k.hint, k.disabled, d.name AS department, p.name AS project, k.environment,
             k.requestor, k.app_id, k.justification, k.notes, k.notify_email, k.created_at, k.updated_at,
             k.expires_at, k.last_used_at
      FROM api_keys k
      LEFT JOIN departments d ON d.id = k.department_id
      LEFT JOIN projects p ON p.id = k.project_id
      ${clause}
      ORDER BY ${ORDER[v.sort]} ${dir}, k.pk ${dir}
      LIMIT @limit OFFSET @offset`,
    params
  }
}

/**
 * The pks of every key the list's filters select, in the list's order, without paging (export,
 * bulk actions): the same WHERE clause as a list page, so both select exactly the same keys.
 */
export function buildKeyMatchQuery(v: KeyFilter, now: number): { sql: string; params: Record<string, unknown> } {
  const { clause, params } = keyFilterClause(v, now)
  const dir = v.desc ? 'DESC' : 'ASC'
  return { sql: `SELECT k.pk FROM api_keys k ${clause} ORDER BY ${ORDER[v.sort]} ${dir}, k.pk ${dir}`, params }
}

/**
 * A list's filters resolved for the query: department/project names and the resource become ids.
 * Undefined when a named department, project or resource does not exist, so no key can match.
 */
export function resolveKeyFilter(
  core: Core,
  v: Omit<z.output<typeof KeyListInput>, 'limit' | 'offset'>
): KeyFilter | undefined {
  let resourceId: string | undefined
  if (v.resource !== undefined) {
    resourceId = findResourceId(core, v.resource)
    if (resourceId === undefined) return undefined
  }
  const departmentIds = v.departments?.length ? entityIds(core, 'departments', v.departments) : undefined
  const projectIds = v.projects?.length ? entityIds(core, 'projects', v.projects) : undefined
  if (departmentIds?.length === 0 || projectIds?.length === 0) return undefined
  return { ...v, resourceId, departmentIds, projectIds }
}

/** The WHERE clause of the list's filters (see buildKeyListQuery for how they drive indexes). */
export function keyFilterClause(v: KeyFilters, now: number): { clause: string; params: Record<string, unknown> } {
  const where: string[] = []
  const params: Record<string, unknown> = {}
  let driver = false
  const drive = (column: string) => {
    const plain = !driver
    driver = true
    return plain ? column : `+${column}`
  }
  if (v.projectIds?.length) where.push(idFilter(drive('k.project_id'), 'project', v.projectIds, params))
  if (v.departmentIds?.length) where.push(idFilter(drive('k.department_id'), 'department', v.departmentIds, params))
  if (v.environment !== undefined) {
    where.push(`${drive('k.environment')} = @environment COLLATE NOCASE`)
    params.environment = v.environment
  }
  if (v.status !== undefined) {
    params.now = now
    if (v.status === 'disabled') where.push(`${drive('k.disabled')} = 1`)
    else if (v.status === 'expired') where.push(`+k.disabled = 0 AND ${EXPIRES} <= @now`)
    else where.push(`+k.disabled = 0 AND ${EXPIRES} > @now`)
  }
  if (v.resourceId !== undefined) {
    // A probe per candidate row: the page stops after `limit` hits instead of collecting every holder.
    where.push('EXISTS (SELECT 1 FROM key_resources kr WHERE kr.key_pk = k.pk AND kr.resource_id = @resourceId)')
    params.resourceId = v.resourceId
  }
  if (v.search) {
    if (v.search.includes('\0')) {
      // SQLite's text ends at a NUL: no stored text holds one, and FTS5 would read it as the end of the query.
      where.push('0')
    } else if ([...v.search].length >= 3) {
      where.push('k.pk IN (SELECT rowid FROM api_keys_fts WHERE api_keys_fts MATCH @search)')
      params.search = ftsPhrase(v.search)
    } else {
      // Trigrams need three characters; one or two fall back to a scan with LIKE.
      where.push(
        "(k.name LIKE @like ESCAPE '\\' OR k.requestor LIKE @like ESCAPE '\\' OR k.app_id LIKE @like ESCAPE '\\' OR k.notes LIKE @like ESCAPE '\\')"
      )
      params.like = `%${v.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
    }
  }
  if (v.expiringWithinDays !== undefined) {
    where.push(`${EXPIRES} > @now AND ${EXPIRES} <= @horizon`)
    params.now = now
    params.horizon = now + v.expiringWithinDays * DAY_MS
  }
  return { clause: where.length ? `WHERE ${where.join(' AND ')}` : '', params }
}

/**
 * The total. Counting visits every matching key, so the two common filters that match most of the
 * registry are counted from smaller sets: a resource's holders from its assignment index alone, and
 * active keys as all keys (a b-tree count, no row reads) minus the disabled and the expired ones.
 */
function countSql(v: KeyFilter, clause: string): string {
  const filters = [
    v.projectIds?.length && 'project',
    v.departmentIds?.length && 'department',
    v.environment !== undefined && 'environment',
    v.status !== undefined && `status:${v.status}`,
    v.resourceId !== undefined && 'resource',
    v.search && 'search',
    v.expiringWithinDays !== undefined && 'expiring'
  ].filter(Boolean)
  const only = (filter: string) => filters.length === 1 && filters[0] === filter
  // Every assignment belongs to a live key (deleting a key deletes its assignments).
  if (only('resource')) return 'SELECT count(*) AS n FROM key_resources WHERE resource_id = @resourceId'
  if (only('status:active')) {
    return `SELECT (SELECT count(*) FROM api_keys) - (SELECT count(*) FROM api_keys WHERE disabled = 1)
      - (SELECT count(*) FROM api_keys k WHERE ${EXPIRES} <= @now AND +k.disabled = 0) AS n`
  }
  return `SELECT count(*) AS n FROM api_keys k ${clause}`
}

/** `column = @name` for one id (an index can then also give the order), IN a JSON list for several. */
function idFilter(column: string, name: string, ids: number[], params: Record<string, unknown>): string {
  if (ids.length === 1) {
    params[name] = ids[0]
    return `${column} = @${name}`
  }
  params[name] = JSON.stringify(ids)
  return `${column} IN (SELECT value FROM json_each(@${name}))`
}

/** The pks of every key the filters select, by name (bulk actions): the same WHERE clause as the list. */
export function buildKeySelectionQuery(v: KeyFilters, now: number): { sql: string; params: Record<string, unknown> } {
  const { clause, params } = keyFilterClause(v, now)
  return {
    sql: `SELECT k.pk FROM api_keys k ${clause} ORDER BY ${ORDER.name}, k.pk`,
    params
  }
}
