import type { Pool, PoolClient } from 'pg'
import type { AuditVerifyResult } from '../../../shared/types'
import { chainRows, entryHash, GENESIS, type AuditRecord, type AuditRow } from '../audit'
import { auditExportText, type AuditExport } from '../audit-export'
import { inSnapshot, inTransaction } from './transaction'

/** A connection that is inside the caller's transaction (or a pool, for reads only). */
type Queryable = Pick<PoolClient, 'query'>

/**
 * The audit chain on PostgreSQL, with many writers (several nodes, the CLI): each append locks
 * the chain head's one row (SELECT … FOR UPDATE), so appends from different connections take
 * turns and each links to the entry the previous one wrote. The hashes are those of
 * core/audit.ts (entryHash), so a chain copied between engines stays the same chain.
 *
 * Must run inside the caller's transaction (BEGIN … COMMIT on `client`): an entry exists exactly
 * when its change does, and the head's lock is held until that commit. Returns the last seq.
 */
export async function appendPgAudit(client: Queryable, at: number, records: readonly AuditRecord[]): Promise<number> {
  const head = await client.query<{ seq: number; hash: string }>(
    'SELECT seq, hash FROM audit_head WHERE one FOR UPDATE'
  )
  const current = head.rows[0]
  if (!current) throw new Error('The audit chain head is missing from the registry (table audit_head).')
  if (records.length === 0) return Number(current.seq)
  const rows = chainRows(Number(current.seq), current.hash, at, records)
  const values: unknown[] = []
  const tuples: string[] = []
  for (const r of rows) {
    const n = values.length
    tuples.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7}, $${n + 8}, $${n + 9})`)
    values.push(r.seq, r.at, r.actor, r.action, r.target_id, r.target_name, r.details, r.prev_hash, r.hash)
  }
  const { seq, hash: lastHash } = rows[rows.length - 1]!
  await client.query(
    `INSERT INTO audit_log (seq, at, actor, action, target_id, target_name, details, prev_hash, hash) VALUES ${tuples.join(', ')}`,
    values
  )
  await client.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE one', [seq, lastHash])
  return seq
}

/** appendPgAudit in a transaction of its own, on a connection from the pool. */
export function appendPgAuditEntries(pool: Pool, at: number, records: readonly AuditRecord[]): Promise<number> {
  return inTransaction(pool, (client) => appendPgAudit(client, at, records))
}

const PAGE = 2000

/**
 * Walks the chain from the start, as AuditLog.verify does on SQLite: the first row whose seq,
 * link or hash is off breaks it, and a head that disagrees with the last row names a shortened,
 * lengthened or rewritten end. Reads through `client` (inside the caller's transaction, which
 * should be REPEATABLE READ so rows and head are one snapshot).
 */
export async function verifyPgAudit(client: Queryable): Promise<AuditVerifyResult> {
  let prevHash = GENESIS
  let expectedSeq = 1
  let entries = 0
  let after = 0
  for (;;) {
    const page = await client.query<AuditRow>('SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2', [
      after,
      PAGE
    ])
    for (const row of page.rows) {
      entries++
      let intact = Number(row.seq) === expectedSeq && row.prev_hash === prevHash
      if (intact) {
        try {
          intact = entryHash(prevHash, { ...row, seq: Number(row.seq), at: Number(row.at) }) === row.hash
        } catch {
          intact = false // details no longer parse as JSON
        }
      }
      if (!intact) {
        const total = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log')
        return {
          ok: false,
          entries: Number(total.rows[0]?.n ?? entries),
          brokenAt: Math.min(Number(row.seq), expectedSeq)
        }
      }
      prevHash = row.hash
      expectedSeq++
      after = Number(row.seq)
    }
    if (page.rows.length < PAGE) break
  }
  const head = (await client.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_head WHERE one')).rows[0]
  const headSeq = head ? Number(head.seq) : 0
  if (head && headSeq === entries && head.hash === prevHash) return { ok: true, entries }
  // Intact rows that disagree with the head: rows added past it, cut off the end, or the last one rewritten.
  const brokenAt = headSeq < entries ? headSeq + 1 : headSeq > entries ? entries + 1 : entries
  return { ok: false, entries, brokenAt }
}

/** verifyPgAudit on one snapshot (REPEATABLE READ, read-only), on a connection from the pool. */
export function verifyPgAuditChain(pool: Pool): Promise<AuditVerifyResult> {
  return inSnapshot(pool, verifyPgAudit)
}

/**
 * `keyward audit export` on PostgreSQL: every entry and the chain head from one snapshot, as the
 * same JSON Lines a file exports (auditExportText), so `audit verify --file` checks either. A head
 * at seq 0 is the empty chain's, exported as no head, as on a file.
 */
export function exportPgAuditLog(pool: Pool, now: number): Promise<AuditExport> {
  return inSnapshot(pool, async (client) => {
    const rows = await client.query<AuditRow>('SELECT * FROM audit_log ORDER BY seq')
    const head = (await client.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_head WHERE one'))
      .rows[0]
    return auditExportText(
      rows.rows,
      head && Number(head.seq) > 0 ? { seq: Number(head.seq), hash: head.hash } : null,
      now
    )
  })
}
