import type { Pool, PoolClient } from 'pg'
import type { ApiKey, KeyResource } from '../../../shared/types'
import { KEY_SELECT, keyFromRow, keyNotFound, type KeyRow } from '../key-rows'
import { deleteAuditRecord, statusAuditRecord } from '../keys'
import { appendPgAudit } from './audit'
import { inTransaction } from './transaction'

/**
 * The key changes revocation needs, on PostgreSQL: disable, enable, delete. Each is one
 * transaction that first locks the key's row (SELECT … FOR UPDATE), so two nodes changing the same
 * key take turns: the second sees the first's result (the key disabled, or gone: NOT_FOUND) and
 * writes no second audit entry. The audit entry is appended in the same transaction (appendPgAudit
 * locks the chain head), so a change exists exactly when its entry does. Locks are always taken
 * key row first, chain head second, so these never deadlock one another. The documents, errors
 * and audit entries are those of the SQLite core (key-rows.ts, keys.ts).
 *
 * The pool must come from openPgRegistry, which reads BIGINT columns (epoch ms) as numbers.
 */

type Queryable = Pick<PoolClient, 'query'>

// Names match as SQLite's NOCASE does (ASCII only), through the expression the unique index is on.
const KEY_BY_ID = `${KEY_SELECT} WHERE k.id = $1`
const KEY_BY_NAME = `${KEY_SELECT} WHERE keyward_nocase(k.name) = keyward_nocase($1)`
const KEY_BY_PK = `${KEY_SELECT} WHERE k.pk = $1`
// FOR UPDATE OF k: the key's row only (the department and project rows are on the nullable side).
const LOCK = ' FOR UPDATE OF k'
// As bytes, like SQLite's BINARY collation, whatever the database's default collation is.
const RESOURCES_OF_KEY = `SELECT r.id, r.model, r.type, r.status FROM key_resources kr JOIN resources r ON r.id = kr.resource_id
  WHERE kr.key_pk = $1 ORDER BY r.model COLLATE "C", r.type COLLATE "C"`

export interface Found {
  pk: number
  key: ApiKey
}

/** The key named by id or name (ignoring ASCII case), as the SQLite core answers it; NOT_FOUND when absent. */
export async function pgKeyByRef(client: Queryable, ref: string, now: number): Promise<ApiKey> {
  return (await findPgKey(client, ref, now, false)).key
}

/** Disables or enables a key; when it is already so, answers it unchanged and writes nothing. */
export async function setPgKeyDisabled(
  pool: Pool,
  ref: string,
  disabled: boolean,
  actor: string,
  now: number,
  /** Why, for the audit entry (a leak scan's "leaked: FILE:LINE"). */
  reason?: string
): Promise<{ key: ApiKey }> {
  return inTransaction(pool, async (client) => {
    const { pk, key: before } = await findPgKey(client, ref, now, true)
    if ((before.status === 'disabled') === disabled) return { key: before }
    await client.query('UPDATE api_keys SET disabled = $1, updated_at = $2 WHERE pk = $3', [disabled ? 1 : 0, now, pk])
    const after = await pgKeyByPk(client, pk, now)
    await appendPgAudit(client, now, [{ ...statusAuditRecord(before, after, disabled, reason), actor }])
    return { key: after }
  })
}

/**
 * Removes the key, its assignments and secrets; the secrets' hashes stay as tombstones, so they
 * verify as REVOKED on every node once this commits.
 */
export async function deletePgKey(
  pool: Pool,
  ref: string,
  actor: string,
  now: number,
  reason?: string
): Promise<{ deleted: { id: string; name: string } }> {
  return inTransaction(pool, async (client) => {
    const { pk, key } = await findPgKey(client, ref, now, true)
    await removePgKeyRows(client, [pk], now, actor)
    await appendPgAudit(client, now, [{ ...deleteAuditRecord(key, reason), actor }])
    return { deleted: { id: key.id, name: key.name } }
  })
}

/**
 * Deletes these (locked) keys' rows, their secrets' hashes kept as tombstones under the key's id
 * and name; the caller appends each key's entry (deleteAuditRecord).
 */
export async function removePgKeyRows(
  client: Queryable,
  pks: readonly number[],
  now: number,
  actor: string
): Promise<void> {
  await client.query(
    `INSERT INTO key_tombstones (secret_hash, key_id, name, deleted_at, deleted_by)
     SELECT s.secret_hash, k.id, k.name, $1, $2 FROM key_secrets s JOIN api_keys k ON k.pk = s.key_pk
     WHERE s.key_pk = ANY($3::bigint[])
     ON CONFLICT (secret_hash) DO NOTHING`,
    [now, actor, pks]
  )
  // key_secrets, key_resources and key_usage go with them (ON DELETE CASCADE).
  await client.query('DELETE FROM api_keys WHERE pk = ANY($1::bigint[])', [pks])
}

/**
 * By id first, then by name, as findKey on SQLite. With `lock`, the row stays locked until the
 * transaction ends; a row another transaction deletes meanwhile is not found once it commits.
 */
export async function findPgKey(client: Queryable, ref: string, now: number, lock: boolean): Promise<Found> {
  const trimmed = ref.trim()
  const suffix = lock ? LOCK : ''
  const row =
    (await client.query<KeyRow>(KEY_BY_ID + suffix, [trimmed])).rows[0] ??
    (await client.query<KeyRow>(KEY_BY_NAME + suffix, [trimmed])).rows[0]
  if (!row) throw keyNotFound(ref)
  return { pk: row.pk, key: await withResources(client, row, now) }
}

export async function pgKeyByPk(client: Queryable, pk: number, now: number): Promise<ApiKey> {
  const row = (await client.query<KeyRow>(KEY_BY_PK, [pk])).rows[0]
  if (!row) throw new Error(`Key row ${pk} vanished inside its own transaction.`)
  return withResources(client, row, now)
}

async function withResources(client: Queryable, row: KeyRow, now: number): Promise<ApiKey> {
  const resources = (await client.query<KeyResource>(RESOURCES_OF_KEY, [row.pk])).rows
  return keyFromRow(row, resources, now)
}
