import type { Pool } from 'pg'
import type { ParsedInput } from '../../../shared/contract'
import type { ScanActResult } from '../../../shared/scan'
import type { ApiKey } from '../../../shared/types'
import type { AuditRecord } from '../audit'
import { keyNotFound } from '../key-rows'
import { deleteAuditRecord, statusAuditRecord } from '../keys'
import { leakPlaces, leakReason, secretStatus, type KeyBySecret, type SecretRow } from '../leaks'
import { appendPgAudit } from './audit'
import { findPgKey, pgKeyByPk, removePgKeyRows } from './keys'
import { pgKeysByPks } from './lists'
import { inSnapshot, inTransaction } from './transaction'

/**
 * The leak scan's registry side on PostgreSQL (core/leaks.ts on SQLite): which key a found
 * secret's SHA-256 belongs to, and scan.act, which disables or deletes the keys found in ONE
 * transaction, each audited as on SQLite ("leaked: FILE:LINE"). The files are read by the host
 * (src/main/scan), as on a file registry.
 */

/** Secret hashes → the keys they belong to, live or deleted, from one snapshot (two queries). */
export async function pgKeysBySecretHash(
  pool: Pool,
  hashes: readonly Buffer[],
  now: number
): Promise<Map<string, KeyBySecret>> {
  const out = new Map<string, KeyBySecret>()
  if (hashes.length === 0) return out
  return inSnapshot(pool, async (client) => {
    const live = await client.query<SecretRow & { hex: string }>(
      `SELECT encode(s.secret_hash, 'hex') AS hex, k.id, k.name, s.hint, k.disabled, k.expires_at, s.retires_at
       FROM key_secrets s JOIN api_keys k ON k.pk = s.key_pk WHERE s.secret_hash = ANY($1::bytea[])`,
      [hashes]
    )
    const dead = await client.query<{ hex: string; key_id: string; name: string }>(
      `SELECT encode(secret_hash, 'hex') AS hex, key_id, name FROM key_tombstones WHERE secret_hash = ANY($1::bytea[])`,
      [hashes]
    )
    const liveByHex = new Map(live.rows.map((r) => [r.hex, r]))
    const deadByHex = new Map(dead.rows.map((r) => [r.hex, r]))
    // In the order found, as on SQLite; a secret held by a key is never also a tombstone's.
    for (const hash of hashes) {
      const hex = hash.toString('hex')
      if (out.has(hex)) continue
      const row = liveByHex.get(hex)
      if (row) out.set(hex, { keyId: row.id, name: row.name, status: secretStatus(row, now), hint: row.hint })
      else {
        const tomb = deadByHex.get(hex)
        if (tomb) out.set(hex, { keyId: tomb.key_id, name: tomb.name, status: 'deleted', hint: null })
      }
    }
    return out
  })
}

/**
 * Disables or deletes every key the findings name, in ONE transaction: a key that is gone refuses
 * the lot and nothing changes (NOT_FOUND, as on SQLite). The keys' rows are locked in pk order
 * before anything is written, and the entries appended last (the chain head's lock), as every
 * change on PostgreSQL takes its locks. A key already disabled is left as it is.
 */
export async function actOnPgLeaks(
  pool: Pool,
  v: ParsedInput<'scan.act'>,
  actor: string,
  now: number
): Promise<ScanActResult> {
  const places = leakPlaces(v)
  return inTransaction(pool, async (client) => {
    const refs: { ref: string; pk: number; reason: string }[] = []
    for (const [ref, found] of places)
      refs.push({ ref, pk: (await findPgKey(client, ref, now, false)).pk, reason: leakReason(found) })
    const pks = [...new Set(refs.map((r) => r.pk))].sort((a, b) => a - b)
    await client.query('SELECT pk FROM api_keys WHERE pk = ANY($1::bigint[]) ORDER BY pk FOR UPDATE', [pks])
    // Read again once locked: another node may have changed or deleted one meanwhile.
    const current = new Map<number, ApiKey>((await pgKeysByPks(client, pks, now)).map((t) => [t.pk, t.key]))
    const records: AuditRecord[] = []
    const keys: ScanActResult['keys'] = []
    for (const { ref, pk, reason } of refs) {
      const before = current.get(pk)
      if (!before) throw keyNotFound(ref)
      if (v.action === 'disable') {
        if (before.status !== 'disabled') {
          await client.query('UPDATE api_keys SET disabled = 1, updated_at = $1 WHERE pk = $2', [now, pk])
          const after = await pgKeyByPk(client, pk, now)
          current.set(pk, after)
          records.push({ ...statusAuditRecord(before, after, true, reason), actor })
        }
        keys.push({ id: before.id, name: before.name, changed: before.status !== 'disabled' })
      } else {
        await removePgKeyRows(client, [pk], now, actor)
        current.delete(pk)
        records.push({ ...deleteAuditRecord(before, reason), actor })
        keys.push({ id: before.id, name: before.name, changed: true })
      }
    }
    await appendPgAudit(client, now, records)
    return { action: v.action, keys }
  })
}
