import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { startServer, type RunningServer, type ServerOptions } from '../../../src/main/server/server'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'

export interface ServerHarness extends TempRegistry {
  server: RunningServer
  url: string
  /** Lines the server logged (errors only). */
  logs: string[]
  /** Stops the server, then removes the registry folder. */
  stop(): Promise<void>
}

/**
 * A real server on 127.0.0.1, port 0, over a real temp registry file. The test's own registry
 * connection (`registry`) and the server share the injected clock `clock`.
 */
export async function serverOnTempRegistry(options: Partial<ServerOptions> = {}): Promise<ServerHarness> {
  const t = tempRegistry()
  const logs: string[] = []
  const server = await startServer({
    dbPath: t.path,
    host: '127.0.0.1',
    port: 0,
    clock: () => t.clock.now,
    outboxIntervalMs: 0,
    smtpPassword: null,
    log: (line) => logs.push(line),
    ...options
  })
  return {
    ...t,
    server,
    url: server.url,
    logs,
    async stop() {
      await server.close()
      t.close()
    }
  }
}

export interface Answer {
  status: number
  headers: Headers
  body: any
  text: string
}

export async function request(url: string, init: RequestInit & { json?: unknown } = {}): Promise<Answer> {
  const { json, ...rest } = init
  const headers = new Headers(rest.headers)
  if (json !== undefined) headers.set('content-type', 'application/json')
  const res = await fetch(url, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body })
  const text = await res.text()
  let body: unknown
  try {
    body = text ? JSON.parse(text) : undefined
  } catch {
    body = undefined
  }
  return { status: res.status, headers: res.headers, body, text }
}

/** An admin API call with a bearer key. */
export function admin(
  base: string,
  secret: string | undefined,
  method: string,
  path: string,
  json?: unknown
): Promise<Answer> {
  return request(`${base}/v1/admin${path}`, {
    method,
    headers: secret === undefined ? {} : { authorization: `Bearer ${secret}` },
    json
  })
}

export const REPO = resolve(__dirname, '../../..')
export const CLI = resolve(REPO, 'bin/keyward.cjs')

/** The real CLI in its own process, with its own connection to the registry file. */
export async function cli(db: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [CLI, '--db', db, ...args], {
    cwd: REPO,
    env: { ...process.env, KEYWARD_DB: '' }
  })
}

/** Repeats `probe` until `done` holds (no fixed sleeps); fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T> | T,
  done: (value: T) => boolean,
  timeoutMs = 10_000
): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (done(value)) return value
    if (Date.now() > until)
      throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
