/**
 * In-process benchmarks of the registry core: list pages, verification and key creation, each
 * beside a raw better-sqlite3 baseline that runs the equivalent SQL (and SHA-256) with statements
 * prepared once, on its own connection to the same file, in the same run.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Statement } from 'better-sqlite3'
import type { KeyListInput } from '../src/shared/schemas'
import { formatMs, formatRatio, measureInTurns, table, timeOnce, type BenchReport } from './harness'
import { VERIFY_MODEL, type SeededRegistry } from './seed'

export const PAGE_TARGET = 1.5
export const VERIFY_TARGET = 1.3

const KEY_COLUMNS = `k.pk, k.id, k.name, k.kind, k.hint, k.disabled, d.name AS department, p.name AS project, k.environment,
  k.requestor, k.app_id, k.justification, k.notes, k.notify_email, k.created_at, k.updated_at, k.expires_at, k.last_used_at`
const KEY_FROM =
  'api_keys k LEFT JOIN departments d ON d.id = k.department_id LEFT JOIN projects p ON p.id = k.project_id'
const PAGE_RESOURCES = `SELECT kr.key_pk, r.id, r.model, r.type, r.status FROM key_resources kr JOIN resources r ON r.id = kr.resource_id
  WHERE kr.key_pk IN (SELECT value FROM json_each(?)) ORDER BY r.model, r.type`
const SECRET_LOOKUP = `SELECT s.retires_at, k.pk, k.disabled, k.expires_at, k.app_id FROM key_secrets s JOIN api_keys k ON k.pk = s.key_pk
  WHERE s.secret_hash = ?`
const MODEL_ASSIGNMENT =
  'SELECT r.status, r.id, r.tpm_limit FROM key_resources kr JOIN resources r ON r.id = kr.resource_id WHERE kr.key_pk = ? AND kr.model = ?'

const ORDER: Record<string, string> = {
  name: 'k.name COLLATE NOCASE',
  createdAt: 'k.created_at',
  lastUsedAt: 'k.last_used_at',
  expiresAt: 'coalesce(k.expires_at, 8640000000000000)'
}

/** One list page as the core is asked for it, and the hand-written SQL that answers the same question. */
interface ListCase {
  label: string
  input: KeyListInput
  /** WHERE clause over named parameters, written as a developer would by hand (ids looked up beforehand). */
  where?: string
  params?: (s: SeededRegistry, now: number) => Record<string, unknown>
}

const id = (s: SeededRegistry, sql: string, ...args: unknown[]) =>
  s.raw
    .prepare(sql)
    .pluck()
    .get(...args)

