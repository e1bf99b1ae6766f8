import type { Pool, PoolClient } from 'pg'
import type { ParsedInput } from '../../../shared/contract'
import { iso } from '../clock'
import {
  exportAuditRecord,
  KEY_EXPORT_CHUNK,
  keyExportWriter,
  type ExportedKey,
  type ExportedSecretHash,
  type KeyExport
} from '../export'
import { appendPgAudit } from './audit'
import { pgKeyPks, pgKeysByPks } from './lists'
import { inSnapshot, inTransaction } from './transaction'

/**
 * keys.export on PostgreSQL: the keys keys.list selects with the same filters (every page, the
 * list's order), written by the SQLite core's own CSV and JSON writers (core/export.ts).
 *
 * Without hashes, one read-only snapshot. With hashes (a migration export, `sensitive`), the
 * transaction also appends its audit entry, and the chain head cannot be locked from a
 * REPEATABLE READ snapshot that another node's append has overtaken; so instead the selected keys'
 * rows are locked FOR SHARE (in pk order, before the chain head, as every change takes its locks)
 * and nothing about them (secrets, resources, fields: every change locks the key's row first) can
 * change until the export and its entry commit together.
 */

type Queryable = Pick<PoolClient, 'query'>

const HASHES_SQL = `
  SELECT key_pk, encode(secret_hash, 'hex') AS sha256, hint, retires_at FROM key_secrets
  WHERE key_pk = ANY($1::bigint[]) AND (retires_at IS NULL OR retires_at > $2)
  ORDER BY key_pk, retires_at IS NOT NULL, id DESC`

export async function exportPgKeys(
  pool: Pool,
  v: ParsedInput<'keys.export'>,
  actor: string,
  now: number
): Promise<KeyExport> {
  if (!v.withHashes) return inSnapshot(pool, (client) => exportFrom(client, v, now))
  return inTransaction(pool, async (client) => {
    const exported = await exportFrom(client, v, now, true)
    await appendPgAudit(client, now, [{ actor, ...exportAuditRecord(v, exported.count) }])
    return exported
  })
}

async function exportFrom(
  client: Queryable,
  v: ParsedInput<'keys.export'>,
  now: number,
  lock = false
): Promise<KeyExport> {
  let pks = await pgKeyPks(client, v.filters, now)
  if (lock && pks.length > 0) {
    const locked = await client.query<{ pk: number }>(
      'SELECT pk FROM api_keys WHERE pk = ANY($1::bigint[]) ORDER BY pk FOR SHARE',
      [pks]
    )
    // A key deleted between the selection and the lock is not exported.
    const live = new Set(locked.rows.map((r) => Number(r.pk)))
    pks = pks.filter((pk) => live.has(pk))
  }
  const writer = keyExportWriter(v, now)
  for (let i = 0; i < pks.length; i += KEY_EXPORT_CHUNK) {
    const chunk = pks.slice(i, i + KEY_EXPORT_CHUNK)
    const keys = await pgKeysByPks(client, chunk, now)
    writer.add(v.withHashes ? await withHashes(client, keys, now) : keys.map((t) => t.key))
  }
  return { text: writer.end(), count: pks.length, sensitive: v.withHashes }
}

async function withHashes(
  client: Queryable,
  keys: readonly { pk: number; key: ExportedKey }[],
  now: number
): Promise<ExportedKey[]> {
  const found = await client.query<{ key_pk: number; sha256: string; hint: string; retires_at: number | null }>(
    HASHES_SQL,
    [keys.map((t) => t.pk), now]
  )
  const hashes = new Map<number, ExportedSecretHash[]>()
  for (const h of found.rows) {
    const list = hashes.get(Number(h.key_pk)) ?? []
    list.push({ sha256: h.sha256, hint: h.hint, retiresAt: iso(h.retires_at) })
    hashes.set(Number(h.key_pk), list)
  }
  return keys.map(({ pk, key }) => ({ ...key, secretHashes: hashes.get(pk) ?? [] }))
}
