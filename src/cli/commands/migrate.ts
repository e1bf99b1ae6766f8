import { plural } from '../output'
import type { Registrar } from './index'

type MigrateModule = typeof import('../../main/core/migrate')

/**
 * `migrate --from A --to B`: a whole registry copied between an SQLite file and a PostgreSQL
 * database (either way). Loaded on use: node-postgres is needed by this command only.
 */
export const registerMigrate: Registrar = (program, ctx) => {
  program
    .command('migrate')
    .description('copy a whole registry between an SQLite file and PostgreSQL (either way) into an empty target')
    .requiredOption('--from <registry>', 'the registry to copy: a file, or postgres://USER@HOST:PORT/DB')
    .requiredOption('--to <registry>', 'an empty registry: a new file, or an empty PostgreSQL database')
    .addHelpText(
      'after',
      '\nThe password of a postgres:// URL comes from the URL, PGPASSWORD or ~/.pgpass; it is never printed.\n' +
        'Keys move by their secret hashes (every secret keeps working), with resources, the TPM pool,\n' +
        'assignments, usage, the email outbox and the audit log (the same chain); the chain is checked\n' +
        'on the target before the copy is committed. A target that holds anything is refused.'
    )
    .action(async (opts: { from: string; to: string }) => {
      const { migrateRegistry } = require('../../main/core/migrate') as MigrateModule
      // Progress for tables of more than one page of rows, on stderr (never with --json).
      const progress = ctx.json
        ? undefined
        : ({ table, done, total }: { table: string; done: number; total: number }) => {
            if (total > 2000) process.stderr.write(`keyward migrate: ${table} ${done} of ${total} rows\n`)
          }
      const result = await migrateRegistry(opts.from, opts.to, { onProgress: progress })
      ctx.print(
        result,
        (doc) =>
          `Copied ${plural(doc.keys, 'key')}, ${plural(doc.rows.resources ?? 0, 'resource')} and ` +
          `${plural(doc.auditEntries, 'audit entry', 'audit entries')} from ${doc.from} to ${doc.to}.\n` +
          `Audit chain intact on the target: ${plural(doc.audit.entries, 'entry', 'entries')} verified.`
      )
    })
}
