/**
 * Verification on a PostgreSQL registry (issue 13): requests/s of one `keyward serve` node on
 * PostgreSQL beside the same registry served from its SQLite file, beside a bare node:http server
 * that does only the SHA-256 and one PostgreSQL lookup (the raw baseline), and one node against two
 * nodes behind the same load (two wrk processes, half the connections each, summed). Everything
 * shares this machine's CPUs with the database server; the figures say so. Prints; never fails.
 *
 *   npm run bench:pg                        # 20 000 demo keys, 3 s per run
 *   npm run bench:pg -- --keys 100000 --seconds 5
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { migrateRegistry } from '../src/main/core/migrate'
import { postgresAvailable, startPostgres } from '../test/support/postgres'
import { argValue } from './args'
import { demoRegistryWithKeys, stop, verifyScript, waitForUrl } from './http'

const REPO = resolve(__dirname, '..')
const WRK = ['/usr/bin/wrk', '/usr/local/bin/wrk'].find((p) => existsSync(p))

/** The raw baseline: hash, one parameterised query on a pool of 8, a tiny JSON answer. Plain JS, no Keyward code. */
const BARE_PG_SERVER = `
const { createHash } = require('node:crypto')
const { createServer } = require('node:http')
const { Pool } = require(${JSON.stringify(require.resolve('pg'))})
const pool = new Pool({ connectionString: process.argv[1], max: 8 })
const sql = 'SELECT k.pk, k.disabled, k.expires_at FROM key_secrets s JOIN api_keys k ON k.pk = s.key_pk WHERE s.secret_hash = $1'
const server = createServer(async (req, res) => {
  const auth = req.headers.authorization
  const rows = auth && auth.startsWith('Bearer ')
    ? (await pool.query({ name: 'bare', text: sql, values: [createHash('sha256').update(auth.slice(7)).digest()] })).rows
    : []
  const body = JSON.stringify({ valid: rows.length > 0 && !rows[0].disabled })
  res.writeHead(rows.length ? 200 : 401, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
})
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: 'http://127.0.0.1:' + server.address().port })))
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))))
`

/** wrk runs started together against each URL, `connections` split between them; their req/s summed. */
async function wrkTogether(urls: string[], script: string, seconds: number, connections: number): Promise<number> {
  const each = Math.max(1, Math.floor(connections / urls.length))
  const runs = urls.map(
    (url) =>
      new Promise<number>((done, fail) => {
        const child = spawn(WRK!, ['-t', '1', '-c', String(each), '-d', `${seconds}s`, '-s', script, url])
        let out = ''
        child.stdout.on('data', (c) => (out += c))
        child.on('exit', () => {
          const match = /Requests\/sec:\s+([\d.]+)/.exec(out)
          const refused = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out)
          if (!match) fail(new Error(`wrk gave no figure: ${out}`))
          else if (refused)
            fail(new Error(`wrk saw ${refused[1]} refused verifications: the benchmark keys did not verify`))
          else done(Number(match[1]))
        })
      })
  )
  return (await Promise.all(runs)).reduce((a, b) => a + b, 0)
}

export interface PgBenchOptions {
  keys?: number
  ownKeys?: number
  seconds?: number
  connections?: number
  rounds?: number
  log?: (line: string) => void
}

export async function runPgBench(options: PgBenchOptions = {}): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line))
  const keys = options.keys ?? 20_000
  const ownKeys = options.ownKeys ?? 300
  const seconds = options.seconds ?? 3
  const connections = options.connections ?? 32
  const rounds = options.rounds ?? 2
  log(
    `Verification on PostgreSQL: keyward serve nodes on one PostgreSQL 15 database vs the same registry in SQLite ` +
      `and a bare node:http + pg lookup, ${keys} demo keys, wrk ${connections} connections, ${rounds} interleaved rounds of ${seconds}s, best round each`
  )
  const missing = postgresAvailable()
  if (missing) return log(`  skipped: ${missing}`)
  if (!WRK) return log('  skipped: wrk not found (Debian: apt-get install wrk)')

  const dir = mkdtempSync(join(tmpdir(), 'keyward-bench-pg-'))
  const children: ChildProcess[] = []
  const cluster = await startPostgres()
  try {
    const { db, secrets } = demoRegistryWithKeys(dir, keys, ownKeys, log)
    const url = await cluster.createDatabase()
    const env = cluster.env({ HOME: dir })
    await migrateRegistry(db, url, { env })

    const script = verifyScript(dir, secrets, true)
    const serve = (target: string) => {
      const child = spawn(
        process.execPath,
        [join(REPO, 'bin/keyward.cjs'), '--db', target, '--json', 'serve', '--port', '0'],
        {
          cwd: REPO,
          env,
          stdio: ['ignore', 'pipe', 'pipe']
        }
      )
      children.push(child)
      return waitForUrl(child, 'keyward serve')
    }
    const bare = spawn(process.execPath, ['-e', BARE_PG_SERVER, cluster.urlWithPassword(url)], {
      stdio: ['ignore', 'pipe', 'pipe']
    })
    children.push(bare)
    const [bareUrl, sqliteUrl, nodeA, nodeB] = await Promise.all([
      waitForUrl(bare, 'bare pg server'),
      serve(db),
      serve(url),
      serve(url)
    ])

    const runs: [string, string[]][] = [
      ['bare node:http + pg lookup (1 process)', [bareUrl]],
      ['keyward serve, SQLite file (1 process)', [sqliteUrl]],
      ['keyward serve, PostgreSQL, 1 node', [nodeA]],
      ['keyward serve, PostgreSQL, 2 nodes', [nodeA, nodeB]]
    ]
    for (const [, urls] of runs) await wrkTogether(urls, script, 1, connections) // warm-up
    const best = new Map<string, number>()
    for (let round = 0; round < rounds; round++)
      for (const [label, urls] of runs)
        best.set(label, Math.max(best.get(label) ?? 0, await wrkTogether(urls, script, seconds, connections)))

    const bareRps = best.get(runs[0]![0])!
    const oneNode = best.get(runs[2]![0])!
    for (const [label] of runs) {
      const rps = best.get(label)!
      log(
        `  ${label.padEnd(42)} ${rps.toFixed(0).padStart(7)} req/s   ${(rps / bareRps).toFixed(2)}x the bare pg server`
      )
    }
    log(`  two nodes / one node: ${(best.get(runs[3]![0])! / oneNode).toFixed(2)}x`)
    log(
      `  (${availableParallelism()} CPUs shared by wrk, the nodes and PostgreSQL itself: a second node adds a process, not a CPU, ` +
        'so on this machine it cannot double the rate; on separate hosts each node brings its own. PostgreSQL here runs with fsync off, which verification, a read, does not use.)'
    )
  } finally {
    await Promise.all(children.map(stop))
    cluster.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (require.main === module) {
  runPgBench({
    keys: argValue('--keys'),
    seconds: argValue('--seconds'),
    connections: argValue('--connections'),
    rounds: argValue('--rounds')
  }).catch((error: unknown) => {
    console.error(`PostgreSQL benchmark could not run: ${(error as Error).message}`)
  })
}
