import { existsSync, readFileSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import type { AuditFileVerifyResult } from '../../main/core/audit-export'
import { KeywardError } from '../../shared/errors'
import type { AuditEntry, AuditVerifyResult } from '../../shared/types'
import { loadCore } from '../context'
import { formatTable, formatTime, plural, type Column } from '../output'
import { integerOption } from '../parse'
import type { Registrar } from './index'

function short(value: unknown): string {
  if (value === null || value === undefined) return '-'
  if (Array.isArray(value)) return value.length ? value.map(short).join(', ') : '(none)'
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}

/** "notes: - → hi; status: active → disabled", or the recorded fields for creations and deletions. */
export function summarizeDetails(details: Record<string, unknown>): string {
  const changes = details.changes as Record<string, { from: unknown; to: unknown }> | undefined
  if (changes && typeof changes === 'object') {
    return Object.entries(changes)
      .map(([field, c]) => `${field}: ${short(c?.from)} → ${short(c?.to)}`)
      .join('; ')
  }
  return Object.entries(details)
    .filter(([, v]) => v !== null && !(Array.isArray(v) && v.length === 0))
    .map(([field, v]) => `${field}=${short(v)}`)
    .join(' ')
}

const AUDIT_COLUMNS: Column<AuditEntry>[] = [
  { header: 'Seq', value: (e) => e.seq, right: true },
  { header: 'Time', value: (e) => formatTime(e.at) },
  { header: 'Actor', value: (e) => e.actor, max: 20 },
  { header: 'Action', value: (e) => e.action },
  { header: 'Target', value: (e) => e.targetName ?? e.targetId, max: 32 },
  { header: 'Details', value: (e) => summarizeDetails(e.details), max: 80 }
]

function describeVerify(result: AuditVerifyResult): string {
  if (result.ok) return `Audit chain intact: ${plural(result.entries, 'entry', 'entries')} verified.`
  return (
    `Audit chain BROKEN at entry ${result.brokenAt} (of ${plural(result.entries, 'entry', 'entries')}): ` +
    'an entry was edited, removed or reordered from there on. Restore the registry from a backup to recover the history.'
  )
}

function describeFileVerify(file: string, result: AuditFileVerifyResult): string {
  if (result.ok)
    return `Audit export ${file} intact: ${plural(result.entries, 'entry', 'entries')} verified up to the head it records.`
  return `Audit export ${file} BROKEN at entry ${result.firstBadSeq}: ${result.message}`
}

function readExport(file: string): string {
  const path = resolve(file)
  if (!existsSync(path) || !statSync(path).isFile())
    throw KeywardError.validation({ '--file': `${path} does not exist or is not a file.` })
  return readFileSync(path, 'utf8')
}

/** `audit list|verify|export`: the hash-chained log of every change. */
export const registerAudit: Registrar = (program, ctx) => {
  const audit = program.command('audit').description('the tamper-evident log of every change')

  audit
    .command('list')
    .description('list audit entries, newest first')
    .option('--key <KREF>', 'only entries about this key (id or name; deleted keys too)')
    .option('--action <action>', 'only this action, e.g. key.create, key.edit, resource.add')
    .option('--limit <n>', 'at most this many entries (1-1000)', integerOption('--limit', { min: 1, max: 1000 }), 100)
    .option('--offset <n>', 'skip this many entries', integerOption('--offset'), 0)
    .action(async (opts: { key?: string; action?: string; limit: number; offset: number }) => {
      const page = await ctx.call('audit.list', {
        key: opts.key,
        action: opts.action,
        limit: opts.limit,
        offset: opts.offset
      })
      ctx.print(page, (doc) => {
        if (doc.items.length === 0)
          return doc.total === 0 ? 'No audit entries.' : `No entries on this page: ${doc.total} in all.`
        const last = opts.offset + doc.items.length
        return `${formatTable(doc.items, AUDIT_COLUMNS)}\n\nShowing ${opts.offset + 1}-${last} of ${plural(doc.total, 'entry', 'entries')}, newest first.`
      })
    })

  audit
    .command('verify')
    .description('check the hash chain; exit 1 and name the first broken entry if it was tampered with')
    .option('--file <FILE>', 'check an "audit export" file instead of the registry (offline, no registry needed)')
    .action(async (opts: { file?: string }) => {
      if (opts.file !== undefined) {
        const fileResult = loadCore().verifyAuditExport(readExport(opts.file))
        if (!fileResult.ok) ctx.setExitCode(1)
        ctx.print(fileResult, (doc) => describeFileVerify(opts.file!, doc))
        return
      }
      const result = await ctx.call('audit.verify', {})
      if (!result.ok) ctx.setExitCode(1)
      ctx.print(result, describeVerify)
    })

  audit
    .command('export')
    .description('write the whole log as JSON Lines with each entry\'s chain hash, for "audit verify --file"')
    .option('--out <FILE>', 'write to FILE (mode 0600, replaced whole) instead of stdout')
    .action(async (opts: { out?: string }) => {
      const exported = await ctx.call('audit.export', {})
      if (opts.out === undefined) {
        // JSON Lines are the output, with or without --json.
        process.stdout.write(exported.text)
        return
      }
      const out = resolve(opts.out)
      loadCore().writePrivateFileAtomically(out, exported.text)
      ctx.print(
        { exported: out, entries: exported.entries },
        (doc) => `Exported ${plural(doc.entries, 'audit entry', 'audit entries')} to ${doc.exported}.`
      )
    })
}
