import { OPERATION_NAMES, type OperationName } from '../../shared/contract'
import type { Clock } from '../core/clock'
import { notOnPostgres } from '../core/paths'
import { verifyPgAuditChain } from '../core/pg/audit'
import { deletePgKey, pgKeyByRef, setPgKeyDisabled } from '../core/pg/keys'
import {
  assignPgResources,
  createPgKey,
  editPgKey,
  rotatePgKey,
  setPgResources,
  unassignPgResources
} from '../core/pg/keys-write'
import type { PgRegistry } from '../db/pg/open'
import type { OperationTable } from './dispatch'

/**
 * The operations a PostgreSQL registry answers in this version: reading a key, the changes that
 * revoke or restore it, and checking the audit chain. The rest refuse, naming what runs there,
 * until the core's other operations get their PostgreSQL side.
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
  'audit.verify'
] as const

export function runsOnPostgres(name: OperationName): boolean {
  return (PG_OPERATIONS as readonly string[]).includes(name)
}

/** The contract's operations over a PostgreSQL registry, for the CLI's dispatch (same validation, errors, JSON). */
export function pgOperationTable(pg: PgRegistry, clock: Clock, field = '--db'): OperationTable {
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
    'audit.verify': () => verifyPgAuditChain(pg.pool)
  }
  return { ...table, ...answers } as OperationTable
}
