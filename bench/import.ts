/**
 * Key import (issue 11): `keys.import` of N rows (CSV text in, every row checked, written in
 * ~200 ms chunks, one audit entry per key) beside raw INSERTs of the same rows in ONE transaction
 * with statements prepared once (key, secret hash, resource, audit entry with its chain hash),
 * each into its own fresh registry file. Prints both and the ratio; never fails on time.
 *
 *   npm run bench:import                 (100,000 rows)
 *   npm run bench:import -- --rows 20000
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { canonicalJson } from '../src/main/core/audit'
import { Registry } from '../src/main/core/registry'
import { generateSecret, hashSecret, secretHint } from '../src/main/core/secrets'
import { openRegistryDatabase } from '../src/main/db/open'
import { formatMs, formatRatio, table, timeOnce, type BenchReport, type Target } from './harness'

export const IMPORT_TARGET_RATIO = 2

const DEPARTMENTS = ['Engineering', 'Finance', 'Legal', 'Support']

interface Row {
  name: string
  department: string
  environment: string
  notes: string
  /** Every third row: another system's SHA-256 (kept as is); the others are new keys. */
  sha256?: string
}

function rowsOf(n: number): Row[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `Imported${i}`,
    department: DEPARTMENTS[i % DEPARTMENTS.length]!,
    environment: i % 2 ? 'prod' : 'staging',
    notes: 'moved from the old gateway',
    ...(i % 3 === 0 ? { sha256: createHash('sha256').update(`sk-old-${i}`).digest('hex') } : {})
  }))
}

function csvOf(rows: Row[]): string {
  const lines = rows.map(
    (r) =>
      `${r.name},${r.department},${r.environment},gpt-4o:PYG,${r.notes},${r.sha256 ?? ''},${r.sha256 ? 'sk-o…old' : ''}`
  )
  return `name,department,environment,resources,notes,sha256,hint\n${lines.join('\n')}\n`
}

function freshRegistry(): { registry: Registry; path: string; close(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-bench-import-'))
  const path = join(dir, 'registry.sqlite3')
  const registry = new Registry(openRegistryDatabase(path))
  registry.addResource({ model: 'gpt-4o', type: 'PYG' }, 'bench')
  return { registry, path, close: () => (registry.close(), rmSync(dir, { recursive: true, force: true })) }
}

/** The same rows with plain prepared INSERTs in one transaction: the floor an import is measured against. */
function rawImport(path: string, rows: Row[]): void {
  const db = openRegistryDatabase(path)
  try {
    const resource = db.prepare("SELECT id, model FROM resources WHERE model = 'gpt-4o'").get() as {
      id: string
      model: string
    }
    const dept = db.prepare('INSERT INTO departments (name) VALUES (?)')
    const key = db.prepare(
      `INSERT INTO api_keys (id, name, kind, hint, department_id, environment, notes, created_by, created_at, updated_at)
       VALUES (?, ?, 'standard', ?, ?, ?, ?, 'bench', ?, ?)`
    )
    const secret = db.prepare(
      'INSERT INTO key_secrets (key_pk, secret_hash, hint, created_at, format) VALUES (?, ?, ?, ?, ?)'
    )
    const assignment = db.prepare('INSERT INTO key_resources (key_pk, resource_id, model) VALUES (?, ?, ?)')
    const last = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1')
    const audit = db.prepare(
      'INSERT INTO audit_log (seq, at, actor, action, target_id, target_name, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'
    )
    const head = db.prepare(
      "INSERT INTO registry_settings (name, value) VALUES ('audit_head', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value"
    )
    db.transaction(() => {
      const departments = new Map(DEPARTMENTS.map((d) => [d, Number(dept.run(d).lastInsertRowid)]))
      let n = 0
      for (const r of rows) {
        const at = Date.now()
        let hash: Buffer
        let hint: string
        if (r.sha256) {
          hash = Buffer.from(r.sha256, 'hex')
          hint = 'sk-o…old'
        } else {
          const s = generateSecret('standard', randomBytes)
          hash = hashSecret(s)
          hint = secretHint(s)
        }
        const id = `k_raw${n++}`
        const pk = Number(
          key.run(id, r.name, hint, departments.get(r.department), r.environment, r.notes, at, at).lastInsertRowid
        )
        secret.run(pk, hash, hint, at, r.sha256 ? 'sha256' : 'keyward')
        assignment.run(pk, resource.id, resource.model)
        const prev = (last.get() as { seq: number; hash: string } | undefined) ?? { seq: 0, hash: '0'.repeat(64) }
        const details = canonicalJson({ name: r.name, hint, department: r.department, resources: ['gpt-4o:PYG'] })
        const chain = createHash('sha256').update(prev.hash).update(details).digest('hex')
        audit.run(prev.seq + 1, at, 'bench', 'key.create', id, r.name, details, prev.hash, chain)
        head.run(`${prev.seq + 1}:${chain}`)
      }
    }).immediate()
  } finally {
    db.close()
  }
}

export function benchImport(report: BenchReport, n: number): Target {
  report.log(
    `Key import: keys.import of ${n} CSV rows (2/3 new keys, 1/3 by SHA-256; checked first, ~200 ms chunks) vs raw INSERTs of the same rows in one transaction`
  )
  const rows = rowsOf(n)
  const text = csvOf(rows)
  const raw = freshRegistry()
  const kw = freshRegistry()
  try {
    const rawMs = timeOnce(() => rawImport(raw.path, rows)).ms
    const dry = timeOnce(() => kw.registry.importKeys({ text, format: 'csv', dryRun: true }, 'bench'))
    const run = timeOnce(() => kw.registry.importKeys({ text, format: 'csv' }, 'bench'))
    const r = run.result
    if (r.errors.length > 0 || r.created + r.imported !== n)
      throw new Error(`the import did not take every row: ${JSON.stringify(r.errors.slice(0, 3))}`)
    const ratio = run.ms / rawMs
    for (const line of table(
      ['case', 'time', 'per row', 'vs raw'],
      [
        [`raw INSERTs, one transaction`, formatMs(rawMs), formatMs(rawMs / n), '1.00x'],
        [`keys.import --dry-run (parse + check)`, formatMs(dry.ms), formatMs(dry.ms / n), formatRatio(dry.ms / rawMs)],
        [`keys.import (parse + check + write)`, formatMs(run.ms), formatMs(run.ms / n), formatRatio(ratio)]
      ]
    ))
      report.log(`  ${line}`)
    return {
      goal: `import ${n} rows within ${IMPORT_TARGET_RATIO}x of raw INSERTs of the same rows in one transaction`,
      measured: formatRatio(ratio),
      met: ratio <= IMPORT_TARGET_RATIO
    }
  } finally {
    raw.close()
    kw.close()
  }
}

if (require.main === module) {
  const at = process.argv.indexOf('--rows')
  const n = at < 0 ? 100_000 : Number(process.argv[at + 1])
  if (!Number.isInteger(n) || n < 1) {
    console.error('--rows needs a whole number of rows, e.g. --rows 20000')
    process.exit(2)
  }
  const target = benchImport({ log: (line = '') => console.log(line), target: () => {} }, n)
  console.log(`  ${target.met ? 'met' : 'MISSED'}: ${target.goal}: ${target.measured}`)
}
