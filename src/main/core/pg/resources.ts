import type { Pool, PoolClient } from 'pg'
import type { ParsedInput } from '../../../shared/contract'
import type { Resource, TpmPool } from '../../../shared/types'
import { newId } from '../context'
import { poolAuditRecord, poolBelowAssigned, poolExceeded } from '../pool'
import {
  addAuditRecord,
  editAuditRecord,
  editedTpmLimit,
  editPlan,
  newResourceRow,
  removeAuditRecord,
  resourceExists,
  resourceInUse,
  resourceNotFound,
  toResource,
  type ResourceRow
} from '../resources'
import type { RandomBytes } from '../secrets'
import { appendPgAudit } from './audit'
import { inTransaction } from './transaction'

/**
 * Resources and the TPM pool on PostgreSQL, answering and recording what core/resources.ts and
 * core/pool.ts do on SQLite (the same documents, errors and audit records, built by the same
 * functions). Each change is one transaction.
 *
 * The pool: a check reads the TPM assigned, then writes. Every such check (adding a TPM resource,
 * changing a TPM limit, setting the pool) first takes the pool's lock, so checks from several
 * nodes take turns and the second sees the first's change: the pool cannot be overshot. The lock
 * is a transaction-scoped advisory lock, not a row's: the pool's setting row is absent while no
 * pool is set (as on SQLite), and "no pool" must serialize too, against a pool being set.
 * Locks are taken pool first, then the resource's row, then the audit chain's head (appendPgAudit),
 * so these changes never deadlock one another or the key changes (key row, then the chain head).
 */

type Queryable = Pick<PoolClient, 'query'>

/** The key counts read in a statement of their own, after any lock: it sees every assignment committed before. */
const WITH_KEY_COUNT =
  'SELECT r.*, (SELECT count(*) FROM key_resources kr WHERE kr.resource_id = r.id) AS key_count FROM resources r'
// As bytes, like SQLite's BINARY collation, whatever the database's default collation is.
const LIST = `${WITH_KEY_COUNT} ORDER BY r.model COLLATE "C", r.type COLLATE "C"`
const COUNTED_BY_ID = `${WITH_KEY_COUNT} WHERE r.id = $1`
const ID_BY_ID = 'SELECT id FROM resources WHERE id = $1'
const ID_BY_MODEL_TYPE = 'SELECT id FROM resources WHERE model = $1 AND type = $2'
const ASSIGNED = "SELECT coalesce(sum(tpm_limit), 0)::bigint AS n FROM resources WHERE type = 'TPM'"
const POOL_SIZE = "SELECT value FROM registry_settings WHERE name = 'tpm_pool'"
/** The pool's lock (see above), held until the transaction ends. */
const LOCK_POOL = "SELECT pg_advisory_xact_lock(hashtext('keyward tpm pool'))"

export async function listPgResources(pool: Pool): Promise<{ items: Resource[] }> {
  const rows = (await pool.query<ResourceRow>(LIST)).rows
  return { items: rows.map(toResource) }
}