const LIST_CASES: ListCase[] = [
  { label: 'first page, name ↑', input: {} },
  { label: 'first page, name ↓', input: { sort: 'name', desc: true } },
  { label: 'first page, createdAt ↑', input: { sort: 'createdAt' } },
  { label: 'first page, createdAt ↓', input: { sort: 'createdAt', desc: true } },
  { label: 'first page, lastUsedAt ↑', input: { sort: 'lastUsedAt' } },
  { label: 'first page, lastUsedAt ↓', input: { sort: 'lastUsedAt', desc: true } },
  { label: 'first page, expiresAt ↑', input: { sort: 'expiresAt' } },
  { label: 'first page, expiresAt ↓', input: { sort: 'expiresAt', desc: true } },
  { label: 'page 11 (offset 500), name ↑', input: { offset: 500 } },
  {
    label: 'department = Engineering',
    input: { departments: ['Engineering'] },
    where: 'k.department_id = @department',
    params: (s) => ({ department: id(s, "SELECT id FROM departments WHERE name = 'Engineering'") })
  },
  {
    label: 'project = Atlas',
    input: { projects: ['Atlas'] },
    where: 'k.project_id = @project',
    params: (s) => ({ project: id(s, "SELECT id FROM projects WHERE name = 'Atlas'") })
  },
  {
    label: 'department + environment + active',
    input: { departments: ['Finance'], environment: 'prod', status: 'active' },
    where:
      "k.department_id = @department AND k.environment = 'prod' AND k.disabled = 0 AND (k.expires_at IS NULL OR k.expires_at > @now)",
    params: (s, now) => ({ department: id(s, "SELECT id FROM departments WHERE name = 'Finance'"), now })
  },
  {
    label: 'resource = gpt-4o:TPM',
    input: { resource: 'gpt-4o:TPM' },
    where: 'k.pk IN (SELECT key_pk FROM key_resources WHERE resource_id = @resource)',
    params: (s) => ({ resource: id(s, "SELECT id FROM resources WHERE model = 'gpt-4o' AND type = 'TPM'") })
  },
  {
    label: 'status = active',
    input: { status: 'active' },
    where: 'k.disabled = 0 AND (k.expires_at IS NULL OR k.expires_at > @now)',
    params: (_s, now) => ({ now })
  },
  {
    label: 'status = disabled',
    input: { status: 'disabled' },
    where: 'k.disabled = 1'
  },
  {
    label: 'expiring within 30 days',
    input: { expiringWithinDays: 30, sort: 'expiresAt' },
    where: 'k.expires_at > @now AND k.expires_at <= @horizon',
    params: (_s, now) => ({ now, horizon: now + 30 * 86_400_000 })
  },
  {
    label: 'search "Aisha Haddad" (FTS)',
    input: { search: 'Aisha Haddad' },
    where: 'k.pk IN (SELECT rowid FROM api_keys_fts WHERE api_keys_fts MATCH \'"Aisha Haddad"\')'
  },
  {
    label: 'search "atlas" (FTS)',
    input: { search: 'atlas' },
    where: 'k.pk IN (SELECT rowid FROM api_keys_fts WHERE api_keys_fts MATCH \'"atlas"\')'
  },
  {
    label: 'search "zq" (2 chars: LIKE scan)',
    input: { search: 'zq' },
    where: "(k.name LIKE '%zq%' OR k.requestor LIKE '%zq%' OR k.app_id LIKE '%zq%' OR k.notes LIKE '%zq%')"
  }
]

/** The raw baseline of one list page: count, page, the page's resources. Statements prepared once. */
function rawList(s: SeededRegistry, c: ListCase, now: number): () => unknown {
  const where = c.where ? `WHERE ${c.where}` : ''
  const sort = c.input.sort ?? 'name'
  const dir = c.input.desc ? 'DESC' : 'ASC'
  const params = c.params?.(s, now) ?? {}
  const count = s.raw.prepare(`SELECT count(*) FROM api_keys k ${where}`).pluck()
  const page = s.raw.prepare(
    `SELECT ${KEY_COLUMNS} FROM ${KEY_FROM} ${where} ORDER BY ${ORDER[sort]} ${dir}, k.pk ${dir} LIMIT 50 OFFSET ${c.input.offset ?? 0}`
  )
  const resources = s.raw.prepare(PAGE_RESOURCES)
  return () => {
    const total = count.get(params)
    const rows = page.all(params) as { pk: number }[]
    const res = resources.all(JSON.stringify(rows.map((r) => r.pk)))
    return [total, rows, res]
  }
}

export function benchLists(sizes: SeededRegistry[], report: BenchReport): void {
  const small = sizes[0]!
  const large = sizes[sizes.length - 1]!
  const now = Date.now()
  report.log(
    `List pages (limit 50; total counted every time): keyward listKeys vs raw SQL, at ${sizes.map((s) => s.size).join(' and ')} keys`
  )
  const rows: string[][] = []
  const growth: { label: string; ratio: number }[] = []
  for (const c of LIST_CASES) {
    const contenders: Record<string, () => unknown> = {}
    for (const s of sizes) {
      contenders[`k${s.size}`] = () => s.registry.listKeys(c.input)
      contenders[`r${s.size}`] = rawList(s, c, now)
    }
    // Both sizes' contenders take turns, so machine load hits the comparison evenly.
    const ms = measureInTurns(contenders)
    const row = [c.label]
    for (const s of sizes)
      row.push(
        formatMs(ms[`k${s.size}`]!),
        formatMs(ms[`r${s.size}`]!),
        formatRatio(ms[`k${s.size}`]! / ms[`r${s.size}`]!)
      )
    const g = ms[`k${large.size}`]! / ms[`k${small.size}`]!
    row.push(formatRatio(g), formatRatio(ms[`r${large.size}`]! / ms[`r${small.size}`]!))
    rows.push(row)
    growth.push({ label: c.label, ratio: g })
  }
  const header = ['case']
  for (const s of sizes) header.push(`${s.size} keyward`, 'raw', 'k/raw')
  header.push(`keyward ${large.size}/${small.size}`, `raw ${large.size}/${small.size}`)
  for (const line of table(header, rows)) report.log(`  ${line}`)
  for (const g of growth) {
    report.target({
      goal: `page at ${large.size} keys within ${PAGE_TARGET}x of the same page at ${small.size}: ${g.label}`,
      measured: formatRatio(g.ratio),
      met: g.ratio <= PAGE_TARGET
    })
  }
}

