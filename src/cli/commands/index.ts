import type { Command } from 'commander'
import type { CliContext } from '../context'
import { registerAudit } from './audit'
import { registerBackup } from './backup'
import { registerKeys } from './keys'
import { registerMigrate } from './migrate'
import { registerNotify } from './notify'
import { registerQuota } from './quota'
import { registerResources } from './resources'
import { registerScan } from './scan'
import { registerSeedDemo } from './seed-demo'
import { registerServe } from './serve'

/**
 * Adds one group of commands to the program. A registrar only declares commands; its actions
 * use `ctx` at run time (await ctx.call(name, input): the operation through the same dispatch as IPC
 * and HTTP, validated once; ctx.print(doc, human), ctx.json, ctx.actor; ctx.registry() for what is
 * not a contract operation, such as verify and seed-demo).
 *
 * An action returns (or resolves) when its command is done; main then closes the registry and
 * exits with 0, or ctx.setExitCode(n). To fail, throw a KeywardError (VALIDATION → exit 2,
 * anything else → exit 1); main prints it as text, or as {"error": …} on stderr with --json.
 * A long-running command (serve) returns a promise that settles when it shuts down.
 * Option parsers that fail with a VALIDATION error naming the flag are in ../parse.ts.
 * Startup: every registrar module is loaded for `keyward --help`; require heavy modules (the core,
 * servers, nodemailer) inside actions, as seed-demo.ts does with loadCore().
 *
 * To add a group: write commands/<group>.ts exporting a Registrar and append it below.
 */
export type Registrar = (program: Command, ctx: CliContext) => void

export const registrars: Registrar[] = [
  registerResources,
  registerQuota,
  registerKeys,
  registerAudit,
  registerSeedDemo,
  registerServe,
  registerNotify,
  registerBackup,
  registerScan,
  registerMigrate
]
