/**
 * HTTP verification throughput: `keyward serve` beside a bare node:http server that does only the
 * SHA-256 + prepared lookup, on the same registry (100k demo keys + a few hundred keys whose
 * secrets we keep), measured with wrk on loopback, side by side in one run. Prints; never fails.
 *
 *   npm run bench:http                     # 100k keys, 3 s per run
 *   npm run bench:http -- --keys 20000 --seconds 2 --rounds 3
 *
 * bench/run.ts calls runHttpBench() for `npm run bench`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { seedDemo } from '../src/main/core/demo'
import { Registry } from '../src/main/core/registry'
import { latestSchemaVersion, openRegistryDatabase } from '../src/main/db/open'
import { argValue } from './args'

export interface HttpBenchOptions {
  /** Demo keys in the registry (default 100 000). */
  keys?: number
  /** Keys of our own, whose secrets the load generator sends (default 300). */
  ownKeys?: number
  /** Seconds per measured run (default 3). */
  seconds?: number
  /** wrk connections (default 32). */
  connections?: number
  /** Interleaved rounds; each server's best round is reported (default 2), so a burst of load elsewhere hurts both alike. */
  rounds?: number
  log?: (line: string) => void
}

export interface HttpBenchResult {
  keys: number
  bareRps: number
  keywardRps: number
  keywardModelRps: number
  /** keyward serve with x-model while another process commits to the registry every millisecond. */
  keywardChurnRps: number
  ratio: number
}

const REPO = resolve(__dirname, '..')
const WRK = ['/usr/bin/wrk', '/usr/local/bin/wrk'].find((p) => existsSync(p))
export const HTTP_TARGET_RATIO = 0.8

/** The comparison server: hash, one prepared lookup, a tiny JSON answer. Plain JS, no Keyward code. */
const BARE_SERVER = `
const { createHash } = require('node:crypto')
const { createServer } = require('node:http')
const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))})
const db = new Database(process.argv[1], { readonly: true })
const lookup = db.prepare('SELECT s.retires_at, k.pk, k.disabled, k.expires_at, k.app_id FROM key_secrets s JOIN api_keys k ON k.pk = s.key_pk WHERE s.secret_hash = ?')
const server = createServer((req, res) => {
  const auth = req.headers.authorization
  const row = auth && auth.startsWith('Bearer ') ? lookup.get(createHash('sha256').update(auth.slice(7)).digest()) : undefined
  const body = JSON.stringify({ valid: row !== undefined && !row.disabled })
  res.writeHead(row ? 200 : 401, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
})
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: 'http://127.0.0.1:' + server.address().port })))
process.on('SIGTERM', () => server.close(() => process.exit(0)))
`

/**
 * Another process committing to the registry every millisecond: the server's memory of lookups is
 * forgotten on every change, so this shows the verifier when nothing can be remembered.
 */
const CHURN_WRITER = `
const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))})
const db = new Database(process.argv[1])
db.pragma('busy_timeout = 1000')
db.exec('CREATE TABLE IF NOT EXISTS bench_churn (x INTEGER)')
const insert = db.prepare('INSERT INTO bench_churn VALUES (1)')
setInterval(() => insert.run(), 1)
process.on('SIGTERM', () => process.exit(0))
`

/** A demo registry of `keys` keys, seeded once and reused (seeding 100k keys takes ~30 s). */
export function demoRegistry(keys: number, log: (line: string) => void): string {
  const cacheDir = join(tmpdir(), 'keyward-bench')
  mkdirSync(cacheDir, { recursive: true })
  const cached = join(cacheDir, `demo-${keys}-schema${latestSchemaVersion()}.sqlite3`)
  if (!existsSync(cached)) {
    log(`  seeding ${keys} demo keys into ${cached} (once; reused by later runs)…`)
    const partial = `${cached}.partial`
    rmSync(partial, { force: true })
    const registry = new Registry(openRegistryDatabase(partial))
    seedDemo(registry, { keys, seed: 'bench', actor: 'bench' })
    registry.close() // the last connection checkpoints the WAL into the file
    copyFileSync(partial, cached)
    rmSync(partial, { force: true })
  }
  return cached
}

/**
 * A copy of the demo registry in `dir` plus `ownKeys` keys on bench-model:PYG whose secrets the
 * load generator sends.
 */
/** A wrk script that verifies the secrets in turn (with `model`, for bench-model): the HTTP and PostgreSQL benchmarks' load. */
export function verifyScript(dir: string, secrets: readonly string[], model: boolean): string {
  const path = join(dir, model ? 'verify-model.lua' : 'verify.lua')
  writeFileSync(
    path,
    `local keys = { ${secrets.map((s) => `"${s}"`).join(', ')} }
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/v1/keys/verify", { ["Authorization"] = "Bearer " .. keys[(i % #keys) + 1]${model ? ', ["x-model"] = "bench-model"' : ''} })
end
`
  )
  return path
}

export function demoRegistryWithKeys(
  dir: string,
  keys: number,
  ownKeys: number,
  log: (line: string) => void
): { db: string; secrets: string[] } {
  const db = join(dir, 'registry.sqlite3')
  copyFileSync(demoRegistry(keys, log), db)
  const handle = openRegistryDatabase(db)
  const registry = new Registry(handle)
  const secrets: string[] = []
  handle
    .transaction(() => {
      registry.addResource({ model: 'bench-model', type: 'PYG' }, 'bench')
      for (let i = 0; i < ownKeys; i++)
        secrets.push(registry.createKey({ name: `BenchKey${i}`, resources: ['bench-model:PYG'] }, 'bench').secret)
    })
    .immediate()
  registry.close()
  return { db, secrets }
}