export function benchVerify(sizes: SeededRegistry[], report: BenchReport): void {
  report.log('In-process verification: keyward vs raw SHA-256 + prepared lookup (same statements the decision needs)')
  const rows: string[][] = []
  for (const s of sizes) {
    const lookup = s.raw.prepare(SECRET_LOOKUP)
    const assignment = s.raw.prepare(MODEL_ASSIGNMENT)
    const keyRow = s.raw.prepare(`SELECT ${KEY_COLUMNS} FROM ${KEY_FROM} WHERE k.pk = ?`)
    const keyResources: Statement = s.raw.prepare(
      'SELECT r.id, r.model, r.type, r.status FROM key_resources kr JOIN resources r ON r.id = kr.resource_id WHERE kr.key_pk = ? ORDER BY r.model, r.type'
    )
    const secrets = s.secrets
    let i = 0
    const next = () => secrets[i++ % secrets.length]!
    const hash = (secret: string) => createHash('sha256').update(secret).digest()
    const ms = measureInTurns(
      {
        hit: () => s.registry.verifyHit(next()),
        rawHit: () => lookup.get(hash(next())),
        hitModel: () => s.registry.verifyHit(next(), VERIFY_MODEL),
        rawHitModel: () => {
          const row = lookup.get(hash(next())) as { pk: number }
          return assignment.get(row.pk, VERIFY_MODEL)
        },
        full: () => s.registry.verify({ secret: next(), model: VERIFY_MODEL }),
        rawFull: () => {
          const row = lookup.get(hash(next())) as { pk: number }
          assignment.get(row.pk, VERIFY_MODEL)
          return [keyRow.get(row.pk), keyResources.all(row.pk)]
        }
      },
      { samples: 9 }
    )
    const line = (label: string, k: number, r: number, target?: number) => {
      rows.push([`${s.size} keys: ${label}`, formatMs(k), formatMs(r), formatRatio(k / r)])
      if (target)
        report.target({
          goal: `verify within ${target}x of raw hash + prepared lookup (${s.size} keys, ${label})`,
          measured: formatRatio(k / r),
          met: k / r <= target
        })
    }
    line('verifyHit(secret)', ms.hit!, ms.rawHit!, VERIFY_TARGET)
    line(`verifyHit(secret, model)`, ms.hitModel!, ms.rawHitModel!, VERIFY_TARGET)
    line('verify() with the key document', ms.full!, ms.rawFull!)
  }
  for (const l of table(['operation', 'keyward', 'raw', 'ratio'], rows)) report.log(`  ${l}`)
}

