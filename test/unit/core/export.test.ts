import { createHash } from 'node:crypto'
import { parse } from 'csv-parse/sync'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { seedDemo } from '../../../src/main/core/demo'
import { KEY_CSV_COLUMNS, USAGE_CSV_COLUMNS, csvCell, usageCsv } from '../../../src/main/core/export'
import type { KeyListInput } from '../../../src/shared/schemas'
import type { ApiKey } from '../../../src/shared/types'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { ACTOR, expectRefused } from './support'

let t: TempRegistry
const secrets: string[] = []
const DAY = 86_400_000
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex')

/** Every key of the registry, through keys.list (pages of 1000): what an export is compared with. */
function listAll(filters: Omit<KeyListInput, 'limit' | 'offset'> = {}): ApiKey[] {
  const out: ApiKey[] = []
  for (let offset = 0; ; offset += 1000) {
    const page = t.registry.listKeys({ ...filters, limit: 1000, offset })
    out.push(...page.items)
    if (out.length >= page.total || page.items.length === 0) return out
  }
}

/** A CSV cell as the export wrote it: every value as text, null as empty, resources as model:TYPE;…, formulas with a '. */
function expectedCsvRow(k: ApiKey): Record<string, string> {
  const row: Record<string, string> = {}
  for (const c of KEY_CSV_COLUMNS)
    row[c] = csvCell(c === 'resources' ? k.resources.map((r) => `${r.model}:${r.type}`).join(';') : k[c])
  return row
}

beforeEach(() => {
  secrets.length = 0
  t = tempRegistry()
  t.registry.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 1000 }, ACTOR)
  t.registry.addResource({ model: 'o3', type: 'PYG' }, ACTOR)
  const create = (input: Parameters<typeof t.registry.createKey>[0]) => {
    const made = t.registry.createKey(input, ACTOR)
    secrets.push(made.secret)
    return made
  }
  create({
    name: 'Chatbot1',
    resources: ['gpt-4o:TPM', 'o3:PYG'],
    department: 'Finance',
    project: 'Atlas',
    environment: 'prod',
    requestor: 'Aisha Haddad',
    appId: 'atlas-chat',
    justification: 'Launch, "phase 1"\nsecond line',
    notes: 'first key; with, commas',
    notifyEmail: 'owner@example.com',
    expiresAt: '2027-01-31'
  })
  create({ name: 'Formulas', notes: "=cmd|' /C calc'!A0", department: '+1', justification: '@SUM(1)', requestor: '-2' })
  create({ name: 'plain', environment: 'dev', resources: ['o3:PYG'] })
  const off = create({ name: 'off', department: 'Finance' })
  t.registry.disableKey({ key: off.key.id }, ACTOR)
  create({ name: 'soon', expiresAt: '2026-06-03' })
})
afterEach(() => t.close())

