import type { Command } from 'commander'
import type { Input, OperationName, Output } from '../shared/contract'
import { KeywardError } from '../shared/errors'
import { osUserName } from '../main/core/actor'
import type { HostHandlers } from '../main/core/operations'
import { notOnPostgres, resolveRegistry, resolveRegistryPath, type RegistryTarget } from '../main/core/paths'
import type { PgRegistry } from '../main/db/pg/open'
import type { VerifyResult } from '../shared/types'
import type { Registry } from '../main/core/registry'
import type { OperationTable } from '../main/transport/dispatch'
import { readStdin } from './stdin'

export type Core = typeof import('./core')
/** keys.bulk as a command may run it itself (keys bulk: with a progress line). */
export type BulkHandler = Pick<OperationTable, 'keys.bulk'>
let core: Core | undefined

/** The registry core, required on first use (tsx's hook resolves the .ts file); see core.ts. */
export function loadCore(): Core {
  core ??= require('./core') as Core
  return core
}

/**
 * What every command gets besides its own options. Global options (--db, --json, --actor) are
 * read when a command runs, not when it is registered, so registrars may capture `ctx` freely.
 */
export interface CliContext {
  /** --json: print exactly one JSON document on stdout (errors as JSON on stderr). */
  readonly json: boolean
  /** Who acts, for the audit log: --actor, else the OS user name. */
  readonly actor: string
  /** The registry file: --db, else KEYWARD_DB, else the desktop app's user-data folder. Not opened. */
  readonly dbPath: string
  /** The registry --db or KEYWARD_DB names: a file or a PostgreSQL database. Not opened. */
  readonly target: RegistryTarget
  /** The registry at dbPath, opened on first call (once per process) and closed when the command ends. */
  registry(): Registry
  /**
   * An operation by its contract name, with this actor, through the same dispatch as IPC and HTTP
   * (validated once by the contract's schema). `host` answers the operations the core does not
   * (the notify commands pass their email handlers; keys bulk its own keys.bulk, with progress);
   * the rest are refused.
   */
  call<K extends OperationName>(
    name: K,
    input: Input<K>,
    host?: Partial<HostHandlers & BulkHandler>
  ): Promise<Output<K>>
  /**
   * Prints a command's result: with --json, `doc` as one JSON document on stdout; otherwise the
   * text `human(doc)` returns. Call it once per command.
   */
  print<T>(doc: T, human: (doc: T) => string): void
  /** A key's verification (keys verify), on either engine. */
  verify(input: { secret: string; model?: string; appName?: string }): Promise<VerifyResult>
  /** Exit code for a command that ran but reports a negative answer (an invalid key, a broken audit chain). */
  setExitCode(code: number): void
  /** All of stdin as text; on a terminal, one hidden line after `prompt` (shown on stderr). */
  readStdin(prompt: string): Promise<string>
}

export interface GlobalOptions {
  db?: string
  json?: boolean
  actor?: string
}

/** The OS user name, else USER/USERNAME, else "unknown". */
export function defaultActor(env: NodeJS.ProcessEnv = process.env): string {
  return osUserName('unknown', env)
}

/** Operations that belong to the desktop app (its settings, local server, clipboard): not the CLI's. */
const NOT_FROM_CLI = [
  'settings.get',
  'settings.set',
  'server.status',
  'clipboard.writeSecret',
  'resources.setUpstreamKey',
  'scan.pickFolder',
  'files.export',
  'files.importPick',
  'files.import'
] as const

function cliHostHandlers(host: Partial<HostHandlers & BulkHandler> = {}): HostHandlers {
  const refuse = (name: string) => () => {
    throw new KeywardError('NOT_FOUND', `"${name}" belongs to the desktop app and is not available from the CLI.`)
  }
  const table: Record<string, unknown> = {}
  for (const name of NOT_FROM_CLI) table[name] = refuse(name)
  for (const name of [
    'notify.settings.get',
    'notify.settings.set',
    'notify.outbox',
    'notify.retry',
    'notify.discard',
    'notify.flush',
    'notify.test'
  ]) {
    table[name] = refuse(name)
  }
  return { ...table, ...host } as HostHandlers
}

export interface ContextHandle {
  ctx: CliContext
  /** Closes the registry if a command opened it (flushes buffered lastUsedAt). */
  close(): Promise<void>
  exitCode(): number
}

export function createContext(program: Command, io: { stdout: (text: string) => void }): ContextHandle {
  let registry: Registry | undefined
  let postgres: Promise<PgRegistry> | undefined
  let exitCode = 0
  const opts = () => program.opts<GlobalOptions>()
  const ctx: CliContext = {
    get json() {
      return opts().json === true
    },
    get actor() {
      const actor = opts().actor?.trim()
      return actor ? actor : defaultActor()
    },
    get dbPath() {
      return resolveRegistryPath(opts().db)
    },
    get target() {
      return resolveRegistry(opts().db)
    },
    registry() {
      const target = ctx.target
      if (target.engine === 'postgres') throw notOnPostgres(target.field)
      if (!registry) {
        const { Registry, openRegistryDatabase } = loadCore()
        registry = new Registry(openRegistryDatabase(ctx.dbPath))
      }
      return registry
    },
    async call(name, input, host) {
      const { dispatch, operationTable, pgOperationTable, runsOnPostgres } = loadCore()
      // dispatch answers INTERNAL for an unexpected failure; keep the failure itself, so main's
      // report can say what a user can do about it (a full disk, a damaged file).
      let unexpected: unknown
      const target = ctx.target
      let table: OperationTable
      if (target.engine === 'postgres') {
        // Refused before connecting: nothing is asked of a server for a command that cannot run there.
        if (!runsOnPostgres(name)) throw notOnPostgres(target.field)
        // The CLI runs on the user's own machine: its scan reads the files named.
        table = pgOperationTable(await openPostgres(target), Date.now, target.field, { localFiles: true })
      } else table = operationTable(ctx.registry(), cliHostHandlers(host))
      const handler = table[name] as (input: unknown, c: { actor: string }) => unknown
      const guarded = {
        ...table,
        [name]: async (parsed: unknown, c: { actor: string }) => {
          try {
            return await handler(parsed, c)
          } catch (error) {
            if (!(error instanceof KeywardError)) unexpected = error
            throw error
          }
        }
      }
      const outcome = await dispatch(guarded, name, input, { actor: ctx.actor }, () => {})
      if (outcome.ok) return outcome.result as Output<typeof name>
      if (unexpected !== undefined) throw unexpected
      throw KeywardError.fromPayload(outcome.error)
    },
    print(doc, human) {
      if (ctx.json) io.stdout(`${JSON.stringify(doc, null, 2)}\n`)
      else {
        const text = human(doc)
        if (text) io.stdout(text.endsWith('\n') ? text : `${text}\n`)
      }
    },
    async verify(input) {
      const target = ctx.target
      if (target.engine === 'sqlite') return ctx.registry().verify(input)
      const { pgVerify } = loadCore()
      return pgVerify((await openPostgres(target)).pool, input, Date.now())
    },
    setExitCode(code) {
      exitCode = code
    },
    readStdin
  }
  const openPostgres = (target: Extract<RegistryTarget, { engine: 'postgres' }>): Promise<PgRegistry> =>
    (postgres ??= loadCore().openPgRegistry(target.url, { field: target.field, max: 2 }))
  return {
    ctx,
    async close() {
      const r = registry
      registry = undefined
      r?.close()
      const p = postgres
      postgres = undefined
      if (p) await (await p.catch(() => undefined))?.close()
    },
    exitCode: () => exitCode
  }
}
