import type { Pool, PoolClient } from 'pg'
import type { KeyBulkResult } from '../../../shared/schemas'
import type { ApiKey } from '../../../shared/types'
import {
  bulkChanges,
  bulkNextResources,
  bulkResourcesChange,
  bulkSetRecord,
  bulkStatusRecord,
  bulkSummary,
  checkedSet,
  compareNames,
  type BulkEntry,
  type BulkInput,
  type BulkPlan,
  type BulkTarget
} from '../bulk'
import { iso } from '../clock'
import { deleteAuditRecord } from '../keys'
import { appendPgAudit } from './audit'
import { findPgKey, removePgKeyRows } from './keys'
import { insertPgAssignments, pgEntityId, resolvePgResourceRef, resolvePgResourceSet, translated } from './keys-write'
import { pgKeyPks, pgKeysByPks } from './lists'
import { inTransaction } from './transaction'

/**
 * keys.bulk on PostgreSQL: one action on every key a filter (keys.list's, translated by
 * pgKeyFilterClause) or a list of ids and names selects, in ONE transaction, with one audit entry
 * per changed key: all or nothing, whatever the selection's size (no chunks: a PostgreSQL
 * transaction does not stop other writers the way SQLite's write lock does; it locks the rows it
 * changes).
 *
 * The selected keys' rows are locked first (SELECT … FOR UPDATE, ordered by pk, so two bulk
 * actions on overlapping selections take turns instead of deadlocking), then read again: a key
 * deleted meanwhile is left out, one changed meanwhile is judged as it is now. Then the named
 * resources (FOR KEY SHARE, as a single key's assignment does), the checks and the writes, and
 * last the audit entries (appendPgAudit locks the chain head). The plan, its checks, refusals,
 * answer and entries are the SQLite core's own (core/bulk.ts). A dry run locks nothing and writes
 * nothing.
 */

type Queryable = Pick<PoolClient, 'query'>

/**
 * Entries per INSERT: a statement takes at most 65,535 parameters (9 per entry). Each batch links
 * to the last (the head stays locked by this transaction), so the chain is the same as one append.
 */
export const AUDIT_BATCH = 5000

export async function bulkPgKeys(
  pool: Pool,
  v: BulkInput,
  actor: string,
  now: number,
  options: { auditBatch?: number } = {}
): Promise<KeyBulkResult> {
  return translated(pool, undefined, () =>
    inTransaction(pool, async (client) => {
      // A dry run reads one snapshot; the action itself sees each key as it is once locked.
      if (v.dryRun) await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ')
      const pks = await selectPks(client, v, now)
      if (!v.dryRun && pks.length > 0)
        await client.query('SELECT pk FROM api_keys WHERE pk = ANY($1::bigint[]) ORDER BY pk FOR UPDATE', [pks])
      const targets = await pgKeysByPks(client, pks, now)
      const named =
        v.action === 'assign'
          ? await resolvePgResourceSet(client, v.resources ?? [])
          : v.action === 'unassign'
            ? await resolveEach(client, v.resources ?? [])
            : []
      const set = v.action === 'set' ? checkedSet(v.set ?? {}, now) : {}
      const p: BulkPlan = { matched: targets.length, changes: [], named, set }
      p.changes = bulkChanges(v, p, targets)
      if (!v.dryRun && p.changes.length > 0) {
        // Written in row order, as on SQLite, so the entries follow the same order.
        const writeOrder = [...p.changes].sort((a, b) => a.pk - b.pk)
        const records = await writers[v.action](client, p, writeOrder, now, actor)
        const batch = options.auditBatch ?? AUDIT_BATCH
        for (let i = 0; i < records.length; i += batch)
          await appendPgAudit(
            client,
            now,
            records.slice(i, i + batch).map((r) => ({ actor, ...r }))
          )
      }
      return bulkSummary(
        p.matched,
        p.changes.map((t) => t.key)
      )
    })
  )
}

