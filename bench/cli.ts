/**
 * CLI startup: `keyward keys list` on a 1,000-key registry beside a bare `node` script that opens
 * the same file with better-sqlite3 and counts the keys, each a fresh process, in turns. Also
 * `keyward --version` (no registry opened) and, for reference, the sources through tsx
 * (KEYWARD_CLI_SOURCE=1, the development path). Prints; never fails on time.
 *
 *   npm run bench:cli
 *   npm run bench:cli -- --keys 1000 --samples 15
 *
 * bench/run.ts calls runCliBench() for `npm run bench`.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { seedDemo } from '../src/main/core/demo'
import { Registry } from '../src/main/core/registry'
import { openRegistryDatabase } from '../src/main/db/open'
import { ensureCliBundle } from '../test/cli/bundle'
import { formatMs, formatRatio, table, type BenchReport } from './harness'
import { argValue } from './args'

/** `keyward keys list` may take at most this many times the bare script. */
export const CLI_TARGET_RATIO = 3

export interface CliBenchOptions {
  keys?: number
  /** Runs per contender (odd: the median is one of them). */
  samples?: number
  /** Also time the sources through tsx (slow: a few samples only). */
  source?: boolean
  log?: (line: string) => void
}

export interface CliBenchResult {
  keys: number
  bareMs: number
  cliMs: number
  ratio: number
}

const REPO = resolve(__dirname, '..')
const BIN = join(REPO, 'bin', 'keyward.cjs')

/** The baseline: plain better-sqlite3, no Keyward code. */
const BARE_SCRIPT = `
const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))})
const db = new Database(process.argv[2])
console.log(db.prepare('SELECT count(*) AS n FROM api_keys').get().n)
db.close()
`

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Wall time of one process from spawn to exit; throws if it fails or prints nothing. */
function timeProcess(args: string[], env: NodeJS.ProcessEnv): number {
  const start = performance.now()
  const result = spawnSync(process.execPath, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  const ms = performance.now() - start
  if (result.status !== 0 || !result.stdout.trim())
    throw new Error(`${args.join(' ')} failed (exit ${result.status}): ${result.stderr.trim()}`)
  return ms
}

export function runCliBench(options: CliBenchOptions = {}): CliBenchResult {
  const log = options.log ?? ((line: string) => console.log(line))
  const keys = options.keys ?? 1_000
  const samples = options.samples ?? 11
  log(`CLI startup: each a fresh node process, ${samples} interleaved runs, medians; ${keys} demo keys`)
  const rebuilt = ensureCliBundle()
  if (rebuilt) log(`  (rebuilt out/cli/keyward.cjs first: ${rebuilt})`)

  const dir = mkdtempSync(join(tmpdir(), 'keyward-bench-cli-'))
  try {
    const db = join(dir, 'registry.sqlite3')
    const registry = new Registry(openRegistryDatabase(db))
    seedDemo(registry, { keys, seed: 'bench', actor: 'bench' })
    registry.close() // the last connection checkpoints the WAL into the file
    const bare = join(dir, 'bare.cjs')
    writeFileSync(bare, BARE_SCRIPT)

    const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' }
    delete env.KEYWARD_CLI_SOURCE
    const contenders: Record<string, { args: string[]; env: NodeJS.ProcessEnv; runs: number }> = {
      'bare node + better-sqlite3 (open, count)': { args: [bare, db], env, runs: samples },
      'keyward keys list': { args: [BIN, '--db', db, 'keys', 'list'], env, runs: samples },
      'keyward --version': { args: [BIN, '--version'], env, runs: samples }
    }
    if (options.source) {
      contenders['keyward keys list, sources via tsx (dev)'] = {
        args: [BIN, '--db', db, 'keys', 'list'],
        env: { ...env, KEYWARD_CLI_SOURCE: '1' },
        runs: 3
      }
    }
    const taken: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]))
    // One warm-up each (file cache), then turns.
    for (const c of Object.values(contenders)) timeProcess(c.args, c.env)
    for (let i = 0; i < samples; i++) {
      for (const [name, c] of Object.entries(contenders)) if (i < c.runs) taken[name]!.push(timeProcess(c.args, c.env))
    }
    const ms = Object.fromEntries(Object.entries(taken).map(([name, values]) => [name, median(values)]))
    const bareMs = ms['bare node + better-sqlite3 (open, count)']!
    const cliMs = ms['keyward keys list']!
    const ratio = cliMs / bareMs
    for (const line of table(
      ['', 'median', 'vs bare'],
      Object.entries(ms).map(([name, m]) => [name, formatMs(m), formatRatio(m / bareMs)])
    )) {
      log(`  ${line}`)
    }
    log(
      `  keyward keys list is ${formatRatio(ratio)} the bare script (target ≤ ${CLI_TARGET_RATIO}x): ${ratio <= CLI_TARGET_RATIO ? 'met' : 'NOT met'}`
    )
    return { keys, bareMs, cliMs, ratio }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** For `npm run bench`: the startup comparison as one of its targets. Never throws. */
export function benchCliStartup(report: BenchReport): void {
  try {
    const result = runCliBench({ log: report.log })
    report.target({
      goal: `keyward keys list at ${result.keys} keys within ${CLI_TARGET_RATIO}x a bare node script that opens the file and counts the keys`,
      measured: `${formatRatio(result.ratio)} (${formatMs(result.cliMs)} vs ${formatMs(result.bareMs)})`,
      met: result.ratio <= CLI_TARGET_RATIO
    })
  } catch (error) {
    report.log(`  CLI benchmark could not run: ${(error as Error).message}`)
  }
}

if (require.main === module) {
  try {
    runCliBench({
      keys: argValue('--keys'),
      samples: argValue('--samples'),
      source: !process.argv.includes('--no-source')
    })
  } catch (error) {
    console.error(`CLI benchmark could not run: ${(error as Error).message}`)
    process.exitCode = 1
  }
}
