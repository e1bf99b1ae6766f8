/**
 * The gateway's added latency and throughput: the same client (50 concurrent requests on
 * keep-alive connections) calls the fake OpenAI-compatible upstream directly, then through
 * `keyward serve --gateway`, in the same run, non-streaming and streaming, in interleaved rounds.
 * The upstream and the gateway each run in a child process of their own; the client runs here.
 * Prints p50/p99 latency, requests/s and (on Linux) the CPU the measured server process spent per
 * answered request, side by side; never fails on time. CPU per request holds up better than
 * requests/s on a busy machine, where the client, upstream and server share the CPUs.
 *
 * The latency aims are read from the paced runs (a fixed 500 req/s, under what every path carries);
 * the saturating runs (50 loops as fast as answers come) give requests/s and CPU per request.
 *
 *   npm run bench:gateway
 *   npm run bench:gateway -- --seconds 2 --rounds 2 --concurrency 50 --rate 500
 *   npm run bench:gateway -- --plain (or --stream): one mode; --rate 0: no paced runs
 *   npm run bench:gateway -- --against .before/bin/keyward.cjs: an earlier build (a copy of its
 *     bin/ and out/cli/ inside the repo, so it finds node_modules) measured in the same rounds
 *   npm run bench:gateway -- --cpu-prof /tmp/prof: a V8 CPU profile of the gateway process
 *
 * bench/run.ts calls runGatewayBench() for `npm run bench`.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import http from 'node:http'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Registry } from '../src/main/core/registry'
import { openRegistryDatabase } from '../src/main/db/open'
import { argValue } from './args'

export interface GatewayBenchOptions {
  seconds?: number
  rounds?: number
  concurrency?: number
  /** Write a V8 CPU profile of the gateway process into this directory (node --cpu-prof). */
  cpuProfDir?: string
  /** Requests per second of the paced runs, where the added latency is read (default 500; 0: none). */
  rate?: number
  /** Another CLI bundle (e.g. an earlier build's out/cli/keyward.cjs, copied into out/cli) run as a second gateway, measured in the same rounds: a before/after on the same machine load. */
  against?: string
  /** Only this mode (default: both). */
  mode?: 'plain' | 'stream'
  log?: (line: string) => void
}

export interface GatewayBenchRow {
  mode: 'plain' | 'stream'
  direct: Stats
  /** A bare node:http proxy (keep-alive agent, body read then forwarded, answer piped back): the floor of any Node gateway. */
  proxy: Stats
  gateway: Stats
  /** The `against` bundle's gateway. */
  before?: Stats
  /** The same three at a fixed, moderate rate (GatewayBenchOptions.rate): latency without queueing. */
  paced?: { rate: number; direct: Stats; proxy: Stats; gateway: Stats; before?: Stats }
}

interface Stats {
  p50: number
  p99: number
  rps: number
  errors: number
  /** Requests answered with 200. */
  count: number
  /** CPU time (user + system) of the measured server process per answered request, in µs (Linux only). */
  cpuUs?: number
}

/** A process's CPU time so far in ms, from /proc (Linux); undefined elsewhere. */
function cpuMs(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    // utime and stime are fields 14 and 15 of the line; after "pid (comm) " they are 11 and 12. Ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return undefined
  }
}

/** load() while counting the CPU the process `pid` spends on it: the server's own cost per request. */
async function measured(pid: number | undefined, run: () => Promise<Stats>): Promise<Stats> {
  const before = cpuMs(pid)
  const stats = await run()
  const after = cpuMs(pid)
  if (before !== undefined && after !== undefined && stats.count > 0)
    stats.cpuUs = ((after - before) * 1000) / stats.count
  return stats
}

const PROVIDER_KEY = 'sk-bench-provider'