describe('keys export (core)', () => {
  it('CSV: a header and one row per key with every field, parsing back to the listed values (formulas neutralised)', () => {
    const exported = t.registry.exportKeys({ format: 'csv' }, ACTOR)
    expect(exported.count).toBe(5)
    expect(exported.sensitive).toBe(false)
    const rows = parse(exported.text, { columns: true }) as Record<string, string>[]
    expect(Object.keys(rows[0]!)).toEqual([...KEY_CSV_COLUMNS])
    expect(rows).toEqual(listAll().map(expectedCsvRow))

    const byName = new Map(rows.map((r) => [r.name, r]))
    const formula = byName.get('Formulas')!
    expect(formula.notes).toBe("'=cmd|' /C calc'!A0")
    expect(formula.department).toBe("'+1")
    expect(formula.justification).toBe("'@SUM(1)")
    expect(formula.requestor).toBe("'-2")
    // Nothing in the file starts a cell with a formula character.
    for (const r of rows) for (const v of Object.values(r)) expect(v).not.toMatch(/^[=+\-@\t\r]/)

    const chat = byName.get('Chatbot1')!
    expect(chat).toMatchObject({
      kind: 'standard',
      status: 'active',
      department: 'Finance',
      project: 'Atlas',
      environment: 'prod',
      requestor: 'Aisha Haddad',
      appId: 'atlas-chat',
      justification: 'Launch, "phase 1"\nsecond line',
      notes: 'first key; with, commas',
      notifyEmail: 'owner@example.com',
      resources: 'gpt-4o:TPM;o3:PYG',
      createdAt: '2026-06-01T12:00:00.000Z',
      expiresAt: '2027-01-31T23:59:59.999Z',
      lastUsedAt: ''
    })
    expect(chat.hint).toMatch(/^kw_.{4}….{4}$/)
    expect(byName.get('off')!.status).toBe('disabled')
    for (const s of secrets) expect(exported.text).not.toContain(s)
  })

  it('JSON: the format header and every key as keys.list documents it, never a secret', () => {
    const exported = t.registry.exportKeys({ format: 'json' }, ACTOR)
    const doc = JSON.parse(exported.text)
    expect(doc).toEqual({ format: 'keyward-keys/1', exportedAt: '2026-06-01T12:00:00.000Z', keys: listAll() })
    expect(doc.sensitive).toBeUndefined()
    expect(doc.keys[0].resources[0]).toEqual({
      id: expect.any(String),
      model: expect.any(String),
      type: expect.any(String),
      status: 'active'
    })
    // JSON is the machine format: values exactly, no apostrophes.
    expect(doc.keys.map((k: ApiKey) => k.notes)).toContain("=cmd|' /C calc'!A0")
    for (const s of secrets) expect(exported.text).not.toContain(s)
    // Names and the first 4/last 4 characters of the hint are all that is said of a secret.
    for (const s of secrets) expect(exported.text).not.toContain(s.slice(3, 20))
  })

  it('selects exactly the keys keys.list selects with the same filters, in its order', () => {
    t.clock.advance(3 * DAY) // "soon" expires
    const cases: Omit<KeyListInput, 'limit' | 'offset'>[] = [
      {},
      { departments: ['finance'] },
      { departments: ['Finance', '+1'] },
      { projects: ['Atlas'] },
      { environment: 'PROD' },
      { status: 'active' },
      { status: 'disabled' },
      { status: 'expired' },
      { resource: 'o3:PYG' },
      { search: 'chat' },
      { search: 'pl' },
      { expiringWithinDays: 400 },
      { sort: 'createdAt', desc: true },
      { departments: ['Nowhere'] },
      { resource: 'nothing:PYG' },
      { departments: ['Finance'], status: 'active', sort: 'name', desc: true }
    ]
    for (const filters of cases) {
      const doc = JSON.parse(t.registry.exportKeys({ format: 'json', filters }, ACTOR).text)
      expect(
        doc.keys.map((k: ApiKey) => k.name),
        JSON.stringify(filters)
      ).toEqual(listAll(filters).map((k) => k.name))
    }
    const none = t.registry.exportKeys({ format: 'csv', filters: { departments: ['Nowhere'] } }, ACTOR)
    expect(none).toEqual({ text: `${KEY_CSV_COLUMNS.join(',')}\n`, count: 0, sensitive: false })
  })

  it('exports every page of a large registry in order (more keys than one chunk)', () => {
    seedDemo(t.registry, { keys: 1200, seed: 'export', actor: ACTOR, now: t.clock.now })
    const exported = t.registry.exportKeys({ format: 'csv', filters: { sort: 'createdAt' } }, ACTOR)
    const rows = parse(exported.text, { columns: true }) as Record<string, string>[]
    expect(exported.count).toBe(rows.length)
    expect(rows.map((r) => r.id)).toEqual(listAll({ sort: 'createdAt' }).map((k) => k.id))
  })

  it('with hashes: the SHA-256 of each live secret (and a rotated one in its grace window), marked sensitive and audited', () => {
    const rotated = t.registry.rotateKey({ key: 'plain', graceSeconds: 3600 }, ACTOR)
    const before = t.registry.listAudit({ limit: 1 }).items[0]!.seq
    const exported = t.registry.exportKeys({ format: 'json', withHashes: true, filters: { search: 'plain' } }, 'ana')
    expect(exported.sensitive).toBe(true)
    const doc = JSON.parse(exported.text)
    expect(doc.sensitive).toBe(true)
    expect(doc.keys).toHaveLength(1)
    expect(doc.keys[0].secretHashes).toEqual([
      { sha256: sha256(rotated.secret), hint: rotated.key.hint, retiresAt: null },
      { sha256: sha256(secrets[2]!), hint: expect.any(String), retiresAt: '2026-06-01T13:00:00.000Z' }
    ])
    expect(exported.text).not.toContain(rotated.secret)
    expect(exported.text).not.toContain(secrets[2])

    const audit = t.registry.listAudit({ limit: 1 }).items[0]!
    expect(audit.seq).toBe(before + 1)
    expect(audit).toMatchObject({ actor: 'ana', action: 'keys.export' })
    expect(audit.details).toMatchObject({ withHashes: true, format: 'json', count: 1 })
    expect(t.registry.verifyAudit().ok).toBe(true)

    // CSV: current hash, then hash@retiresAt; after the grace window only the current one is live.
    const csv = t.registry.exportKeys({ format: 'csv', withHashes: true }, ACTOR)
    const rows = parse(csv.text, { columns: true }) as Record<string, string>[]
    expect(Object.keys(rows[0]!)).toEqual([...KEY_CSV_COLUMNS, 'secretHashes'])
    const plain = rows.find((r) => r.name === 'plain')!
    expect(plain.secretHashes).toBe(`${sha256(rotated.secret)};${sha256(secrets[2]!)}@2026-06-01T13:00:00.000Z`)
    expect(rows.find((r) => r.name === 'Chatbot1')!.secretHashes).toBe(sha256(secrets[0]!))
    t.clock.advance(3601_000)
    const later = parse(t.registry.exportKeys({ format: 'csv', withHashes: true }, ACTOR).text, {
      columns: true
    }) as Record<string, string>[]
    expect(later.find((r) => r.name === 'plain')!.secretHashes).toBe(sha256(rotated.secret))
  })

  it('an export without hashes writes nothing: no audit entry', () => {
    const before = t.registry.listAudit({ limit: 1 }).items[0]!.seq
    t.registry.exportKeys({ format: 'json' }, ACTOR)
    t.registry.exportKeys({ format: 'csv' }, ACTOR)
    expect(t.registry.listAudit({ limit: 1 }).items[0]!.seq).toBe(before)
  })

  it('refuses a bad format or filter, naming the field', () => {
    expectRefused(() => t.registry.exportKeys({ format: 'xml' as 'csv' }, ACTOR), 'VALIDATION', ['format'])
    expectRefused(() => t.registry.exportKeys({ filters: { status: 'gone' as 'active' } }, ACTOR), 'VALIDATION', [
      'filters.status'
    ])
  })
})

