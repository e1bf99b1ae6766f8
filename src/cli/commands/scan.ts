import { resolve } from 'node:path'
import { KeywardError } from '../../shared/errors'
import type { LeakFinding, ScanActResult, ScanReport } from '../../shared/scan'
import { loadCore } from '../context'
import { formatTable, plural, type Column } from '../output'
import type { Registrar } from './index'

/** Findings whose key can still be acted on: a retired secret no longer verifies, a deleted or unknown key is not here. */
const ACTIONABLE = new Set(['active', 'disabled', 'expired'])

const FINDING_COLUMNS: Column<LeakFinding>[] = [
  { header: 'File', value: (f) => f.file, max: 60 },
  { header: 'Line', value: (f) => f.line, right: true },
  { header: 'Key', value: (f) => f.name ?? '(not in this registry)', max: 32 },
  { header: 'Status', value: (f) => f.status },
  { header: 'Hint', value: (f) => f.hint }
]

function size(bytes: number): string {
  return bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(1)} MB`
}

function describe(doc: ScanReport & { acted?: ScanActResult }): string {
  const lines: string[] = []
  const scanned = `${plural(doc.files, 'file')}, ${size(doc.bytes)} scanned`
  if (doc.findings.length === 0) lines.push(`No Keyward keys found (${scanned}).`)
  else {
    const files = new Set(doc.findings.map((f) => f.file)).size
    lines.push(formatTable(doc.findings, FINDING_COLUMNS), '')
    lines.push(`${plural(doc.findings.length, 'key')} found in ${plural(files, 'file')} (${scanned}).`)
  }
  if (doc.acted) {
    const changed = doc.acted.keys.filter((k) => k.changed)
    const verb = doc.acted.action === 'disable' ? 'Disabled' : 'Deleted'
    lines.push(
      changed.length
        ? `${verb} ${plural(changed.length, 'key')}: ${changed.map((k) => k.name).join(', ')}.`
        : `No key to ${doc.acted.action}.`
    )
  }
  if (doc.unreadable.length)
    lines.push(`Could not read ${plural(doc.unreadable.length, 'path')}: ${doc.unreadable.join(', ')}`)
  return lines.join('\n')
}

/** `scan PATH...`: finds Keyward secrets in files (hints only), exit 1 when any is found; optionally disables or deletes their keys. */
export const registerScan: Registrar = (program, ctx) => {
  program
    .command('scan')
    .description('find Keyward keys in files and folders (exit 1 when one is found); optionally disable or delete them')
    .argument('<PATH...>', 'files and folders to scan')
    .option('--all', 'also files .gitignore excludes, and .git folders')
    .option('--disable', 'disable the keys found (audited as "leaked: FILE:LINE")')
    .option('--delete', 'delete the keys found (audited as "leaked: FILE:LINE")')
    .addHelpText(
      'after',
      '\nBinary files (a NUL byte in the first 8000 bytes) are skipped; symbolic links are not followed.\n' +
        'Only tokens with a valid checksum count. Keys are shown by their hint, never in full.\n' +
        'Exit codes: 0 nothing found, 1 a key was found, 2 invalid input.'
    )
    .action(async (paths: string[], opts: { all?: boolean; disable?: boolean; delete?: boolean }) => {
      if (opts.disable && opts.delete) {
        throw KeywardError.validation({ action: 'Choose --disable or --delete, not both.' })
      }
      const refusePicker = async (): Promise<string | null> => {
        throw new KeywardError('NOT_FOUND', 'The folder picker belongs to the desktop app: name the paths.')
      }
      // On a file, the scan looks the secrets up in the registry this process opens; on PostgreSQL,
      // the PostgreSQL table's own scan.run does (the CLI's dispatch lets it read the local files).
      const scan =
        ctx.target.engine === 'sqlite'
          ? loadCore().createScanHandlers({ registry: ctx.registry(), pickFolder: refusePicker })
          : undefined
      const report = await ctx.call('scan.run', { paths, all: opts.all === true }, scan)
      const action = opts.disable ? 'disable' : opts.delete ? 'delete' : undefined
      let acted: ScanActResult | undefined
      if (action) {
        const targets = report.findings
          .filter((f) => f.keyId !== null && ACTIONABLE.has(f.status))
          .map((f) => ({ keyId: f.keyId!, file: resolve(f.file), line: f.line }))
        acted = targets.length ? await ctx.call('scan.act', { action, findings: targets }) : { action, keys: [] }
      }
      if (report.findings.length > 0) ctx.setExitCode(1)
      ctx.print(acted ? { ...report, acted } : report, describe)
    })
}