export function waitForUrl(child: ChildProcess, label: string): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    let out = ''
    let err = ''
    child.stdout!.on('data', (c) => {
      out += c
      const match = /"url":\s*"(http:\/\/[^"]+)"/.exec(out)
      if (match) resolveUrl(match[1]!)
    })
    child.stderr!.on('data', (c) => (err += c))
    child.once('exit', (code) => reject(new Error(`${label} exited with ${code}: ${err.trim()}`)))
  })
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  await exited
}

function wrk(url: string, script: string, seconds: number, connections: number): number {
  const run = spawnSync(WRK!, ['-t', '1', '-c', String(connections), '-d', `${seconds}s`, '-s', script, url], {
    encoding: 'utf8',
    timeout: (seconds + 30) * 1000
  })
  const match = /Requests\/sec:\s+([\d.]+)/.exec(run.stdout ?? '')
  if (!match) throw new Error(`wrk gave no figure: ${run.stderr || run.stdout}`)
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(run.stdout)
  if (non2xx) throw new Error(`wrk saw ${non2xx[1]} refused verifications: the benchmark keys did not verify`)
  return Number(match[1])
}

export async function runHttpBench(options: HttpBenchOptions = {}): Promise<HttpBenchResult | undefined> {
  const log = options.log ?? ((line: string) => console.log(line))
  const keys = options.keys ?? 100_000
  const ownKeys = options.ownKeys ?? 300
  const seconds = options.seconds ?? 3
  const connections = options.connections ?? 32
  const rounds = options.rounds ?? 2
  log(
    `HTTP verify: keyward serve vs a bare node:http server (SHA-256 + prepared lookup), ${keys} demo keys, ` +
      `wrk -t1 -c${connections}, ${rounds} interleaved rounds of ${seconds}s, best round each`
  )
  if (!WRK) {
    log('  skipped: wrk not found (Debian: apt-get install wrk)')
    return undefined
  }

  const dir = mkdtempSync(join(tmpdir(), 'keyward-bench-http-'))
  const children: ChildProcess[] = []
  try {
    const { db, secrets } = demoRegistryWithKeys(dir, keys, ownKeys, log)

    const plain = verifyScript(dir, secrets, false)
    const withModel = verifyScript(dir, secrets, true)

    const bare = spawn(process.execPath, ['-e', BARE_SERVER, db], { stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(bare)
    const keyward = spawn(
      process.execPath,
      [join(REPO, 'bin/keyward.cjs'), '--db', db, '--json', 'serve', '--port', '0'],
      {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'pipe']
      }
    )
    children.push(keyward)
    const [bareUrl, keywardUrl] = await Promise.all([
      waitForUrl(bare, 'bare server'),
      waitForUrl(keyward, 'keyward serve')
    ])

    // Warm-up: JIT, page cache, connection setup.
    for (const [url, path] of [
      [bareUrl, plain],
      [keywardUrl, plain],
      [keywardUrl, withModel]
    ] as const)
      wrk(url, path, 1, connections)
    let bareRps = 0
    let keywardRps = 0
    let keywardModelRps = 0
    for (let round = 0; round < rounds; round++) {
      bareRps = Math.max(bareRps, wrk(bareUrl, plain, seconds, connections))
      keywardRps = Math.max(keywardRps, wrk(keywardUrl, plain, seconds, connections))
      keywardModelRps = Math.max(keywardModelRps, wrk(keywardUrl, withModel, seconds, connections))
    }
    const churn = spawn(process.execPath, ['-e', CHURN_WRITER, db], { stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(churn)
    let keywardChurnRps = 0
    for (let round = 0; round < rounds; round++)
      keywardChurnRps = Math.max(keywardChurnRps, wrk(keywardUrl, withModel, seconds, connections))
    await stop(churn)
    const ratio = Math.min(keywardRps, keywardModelRps) / bareRps

    const fmt = (n: number) => n.toFixed(0).padStart(8)
    log(`  bare node:http (hash + lookup)      ${fmt(bareRps)} req/s`)
    const met = (rps: number) =>
      `${(rps / bareRps).toFixed(2)}x the bare server (target ≥ ${HTTP_TARGET_RATIO}x) ${rps / bareRps >= HTTP_TARGET_RATIO ? 'met' : 'NOT met'}`
    log(`  keyward serve                       ${fmt(keywardRps)} req/s   ${met(keywardRps)}`)
    log(`  keyward serve with x-model          ${fmt(keywardModelRps)} req/s   ${met(keywardModelRps)}`)
    log(
      `  … while another process commits     ${fmt(keywardChurnRps)} req/s   ${(keywardChurnRps / bareRps).toFixed(2)}x (every 1 ms: nothing remembered; no target)`
    )
    log(`  (${availableParallelism()} CPUs shared by wrk and the server; figures vary with machine load)`)
    return { keys, bareRps, keywardRps, keywardModelRps, keywardChurnRps, ratio }
  } finally {
    await Promise.all(children.map(stop))
    rmSync(dir, { recursive: true, force: true })
  }
}

if (require.main === module) {
  runHttpBench({
    keys: argValue('--keys'),
    seconds: argValue('--seconds'),
    connections: argValue('--connections'),
    rounds: argValue('--rounds')
  }).catch((error: unknown) => {
    console.error(`HTTP benchmark could not run: ${(error as Error).message}`)
  })
}
