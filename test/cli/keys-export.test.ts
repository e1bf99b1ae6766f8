import { createHash } from 'node:crypto'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Registry } from '../../src/main/core/registry'
import { openRegistryDatabase } from '../../src/main/db/open'
import { expectNoSecretLeaked, tempCli } from './run'

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex')

describe('keyward keys export and usage --format csv', { timeout: 90_000 }, () => {
  const t = tempCli()
  const secrets: Record<string, string> = {}
  let usedAt = 0
  beforeAll(async () => {
    await t.ok(['resources', 'add', '--model', 'gpt-4o', '--type', 'PYG'])
    for (const [name, ...flags] of [
      ['Alpha', '--department', 'Finance', '--resource', 'gpt-4o:PYG', '--notes', '=1+2'],
      ['Beta', '--department', 'Legal', '--requestor', '@ana'],
      ['Gamma', '--department', 'Finance', '--environment', 'prod']
    ] as const) {
      secrets[name] = (await t.ok(['keys', 'create', '--name', name, ...flags])).secret
    }
    await t.ok(['keys', 'disable', 'Beta'])
    const live = new Registry(openRegistryDatabase(t.db))
    try {
      usedAt = Date.now()
      live.recordUsage({ key: secrets.Alpha!, model: 'gpt-4o', promptTokens: 12, completionTokens: 3 }, usedAt)
    } finally {
      live.close()
    }
  }, 90_000)
  afterAll(() => {
    expectNoSecretLeaked()
    t.cleanup()
  })

  const leaksNoSecret = (text: string) => {
    for (const s of Object.values(secrets)) expect(text).not.toContain(s)
  }

  it('CSV on stdout by default, with the filters of keys list; --json does not change the output', async () => {
    const r = await t.cli(['keys', 'export'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toBe('')
    const rows = parse(r.stdout, { columns: true }) as Record<string, string>[]
    expect(rows.map((k) => k.name)).toEqual(['Alpha', 'Beta', 'Gamma'])
    expect(rows[0]).toMatchObject({ department: 'Finance', resources: 'gpt-4o:PYG', notes: "'=1+2", status: 'active' })
    expect(rows[1]).toMatchObject({ requestor: "'@ana", status: 'disabled' })
    leaksNoSecret(r.stdout)

    const filtered = await t.cli([
      '--json',
      'keys',
      'export',
      '--department',
      'Finance',
      '--status',
      'active',
      '--desc'
    ])
    expect(filtered.code, filtered.stderr).toBe(0)
    expect((parse(filtered.stdout, { columns: true }) as { name: string }[]).map((k) => k.name)).toEqual([
      'Gamma',
      'Alpha'
    ])
    const listed = await t.ok(['keys', 'list', '--department', 'Finance', '--status', 'active', '--desc'])
    expect(listed.items.map((k: { name: string }) => k.name)).toEqual(['Gamma', 'Alpha'])
  })

  it('--format json on stdout: every key with its metadata', async () => {
    const r = await t.cli(['keys', 'export', '--format', 'json', '--search', 'alpha'])
    expect(r.code, r.stderr).toBe(0)
    const doc = JSON.parse(r.stdout)
    expect(doc.format).toBe('keyward-keys/1')
    expect(doc.sensitive).toBeUndefined()
    const shown = await t.ok(['keys', 'show', 'Alpha'])
    expect(doc.keys).toEqual([shown.key])
    leaksNoSecret(r.stdout)
  })

  it('--out writes mode 0600 (format from the extension), replacing the file; --json says what was written', async () => {
    const out = join(t.dir, 'keys.json')
    writeFileSync(out, 'old content', { mode: 0o644 })
    const written = await t.ok(['keys', 'export', '--out', out])
    expect(written).toEqual({ exported: out, format: 'json', count: 3, sensitive: false })
    expect(statSync(out).mode & 0o777).toBe(0o600)
    expect(JSON.parse(readFileSync(out, 'utf8')).keys).toHaveLength(3)

    const csv = join(t.dir, 'keys.txt')
    const human = await t.cli(['keys', 'export', '--out', csv, '--department', 'Legal'])
    expect(human.code, human.stderr).toBe(0)
    expect(human.stdout).toBe(`Exported 1 key as CSV to ${csv} (mode 0600).\n`)
    expect(statSync(csv).mode & 0o777).toBe(0o600)
    expect((parse(readFileSync(csv, 'utf8'), { columns: true }) as { name: string }[]).map((k) => k.name)).toEqual([
      'Beta'
    ])
  })

  it("--with-hashes: a warning on stderr, the secrets' SHA-256 in a 0600 file, audited", async () => {
    const out = join(t.dir, 'migrate.csv')
    const r = await t.cli(['keys', 'export', '--with-hashes', '--out', out])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/^Warning: this export holds the SHA-256 hashes/)
    expect(statSync(out).mode & 0o777).toBe(0o600)
    const text = readFileSync(out, 'utf8')
    const rows = parse(text, { columns: true }) as Record<string, string>[]
    expect(Object.fromEntries(rows.map((k) => [k.name, k.secretHashes]))).toEqual({
      Alpha: sha256(secrets.Alpha!),
      Beta: sha256(secrets.Beta!),
      Gamma: sha256(secrets.Gamma!)
    })
    leaksNoSecret(text)
    const audit = await t.ok(['audit', 'list', '--action', 'keys.export', '--limit', '1'])
    expect(audit.items[0]).toMatchObject({ action: 'keys.export', details: { withHashes: true, count: 3 } })

    const json = await t.cli(['keys', 'export', '--with-hashes', '--format', 'json'])
    expect(json.code).toBe(0)
    expect(json.stderr).toMatch(/^Warning/)
    expect(JSON.parse(json.stdout).sensitive).toBe(true)
  })

  it('a bad --format or filter is a usage error (exit 2) naming the flag, and writes nothing', async () => {
    const out = join(t.dir, 'never.csv')
    const bad = await t.fails(['keys', 'export', '--format', 'xml', '--out', out])
    expect(bad.code).toBe(2)
    expect(bad.error.fields).toHaveProperty(['--format'])
    expect(() => statSync(out)).toThrow()
    expect(bad.error.message).toMatch(/csv or json/)
    const status = await t.fails(['keys', 'export', '--status', 'gone'])
    expect(status.code).toBe(2)
    const folder = await t.fails(['keys', 'export', '--out', join(t.dir, 'no', 'such', 'k.csv')])
    expect(folder.code).toBe(2)
    expect(folder.error.fields).toHaveProperty(['--out'])
  })

  it('usage --format csv: the report rows with a header, on stdout or to --out (0600)', async () => {
    const day = new Date(usedAt).toISOString().slice(0, 10)
    const report = await t.ok(['usage', '--start', day, '--end', day])
    expect(report.items).toHaveLength(1)
    const r = await t.cli(['usage', '--start', day, '--end', day, '--format', 'csv'])
    expect(r.code, r.stderr).toBe(0)
    const rows = parse(r.stdout, { columns: true }) as Record<string, string>[]
    expect(rows).toEqual(
      report.items.map((i: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(i).map(([k, v]) => [k, String(v)]))
      )
    )
    expect(r.stdout.split('\n')[0]).toBe(
      'bucket,keyId,keyName,model,requests,promptTokens,completionTokens,totalTokens'
    )

    const out = join(t.dir, 'usage.csv')
    const written = await t.ok(['usage', '--start', day, '--end', day, '--out', out])
    expect(written).toEqual({ exported: out, rows: 1 })
    expect(statSync(out).mode & 0o777).toBe(0o600)
    expect(readFileSync(out, 'utf8')).toBe(r.stdout)

    const bad = await t.fails(['usage', '--start', day, '--end', day, '--format', 'xls'])
    expect(bad.code).toBe(2)
    expect(bad.error.fields).toHaveProperty(['--format'])
    const table = await t.fails(['usage', '--start', day, '--end', day, '--format', 'table', '--out', out])
    expect(table.code).toBe(2)
    expect(table.error.fields).toHaveProperty(['--out'])
  })
})
