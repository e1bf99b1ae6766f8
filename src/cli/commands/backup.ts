import { KeywardError } from '../../shared/errors'
import { backupOnPostgres } from '../../main/core/paths'
import { loadCore, type CliContext } from '../context'
import { plural } from '../output'
import type { Registrar } from './index'

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

/** `backup FILE` and `restore FILE --yes`: SQLite's online backup, safe while the app and a server use the registry. */
export const registerBackup: Registrar = (program, ctx) => {
  program
    .command('backup')
    .description('copy the registry to FILE while it is in use (checked, written through a temp file)')
    .argument('<FILE>', 'the backup file to write; never replaced unless --force')
    .option('--force', 'replace FILE if it exists')
    .action(async (file: string, opts: { force?: boolean }) => {
      refuseOnPostgres(ctx)
      const result = await loadCore().backupRegistry(ctx.dbPath, file, { force: opts.force === true })
      ctx.print(
        result,
        (doc) =>
          `Backed up ${plural(doc.keys, 'key')} and ${plural(doc.auditEntries, 'audit entry', 'audit entries')} ` +
          `to ${doc.backup} (${size(doc.bytes)}).`
      )
    })

  program
    .command('restore')
    .description('replace the registry with a backup, after checking it; the current registry is kept beside it')
    .argument('<FILE>', 'a file written by "keyward backup" (or the app\'s File > Back Up Registry…)')
    .option('--yes', 'replace the registry (required)')
    .action(async (file: string, opts: { yes?: boolean }) => {
      refuseOnPostgres(ctx)
      if (!opts.yes)
        throw KeywardError.validation({
          '--yes':
            `Restoring replaces every key, resource and audit entry in the registry at ${ctx.dbPath} ` +
            `with the contents of ${file} (the current registry is kept as a copy beside it). Add --yes to restore.`
        })
      const result = await loadCore().restoreRegistry(ctx.dbPath, file, { actor: ctx.actor })
      ctx.print(
        result,
        (doc) =>
          `Restored ${plural(doc.keys, 'key')} from ${doc.restored} into ${ctx.dbPath}.` +
          (doc.previous ? `\nThe registry as it was is kept at ${doc.previous}.` : '')
      )
    })
}

/** Before anything is asked or read: a PostgreSQL registry is backed up by PostgreSQL. */
function refuseOnPostgres(ctx: CliContext): void {
  const target = ctx.target
  if (target.engine === 'postgres') throw backupOnPostgres(target.field)
}
