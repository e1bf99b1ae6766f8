import { extname, resolve } from 'node:path'
import type { Command } from 'commander'
import { KeywardError } from '../../shared/errors'
import type { CliContext } from '../context'
import { loadCore } from '../context'
import { plural } from '../output'
import { keyFilterOptions, keyFiltersFrom, type KeyFilterFlags } from './key-filters'

type Format = 'csv' | 'json'

/** --format csv|json; anything else is a usage error naming the flag (exit 2). */
export function exportFormatOption(formats: readonly string[]) {
  return (value: string): string => {
    const format = value.trim().toLowerCase()
    if (!formats.includes(format))
      throw KeywardError.validation({ '--format': `"${value}" is not a format; use ${formats.join(' or ')}.` })
    return format
  }
}

/** Without --format: json for an --out FILE ending in .json, csv otherwise. */
function formatFor(format: string | undefined, out: string | undefined): Format {
  if (format) return format as Format
  return out !== undefined && extname(out).toLowerCase() === '.json' ? 'json' : 'csv'
}

const SENSITIVE_WARNING =
  "Warning: this export holds the SHA-256 hashes of the keys' live secrets (a migration export). " +
  'Anyone with it can test guessed keys offline: keep it private and delete it after the import. ' +
  'It is recorded in the audit log.\n'

/** `keys export`: the keys `keys list` selects with the same flags (every page), as CSV or JSON. */
export function registerKeysExport(keys: Command, ctx: CliContext): void {
  keyFilterOptions(
    keys
      .command('export')
      .description('export the keys the filters select (all pages) as CSV or JSON; never a secret')
      .option(
        '--format <format>',
        'csv or json (default: from the --out extension, else csv)',
        exportFormatOption(['csv', 'json'])
      )
      .option('--with-hashes', "add the live secrets' SHA-256 hashes, for a migration (sensitive, audited)")
      .option('--out <FILE>', 'write to FILE (mode 0600, replaced whole) instead of stdout')
  ).action(async (opts: KeyFilterFlags & { format?: string; withHashes?: boolean; out?: string }) => {
    const format = formatFor(opts.format, opts.out)
    const exported = await ctx.call('keys.export', {
      filters: keyFiltersFrom(opts),
      format,
      withHashes: opts.withHashes === true
    })
    if (exported.sensitive) process.stderr.write(SENSITIVE_WARNING)
    if (opts.out === undefined) {
      // The export is the output, with or without --json.
      process.stdout.write(exported.text)
      return
    }
    const out = resolve(opts.out)
    loadCore().writePrivateFileAtomically(out, exported.text)
    ctx.print(
      { exported: out, format, count: exported.count, sensitive: exported.sensitive },
      (doc) => `Exported ${plural(doc.count, 'key')} as ${doc.format.toUpperCase()} to ${doc.exported} (mode 0600).`
    )
  })
}
