import { randomBytes } from 'node:crypto'
import { OPERATION_NAMES, type OperationName, type Output, type ParsedInput } from '../../shared/contract'
import type { Clock } from '../core/clock'
import { notOnPostgres } from '../core/paths'
import { exportPgAuditLog, verifyPgAuditChain } from '../core/pg/audit'
import { deletePgKey, pgKeyByRef, setPgKeyDisabled } from '../core/pg/keys'
import {
  assignPgResources,
  createPgKey,
  editPgKey,
  rotatePgKey,
  setPgResources,
  unassignPgResources
} from '../core/pg/keys-write'
import {
  addPgResource,
  editPgResource,
  getPgPool,
  listPgResources,
  removePgResource,
  setPgPool
} from '../core/pg/resources'
import { listPgAudit, listPgKeys, pgSuggestions } from '../core/pg/lists'
import { DEMO_LOAD_SEED } from '../core/demo'
import { seedPgDemo } from '../core/pg/demo'
import { importPgKeys } from '../core/pg/import'
import { pgUsageReport } from '../core/pg/usage'
import { bulkPgKeys } from '../core/pg/bulk'
import { exportPgKeys } from '../core/pg/export'
import { actOnPgLeaks, pgKeysBySecretHash } from '../core/pg/leaks'
import { lookupItems } from '../core/leaks'
import { scanPaths } from '../scan/scan'
import { KeywardError } from '../../shared/errors'
import { PgOutbox } from '../core/pg/outbox'
import { PgSmtpConfig } from '../core/pg/smtp-config'
import type { PgRegistry } from '../db/pg/open'
import type { NotifyHandlers, NotifyOperationName } from '../notify/handlers'
import { processPasswordStore, type PasswordStore } from '../notify/types'
import type { FlushResult } from '../../shared/types'
import type { CallContext } from '../core/operations'
import type { OperationTable } from './dispatch'

/**
 * The operations a PostgreSQL registry answers: keys (read, list, create, edit, assign, rotate,
 * disable, enable, delete, bulk actions, import, export), resources, the TPM pool, the audit log,
 * usage reports, the leak scan, email alerts and the forms' suggestions. The rest refuse, naming
 * what runs there.
 */
export const PG_OPERATIONS = [
  'keys.get',
  'keys.disable',
  'keys.enable',
  'keys.delete',
  // Key writes (keys-write.ts): create, rotate, the key's resources, edit.
  'keys.create',
  'keys.rotate',
  'keys.assign',
  'keys.unassign',
  'keys.setResources',
  'keys.edit',
  // End of key writes.
  'audit.verify',
  // Resources, the TPM pool and the read-only lists (pg/resources.ts, pg/lists.ts).
  'resources.list',
  'resources.add',
  'resources.edit',
  'resources.remove',
  'pool.get',
  'pool.set',
  'audit.list',
  'suggestions.get',
  'keys.list',
  // import, usage, demo (pg/import.ts, pg/usage.ts, pg/demo.ts).
  'usage.report',
  'keys.import',
  'demo.load',
  // End of import, usage, demo.
  // bulk, export, scan (pg/bulk.ts, pg/export.ts, pg/leaks.ts; scan.run reads the host's own files).
  'keys.bulk',
  'keys.export',
  'scan.run',
  'scan.lookup',
  'scan.act',
  'audit.export',
  // End of bulk, export, scan.
  // email (notify.*): the outbox and SMTP settings in PostgreSQL (pg/outbox.ts, pg/smtp-config.ts).
  'notify.settings.get',
  'notify.settings.set',
  'notify.outbox',
  'notify.retry',
  'notify.discard',
  'notify.flush',
  'notify.test'
  // End of email (notify.*).
] as const

/** What a host adds to a PostgreSQL table: its own files, where its SMTP password is, its background sender. */
export interface PgTableOptions {
  /**
   * The host runs on the user's own machine and may read its files (the CLI's `scan`). A server
   * never: the server's files are not the caller's to read.
   */
  localFiles?: boolean
  /** Default: KEYWARD_SMTP_PASSWORD, for this process only (as the CLI and a file's server). */
  passwords?: PasswordStore
  /** A running outbox sender's flushNow, so "flush" and its timer never overlap in one process. */
  flush?: () => Promise<FlushResult>
}

export function runsOnPostgres(name: OperationName): boolean {
  return (PG_OPERATIONS as readonly string[]).includes(name)
}

