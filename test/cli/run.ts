import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { expect } from 'vitest'
import { assertCliBundleFresh } from './bundle'

/** The real entry point, as `npx keyward` runs it: bin/keyward.cjs starts the built bundle out/cli/keyward.cjs. */
export const BIN = resolve(__dirname, '../../bin/keyward.cjs')

// The node project's globalSetup (./bundle.ts) has rebuilt a stale bundle; anything else is a bug worth stopping for.
assertCliBundleFresh()

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

export interface RunOptions {
  /** Written to the child's stdin, which is then closed. */
  input?: string
  env?: NodeJS.ProcessEnv
  /** The child's working directory (default: this process's). */
  cwd?: string
}

const SECRET = /kwa?_[0-9A-Za-z]{49}/g

/**
 * Every secret any test saw on stdout, and every stderr text: `expectNoSecretLeaked()` checks
 * that no secret ever reached stderr (errors, warnings, debug output).
 */
const seenSecrets = new Set<string>()
const stderrTexts: string[] = []

/** A base environment without anything that would redirect or alter the CLI. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env }
  delete env.KEYWARD_DB
  delete env.KEYWARD_DEBUG
  delete env.NODE_OPTIONS
  // The tests run the bundle, never the sources through tsx.
  delete env.KEYWARD_CLI_SOURCE
  delete env.KEYWARD_SQLITE_BINDING
  return { ...env, ...extra }
}

/** Runs `node bin/keyward.cjs ...args` as a child process and waits for it to exit. */
export function run(args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: options.env ?? cleanEnv(),
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe']
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      const result = {
        code: code ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8')
      }
      for (const secret of result.stdout.match(SECRET) ?? []) seenSecrets.add(secret)
      stderrTexts.push(result.stderr)
      resolvePromise(result)
    })
    child.stdin.end(options.input ?? '')
  })
}

export function expectNoSecretLeaked(): void {
  for (const text of stderrTexts) {
    expect(text).not.toMatch(SECRET)
    for (const secret of seenSecrets) expect(text).not.toContain(secret)
  }
}

/** A fresh folder with a registry path in it, and a runner bound to `--db` that path. */
export function tempCli() {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-cli-'))
  const db = join(dir, 'registry.sqlite3')
  const cli = (args: readonly string[], options?: RunOptions) => run(['--db', db, ...args], options)
  /** `--json` run expected to succeed (exit 0, nothing on stderr): its one JSON document. */
  const ok = async <T = any>(args: readonly string[], options?: RunOptions): Promise<T> => {
    const r = await cli(['--json', ...args], options)
    if (r.code !== 0) throw new Error(`keyward ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
    expect(r.stderr).toBe('')
    return JSON.parse(r.stdout) as T
  }
  /** `--json` run expected to fail: exit code, nothing on stdout, and the {"error"} document from stderr. */
  const fails = async (args: readonly string[], options?: RunOptions) => {
    const r = await cli(['--json', ...args], options)
    expect(r.code, `keyward ${args.join(' ')} should fail: ${r.stdout}`).not.toBe(0)
    expect(r.stdout).toBe('')
    const doc = JSON.parse(r.stderr) as { error: { code: string; message: string; fields?: Record<string, string> } }
    expect(Object.keys(doc)).toEqual(['error'])
    return { code: r.code, error: doc.error }
  }
  return { dir, db, cli, ok, fails, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export const KEY_FIELDS = [
  'id',
  'name',
  'kind',
  'hint',
  'status',
  'department',
  'project',
  'environment',
  'requestor',
  'appId',
  'justification',
  'notes',
  'notifyEmail',
  'resources',
  'createdAt',
  'updatedAt',
  'expiresAt',
  'lastUsedAt'
]
export const RESOURCE_FIELDS = ['id', 'model', 'type', 'status', 'tpmLimit', 'keyCount', 'upstream']
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
export const SECRET_FORMAT = /^kw_[0-9A-Za-z]{49}$/
