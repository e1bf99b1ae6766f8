import { Command, CommanderError } from 'commander'
import { KeywardError, toErrorPayload, type ErrorPayload } from '../shared/errors'
import { translateSqliteError } from '../main/core/sqlite-errors'
import { registrars } from './commands'
import { createContext } from './context'
import { formatError, redactSecrets } from './output'
import { version } from '../../package.json'

/** Exit codes: 0 success, 1 failure (or a negative answer: invalid key, broken audit chain), 2 bad input or usage. */
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2 } as const

export interface CliIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
  env: NodeJS.ProcessEnv
}

const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env
}

export function buildProgram(io: CliIo = processIo, { json = false }: { json?: boolean } = {}) {
  const program = new Command('keyward')
    .description('Keyward: the registry of API keys for AI-model platforms, from the command line.')
    .version(version, '-V, --version', 'print the Keyward version')
    .option('--db <path>', "registry file (default: KEYWARD_DB, else the desktop app's registry)")
    .option('--json', 'print exactly one JSON document on stdout; errors as JSON on stderr')
    .option('--actor <name>', 'name recorded in the audit log (default: your OS user name)')
    .helpOption('-h, --help', 'show help for a command')
    .helpCommand(false)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      // In JSON mode nothing but the JSON error may reach stderr: mute commander's help-on-error.
      writeErr: json ? () => {} : io.stderr,
      // Errors are printed once, by report(), as text or JSON.
      outputError: () => {}
    })
    .addHelpText(
      'after',
      "\nKREF: a key's id (k_…) or name. RREF: a resource's id (r_…) or MODEL:TYPE, e.g. gpt-4o:TPM.\n" +
        'Exit codes: 0 success, 1 failure (or an invalid key / broken audit chain), 2 invalid input or usage.'
    )
  const handle = createContext(program, io)
  for (const register of registrars) register(program, handle.ctx)
  // "--help" is the one way to get help; commander's implicit "help" subcommand is not inherited, so turn it off everywhere.
  const noHelpCommand = (command: Command): void => {
    command.helpCommand(false)
    command.commands.forEach(noHelpCommand)
  }
  noHelpCommand(program)
  return { program, handle }
}

/** Runs one command line (without "node keyward"). Resolves to the exit code; never throws. */
export async function main(args: string[], io: CliIo = processIo): Promise<number> {
  const json = wantsJson(args)
  const { program, handle } = buildProgram(io, { json })
  try {
    await program.parseAsync(args, { from: 'user' })
    return handle.exitCode()
  } catch (error) {
    return report(error, { json, path: commandPath(program, args), io, dbPath: dbPathOrEmpty(handle) })
  } finally {
    try {
      await handle.close()
    } catch (error) {
      io.stderr(`keyward: could not close the registry cleanly (${describe(error)}).\n`)
    }
  }
}

/** The registry path for an error message; '' when --db itself was refused (a URL). */
function dbPathOrEmpty(handle: { ctx: { dbPath: string } }): string {
  try {
    return handle.ctx.dbPath
  } catch {
    return ''
  }
}

function report(
  error: unknown,
  { json, path, io, dbPath }: { json: boolean; path: string; io: CliIo; dbPath: string }
): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.OK
    if (error.code === 'commander.help') {
      // A group without its subcommand: commander already showed that group's help on stderr.
      if (json)
        writeError(
          { code: 'VALIDATION', message: `Missing command: see "keyward ${path} --help".`.replace('  ', ' ') },
          true,
          io
        )
      return EXIT.USAGE
    }
    writeError({ code: 'VALIDATION', message: usageMessage(error, path) }, json, io)
    return EXIT.USAGE
  }
  // SQLite failures a user can fix (a full disk, a damaged file), said in their words.
  const known = translateSqliteError(error, dbPath)
  if (known instanceof KeywardError) {
    const payload = forCli(known.toPayload(), path)
    writeError(payload, json, io)
    return payload.code === 'VALIDATION' ? EXIT.USAGE : EXIT.FAILURE
  }
  // Unexpected: a one-line message a user can act on; the stack only on request, and never a secret.
  const payload = toErrorPayload(error)
  payload.message = `${payload.message} (${describe(error)})`
  writeError(payload, json, io)
  if (io.env.KEYWARD_DEBUG === '1' && error instanceof Error && error.stack)
    io.stderr(`${redactSecrets(error.stack)}\n`)
  return EXIT.FAILURE
}

