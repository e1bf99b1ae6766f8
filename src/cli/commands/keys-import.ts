import { closeSync, existsSync, unlinkSync, writeSync } from 'node:fs'
import { extname, resolve } from 'node:path'
import type { Command } from 'commander'
import { KeywardError } from '../../shared/errors'
import type { KeyImportResult } from '../../shared/schemas'
import { readImportFile, reserveSecretsFile, secretsCsv } from '../../main/files/import-file'
import type { CliContext } from '../context'
import { plural, redactSecrets } from '../output'
import { exportFormatOption } from './keys-export'

interface ImportFlags {
  format?: string
  dryRun?: boolean
  secretsOut?: string
  skipInvalid?: boolean
}

/** Problems listed in the human report; --json lists them all. */
const SHOWN = 50

function secretsWarning(count: number, where: string): string {
  return (
    `Warning: ${where} holds the secrets of ${plural(count, 'new key')}, shown this once and stored nowhere else. ` +
    'Hand each to its owner over a safe channel, then delete the file.\n'
  )
}

function problemsText(result: KeyImportResult): string {
  const lines = result.errors
    .slice(0, SHOWN)
    .map((e) => `  ${e.row === 0 ? 'file' : `row ${e.row}`}, ${e.field}: ${e.message}`)
  if (result.errors.length > SHOWN) lines.push(`  … and ${result.errors.length - SHOWN} more (see --json)`)
  return redactSecrets(lines.join('\n'))
}

/** `keys import FILE`: keys from a CSV or JSON file, every row checked before anything is written. */
export function registerKeysImport(keys: Command, ctx: CliContext): void {
  keys
    .command('import')
    .description(
      'import keys from CSV or JSON (as keys export writes it, or name,sha256,hint rows of another system); all or nothing'
    )
    .argument('<FILE>', 'the file to import')
    .option(
      '--format <format>',
      'csv or json (default: from the extension, else csv)',
      exportFormatOption(['csv', 'json'])
    )
    .option('--dry-run', 'check every row and report what would be imported; write nothing')
    .option(
      '--secrets-out <FILE>',
      "write new keys' secrets to FILE (created 0600, never overwritten); - prints them on stdout"
    )
    .option(
      '--skip-invalid',
      'import the valid rows and report the others (default: any problem and nothing is written)'
    )
    .action(async (file: string, opts: ImportFlags) => {
      const format = (opts.format ?? (extname(file).toLowerCase() === '.json' ? 'json' : 'csv')) as 'csv' | 'json'
      const text = readImportFile(file)
      const dryRun = opts.dryRun === true
      const toStdout = opts.secretsOut === '-'
      const secretsPath = opts.secretsOut !== undefined && !toStdout ? resolve(opts.secretsOut) : undefined
      const input = { text, format, dryRun, skipInvalid: opts.skipInvalid === true }

      if (!dryRun && opts.secretsOut === undefined) {
        // Without somewhere to put them, new keys' secrets would be lost: check first, write nothing.
        const preview = await ctx.call('keys.import', { ...input, dryRun: true })
        if (preview.created > 0) {
          throw KeywardError.validation({
            '--secrets-out': `${plural(preview.created, 'row')} ${preview.created === 1 ? 'is a new key' : 'are new keys'} (no hash): their secrets are made now and shown once. Give --secrets-out FILE (or - for stdout).`
          })
        }
      }
      if (dryRun && secretsPath !== undefined && existsSync(secretsPath)) {
        throw KeywardError.validation({
          '--secrets-out': `${secretsPath} already exists: name a new file (a secrets file is never overwritten).`
        })
      }

      const fd = !dryRun && secretsPath !== undefined ? reserveSecretsFile(secretsPath) : undefined
      let result: KeyImportResult
      let kept = false
      try {
        result = await ctx.call('keys.import', input)
        if (fd !== undefined && result.created > 0) {
          writeSync(fd, secretsCsv(result.keys))
          kept = true
        }
      } finally {
        if (fd !== undefined) {
          closeSync(fd)
          if (!kept) unlinkSync(secretsPath!)
        }
      }

      if (result.errors.length > 0 && !opts.skipInvalid) ctx.setExitCode(2)
      if (kept) process.stderr.write(secretsWarning(result.created, secretsPath!))
      if (toStdout && result.created > 0 && !ctx.json)
        process.stderr.write(secretsWarning(result.created, 'this output'))
      const doc = {
        created: result.created,
        imported: result.imported,
        errors: result.errors,
        dryRun: result.dryRun,
        ...(kept ? { secretsOut: secretsPath } : {}),
        // Secrets only where the user asked for them on stdout.
        keys: result.keys.map(({ secret, ...k }) => (toStdout && secret ? { ...k, secret } : k))
      }
      if (result.errors.length > 0 && !opts.skipInvalid) {
        if (ctx.json) ctx.print(doc, () => '')
        else {
          process.stderr.write(
            `keyward: the import was refused (${plural(result.errors.length, 'problem')}); nothing was written.\n${problemsText(result)}\n`
          )
        }
        return
      }
      ctx.print(doc, (d) => {
        const what = `${plural(d.created, 'new key')} and ${plural(d.imported, 'key')} by hash`
        const lines = [dryRun ? `Dry run: ${what} would be imported; nothing was written.` : `Imported ${what}.`]
        if (kept) lines.push(`Secrets of the new keys: ${secretsPath} (mode 0600).`)
        if (toStdout && d.created > 0) lines.push('', secretsCsv(result.keys).trimEnd())
        if (d.errors.length > 0)
          lines.push(`Skipped ${plural(new Set(d.errors.map((e) => e.row)).size, 'row')}:`, problemsText(result))
        return lines.join('\n')
      })
    })
}
