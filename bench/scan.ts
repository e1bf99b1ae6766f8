/**
 * The leak scanner's speed: ~200 MB of text files (source-like lines, "kwargs" everywhere so the
 * "kw" prefilter has work to do, a few planted keys) scanned by the scanner in-process and by the
 * real `keyward scan` CLI, beside `grep -rEc 'kwa?_[0-9A-Za-z]{49}'` over the same tree, in turns,
 * medians. Prints MB/s side by side and whether the 100 MB/s target was met; never fails on time.
 *
 *   npm run bench:scan
 *   npm run bench:scan -- --mb 50 --samples 3
 *
 * bench/run.ts calls benchScan() for `npm run bench`.
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Registry } from '../src/main/core/registry'
import { generateSecret } from '../src/main/core/secrets'
import { openRegistryDatabase } from '../src/main/db/open'
import { scanPaths } from '../src/main/scan/scan'
import { ensureCliBundle } from '../test/cli/bundle'
import { argValue } from './args'
import { formatMs, table, type BenchReport } from './harness'

/** Issue 11: at least this many MB/s of text. */
export const SCAN_TARGET_MB_S = 100

const BIN = resolve(__dirname, '..', 'bin', 'keyward.cjs')
const FILE_BYTES = 1 << 20
const GREP_PATTERN = 'kwa?_[0-9A-Za-z]{49}'

export interface ScanBenchResult {
  megabytes: number
  files: number
  moduleMbS: number
  cliMbS: number
  grepMbS: number | null
}