function writeError(payload: ErrorPayload, json: boolean, io: CliIo): void {
  io.stderr(json ? `${redactSecrets(JSON.stringify({ error: payload }))}\n` : `${formatError(payload)}\n`)
}

/** An error's kind without its text: the text of an unknown error may hold input we must not echo. */
function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return typeof code === 'string' ? `${error.name} ${code}` : error.name
  }
  return typeof error
}

function usageMessage(error: CommanderError, path: string): string {
  const text = error.message.replace(/^error:\s*/i, '').replace(/\s*\n\s*/g, ' ')
  const sentence = text.charAt(0).toUpperCase() + text.slice(1)
  return `${sentence.replace(/\s+$/, '')}${/[.?)]$/.test(sentence) ? '' : '.'} See "keyward${path ? ` ${path}` : ''} --help".`
}

/** --json anywhere before a "--" terminator. */
function wantsJson(args: string[]): boolean {
  const end = args.indexOf('--')
  return (end === -1 ? args : args.slice(0, end)).includes('--json')
}

/** The command words the user typed ("keys create"), for hints in usage errors. */
function commandPath(program: Command, args: string[]): string {
  const words: string[] = []
  let current = program
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === '--db' || arg === '--actor') {
      i++
      continue
    }
    if (arg.startsWith('-')) continue
    const next = current.commands.find((c) => c.name() === arg || c.aliases().includes(arg))
    if (!next) break
    words.push(next.name())
    current = next
  }
  return words.join(' ')
}

/** Core field names → the flags and arguments a CLI user typed. */
const FLAG_FOR_FIELD: Record<string, string> = {
  name: '--name',
  department: '--department',
  departments: '--department',
  project: '--project',
  projects: '--project',
  environment: '--environment',
  requestor: '--requestor',
  appId: '--app-id',
  justification: '--justification',
  notes: '--notes',
  notifyEmail: '--notify',
  expiresAt: '--expires',
  resources: '--resource',
  resource: '--resource',
  tpmLimit: '--limit',
  upstreamUrl: '--upstream',
  upstreamModel: '--upstream-model',
  upstreamKeyEnv: '--upstream-key-env',
  tpmPool: '--tpm',
  model: '--model',
  type: '--type',
  status: '--status',
  search: '--search',
  expiringWithinDays: '--expiring-within',
  sort: '--sort',
  limit: '--limit',
  offset: '--offset',
  graceSeconds: '--grace',
  appName: '--app-name',
  secret: 'stdin',
  key: 'KREF'
}

function flagFor(field: string, path: string): string {
  const bare = field.replace(/^changes\./, '')
  if (path.startsWith('resources ') && (bare === 'resource' || bare === 'resources') && path !== 'resources add')
    return 'RREF'
  if (path === 'audit list' && bare === 'key') return '--key'
  if (path === 'keys list' && bare === 'status') return '--status'
  return FLAG_FOR_FIELD[bare] ?? bare
}

/** Renames the payload's fields to flags; a VALIDATION message is rebuilt from them. */
function forCli(payload: ErrorPayload, path: string): ErrorPayload {
  if (!payload.fields) return payload
  const fields: Record<string, string> = {}
  for (const [field, message] of Object.entries(payload.fields)) {
    const flag = field.startsWith('-') ? field : flagFor(field, path)
    if (!(flag in fields)) fields[flag] = message
  }
  if (payload.code === 'VALIDATION') return KeywardError.validation(fields).toPayload()
  return { ...payload, fields }
}
