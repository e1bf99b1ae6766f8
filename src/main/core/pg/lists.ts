import type { Pool, PoolClient } from 'pg'
import type { ParsedInput } from '../../../shared/contract'
import type { AuditEntry, Page, Suggestions } from '../../../shared/types'
import { keyNeverExisted, toAuditEntry, type AuditRow } from '../audit'

/**
 * The read-only lists on PostgreSQL, answering what the SQLite core does: the audit log's pages
 * (core/audit.ts listAudit) and the forms' suggestions (key-rows.ts suggestions). Each answer is
 * read from one snapshot (REPEATABLE READ, read only), so a page's total and items agree while
 * other nodes write. Text is compared and ordered as SQLite does: names ignoring ASCII case only
 * (keyward_nocase), order as bytes (COLLATE "C"), whatever the database's default collation.
 */

type Queryable = Pick<PoolClient, 'query'>

const KEY_ID_BY_ID = 'SELECT id FROM api_keys WHERE id = $1'
const KEY_ID_BY_NAME = 'SELECT id FROM api_keys WHERE keyward_nocase(name) = keyward_nocase($1)'
const TOMBSTONE_KEY_ID = `SELECT key_id FROM key_tombstones WHERE key_id = $1 OR keyward_nocase(name) = keyward_nocase($1)
  ORDER BY deleted_at DESC LIMIT 1`

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

async function inSnapshot<T>(pool: Pool, read: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
    const result = await read(client)
    await client.query('COMMIT')
    return result
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  } finally {
    client.release()
  }
}