/** A child process that prints one JSON line {url} once it listens. */
function child(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  argv = [...process.execArgv, __filename, ...args]
): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, argv, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  return new Promise((resolve, reject) => {
    let out = ''
    proc.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const match = /"url":\s*"(http:\/\/[^"]+)"/.exec(out)
      if (match) resolve({ proc, url: match[1]! })
    })
    proc.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code} before listening`)))
  })
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

/** Answers counted by one load run: each 200's latency, and everything else as an error. */
interface Tally {
  latencies: number[]
  errors: number
}

/** One POST read to its end; a 200 adds the time since `from` (ms, performance.now()) to the tally. */
function post(
  target: URL,
  agent: http.Agent,
  headers: http.OutgoingHttpHeaders,
  body: string,
  from: number,
  tally: Tally
) {
  return new Promise<void>((resolve) => {
    const req = http.request(target, { method: 'POST', agent, headers }, (res) => {
      res.on('data', () => undefined)
      res.on('end', () => {
        if (res.statusCode === 200) tally.latencies.push(performance.now() - from)
        else tally.errors++
        resolve()
      })
    })
    req.on('error', () => {
      tally.errors++
      resolve()
    })
    req.end(body)
  })
}

/** The figures of a run that took `elapsed` seconds. */
function stats(tally: Tally, elapsed: number): Stats {
  const latencies = tally.latencies.sort((a, b) => a - b)
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    rps: latencies.length / elapsed,
    errors: tally.errors,
    count: latencies.length
  }
}

/** `concurrency` loops of POSTs for `seconds`; every answer read to its end. */
async function load(
  url: string,
  headers: Record<string, string>,
  body: string,
  seconds: number,
  concurrency: number
): Promise<Stats> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency })
  const target = new URL(url)
  const requestHeaders = { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
  const tally: Tally = { latencies: [], errors: 0 }
  const until = performance.now() + seconds * 1000
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) await post(target, agent, requestHeaders, body, performance.now(), tally)
    })
  )
  agent.destroy()
  return stats(tally, (performance.now() - started) / 1000)
}

/**
 * Open-loop load: `rate` requests per second, started on schedule whether or not earlier ones have
 * answered (at most `maxInFlight` at once; a request that finds none free waits, and that wait counts
 * in its latency). Latency here is the service time at a load every path can carry, not queueing.
 */
async function paced(
  url: string,
  headers: Record<string, string>,
  body: string,
  seconds: number,
  rate: number,
  maxInFlight: number
): Promise<Stats> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: maxInFlight })
  const target = new URL(url)
  const requestHeaders = { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
  const tally: Tally = { latencies: [], errors: 0 }
  const pending = new Set<Promise<void>>()
  // From when each request was due, not when it left: a late start is the server's delay too.
  const one = (scheduled: number) => post(target, agent, requestHeaders, body, scheduled, tally)
  const started = performance.now()
  const total = Math.round(seconds * rate)
  let sent = 0
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate) + 1)
      for (; sent < due; sent++) {
        const p = one(started + (sent * 1000) / rate)
        pending.add(p)
        void p.then(() => pending.delete(p))
      }
      if (sent >= total) {
        clearInterval(timer)
        resolve()
      }
    }
    const timer = setInterval(tick, 1)
    tick()
  })
  await Promise.all(pending)
  agent.destroy()
  return stats(tally, (performance.now() - started) / 1000)
}

const best = (a: Stats | undefined, b: Stats): Stats => (!a || b.rps > a.rps ? b : a)
/** Of two paced runs, the one with the lower p99 (the other was more likely disturbed by the machine's other work). */
const calmer = (a: Stats | undefined, b: Stats): Stats => (!a || b.p99 < a.p99 ? b : a)

export async function runGatewayBench(options: GatewayBenchOptions = {}): Promise<GatewayBenchRow[]> {
  const log = options.log ?? ((line: string) => console.log(line))
  const seconds = options.seconds ?? 2
  const rounds = options.rounds ?? 2
  const concurrency = options.concurrency ?? 50
  const rate = options.rate ?? 500
  const dir = mkdtempSync(join(tmpdir(), 'keyward-bench-gateway-'))
  const dbPath = join(dir, 'registry.sqlite3')
  const procs: ChildProcess[] = []
  try {
    const upstream = await child(['--upstream-child'])
    procs.push(upstream.proc)
    const registry = new Registry(openRegistryDatabase(dbPath))
    registry.addResource({ model: 'gpt-4o', type: 'PYG' }, 'bench')
    const secret = registry.createKey({ name: 'Bench', resources: ['gpt-4o:PYG'] }, 'bench').secret
    registry.close()
    // The resource's upstream, as `keyward resources edit gpt-4o:PYG --upstream URL --upstream-key-env VAR` sets it.
    const db = openRegistryDatabase(dbPath)
    db.prepare('UPDATE resources SET upstream_url = ?, upstream_key_env = ? WHERE model = ?').run(
      `${upstream.url}/v1`,
      'BENCH_PROVIDER_KEY',
      'gpt-4o'
    )
    db.close()
    // The real `keyward serve --gateway`: the CLI bundle (npm run build:cli), as users run it.
    const gateway = await child(['keyward serve --gateway'], { BENCH_PROVIDER_KEY: PROVIDER_KEY }, [
      ...(options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : []),
      join(__dirname, '..', 'bin', 'keyward.cjs'),
      '--db',
      dbPath,
      '--json',
      'serve',
      '--gateway',
      '--port',
      '0'
    ])
    procs.push(gateway.proc)
    const before = options.against
      ? await child(['keyward serve --gateway (against)'], { BENCH_PROVIDER_KEY: PROVIDER_KEY }, [
          options.against,
          ...['--db', dbPath, '--json', 'serve', '--gateway', '--port', '0']
        ])
      : undefined
    if (before) procs.push(before.proc)
    const proxy = await child(['bare proxy'], {}, ['-e', BARE_PROXY, `${upstream.url}/v1/chat/completions`])
    procs.push(proxy.proc)

    log(
      `Gateway: ${concurrency} concurrent requests, ${seconds} s per run, best of ${rounds} interleaved rounds; the fake upstream and keyward serve --gateway in child processes`
    )
    const rows: GatewayBenchRow[] = []
    for (const mode of options.mode ? [options.mode] : (['plain', 'stream'] as const)) {
      const body = JSON.stringify({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'Say hello' }],
        ...(mode === 'stream' ? { stream: true } : {})
      })
      let direct: Stats | undefined
      let bare: Stats | undefined
      let through: Stats | undefined
      let earlier: Stats | undefined
      for (let round = 0; round < rounds; round++) {
        direct = best(
          direct,
          await measured(upstream.proc.pid, () =>
            load(
              `${upstream.url}/v1/chat/completions`,
              { authorization: `Bearer ${PROVIDER_KEY}` },
              body,
              seconds,
              concurrency
            )
          )
        )
        bare = best(
          bare,
          await measured(proxy.proc.pid, () =>
            load(proxy.url, { authorization: `Bearer ${PROVIDER_KEY}` }, body, seconds, concurrency)
          )
        )
        through = best(
          through,
          await measured(gateway.proc.pid, () =>
            load(
              `${gateway.url}/v1/chat/completions`,
              { authorization: `Bearer ${secret}` },
              body,
              seconds,
              concurrency
            )
          )
        )
        if (before)
          earlier = best(
            earlier,
            await measured(before.proc.pid, () =>
              load(
                `${before.url}/v1/chat/completions`,
                { authorization: `Bearer ${secret}` },
                body,
                seconds,
                concurrency
              )
            )
          )
      }
      const row: GatewayBenchRow = { mode, direct: direct!, proxy: bare!, gateway: through!, before: earlier }
      if (rate > 0) {
        let pd: Stats | undefined
        let pp: Stats | undefined
        let pg: Stats | undefined
        let pb: Stats | undefined
        for (let round = 0; round < rounds; round++) {
          const auth = (key: string) => ({ authorization: `Bearer ${key}` })
          pd = calmer(
            pd,
            await measured(upstream.proc.pid, () =>
              paced(`${upstream.url}/v1/chat/completions`, auth(PROVIDER_KEY), body, seconds, rate, concurrency)
            )
          )
          pp = calmer(
            pp,
            await measured(proxy.proc.pid, () => paced(proxy.url, auth(PROVIDER_KEY), body, seconds, rate, concurrency))
          )
          pg = calmer(
            pg,
            await measured(gateway.proc.pid, () =>
              paced(`${gateway.url}/v1/chat/completions`, auth(secret), body, seconds, rate, concurrency)
            )
          )
          if (before)
            pb = calmer(
              pb,
              await measured(before.proc.pid, () =>
                paced(`${before.url}/v1/chat/completions`, auth(secret), body, seconds, rate, concurrency)
              )
            )
        }
        row.paced = { rate, direct: pd!, proxy: pp!, gateway: pg!, before: pb }
      }
      rows.push(row)
    }
    const f = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)} ms` : 'n/a')
    const cpu = (s: Stats) => (s.cpuUs === undefined ? 'n/a' : s.cpuUs.toFixed(0))
    log(
      `  ${'mode'.padEnd(8)} ${'path'.padEnd(9)} ${'p50'.padStart(10)} ${'p99'.padStart(10)} ${'req/s'.padStart(9)} ${'CPU µs/req'.padStart(11)}  errors`
    )
    for (const row of rows) {
      for (const [path, s] of [
        ['direct', row.direct],
        ['proxy', row.proxy],
        ['gateway', row.gateway],
        ...(row.before ? ([['before', row.before]] as const) : [])
      ] as const) {
        log(
          `  ${row.mode.padEnd(8)} ${path.padEnd(9)} ${f(s.p50).padStart(10)} ${f(s.p99).padStart(10)} ${s.rps.toFixed(0).padStart(9)} ${(s.cpuUs === undefined ? 'n/a' : s.cpuUs.toFixed(0)).padStart(11)}  ${s.errors}`
        )
      }
      log(
        `  ${row.mode.padEnd(8)} added: p50 ${f(row.gateway.p50 - row.direct.p50)}, p99 ${f(row.gateway.p99 - row.direct.p99)}, throughput ${(row.gateway.rps / row.direct.rps).toFixed(2)}x of direct (aims: < 1 ms, < 5 ms, ≥ 0.6x); ${(row.gateway.rps / row.proxy.rps).toFixed(2)}x of the bare proxy${row.gateway.cpuUs && row.proxy.cpuUs ? `; CPU per request ${(row.gateway.cpuUs / row.proxy.cpuUs).toFixed(2)}x the bare proxy's` : ''}`
      )
    }
    for (const row of rows) {
      if (!row.paced) continue
      const { direct: d, proxy: p, gateway: g } = row.paced
      log(
        `  ${row.mode.padEnd(8)} at ${row.paced.rate} req/s: p50/p99 direct ${f(d.p50)} / ${f(d.p99)}, proxy ${f(p.p50)} / ${f(p.p99)}, gateway ${f(g.p50)} / ${f(g.p99)}; added by the gateway: p50 ${f(g.p50 - d.p50)}, p99 ${f(g.p99 - d.p99)} (aims: < 1 ms, < 5 ms); CPU µs/req direct ${cpu(d)}, proxy ${cpu(p)}, gateway ${cpu(g)}${row.paced.before ? `; before: p50/p99 ${f(row.paced.before.p50)} / ${f(row.paced.before.p99)}, CPU µs/req ${cpu(row.paced.before)}` : ''}; errors ${d.errors + p.errors + g.errors}`
      )
    }
    return rows
  } finally {
    // Each child stops on SIGTERM (the gateway writes its CPU profile then); wait up to 5 s for them.
    await Promise.all(
      procs.map(
        (proc) =>
          new Promise<void>((resolve) => {
            if (proc.exitCode !== null || proc.signalCode !== null) return resolve()
            const force = setTimeout(() => (proc.kill('SIGKILL'), resolve()), 5_000)
            proc.once('exit', () => (clearTimeout(force), resolve()))
            proc.kill('SIGTERM')
          })
      )
    )
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The baseline, plain JS run by plain node: a bare node:http proxy to one upstream URL, with no key, model or usage handling. */
const BARE_PROXY = `
const http = require('node:http')
const agent = new http.Agent({ keepAlive: true })
const target = new URL(process.argv[1])
const server = http.createServer((req, res) => {
  const chunks = []
  req.on('data', (chunk) => chunks.push(chunk))
  req.on('end', () => {
    const body = Buffer.concat(chunks)
    const up = http.request(target, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': body.length, authorization: req.headers.authorization }
    }, (answer) => {
      res.writeHead(answer.statusCode || 502, answer.headers)
      answer.pipe(res)
    })
    up.on('error', () => res.destroy())
    up.end(body)
  })
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: 'http://127.0.0.1:' + server.address().port })))
`

async function childMain(): Promise<boolean> {
  if (process.argv.includes('--upstream-child')) {
    const { startFakeUpstream } = await import('../test/helpers/fake-upstream')
    const upstream = await startFakeUpstream({ record: false })
    console.log(JSON.stringify({ url: upstream.url.replace(/\/v1$/, '') }))
    process.on('SIGTERM', () => void upstream.close().then(() => process.exit(0)))
    return true
  }
  return false
}

if (require.main === module) {
  void childMain().then(async (isChild) => {
    if (isChild) return
    try {
      await runGatewayBench({
        seconds: argValue('--seconds') ?? 2,
        rounds: argValue('--rounds') ?? 2,
        concurrency: argValue('--concurrency') ?? 50,
        rate: process.argv.includes('--rate') ? Number(process.argv[process.argv.indexOf('--rate') + 1]) : undefined,
        against: process.argv.includes('--against') ? process.argv[process.argv.indexOf('--against') + 1] : undefined,
        mode: process.argv.includes('--plain') ? 'plain' : process.argv.includes('--stream') ? 'stream' : undefined,
        cpuProfDir: process.argv.includes('--cpu-prof')
          ? process.argv[process.argv.indexOf('--cpu-prof') + 1]
          : undefined
      })
    } catch (error) {
      console.error(`Gateway benchmark could not run: ${(error as Error).stack ?? error}`)
    }
  })
}
