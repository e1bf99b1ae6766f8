/**
 * A throwaway PostgreSQL cluster for tests: Debian's `postgresql` package (initdb, pg_ctl), a data
 * directory in a temp folder, listening on 127.0.0.1 on a free port with its socket in that folder,
 * and password (SCRAM) authentication with a generated password. The password is handed to
 * clients through PGPASSWORD-style settings and never printed.
 *
 *   const reason = postgresAvailable()
 *   describe.skipIf(reason)(`… (skipped: ${reason})`, () => {
 *     let pg: StartedPostgres
 *     beforeAll(async () => { pg = await startPostgres() }, POSTGRES_START_TIMEOUT)
 *     afterAll(() => pg?.stop())
 *   })
 *
 * PostgreSQL refuses to run as root: when the tests run as root (CI), initdb, pg_ctl and the
 * server run as the `postgres` user through runuser, in a folder that user owns.
 */
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { Client } from 'pg'

/** Starting a cluster on a loaded 2-core machine can take many seconds: hooks that start one get this much. */
export const POSTGRES_START_TIMEOUT = 120_000

export interface StartedPostgres {
  /** postgres://USER@127.0.0.1:PORT/DB of this file's database, without the password. */
  url: string
  /** The generated password of USER (give it as PGPASSWORD, or through urlWithPassword). */
  password: string
  user: string
  host: string
  port: number
  /** An environment for child processes: the given one plus PGPASSWORD. */
  env(base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv
  /** The URL with the password in it, for in-process clients. */
  urlWithPassword(url?: string): string
  /**
   * A new, empty database in this cluster; its URL (without the password). `linguistic`: its default
   * collation is ICU en-US instead of bytes, so a query that relies on the collation for SQLite's
   * byte order (NOCASE names, sorted lists) shows it.
   */
  createDatabase(options?: { linguistic?: boolean }): Promise<string>
  /** Stops the cluster (immediate mode) and removes its folder. Safe to call twice. */
  stop(): void
}

interface Tools {
  initdb: string
  pgCtl: string
  /** The prefix that runs a tool as a user PostgreSQL accepts (runuser when we are root). */
  asUser: string[]
  uid?: number
  gid?: number
}

/** Where initdb and pg_ctl are: PATH first, then Debian's /usr/lib/postgresql/<version>/bin (newest first). */
function findTools(): Tools | string {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean)
  const debian = '/usr/lib/postgresql'
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a))
    for (const v of versions) dirs.push(join(debian, v, 'bin'))
  }
  const dir = dirs.find((d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl')))
  if (!dir)
    return 'PostgreSQL is not installed (no initdb and pg_ctl on PATH or in /usr/lib/postgresql/*/bin; apt-get install postgresql)'
  const tools: Tools = { initdb: join(dir, 'initdb'), pgCtl: join(dir, 'pg_ctl'), asUser: [] }
  if (process.getuid?.() === 0) {
    const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' })
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' })
    if (id.status !== 0) return 'the tests run as root and there is no "postgres" user to run PostgreSQL as'
    const runuser = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'].find((p) => existsSync(p))
    if (!runuser) return 'the tests run as root and runuser is missing to start PostgreSQL as "postgres"'
    tools.asUser = [runuser, '-u', 'postgres', '--']
    tools.uid = Number(id.stdout.trim())
    tools.gid = Number(gid.stdout.trim())
  }
  return tools
}

/** Why the PostgreSQL tests cannot run here, or undefined when they can. */
export function postgresAvailable(): string | undefined {
  const tools = findTools()
  return typeof tools === 'string' ? tools : undefined
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))
      )
    })
  })
}

/** Runs a PostgreSQL tool (as `postgres` when root); rejects with its output, which never holds the password. */
function runTool(tools: Tools, command: string, args: string[]): Promise<void> {
  const [file, ...rest] = [...tools.asUser, command, ...args]
  return new Promise((resolve, reject) => {
    // stdout is not piped: pg_ctl start leaves the server holding it, and we would wait for it to close.
    const child = spawn(file!, rest, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } })
    const err: Buffer[] = []
    child.stderr.on('data', (c: Buffer) => err.push(c))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) resolve()
      else reject(new Error(`${command} ${args[0] ?? ''} exited ${code}: ${Buffer.concat(err).toString('utf8')}`))
    })
  })
}

