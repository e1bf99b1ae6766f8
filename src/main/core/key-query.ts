import type { KeyListInput } from '../../shared/schemas'
import type { z } from 'zod'

type ParsedList = z.output<typeof KeyListInput> & { resourceId?: string }

export interface KeyListQuery {
  countSql: string
  pageSql: string
  params: Record<string, unknown>
}

const DAY_MS = 86_400_000

/** Sort keys map to expressions that match an index exactly, so a page never sorts the table. */
const ORDER: Record<ParsedList['sort'], string> = {
  name: 'k.name COLLATE NOCASE',
  createdAt: 'k.created_at',
  lastUsedAt: 'k.last_used_at',
  expiresAt: 'coalesce(k.expires_at, 8640000000000000)'
}

/** Escapes a search string as one FTS5 phrase (trigram tokenizer: substring match, any case). */
export function ftsPhrase(text: string): string {
  return `"${text.replace(/"/g, '""')}"`
}

/**
 * The filtered, sorted, paged key list as two statements over named parameters. Every filter
 * narrows through an index; text of three or more characters goes through the FTS5 trigram index.
 */
export function buildKeyListQuery(v: ParsedList, now: number): KeyListQuery {
  const where: string[] = []
  const params: Record<string, unknown> = {}
  if (v.departments?.length) {
    where.push('k.department_id IN (SELECT id FROM departments WHERE name IN (SELECT value FROM json_each(@departments)))')
    params.departments = JSON.stringify(v.departments)
  }
  if (v.projects?.length) {
    where.push('k.project_id IN (SELECT id FROM projects WHERE name IN (SELECT value FROM json_each(@projects)))')
    params.projects = JSON.stringify(v.projects)
  }
  if (v.environment !== undefined) {
    where.push('k.environment = @environment COLLATE NOCASE')
    params.environment = v.environment
  }
  if (v.status !== undefined) {
    params.now = now
    if (v.status === 'disabled') where.push('k.disabled = 1')
    else if (v.status === 'expired') where.push('k.disabled = 0 AND k.expires_at <= @now')
    else where.push('k.disabled = 0 AND (k.expires_at IS NULL OR k.expires_at > @now)')
  }
  if (v.resourceId !== undefined) {
    where.push('k.pk IN (SELECT key_pk FROM key_resources WHERE resource_id = @resourceId)')
    params.resourceId = v.resourceId
  }
  if (v.search) {
    if ([...v.search].length >= 3) {
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
    where.push('k.expires_at > @now AND k.expires_at <= @horizon')
    params.now = now
    params.horizon = now + v.expiringWithinDays * DAY_MS
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : ''
  const dir = v.desc ? 'DESC' : 'ASC'
  return {
    countSql: `SELECT count(*) AS n FROM api_keys k ${clause}`,
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
