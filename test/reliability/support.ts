import { spawn, type ChildProcess } from 'node:child_process'
import { Agent, request as httpRequest } from 'node:http'
import { resolve } from 'node:path'

/** The real entry point, as `npx keyward` runs it (the node project's globalSetup keeps the bundle fresh). */
export const REPO = resolve(__dirname, '../..')
export const CLI = resolve(REPO, 'bin/keyward.cjs')

function cleanEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env = { ...base }
  delete env.KEYWARD_DB
  delete env.NODE_OPTIONS
  delete env.KEYWARD_CLI_SOURCE
  delete env.KEYWARD_SQLITE_BINDING
  return env
}

/** Resolves with the first match of `pattern` in what `read` returns, polling; rejects after `ms`. */
export async function waitForText(
  read: () => string,
  pattern: RegExp,
  ms = 30_000,
  what = String(pattern)
): Promise<RegExpExecArray> {
  const until = Date.now() + ms
  for (;;) {
    const m = pattern.exec(read())
    if (m) return m
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}; got: ${read().slice(-500)}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

export interface ServeChild {
  url: string
  proc: ChildProcess
  out(): string
  err(): string
  exited: Promise<number | null>
}

/** `keyward --db <path or URL> serve --port 0` in its own process, once it prints its URL. */
export async function serveChild(dbPath: string, env?: NodeJS.ProcessEnv): Promise<ServeChild> {
  const proc = spawn(process.execPath, [CLI, '--db', dbPath, 'serve', '--port', '0'], {
    cwd: REPO,
    env: cleanEnv(env)
  })
  let out = ''
  let err = ''
  proc.stdout!.on('data', (c) => (out += c))
  proc.stderr!.on('data', (c) => (err += c))
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)))
  const url = (await waitForText(() => out + err, /http:\/\/127\.0\.0\.1:\d+/, 30_000, 'the server URL'))[0]
  return { url, proc, out: () => out, err: () => err, exited }
}

/** Runs the CLI to completion. */
export function cli(
  dbPath: string,
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return cliIn(undefined, dbPath, ...args)
}

/** Runs the CLI to completion with an environment of its own (PGPASSWORD for a PostgreSQL registry). */
export function cliIn(
  env: NodeJS.ProcessEnv | undefined,
  dbPath: string,
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const proc = spawn(process.execPath, [CLI, '--db', dbPath, ...args], { cwd: REPO, env: cleanEnv(env) })
    let stdout = ''
    let stderr = ''
    proc.stdout.on('data', (c) => (stdout += c))
    proc.stderr.on('data', (c) => (stderr += c))
    proc.on('exit', (code) => done({ code, stdout, stderr }))
  })
}

/**
 * Another process holding the registry's write lock: a plain node process with better-sqlite3 runs
 * BEGIN IMMEDIATE on the file, prints "locked", keeps the lock for `holdMs`, COMMITs, prints "released".
 */
export function holdWriteLock(dbPath: string, holdMs: number) {
  const script = `
    const Database = require('better-sqlite3')
    const db = new Database(process.argv[1])
    db.pragma('busy_timeout = 10000')
    db.exec('BEGIN IMMEDIATE')
    db.prepare("UPDATE registry_settings SET value = value WHERE name = 'audit_head'").run()
    process.stdout.write('locked\\n')
    setTimeout(() => { db.exec('COMMIT'); db.close(); process.stdout.write('released\\n') }, Number(process.argv[2]))
  `
  const proc = spawn(process.execPath, ['-e', script, dbPath, String(holdMs)], { cwd: REPO })
  let out = ''
  let err = ''
  proc.stdout.on('data', (c) => (out += c))
  proc.stderr.on('data', (c) => (err += c))
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)))
  return {
    proc,
    locked: waitForText(() => out + err, /locked/, 30_000, 'the lock holder'),
    released: waitForText(() => out + err, /released/, holdMs + 30_000, 'the lock release'),
    exited
  }
}

export interface Timed {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
  ms: number
}

/** One HTTP request over `agent`, with its latency measured from send to the end of the answer. */
export function timedRequest(
  agent: Agent,
  url: string,
  options: { method?: string; headers?: Record<string, string>; json?: unknown } = {}
): Promise<Timed> {
  return new Promise((done, fail) => {
    const body = options.json === undefined ? undefined : JSON.stringify(options.json)
    const headers: Record<string, string> = { ...options.headers }
    if (body !== undefined) {
      headers['content-type'] = 'application/json'
      headers['content-length'] = String(Buffer.byteLength(body))
    }
    const started = performance.now()
    const req = httpRequest(url, { agent, method: options.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', fail)
      res.on('aborted', () => fail(new Error('the answer was cut off')))
      res.on('end', () =>
        done({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          ms: performance.now() - started
        })
      )
    })
    req.on('error', fail)
    req.end(body)
  })
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