/** Key creation, as the demo seeder and scripts do it (many in one transaction) and as a user does (one per transaction). */
export function benchCreate(sizes: SeededRegistry[], report: BenchReport): void {
  report.log(
    'Key creation: keyward createKey vs raw INSERTs of the same rows (secret, hash, key, resources, audit entry)'
  )
  const rows: string[][] = []
  let serial = 0
  for (const s of sizes) {
    const resources = s.raw
      .prepare("SELECT id, model FROM resources WHERE (model, type) IN (VALUES ('gpt-4o-mini', 'PYG'), ('o3', 'TPM'))")
      .all() as { id: string; model: string }[]
    const department = s.raw.prepare("SELECT id FROM departments WHERE name = 'Engineering'").pluck().get() as number
    const ins = {
      key: s.raw.prepare(
        `INSERT INTO api_keys (id, name, kind, hint, department_id, environment, requestor, app_id, notes, created_by, created_at, updated_at)
         VALUES (?, ?, 'standard', ?, ?, 'prod', 'Bench Person', 'bench-app', 'created by the benchmark', 'bench', ?, ?)`
      ),
      secret: s.raw.prepare('INSERT INTO key_secrets (key_pk, secret_hash, hint, created_at) VALUES (?, ?, ?, ?)'),
      assignment: s.raw.prepare('INSERT INTO key_resources (key_pk, resource_id, model) VALUES (?, ?, ?)'),
      last: s.raw.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1'),
      audit: s.raw.prepare(
        'INSERT INTO audit_log (seq, at, actor, action, target_id, target_name, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'
      ),
      head: s.raw.prepare("UPDATE registry_settings SET value = ? WHERE name = 'audit_head'")
    }
    const rawCreate = () => {
      const n = serial++
      const secret = `kw_${randomBytes(32).toString('base64url')}`
      const hint = `${secret.slice(0, 7)}…${secret.slice(-4)}`
      const at = Date.now()
      const keyId = `k_raw${n}`
      const pk = Number(ins.key.run(keyId, `RawBench${n}`, hint, department, at, at).lastInsertRowid)
      ins.secret.run(pk, createHash('sha256').update(secret).digest(), hint, at)
      for (const r of resources) ins.assignment.run(pk, r.id, r.model)
      const last = ins.last.get() as { seq: number; hash: string }
      const details = JSON.stringify({ name: `RawBench${n}`, hint, resources: resources.map((r) => r.model) })
      const hash = createHash('sha256').update(last.hash).update(details).digest('hex')
      ins.audit.run(last.seq + 1, at, 'bench', 'key.create', keyId, `RawBench${n}`, details, last.hash, hash)
      ins.head.run(`${last.seq + 1}:${hash}`)
      return secret
    }
    const coreCreate = () => {
      const n = serial++
      return s.registry.createKey(
        {
          name: `CoreBench${n}`,
          resources: resources.map((r) => r.id),
          department: 'Engineering',
          environment: 'prod',
          requestor: 'Bench Person',
          appId: 'bench-app',
          notes: 'created by the benchmark'
        },
        'bench'
      ).secret
    }
    const batch = 400
    const single = 30
    const kBulk: number[] = []
    const rBulk: number[] = []
    const kOne: number[] = []
    const rOne: number[] = []
    for (let round = 0; round < 3; round++) {
      kBulk.push(
        timeOnce(() =>
          s.db
            .transaction(() => {
              for (let i = 0; i < batch; i++) coreCreate()
            })
            .immediate()
        ).ms / batch
      )
      rBulk.push(
        timeOnce(() =>
          s.raw
            .transaction(() => {
              for (let i = 0; i < batch; i++) rawCreate()
            })
            .immediate()
        ).ms / batch
      )
      kOne.push(
        timeOnce(() => {
          for (let i = 0; i < single; i++) coreCreate()
        }).ms / single
      )
      rOne.push(
        timeOnce(() => {
          for (let i = 0; i < single; i++) s.raw.transaction(rawCreate).immediate()
        }).ms / single
      )
    }
    const med = (v: number[]) => [...v].sort((a, b) => a - b)[1]!
    rows.push([
      `${s.size} keys: ${batch} keys in one transaction (per key)`,
      formatMs(med(kBulk)),
      formatMs(med(rBulk)),
      formatRatio(med(kBulk) / med(rBulk))
    ])
    rows.push([
      `${s.size} keys: one key per transaction, synchronous=FULL`,
      formatMs(med(kOne)),
      formatMs(med(rOne)),
      formatRatio(med(kOne) / med(rOne))
    ])
  }
  for (const l of table(['operation', 'keyward', 'raw', 'ratio'], rows)) report.log(`  ${l}`)
}
