import type { CoreOperationName, OperationName, Output, ParsedInput } from '../../shared/contract'
import { assignResources, setResources, unassignResources } from './assignments'
import { listAudit } from './audit'
import { exportAuditLog } from './audit-export'
import { bulkKeys } from './bulk'
import type { Core } from './context'
import { DEMO_LOAD_SEED, seedDemoInto } from './demo'
import { exportKeys } from './export'
import { importKeys } from './import'
import { suggestions } from './key-rows'
import { actOnLeaks, keysBySecretHash, lookupItems } from './leaks'
import { createKey, deleteKey, editKey, getKey, listKeys, rotateKey, setDisabled } from './keys'
import { getPool, setPool } from './pool'
import { addResource, editResource, listResources, removeResource } from './resources'
import { usageReport } from './usage'

export interface CallContext {
  /** Who is acting, for the audit log: the OS user, --actor, or the admin key's name. */
  actor: string
}

/** A core operation: its input already validated with the contract's schema (see validate.ts). */
export type Handler<K extends OperationName> = (core: Core, input: ParsedInput<K>, ctx: CallContext) => Output<K>
export type Handlers = { [K in CoreOperationName]: Handler<K> }

/** A host's handler: may be async (SMTP, settings files). Hosts combine these with registryHandlers. */
export type HostHandler<K extends OperationName> = (
  input: ParsedInput<K>,
  ctx: CallContext
) => Output<K> | Promise<Output<K>>
export type HostHandlers = { [K in Exclude<OperationName, CoreOperationName>]: HostHandler<K> }

/**
 * Every core operation of the contract, by name, over the core's modules. Inputs arrive parsed:
 * the entry that received them (transport/dispatch.ts, or a Registry method) validated them once.
 */
export const registryHandlers: Handlers = {
  'keys.list': (core, input) => listKeys(core, input),
  'keys.get': (core, input) => getKey(core, input),
  'keys.create': (core, input, ctx) => createKey(core, input, ctx.actor),
  'keys.edit': (core, input, ctx) => editKey(core, input, ctx.actor),
  'keys.assign': (core, input, ctx) => assignResources(core, input, ctx.actor),
  'keys.unassign': (core, input, ctx) => unassignResources(core, input, ctx.actor),
  'keys.setResources': (core, input, ctx) => setResources(core, input, ctx.actor),
  'keys.disable': (core, input, ctx) => setDisabled(core, input, ctx.actor, true),
  'keys.enable': (core, input, ctx) => setDisabled(core, input, ctx.actor, false),
  'keys.rotate': (core, input, ctx) => rotateKey(core, input, ctx.actor),
  'keys.delete': (core, input, ctx) => deleteKey(core, input, ctx.actor),
  'keys.bulk': (core, input, ctx) => bulkKeys(core, input, ctx.actor),
  'keys.export': (core, input, ctx) => exportKeys(core, input, ctx.actor),
  'keys.import': (core, input, ctx) => importKeys(core, input, ctx.actor),
  'resources.list': (core) => listResources(core),
  'resources.add': (core, input, ctx) => addResource(core, input, ctx.actor),
  'resources.edit': (core, input, ctx) => editResource(core, input, ctx.actor),
  'resources.remove': (core, input, ctx) => removeResource(core, input, ctx.actor),
  'pool.get': (core) => getPool(core),
  'pool.set': (core, input, ctx) => setPool(core, input, ctx.actor),
  'suggestions.get': (core) => suggestions(core),
  'audit.list': (core, input) => listAudit(core, input),
  'audit.verify': (core) => core.audit.verify(),
  'audit.export': (core) => exportAuditLog(core),
  'usage.report': (core, input) => usageReport(core, input),
  'demo.load': (core, input, ctx) =>
    seedDemoInto(core, { keys: input.keys, seed: input.seed ?? DEMO_LOAD_SEED, actor: ctx.actor }),
  'scan.lookup': (core, input) =>
    lookupItems(
      input.hashes,
      keysBySecretHash(
        core,
        input.hashes.map((hash) => Buffer.from(hash, 'hex'))
      )
    ),
  'scan.act': (core, input, ctx) => actOnLeaks(core, input, ctx.actor)
}
