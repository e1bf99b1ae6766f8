import type { Pool, PoolClient } from 'pg'
import type { Output, ParsedInput } from '../../../shared/contract'
import {
  usageReportAnswer,
  usageReportWindow,
  USAGE_REPORT_MAX_ROWS,
  type UsageEntry,
  type UsageQueryRow
} from '../usage'
import { findPgKey } from './keys'
import { inSnapshot, inTransaction } from './transaction'

/**
 * Usage on PostgreSQL: the report (usage.report) and the gateway's writes (recordPgUsageRows).
 * The report's window, limits and answer are built by core/usage.ts's functions; only the query
 * differs (names ordered as SQLite's NOCASE then bytes, whatever the database's collation).
 */

type Queryable = Pick<PoolClient, 'query'>

/** The usage report from key_usage, on one snapshot: the rows, order and totals SQLite answers. */
export function pgUsageReport(
  pool: Pool,
  v: ParsedInput<'usage.report'>,
  now: number
): Promise<Output<'usage.report'>> {
  const { from, to, size } = usageReportWindow(v)
  return inSnapshot(pool, async (client) => {
    const params: unknown[] = [from, to]
    const param = (value: unknown) => `$${params.push(value)}`
    const where = ['u.minute >= $1', 'u.minute < $2']
    if (v.key !== undefined) {
      const { pk } = await findPgKey(client, v.key, now, false)
      where.push(`u.key_pk = ${param(pk)}`)
    }
    if (v.models?.length) where.push(`u.model = ANY(${param(v.models)}::text[])`)
    // SQLite's departments.name and projects.name are NOCASE columns: equal ignoring ASCII case.
    if (v.department !== undefined)
      where.push(
        `k.department_id = (SELECT id FROM departments WHERE keyward_nocase(name) = keyward_nocase(${param(v.department)}))`
      )
    if (v.project !== undefined)
      where.push(
        `k.project_id = (SELECT id FROM projects WHERE keyward_nocase(name) = keyward_nocase(${param(v.project)}))`
      )
    const rows = await client.query<UsageQueryRow>(
      // size is one of three integer constants; minute is BIGINT, so the division is integral.
      `SELECT (u.minute / ${size}) * ${size} AS bucket, k.id AS "keyId", k.name AS "keyName", u.model AS model,
              sum(u.requests)::bigint AS requests, sum(u.prompt_tokens)::bigint AS "promptTokens",
              sum(u.completion_tokens)::bigint AS "completionTokens"
       FROM key_usage u JOIN api_keys k ON k.pk = u.key_pk
       WHERE ${where.join(' AND ')}
       GROUP BY 1, u.key_pk, k.id, k.name, u.model
       ORDER BY 1, keyward_nocase(k.name) COLLATE "C", u.model COLLATE "C"
       LIMIT ${USAGE_REPORT_MAX_ROWS + 1}`,
      params
    )
    return usageReportAnswer(rows.rows)
  })
}

/**
 * The gateway's usage on PostgreSQL, as recordUsageRows on SQLite: many rows in one transaction,
 * counts added to what is there (INSERT … ON CONFLICT DO UPDATE), so nodes adding to the same
 * key, model and minute at once lose nothing. A row whose key or assignment is gone is skipped.
 * Returns rows written.
 *
 * The keys and resources used are locked FOR KEY SHARE first (a key being deleted waits for this
 * commit, or is gone and skipped); then key_usage rows, then resource_usage rows, each in key
 * order, so two nodes' writes take row locks in one order and never deadlock each other.
 */
export async function recordPgUsageRows(pool: Pool, rows: readonly UsageEntry[]): Promise<number> {
  if (rows.length === 0) return 0
  return inTransaction(pool, (client) => addPgUsage(client, rows))
}

export async function addPgUsage(client: Queryable, rows: readonly UsageEntry[]): Promise<number> {
  const pairs = new Map<string, { pk: number; model: string }>()
  for (const r of rows) pairs.set(JSON.stringify([r.pk, r.model]), { pk: r.pk, model: r.model })
  const live = await client.query<{ key_pk: number; model: string; resource_id: string; tpm_limit: number | null }>(
    `SELECT kr.key_pk, kr.model, r.id AS resource_id, r.tpm_limit
     FROM key_resources kr JOIN api_keys k ON k.pk = kr.key_pk JOIN resources r ON r.id = kr.resource_id
     WHERE (kr.key_pk, kr.model) IN (SELECT * FROM unnest($1::bigint[], $2::text[]))
     ORDER BY kr.key_pk, kr.model COLLATE "C"
     FOR KEY SHARE OF k, r`,
    [[...pairs.values()].map((p) => p.pk), [...pairs.values()].map((p) => p.model)]
  )
  const assignment = new Map(live.rows.map((a) => [JSON.stringify([a.key_pk, a.model]), a]))
  const keyUsage = new Map<
    string,
    { pk: number; model: string; minute: number; requests: number; prompt: number; completion: number }
  >()
  const resourceUsage = new Map<string, { id: string; minute: number; tokens: number }>()
  let written = 0
  for (const r of rows) {
    const a = assignment.get(JSON.stringify([r.pk, r.model]))
    if (!a) continue
    written++
    const k = JSON.stringify([r.pk, r.model, r.minute])
    const sum = keyUsage.get(k) ?? { pk: r.pk, model: r.model, minute: r.minute, requests: 0, prompt: 0, completion: 0 }
    sum.requests += r.requests ?? 1
    sum.prompt += r.promptTokens
    sum.completion += r.completionTokens
    keyUsage.set(k, sum)
    if (a.tpm_limit != null) {
      const rk = JSON.stringify([a.resource_id, r.minute])
      const used = resourceUsage.get(rk) ?? { id: a.resource_id, minute: r.minute, tokens: 0 }
      used.tokens += r.promptTokens + r.completionTokens
      resourceUsage.set(rk, used)
    }
  }
  if (keyUsage.size > 0) {
    const list = [...keyUsage.values()]
    await client.query(
      `INSERT INTO key_usage (key_pk, model, minute, requests, prompt_tokens, completion_tokens)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[])
         AS u (key_pk, model, minute, requests, prompt_tokens, completion_tokens)
       ORDER BY u.key_pk, u.model COLLATE "C", u.minute
       ON CONFLICT (key_pk, model, minute) DO UPDATE SET requests = key_usage.requests + excluded.requests,
         prompt_tokens = key_usage.prompt_tokens + excluded.prompt_tokens,
         completion_tokens = key_usage.completion_tokens + excluded.completion_tokens`,
      [
        list.map((u) => u.pk),
        list.map((u) => u.model),
        list.map((u) => u.minute),
        list.map((u) => u.requests),
        list.map((u) => u.prompt),
        list.map((u) => u.completion)
      ]
    )
  }
  if (resourceUsage.size > 0) {
    const list = [...resourceUsage.values()]
    await client.query(
      `INSERT INTO resource_usage (resource_id, minute, tokens)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS u (resource_id, minute, tokens)
       ORDER BY u.resource_id COLLATE "C", u.minute
       ON CONFLICT (resource_id, minute) DO UPDATE SET tokens = resource_usage.tokens + excluded.tokens`,
      [list.map((u) => u.id), list.map((u) => u.minute), list.map((u) => u.tokens)]
    )
  }
  return written
}
