import { createHash } from 'node:crypto'
import type { AuditEntry, AuditVerifyResult, Page } from '../../shared/types'
import type { ParsedInput } from '../../shared/contract'
import { KeywardError } from '../../shared/errors'
import { iso } from './clock'
import type { Core } from './context'
import { findKey } from './key-rows'
import type { SqliteStore } from './store'

export interface AuditRecord {
  actor: string
  action: string
  targetId: string | null
  targetName: string | null
  /** Changed fields, before → after. Never a secret. */
  details: Record<string, unknown>
}

export interface AuditRow {
  seq: number
  at: number
  actor: string
  action: string
  target_id: string | null
  target_name: string | null
  details: string
  prev_hash: string
  hash: string
}

/** The prev_hash of the first entry. */
export const GENESIS = '0'.repeat(64)

/** JSON with object keys sorted, so the same entry always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null)
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const entries = Object.keys(value as Record<string, unknown>)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
  return `{${entries.join(',')}}`
}

/** An entry's chain hash: SHA-256(prevHash || canonical entry). Also checks exported logs offline (audit-export.ts). */
export function entryHash(prevHash: string, row: Omit<AuditRow, 'prev_hash' | 'hash'>): string {
  const content = canonicalJson({
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    targetId: row.target_id,
    targetName: row.target_name,
    details: JSON.parse(row.details)
  })
  return createHash('sha256').update(prevHash).update(content).digest('hex')
}

/**
 * entryHash for a row whose details are already canonical JSON (as append writes them): the same
 * text canonicalJson would give for the whole entry (keys in sorted order), built without parsing
 * the details back. Checked against entryHash by every audit verification in the tests.
 */
function chainHash(prevHash: string, row: Omit<AuditRow, 'prev_hash' | 'hash'>): string {
  const content =
    `{"action":${JSON.stringify(row.action)},"actor":${JSON.stringify(row.actor)},"at":${canonicalJson(row.at)},` +
    `"details":${row.details},"seq":${canonicalJson(row.seq)},"targetId":${canonicalJson(row.target_id)},` +
    `"targetName":${canonicalJson(row.target_name)}}`
  return createHash('sha256').update(prevHash).update(content).digest('hex')
}

/**
 * The rows that chain `records` (all at the instant `at`) after the entry (seq, prevHash): what
 * either engine writes, so a chain is the same chain on SQLite and on PostgreSQL.
 */
export function chainRows(seq: number, prevHash: string, at: number, records: readonly AuditRecord[]): AuditRow[] {
  const rows: AuditRow[] = []
  for (const record of records) {
    const row = {
      seq: ++seq,
      at,
      actor: record.actor,
      action: record.action,
      target_id: record.targetId,
      target_name: record.targetName,
      details: canonicalJson(record.details)
    }
    const hash = chainHash(prevHash, row)
    rows.push({ ...row, prev_hash: prevHash, hash })
    prevHash = hash
  }
  return rows
}

/**
 * The append-only, hash-chained audit log. `append` must run inside the caller's transaction,
 * so an entry exists exactly when its change does.
 */
export class AuditLog {
  constructor(private readonly store: SqliteStore) {}

  append(at: number, record: AuditRecord): number {
    return this.appendMany(at, [record])
  }

