import { canonicalJson, entryHash, GENESIS, type AuditRow } from './audit'
import { iso } from './clock'
import type { Core } from './context'

/**
 * The audit log as JSON Lines, and the offline check of such an export.
 *
 * Each entry is one line with every stored field, its chain link and hash:
 *   {"seq":1,"at":"2026-06-01T12:00:00.000Z","actor":"ana","action":"key.create","targetId":"k_…",
 *    "targetName":"ci","details":{…},"prevHash":"000…","hash":"3f2…"}
 * and the last line says where the chain ended when it was exported (the registry's own head,
 * kept in registry_settings apart from the rows), so cutting entries off the end is noticed:
 *   {"end":true,"format":"keyward-audit/1","entries":N,"head":{"seq":N,"hash":"…"},"exportedAt":"…"}
 * A hash chain without a secret proves order and integrity, not authorship: whoever rewrites
 * every entry after an edit and the end line can forge a consistent file. Compare the head with
 * the registry's (`keyward audit verify`) or keep it elsewhere to pin it.
 */
export const AUDIT_EXPORT_FORMAT = 'keyward-audit/1'

export interface AuditExportLine {
  seq: number
  at: string
  actor: string
  action: string
  targetId: string | null
  targetName: string | null
  details: unknown
  prevHash: string
  hash: string
}

export interface AuditExportEnd {
  end: true
  format: typeof AUDIT_EXPORT_FORMAT
  entries: number
  head: { seq: number; hash: string } | null
  exportedAt: string
}

export interface AuditExport {
  /** The file's text: one JSON document per line, each ending in "\n". */
  text: string
  entries: number
}

export interface AuditFileVerifyResult {
  ok: boolean
  /** Entry lines in the file (the end line not counted). */
  entries: number
  /** The first entry that is edited, missing, out of order or cut off. */
  firstBadSeq?: number
  /** What is wrong, for a person. */
  message?: string
}

/** Every entry, oldest first, and the head, read in one snapshot. */
export function exportAuditLog(core: Core): AuditExport {
  let rows: AuditRow[] = []
  let head: string | undefined
  core.store.batch(() => {
    rows = core.store.sql('SELECT * FROM audit_log ORDER BY seq').all() as AuditRow[]
    head = core.store.pluck("SELECT value FROM registry_settings WHERE name = 'audit_head'").get() as string | undefined
  })
  return auditExportText(rows, parseHead(head), core.clock())
}

/** The export's text from the rows, oldest first, and the head they were read with (both engines). */
export function auditExportText(rows: Iterable<AuditRow>, head: AuditExportEnd['head'], now: number): AuditExport {
  const lines: string[] = []
  for (const row of rows) {
    const line: AuditExportLine = {
      seq: Number(row.seq),
      at: iso(Number(row.at)),
      actor: row.actor,
      action: row.action,
      targetId: row.target_id,
      targetName: row.target_name,
      details: parseDetails(row.details),
      prevHash: row.prev_hash,
      hash: row.hash
    }
    lines.push(JSON.stringify(line))
  }
  const end: AuditExportEnd = {
    end: true,
    format: AUDIT_EXPORT_FORMAT,
    entries: lines.length,
    head,
    exportedAt: iso(now)
  }
  lines.push(JSON.stringify(end))
  return { text: `${lines.join('\n')}\n`, entries: lines.length - 1 }
}

/** Stored details are canonical JSON; a row damaged in the file is exported as its raw text (and fails verify). */
function parseDetails(stored: string): unknown {
  try {
    return JSON.parse(stored) as unknown
  } catch {
    return stored
  }
}

function parseHead(value: string | undefined): AuditExportEnd['head'] {
  if (value === undefined) return null
  const [seq, hash] = value.split(':')
  return { seq: Number(seq), hash: hash ?? '' }
}

const HASH = /^[0-9a-f]{64}$/

/**
 * Re-computes the chain of an export with the core's own hash, without a registry. Detects an
 * edited entry (its hash), a removed or reordered one (seq and link), lines added or cut off at
 * the end (the end line's count and head), and a missing end line (the file was cut short).
 */
