import type { CoreOperationName, Input, OperationName, Output } from '../../shared/contract'
import type { Registry } from './registry'
import { usageReport } from './usage'
import { seedDemo } from './demo'
import { DemoLoadInput } from '../../shared/schemas'
import { parseInput } from './registry'

export interface CallContext {
  /** Who is acting, for the audit log: the OS user, --actor, or the admin key's name. */
  actor: string
}

export type Handler<K extends OperationName> = (registry: Registry, input: Input<K>, ctx: CallContext) => Output<K>
export type Handlers = { [K in CoreOperationName]: Handler<K> }

/** A host's handler: may be async (SMTP, settings files). Hosts combine these with registryHandlers. */
export type HostHandler<K extends OperationName> = (input: Input<K>, ctx: CallContext) => Output<K> | Promise<Output<K>>
export type HostHandlers = { [K in Exclude<OperationName, CoreOperationName>]: HostHandler<K> }

/**
 * Every contract operation bound to the registry core. Transports (IPC, the HTTP test server,
 * the admin API) validate and route by name, then call through this table.
 */
export const registryHandlers: Handlers = {
  'keys.list': (r, input) => r.listKeys(input),
  'keys.get': (r, input) => r.getKey(input),
  'keys.create': (r, input, ctx) => r.createKey(input, ctx.actor),
  'keys.edit': (r, input, ctx) => r.editKey(input, ctx.actor),
  'keys.assign': (r, input, ctx) => r.assignResources(input, ctx.actor),
  'keys.unassign': (r, input, ctx) => r.unassignResources(input, ctx.actor),
  'keys.setResources': (r, input, ctx) => r.setResources(input, ctx.actor),
  'keys.disable': (r, input, ctx) => r.disableKey(input, ctx.actor),
  'keys.enable': (r, input, ctx) => r.enableKey(input, ctx.actor),
  'keys.rotate': (r, input, ctx) => r.rotateKey(input, ctx.actor),
  'keys.delete': (r, input, ctx) => r.deleteKey(input, ctx.actor),
  'resources.list': (r) => r.listResources(),
  'resources.add': (r, input, ctx) => r.addResource(input, ctx.actor),
  'resources.edit': (r, input, ctx) => r.editResource(input, ctx.actor),
  'resources.remove': (r, input, ctx) => r.removeResource(input, ctx.actor),
  'pool.get': (r) => r.getPool(),
  'pool.set': (r, input, ctx) => r.setPool(input, ctx.actor),
  'suggestions.get': (r) => r.suggestions(),
  'audit.list': (r, input) => r.listAudit(input),
  'audit.verify': (r) => r.verifyAudit(),
  'usage.report': (r, input) => usageReport(r, input),
  'demo.load': (r, input, ctx) => {
    const v = parseInput(DemoLoadInput, input)
    return seedDemo(r, { keys: v.keys, seed: v.seed ?? 'keyward-demo', actor: ctx.actor })
  }
}

export function callOperation<K extends CoreOperationName>(registry: Registry, name: K, input: Input<K>, ctx: CallContext): Output<K> {
  return (registryHandlers[name] as Handler<K>)(registry, input, ctx)
}