  /**
   * Several entries at the same instant, chained in order: the last entry is read once and the
   * head written once, however many entries (a bulk action's one per key). Returns the last seq.
   */
  appendMany(at: number, records: readonly AuditRecord[]): number {
    const last = this.store.sql('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as
      { seq: number; hash: string } | undefined
    if (records.length === 0) return last?.seq ?? 0
    const insert = this.store.sql(
      'INSERT INTO audit_log (seq, at, actor, action, target_id, target_name, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'
    )
    const rows = chainRows(last?.seq ?? 0, last?.hash ?? GENESIS, at, records)
    for (const r of rows)
      insert.run(r.seq, r.at, r.actor, r.action, r.target_id, r.target_name, r.details, r.prev_hash, r.hash)
    const { seq, hash: head } = rows[rows.length - 1]!
    // The head is kept apart from the rows so that cutting entries off the end is noticed too.
    this.store
      .sql(
        "INSERT INTO registry_settings (name, value) VALUES ('audit_head', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value"
      )
      .run(`${seq}:${head}`)
    return seq
  }

  list(filter: { targetId?: string; action?: string; limit: number; offset: number }): Page<AuditEntry> {
    const where: string[] = []
    const params: unknown[] = []
    if (filter.targetId !== undefined) {
      where.push('target_id = ?')
      params.push(filter.targetId)
    }
    if (filter.action !== undefined) {
      where.push('action = ?')
      params.push(filter.action)
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : ''
    const total = (this.store.sql(`SELECT count(*) AS n FROM audit_log ${clause}`).get(...params) as { n: number }).n
    const rows = this.store
      .sql(`SELECT * FROM audit_log ${clause} ORDER BY seq DESC LIMIT ? OFFSET ?`)
      .all(...params, filter.limit, filter.offset) as AuditRow[]
    return { total, items: rows.map(toAuditEntry) }
  }

  /** Walks the chain from the start; the first row whose seq, link or hash is off breaks it. */
  verify(): AuditVerifyResult {
    let prevHash = GENESIS
    let expectedSeq = 1
    let entries = 0
    for (const row of this.store.sql('SELECT * FROM audit_log ORDER BY seq').iterate() as IterableIterator<AuditRow>) {
      entries++
      let intact = row.seq === expectedSeq && row.prev_hash === prevHash
      if (intact) {
        try {
          intact = entryHash(prevHash, row) === row.hash
        } catch {
          intact = false // details no longer parse as JSON
        }
      }
      if (!intact) return { ok: false, entries: this.count(), brokenAt: Math.min(row.seq, expectedSeq) }
      prevHash = row.hash
      expectedSeq++
    }
    const head = this.store.sql("SELECT value FROM registry_settings WHERE name = 'audit_head'").get() as
      { value: string } | undefined
    const expectedHead = entries === 0 ? undefined : `${entries}:${prevHash}`
    if (head?.value === expectedHead) return { ok: true, entries }
    // The chain is intact but disagrees with the head: rows were added past it (the first of them is
    // broken), cut off the end (the first missing seq), or the last row was rewritten with its hash.
    const headSeq = head ? Number(head.value.split(':')[0]) : 0
    const brokenAt = headSeq < entries ? headSeq + 1 : headSeq > entries ? entries + 1 : entries
    return { ok: false, entries, brokenAt }
  }

  private count(): number {
    return (this.store.sql('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n
  }
}

/** Audit entries, newest first; `key` may name a deleted key too (by its id or last name). */
export function listAudit(core: Core, v: ParsedInput<'audit.list'>): Page<AuditEntry> {
  let targetId: string | undefined
  if (v.key !== undefined) {
    targetId = findKey(core, v.key)?.id
    if (!targetId) {
      // Deleted keys are still in the audit: look for them by id or by their last name.
      targetId = core.store
        .pluck(
          'SELECT key_id FROM key_tombstones WHERE key_id = ? OR name = ? COLLATE NOCASE ORDER BY deleted_at DESC LIMIT 1'
        )
        .get(v.key, v.key) as string | undefined
      if (!targetId) throw keyNeverExisted(v.key)
    }
  }
  return core.audit.list({ targetId, action: v.action, limit: v.limit, offset: v.offset })
}

/** A row of the log → the entry audit.list answers, on either engine. */
export function toAuditEntry(r: AuditRow): AuditEntry {
  return {
    seq: r.seq,
    at: iso(r.at),
    actor: r.actor,
    action: r.action,
    targetId: r.target_id,
    targetName: r.target_name,
    details: JSON.parse(r.details) as Record<string, unknown>
  }
}

/** audit.list's answer to a key that neither exists nor left a tombstone, on either engine. */
export function keyNeverExisted(ref: string): KeywardError {
  return new KeywardError('NOT_FOUND', `No key "${ref}" exists or ever existed. Check the name or id.`, {
    key: 'No such key.'
  })
}