/** One MiB of source-like text: assignments, calls with **kwargs, comments, a few near-misses ("kw_" too short). */
function textBlock(): string {
  const words = ['alpha', 'value', 'request', 'model', 'tokens', 'config', 'handler', 'result', 'client', 'retry']
  const lines: string[] = []
  let size = 0
  for (let i = 0; size < FILE_BYTES; i++) {
    const w = (n: number) => words[(i * 7 + n * 3) % words.length]
    const line =
      i % 13 === 0
        ? `    # kw_${w(1)} is not a key: too short (${i})`
        : i % 5 === 0
          ? `    return ${w(1)}_${w(2)}(${w(3)}, **kwargs)  # line ${i}`
          : `    ${w(1)}_${i % 97} = ${w(2)}.${w(3)}(${w(4)}=${i}, timeout=${i % 30})`
    lines.push(line)
    size += line.length + 1
  }
  return lines.join('\n').slice(0, FILE_BYTES - 1) + '\n'
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function run(command: string, args: string[], okCodes: number[]): { ms: number; stdout: string } {
  const start = performance.now()
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] })
  const ms = performance.now() - start
  if (result.error) throw result.error
  if (!okCodes.includes(result.status ?? -1))
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr.trim().slice(0, 300)}`)
  return { ms, stdout: result.stdout }
}

export async function runScanBench(
  options: { megabytes?: number; samples?: number; log?: (line: string) => void } = {}
): Promise<ScanBenchResult> {
  const log = options.log ?? ((line: string) => console.log(line))
  const files = options.megabytes ?? 200
  const samples = options.samples ?? 3
  log(
    `Leak scan: ${files} files of 1 MiB (${((files * FILE_BYTES) / 1e6).toFixed(0)} MB) in 10 folders, ${samples} interleaved runs each, medians`
  )
  const rebuilt = ensureCliBundle()
  if (rebuilt) log(`  (rebuilt out/cli/keyward.cjs first: ${rebuilt})`)

  const dir = mkdtempSync(join(tmpdir(), 'keyward-bench-scan-'))
  try {
    const db = join(dir, 'registry.sqlite3')
    const registry = new Registry(openRegistryDatabase(db))
    const planted = [0, 1, 2, 3].map((i) => registry.createKey({ name: `Planted${i}` }, 'bench').secret)
    planted.push(generateSecret('standard', randomBytes)) // valid checksum, unknown to the registry
    registry.close()

    const tree = join(dir, 'tree')
    const block = Buffer.from(textBlock(), 'latin1')
    for (let i = 0; i < files; i++) {
      const folder = join(tree, `pkg${i % 10}`, 'src')
      if (i < 10) mkdirSync(folder, { recursive: true })
      const content = Buffer.from(block)
      const secret = planted[i / Math.ceil(files / planted.length)]
      // A key planted mid-file in a few files, on a line of its own.
      if (Number.isInteger(i / Math.ceil(files / planted.length)) && secret) {
        content.write(`\nKEY="${secret}"\n`, FILE_BYTES >> 1, 'latin1')
      }
      writeFileSync(join(folder, `module${i}.py`), content)
    }
    const megabytes = (files * FILE_BYTES) / 1e6

    const contenders: Record<string, () => Promise<number> | number> = {
      'scanner module (in-process)': async () => {
        const start = performance.now()
        const lookupDb = new Registry(openRegistryDatabase(db))
        try {
          const report = await scanPaths([tree], { lookup: (h) => lookupDb.keysBySecretHash(h) })
          if (report.findings.length !== planted.length) throw new Error(`module found ${report.findings.length} keys`)
        } finally {
          lookupDb.close()
        }
        return performance.now() - start
      },
      'keyward scan (CLI process)': () => {
        const { ms, stdout } = run(process.execPath, [BIN, '--db', db, '--json', 'scan', tree], [1])
        const found = (JSON.parse(stdout) as { findings: unknown[] }).findings.length
        if (found !== planted.length) throw new Error(`CLI found ${found} keys`)
        return ms
      }
    }
    const grep = spawnSync('grep', ['--version'], { encoding: 'utf8' })
    if (grep.status === 0) {
      contenders[`grep -rEc '${GREP_PATTERN}'`] = () => run('grep', ['-rEc', GREP_PATTERN, tree], [0]).ms
    } else log('  (grep not found: no baseline this run)')

    // Warm the page cache once, then take turns.
    for (const fn of Object.values(contenders)) await fn()
    const taken: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]))
    for (let i = 0; i < samples; i++) for (const [name, fn] of Object.entries(contenders)) taken[name]!.push(await fn())
    const ms = Object.fromEntries(Object.entries(taken).map(([k, v]) => [k, median(v)]))
    const mbS = (m: number) => megabytes / (m / 1000)
    for (const line of table(
      ['', 'median', 'MB/s'],
      Object.entries(ms).map(([name, m]) => [name, formatMs(m), mbS(m).toFixed(0)])
    ))
      log(`  ${line}`)
    const grepName = Object.keys(ms).find((k) => k.startsWith('grep'))
    const result: ScanBenchResult = {
      megabytes,
      files,
      moduleMbS: mbS(ms['scanner module (in-process)']!),
      cliMbS: mbS(ms['keyward scan (CLI process)']!),
      grepMbS: grepName ? mbS(ms[grepName]!) : null
    }
    const met = Math.min(result.moduleMbS, result.cliMbS) >= SCAN_TARGET_MB_S
    log(
      `  keyward scan: ${result.cliMbS.toFixed(0)} MB/s (CLI), ${result.moduleMbS.toFixed(0)} MB/s (module)` +
        (result.grepMbS ? `, grep -rE ${result.grepMbS.toFixed(0)} MB/s` : '') +
        `; target ≥ ${SCAN_TARGET_MB_S} MB/s: ${met ? 'met' : 'NOT met'}`
    )
    return result
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** For `npm run bench`: the scanner's speed as one of its targets. Never throws. */
export async function benchScan(report: BenchReport): Promise<void> {
  try {
    const r = await runScanBench({ log: report.log })
    report.target({
      goal: `keyward scan reads at least ${SCAN_TARGET_MB_S} MB/s of text (${r.megabytes.toFixed(0)} MB)`,
      measured:
        `${r.cliMbS.toFixed(0)} MB/s CLI, ${r.moduleMbS.toFixed(0)} MB/s in-process` +
        (r.grepMbS ? ` (grep -rE: ${r.grepMbS.toFixed(0)} MB/s)` : ''),
      met: Math.min(r.cliMbS, r.moduleMbS) >= SCAN_TARGET_MB_S
    })
  } catch (error) {
    report.log(`  Scan benchmark could not run: ${(error as Error).message}`)
  }
}

if (require.main === module) {
  runScanBench({ megabytes: argValue('--mb'), samples: argValue('--samples') }).catch((error: unknown) => {
    console.error(`Scan benchmark could not run: ${(error as Error).message}`)
    process.exitCode = 1
  })
}