/** The selected keys' pks in name order: by the list's filters, or by id or name (NOT_FOUND naming a ref of no key). */
async function selectPks(client: Queryable, v: BulkInput, now: number): Promise<number[]> {
  if (!v.keys) return pgKeyPks(client, v.filters ?? {}, now)
  const found = new Map<number, ApiKey>()
  for (const ref of v.keys) {
    const { pk, key } = await findPgKey(client, ref, now, false)
    found.set(pk, key)
  }
  return [...found].sort(([, a], [, b]) => compareNames(a.name, b.name) || a.id.localeCompare(b.id)).map(([pk]) => pk)
}

async function resolveEach(client: Queryable, refs: readonly string[]) {
  const out = []
  for (const ref of refs) out.push(await resolvePgResourceRef(client, ref))
  return out
}

type Writer = (
  client: Queryable,
  p: BulkPlan,
  targets: readonly BulkTarget[],
  now: number,
  actor: string
) => Promise<BulkEntry[]>

/** Per action: the rows written set-wise, and each key's entry as the SQLite core builds it. */
const writers: Record<BulkInput['action'], Writer> = {
  disable: (client, _p, targets, now) => statusWriter(client, targets, now, true),
  enable: (client, _p, targets, now) => statusWriter(client, targets, now, false),
  delete: async (client, _p, targets, now, actor) => {
    await removePgKeyRows(
      client,
      targets.map((t) => t.pk),
      now,
      actor
    )
    return targets.map(({ key }) => deleteAuditRecord(key))
  },
  assign: (client, p, targets, now) =>
    resourcesWriter(client, targets, now, 'key.assign', bulkNextResources('assign', p)),
  unassign: (client, p, targets, now) =>
    resourcesWriter(client, targets, now, 'key.unassign', bulkNextResources('unassign', p)),
  set: async (client, p, targets, now) => {
    const set = p.set
    const params: unknown[] = []
    const columns: string[] = []
    const column = (name: string, value: unknown) => {
      params.push(value)
      columns.push(`${name} = $${params.length}`)
    }
    const stored: Partial<ApiKey> = {}
    for (const [field, table, name] of [
      ['department', 'departments', 'department_id'],
      ['project', 'projects', 'project_id']
    ] as const) {
      if (set[field] === undefined) continue
      // Created on first use, as for a single key; the name as stored (an existing one keeps its case).
      const id = await pgEntityId(client, table, set[field])
      column(name, id)
      stored[field] =
        id === null
          ? null
          : (await client.query<{ name: string }>(`SELECT name FROM ${table} WHERE id = $1`, [id])).rows[0]!.name
    }
    if (set.environment !== undefined) {
      column('environment', set.environment)
      stored.environment = set.environment
    }
    if (set.expiresAt !== undefined) {
      column('expires_at', set.expiresMs ?? null)
      stored.expiresAt = iso(set.expiresMs ?? null)
    }
    column('updated_at', now)
    params.push(targets.map((t) => t.pk))
    await client.query(`UPDATE api_keys SET ${columns.join(', ')} WHERE pk = ANY($${params.length}::bigint[])`, params)
    return targets.map(({ key }) => bulkSetRecord(key, stored))
  }
}

async function statusWriter(
  client: Queryable,
  targets: readonly BulkTarget[],
  now: number,
  disabled: boolean
): Promise<BulkEntry[]> {
  await client.query('UPDATE api_keys SET disabled = $1, updated_at = $2 WHERE pk = ANY($3::bigint[])', [
    disabled ? 1 : 0,
    now,
    targets.map((t) => t.pk)
  ])
  return targets.map(({ key }) => bulkStatusRecord(key, now, disabled))
}

async function resourcesWriter(
  client: Queryable,
  targets: readonly BulkTarget[],
  now: number,
  action: string,
  nextSet: ReturnType<typeof bulkNextResources>
): Promise<BulkEntry[]> {
  const records: BulkEntry[] = []
  for (const { pk, key } of targets) {
    const { added, removed, record } = bulkResourcesChange(key, action, nextSet)
    if (removed.length > 0)
      await client.query('DELETE FROM key_resources WHERE key_pk = $1 AND resource_id = ANY($2::text[])', [
        pk,
        removed.map((r) => r.id)
      ])
    await insertPgAssignments(client, pk, added)
    records.push(record)
  }
  await client.query('UPDATE api_keys SET updated_at = $1 WHERE pk = ANY($2::bigint[])', [
    now,
    targets.map((t) => t.pk)
  ])
  return records
}