describe('usage CSV', () => {
  it("writes exactly usage.report's rows with a header, parsing back to the same values", () => {
    const first = secrets[0]!
    t.registry.recordUsage(
      { key: first, model: 'gpt-4o', promptTokens: 10, completionTokens: 5, appName: 'atlas-chat' },
      t.clock.now
    )
    t.registry.recordUsage(
      { key: first, model: 'o3', promptTokens: 7, completionTokens: 1, appName: 'atlas-chat' },
      t.clock.now + 1000
    )
    t.registry.recordUsage(
      { key: first, model: 'gpt-4o', promptTokens: 1, completionTokens: 1, appName: 'atlas-chat' },
      t.clock.now + 2 * DAY
    )
    const report = t.registry.usageReport({ start: '2026-06-01', end: '2026-06-05', interval: 'per_day' })
    expect(report.items.length).toBe(3)
    const text = usageCsv(report.items)
    expect(text.split('\n')[0]).toBe(USAGE_CSV_COLUMNS.join(','))
    const rows = parse(text, { columns: true, cast: (v, ctx) => (ctx.header ? v : /^\d+$/.test(v) ? Number(v) : v) })
    expect(rows).toEqual(report.items)
    expect(usageCsv([])).toBe(`${USAGE_CSV_COLUMNS.join(',')}\n`)
  })

  it('neutralises a cell that looks like a formula', () => {
    const row = {
      bucket: '2026-06-01T00:00:00.000Z',
      keyId: 'k_1',
      keyName: '=HYPERLINK("x")',
      model: '@gpt',
      requests: 1,
      promptTokens: 2,
      completionTokens: 3,
      totalTokens: 5
    }
    const rows = parse(usageCsv([row]), { columns: true }) as Record<string, string>[]
    for (const c of ['\tx', '\rx', '-1', '+1', '=1', '@1']) expect(csvCell(c)).toBe(`'${c}`)
    for (const c of ['x=1', ' =1', '', "'=1"]) expect(csvCell(c)).toBe(c)
    expect(rows).toEqual([
      {
        ...row,
        keyName: `'${row.keyName}`,
        model: "'@gpt",
        requests: '1',
        promptTokens: '2',
        completionTokens: '3',
        totalTokens: '5'
      }
    ])
  })
})