export async function addPgResource(
  pool: Pool,
  v: ParsedInput<'resources.add'>,
  actor: string,
  now: number,
  randomBytes: RandomBytes
): Promise<{ resource: Resource }> {
  return inTransaction(pool, async (client) => {
    if (v.type === 'TPM') await client.query(LOCK_POOL)
    if ((await client.query(ID_BY_MODEL_TYPE, [v.model, v.type])).rows[0]) throw resourceExists(v)
    if (v.type === 'TPM') await checkPgPool(client, v.tpmLimit!, 'tpmLimit')
    const id = newId({ randomBytes }, 'r_')
    try {
      await client.query(
        `INSERT INTO resources (id, model, type, status, tpm_limit, upstream_url, upstream_model, upstream_key_env, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        newResourceRow(id, v, now)
      )
    } catch (error) {
      // Another node added the same MODEL:TYPE since the check: the same CONFLICT (this transaction rolls back).
      if (isUniqueViolation(error, 'resources_model_type_key')) throw resourceExists(v)
      throw error
    }
    const resource = await pgResourceById(client, id)
    await appendPgAudit(client, now, [{ ...addAuditRecord(resource), actor }])
    return { resource }
  })
}

export async function editPgResource(
  pool: Pool,
  v: ParsedInput<'resources.edit'>,
  actor: string,
  now: number
): Promise<{ resource: Resource }> {
  return inTransaction(pool, async (client) => {
    if (v.tpmLimit !== undefined) await client.query(LOCK_POOL)
    const before = await lockPgResource(client, v.resource)
    const limit = editedTpmLimit(before, v)
    if (limit !== undefined) await checkPgPool(client, limit - before.tpmLimit!, 'tpmLimit')
    const { changes, upstream } = editPlan(before, v)
    if (Object.keys(changes).length === 0) return { resource: before }
    await client.query(
      `UPDATE resources SET tpm_limit = coalesce($1, tpm_limit), status = coalesce($2, status), upstream_url = $3,
         upstream_model = $4, upstream_key_env = $5, updated_at = $6 WHERE id = $7`,
      [
        v.tpmLimit ?? null,
        v.status ?? null,
        upstream?.url ?? null,
        upstream?.model ?? null,
        upstream?.keyEnv ?? null,
        now,
        before.id
      ]
    )
    await appendPgAudit(client, now, [{ ...editAuditRecord(before, changes), actor }])
    return { resource: await pgResourceById(client, before.id) }
  })
}

/**
 * The resource's row is locked first: an assignment being made meanwhile holds a share lock on it
 * (its foreign key), so the count read after the lock includes every assignment that committed.
 */
export async function removePgResource(
  pool: Pool,
  v: ParsedInput<'resources.remove'>,
  actor: string,
  now: number
): Promise<{ removed: Resource }> {
  return inTransaction(pool, async (client) => {
    const resource = await lockPgResource(client, v.resource)
    if (resource.keyCount > 0) throw resourceInUse(resource)
    // resource_usage and tpm_window go with it (ON DELETE CASCADE).
    await client.query('DELETE FROM resources WHERE id = $1', [resource.id])
    await appendPgAudit(client, now, [{ ...removeAuditRecord(resource), actor }])
    return { removed: resource }
  })
}

/** The pool, what TPM resources provision and what remains: one snapshot. */
export async function getPgPool(pool: Pool): Promise<TpmPool> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
    const answer = await poolState(client)
    await client.query('COMMIT')
    return answer
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  } finally {
    client.release()
  }
}

export async function setPgPool(pool: Pool, v: ParsedInput<'pool.set'>, actor: string, now: number): Promise<TpmPool> {
  return inTransaction(pool, async (client) => {
    await client.query(LOCK_POOL)
    const before = await poolSize(client)
    const assigned = await assignedPgTpm(client)
    if (v.tpmPool != null && assigned > v.tpmPool) throw poolBelowAssigned(v.tpmPool, assigned)
    if (before === v.tpmPool) return poolState(client)
    if (v.tpmPool == null) await client.query("DELETE FROM registry_settings WHERE name = 'tpm_pool'")
    else
      await client.query(
        "INSERT INTO registry_settings (name, value) VALUES ('tpm_pool', $1) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        [String(v.tpmPool)]
      )
    await appendPgAudit(client, now, [{ ...poolAuditRecord(before, v.tpmPool), actor }])
    return poolState(client)
  })
}

/** As checkPool on SQLite, for a change adding `delta` TPM; the caller holds the pool's lock. */
async function checkPgPool(client: Queryable, delta: number, field: string): Promise<void> {
  const size = await poolSize(client)
  if (size == null) return
  const assigned = await assignedPgTpm(client)
  if (assigned + delta > size) throw poolExceeded(size, assigned + delta, assigned, field)
}

async function poolState(client: Queryable): Promise<TpmPool> {
  const tpmPool = await poolSize(client)
  const assigned = await assignedPgTpm(client)
  return { tpmPool, assigned, remaining: tpmPool == null ? null : tpmPool - assigned }
}

async function assignedPgTpm(client: Queryable): Promise<number> {
  return Number((await client.query<{ n: number }>(ASSIGNED)).rows[0]!.n)
}

async function poolSize(client: Queryable): Promise<number | null> {
  const row = (await client.query<{ value: string }>(POOL_SIZE)).rows[0]
  return row === undefined ? null : Number(row.value)
}

/**
 * By id first, then as MODEL:TYPE (the type in any case), as resourceRow on SQLite; the row stays
 * locked (FOR UPDATE) until the transaction ends. NOT_FOUND when absent, or removed meanwhile.
 */
async function lockPgResource(client: Queryable, ref: string): Promise<Resource> {
  const trimmed = ref.trim()
  let id = (await client.query<{ id: string }>(`${ID_BY_ID} FOR UPDATE`, [trimmed])).rows[0]?.id
  if (id === undefined) {
    const at = trimmed.lastIndexOf(':')
    if (at > 0) {
      const params = [trimmed.slice(0, at), trimmed.slice(at + 1).toUpperCase()]
      id = (await client.query<{ id: string }>(`${ID_BY_MODEL_TYPE} FOR UPDATE`, params)).rows[0]?.id
    }
  }
  if (id === undefined) throw resourceNotFound(ref)
  return pgResourceById(client, id)
}

async function pgResourceById(client: Queryable, id: string): Promise<Resource> {
  const row = (await client.query<ResourceRow>(COUNTED_BY_ID, [id])).rows[0]
  if (!row) throw new Error(`Resource row ${id} vanished inside its own transaction.`)
  return toResource(row)
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  const e = error as { code?: unknown; constraint?: unknown }
  return e?.code === '23505' && e.constraint === constraint
}