export function verifyAuditExport(text: string): AuditFileVerifyResult {
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  const lastIsEnd = lines.length > 0 && isEndLine(lines.at(-1)!)
  const entries = lines.length - (lastIsEnd ? 1 : 0)
  const bad = (firstBadSeq: number, message: string): AuditFileVerifyResult => ({
    ok: false,
    entries,
    firstBadSeq,
    message
  })

  let prevHash = GENESIS
  let expectedSeq = 1
  for (let i = 0; i < entries; i++) {
    const lineNo = i + 1
    let value: unknown
    try {
      value = JSON.parse(lines[i]!)
    } catch {
      return bad(expectedSeq, `Line ${lineNo} is not valid JSON: the export was damaged or cut off there.`)
    }
    if (isObject(value) && value.end === true)
      return bad(expectedSeq, `Line ${lineNo} is an end line before the last line: lines were added after it.`)
    const entry = asEntry(value)
    if (!entry)
      return bad(
        expectedSeq,
        `Line ${lineNo} is not an audit entry (seq, at, actor, action, targetId, targetName, details, prevHash, hash).`
      )
    if (entry.seq !== expectedSeq)
      return bad(
        Math.min(entry.seq, expectedSeq),
        entry.seq > expectedSeq
          ? `Entry ${expectedSeq} is missing (line ${lineNo} holds entry ${entry.seq}): entries were removed or reordered.`
          : `Line ${lineNo} holds entry ${entry.seq} where entry ${expectedSeq} belongs: entries were reordered or repeated.`
      )
    if (entry.prevHash !== prevHash)
      return bad(entry.seq, `Entry ${entry.seq} does not link to the entry before it: the chain was broken there.`)
    const recomputed = entryHash(prevHash, {
      seq: entry.seq,
      at: Date.parse(entry.at),
      actor: entry.actor,
      action: entry.action,
      target_id: entry.targetId,
      target_name: entry.targetName,
      details: canonicalJson(entry.details)
    })
    if (recomputed !== entry.hash)
      return bad(entry.seq, `Entry ${entry.seq} (line ${lineNo}) was edited: its content no longer matches its hash.`)
    prevHash = entry.hash
    expectedSeq++
  }

  if (!lastIsEnd)
    return bad(
      entries + 1,
      `The export has no end line: it was cut off after ${entries} ${entries === 1 ? 'entry' : 'entries'}, or the end line was removed.`
    )
  const end = JSON.parse(lines.at(-1)!) as AuditExportEnd
  const headSeq = end.head?.seq ?? 0
  if (end.entries !== entries || headSeq !== entries) {
    const stated = Math.max(end.entries, headSeq)
    return stated > entries
      ? bad(
          entries + 1,
          `The export ends at entry ${entries} but its end line says ${stated}: entries were cut off the end.`
        )
      : bad(
          stated + 1,
          `The export has ${entries} entries but its end line says ${stated}: entries were added after it.`
        )
  }
  if (entries > 0 && end.head?.hash !== prevHash)
    return bad(entries, `Entry ${entries} does not match the head in the end line: the last entry was replaced.`)
  return { ok: true, entries }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isEndLine(line: string): boolean {
  try {
    const value = JSON.parse(line) as unknown
    return (
      isObject(value) &&
      value.end === true &&
      value.format === AUDIT_EXPORT_FORMAT &&
      Number.isSafeInteger(value.entries) &&
      (value.head === null ||
        (isObject(value.head) && Number.isSafeInteger(value.head.seq) && typeof value.head.hash === 'string'))
    )
  } catch {
    return false
  }
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

function asEntry(value: unknown): AuditExportLine | undefined {
  if (!isObject(value)) return undefined
  const v = value as Partial<AuditExportLine>
  const textOrNull = (x: unknown) => x === null || typeof x === 'string'
  const ok =
    Number.isSafeInteger(v.seq) &&
    typeof v.at === 'string' &&
    ISO_UTC.test(v.at) &&
    iso(Date.parse(v.at)) === v.at &&
    typeof v.actor === 'string' &&
    typeof v.action === 'string' &&
    textOrNull(v.targetId) &&
    textOrNull(v.targetName) &&
    'details' in v &&
    typeof v.prevHash === 'string' &&
    HASH.test(v.prevHash) &&
    typeof v.hash === 'string' &&
    HASH.test(v.hash)
  return ok ? (v as AuditExportLine) : undefined
}