const running = new Set<() => void>()
let exitHookInstalled = false

/** Starts a throwaway cluster with one database for the calling test file. */
export async function startPostgres(): Promise<StartedPostgres> {
  const tools = findTools()
  if (typeof tools === 'string') throw new Error(`PostgreSQL is not available: ${tools}`)
  const root = mkdtempSync(join(tmpdir(), 'keyward-pg-'))
  const data = join(root, 'data')
  const user = 'keyward'
  const password = randomBytes(18).toString('base64url')
  let stopped = false
  let started = false
  const stop = (): void => {
    if (stopped) return
    stopped = true
    running.delete(stop)
    if (started) {
      const [file, ...rest] = [...tools.asUser, tools.pgCtl, 'stop', '-D', data, '-m', 'immediate', '-s']
      spawnSync(file!, rest, { stdio: 'ignore' })
    }
    rmSync(root, { recursive: true, force: true })
  }
  running.add(stop)
  if (!exitHookInstalled) {
    exitHookInstalled = true
    process.once('exit', () => {
      for (const s of [...running]) s()
    })
  }
  try {
    if (tools.uid !== undefined) chownSync(root, tools.uid, tools.gid ?? tools.uid)
    chmodSync(root, 0o700)
    const pwfile = join(root, 'pwfile')
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 })
    if (tools.uid !== undefined) chownSync(pwfile, tools.uid, tools.gid ?? tools.uid)
    await runTool(tools, tools.initdb, [
      '-D',
      data,
      '-U',
      user,
      '--pwfile',
      pwfile,
      '--auth',
      'scram-sha-256',
      '-E',
      'UTF8',
      '--locale',
      'C',
      '--no-sync',
      '--no-instructions'
    ])
    rmSync(pwfile, { force: true })
    // Loopback and the socket in our folder only, always with the password.
    const hba = join(data, 'pg_hba.conf')
    writeFileSync(hba, 'local all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\n')
    if (tools.uid !== undefined) chownSync(hba, tools.uid, tools.gid ?? tools.uid)
    let port = 0
    for (let attempt = 1; ; attempt++) {
      port = await freePort()
      const options = [
        `-c listen_addresses=127.0.0.1`,
        `-p ${port}`,
        `-k ${root}`,
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=60',
        '-c shared_buffers=16MB'
      ].join(' ')
      try {
        await runTool(tools, tools.pgCtl, [
          'start',
          '-D',
          data,
          '-w',
          '-t',
          '100',
          '-s',
          '-l',
          join(root, 'server.log'),
          '-o',
          options
        ])
        started = true
        break
      } catch (error) {
        // Another process may have taken the port between our probe and the server's bind.
        if (attempt >= 3) throw error
      }
    }
    const host = '127.0.0.1'
    const urlFor = (db: string) => `postgres://${user}@${host}:${port}/${db}`
    const withPassword = (url: string) => url.replace(`${user}@`, `${user}:${encodeURIComponent(password)}@`)
    const createDatabase = async (options: { linguistic?: boolean } = {}): Promise<string> => {
      const name = `registry_${randomBytes(6).toString('hex')}`
      const client = new Client({ host, port, user, password, database: 'postgres' })
      await client.connect()
      try {
        await client.query(
          options.linguistic
            ? `CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C' LOCALE_PROVIDER icu ICU_LOCALE 'en-US'`
            : `CREATE DATABASE ${name}`
        )
      } finally {
        await client.end()
      }
      return urlFor(name)
    }
    const url = await createDatabase()
    return {
      url,
      password,
      user,
      host,
      port,
      env: (base = process.env) => ({ ...base, PGPASSWORD: password }),
      urlWithPassword: (u = url) => withPassword(u),
      createDatabase,
      stop
    }
  } catch (error) {
    stop()
    throw error
  }
}
