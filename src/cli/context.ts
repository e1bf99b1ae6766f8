import { userInfo } from 'node:os'
import type { Command } from 'commander'
import type { CoreOperationName, Input, Output } from '../shared/contract'
import { resolveRegistryPath } from '../main/core/paths'
import type { Registry } from '../main/core/registry'
import { readStdin } from './stdin'

export type Core = typeof import('./core')
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
  /** The registry at dbPath, opened on first call (once per process) and closed when the command ends. */
  registry(): Registry
  /** A core operation by its contract name, with this actor. Input is validated by the core. */
  call<K extends CoreOperationName>(name: K, input: Input<K>): Output<K>
  /**
   * Prints a command's result: with --json, `doc` as one JSON document on stdout; otherwise the
   * text `human(doc)` returns. Call it once per command.
   */
  print<T>(doc: T, human: (doc: T) => string): void
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
  try {
    const name = userInfo().username
    if (name) return name
  } catch {
    // No passwd entry (some containers): fall back to the environment.
  }
  return env.USER || env.USERNAME || 'unknown'
}

export interface ContextHandle {
  ctx: CliContext
  /** Closes the registry if a command opened it (flushes buffered lastUsedAt). */
  close(): void
  exitCode(): number
}

export function createContext(program: Command, io: { stdout: (text: string) => void }): ContextHandle {
  let registry: Registry | undefined
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
    registry() {
      if (!registry) {
        const { Registry, openRegistryDatabase } = loadCore()
        registry = new Registry(openRegistryDatabase(ctx.dbPath))
      }
      return registry
    },
    call(name, input) {
      return loadCore().callOperation(ctx.registry(), name, input, { actor: ctx.actor })
    },
    print(doc, human) {
      if (ctx.json) io.stdout(`${JSON.stringify(doc, null, 2)}\n`)
      else {
        const text = human(doc)
        if (text) io.stdout(text.endsWith('\n') ? text : `${text}\n`)
      }
    },
    setExitCode(code) {
      exitCode = code
    },
    readStdin
  }
  return {
    ctx,
    close() {
      const r = registry
      registry = undefined
      r?.close()
    },
    exitCode: () => exitCode
  }
}