/** The contract's operations over a PostgreSQL registry, for the CLI's dispatch (same validation, errors, JSON). */
export function pgOperationTable(
  pg: PgRegistry,
  clock: Clock,
  field = '--db',
  options: PgTableOptions = {}
): OperationTable {
  const table: Record<string, unknown> = {}
  for (const name of OPERATION_NAMES)
    table[name] = () => {
      throw notOnPostgres(field, `"${name}"`)
    }
  const answers: Pick<OperationTable, (typeof PG_OPERATIONS)[number]> = {
    'keys.get': async (v) => ({ key: await pgKeyByRef(pg.pool, v.key, clock()) }),
    'keys.disable': (v, ctx) => setPgKeyDisabled(pg.pool, v.key, true, ctx.actor, clock()),
    'keys.enable': (v, ctx) => setPgKeyDisabled(pg.pool, v.key, false, ctx.actor, clock()),
    'keys.delete': (v, ctx) => deletePgKey(pg.pool, v.key, ctx.actor, clock()),
    // Key writes (keys-write.ts): create, rotate, the key's resources, edit.
    'keys.create': (v, ctx) => createPgKey(pg.pool, v, ctx.actor, clock()),
    'keys.rotate': (v, ctx) => rotatePgKey(pg.pool, v, ctx.actor, clock()),
    'keys.assign': (v, ctx) => assignPgResources(pg.pool, v, ctx.actor, clock()),
    'keys.unassign': (v, ctx) => unassignPgResources(pg.pool, v, ctx.actor, clock()),
    'keys.setResources': (v, ctx) => setPgResources(pg.pool, v, ctx.actor, clock()),
    'keys.edit': (v, ctx) => editPgKey(pg.pool, v, ctx.actor, clock()),
    // End of key writes.
    'audit.verify': () => verifyPgAuditChain(pg.pool),
    // Resources, the TPM pool and the read-only lists (pg/resources.ts, pg/lists.ts).
    'resources.list': () => listPgResources(pg.pool),
    'resources.add': (v, ctx) => addPgResource(pg.pool, v, ctx.actor, clock(), randomBytes),
    'resources.edit': (v, ctx) => editPgResource(pg.pool, v, ctx.actor, clock()),
    'resources.remove': (v, ctx) => removePgResource(pg.pool, v, ctx.actor, clock()),
    'pool.get': () => getPgPool(pg.pool),
    'pool.set': (v, ctx) => setPgPool(pg.pool, v, ctx.actor, clock()),
    'audit.list': (v) => listPgAudit(pg.pool, v),
    'suggestions.get': () => pgSuggestions(pg.pool),
    'keys.list': (v) => listPgKeys(pg.pool, v, clock()),
    // import, usage, demo (pg/import.ts, pg/usage.ts, pg/demo.ts).
    'usage.report': (v) => pgUsageReport(pg.pool, v, clock()),
    'keys.import': (v, ctx) => importPgKeys(pg.pool, v, ctx.actor, clock()),
    'demo.load': (v, ctx) =>
      seedPgDemo(pg.pool, { keys: v.keys, seed: v.seed ?? DEMO_LOAD_SEED, actor: ctx.actor, now: clock() }),
    // End of import, usage, demo.
    // bulk, export, scan (pg/bulk.ts, pg/export.ts, pg/leaks.ts; scan.run reads the host's own files).
    'keys.bulk': (v, ctx) => bulkPgKeys(pg.pool, v, ctx.actor, clock()),
    'keys.export': (v, ctx) => exportPgKeys(pg.pool, v, ctx.actor, clock()),
    'scan.run': (v) => {
      if (!options.localFiles) throw notHere('scan.run')
      return scanPaths(v.paths, { all: v.all, lookup: (hashes) => pgKeysBySecretHash(pg.pool, hashes, clock()) })
    },
    'scan.lookup': async (v) =>
      lookupItems(
        v.hashes,
        await pgKeysBySecretHash(
          pg.pool,
          v.hashes.map((hash) => Buffer.from(hash, 'hex')),
          clock()
        )
      ),
    'scan.act': (v, ctx) => actOnPgLeaks(pg.pool, v, ctx.actor, clock()),
    'audit.export': () => exportPgAuditLog(pg.pool, clock()),
    // End of bulk, export, scan.
    // email (notify.*): the handlers and sender of a file, over the outbox and settings in PostgreSQL.
    ...pgNotifyAnswers(pg, clock, options)
    // End of email (notify.*).
  }
  return { ...table, ...answers } as OperationTable
}

/** As a file registry's server answers an operation that reads the host's own machine. */
function notHere(name: string): KeywardError {
  return new KeywardError(
    'NOT_FOUND',
    `"${name}" belongs to the desktop app on its own machine and is not available over HTTP.`
  )
}

/**
 * email (notify.*): createNotifyHandlers over PgOutbox and PgSmtpConfig, loaded on the first email
 * operation, so nodemailer is not loaded by every other command on either engine (as the CLI's
 * notify commands load it only when they run).
 */
function pgNotifyAnswers(
  pg: PgRegistry,
  clock: Clock,
  options: PgTableOptions
): Pick<OperationTable, NotifyOperationName> {
  let loading: Promise<NotifyHandlers> | undefined
  const handlers = () =>
    (loading ??= import('../notify/handlers').then(({ createNotifyHandlers }) =>
      createNotifyHandlers({
        outbox: new PgOutbox(pg.pool),
        settings: new PgSmtpConfig(pg.pool, clock),
        passwords: options.passwords ?? processPasswordStore(process.env.KEYWARD_SMTP_PASSWORD || null),
        clock,
        flush: options.flush
      })
    ))
  const answer =
    <K extends NotifyOperationName>(name: K) =>
    async (input: ParsedInput<K>, ctx: CallContext): Promise<Output<K>> => {
      const handler = (await handlers())[name] as (
        input: ParsedInput<K>,
        ctx: CallContext
      ) => Output<K> | Promise<Output<K>>
      return handler(input, ctx)
    }
  return {
    'notify.settings.get': answer('notify.settings.get'),
    'notify.settings.set': answer('notify.settings.set'),
    'notify.outbox': answer('notify.outbox'),
    'notify.retry': answer('notify.retry'),
    'notify.discard': answer('notify.discard'),
    'notify.flush': answer('notify.flush'),
    'notify.test': answer('notify.test')
  }
}
// End of email (notify.*).
