import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MINUTE_MS } from '../../src/main/core/usage'
import { TestRegistry } from '../helpers/registry'
import { postgresAvailable } from '../support/postgres'
import { cliTwins } from './pg-twins'
import { ISO_UTC, run, type CliRun } from './run'

const reason = postgresAvailable()
const SECRET = /^kwa?_[0-9A-Za-z]{49}$/
const sha = (text: string) => createHash('sha256').update(text).digest('hex')

/** New keys' ids, secrets, hints and times differ between two registries: checked for their form, then masked. */
function masked(doc: unknown): unknown {
  if (Array.isArray(doc)) return doc.map(masked)
  if (doc === null || typeof doc !== 'object') return doc
  const out: Record<string, unknown> = {}
  for (const [field, value] of Object.entries(doc)) {
    if (field === 'secret') {
      expect(value).toMatch(SECRET)
      out[field] = '<secret>'
    } else if (field === 'id' && typeof value === 'string' && value.startsWith('k_')) out[field] = '<key id>'
    else if (field === 'hint' && typeof value === 'string' && /^kwa?_/.test(value)) out[field] = '<hint>'
    else if (['createdAt', 'updatedAt'].includes(field)) {
      expect(value).toMatch(ISO_UTC)
      out[field] = '<time>'
    } else out[field] = masked(value)
  }
  return out
}

describe.skipIf(reason)(
  `keys import, usage and seed-demo on --db postgres://${reason ? ` (skipped: ${reason})` : ''}`,
  { timeout: 240_000 },
  () => {
    const twins = cliTwins(async (t) => {
      await t.ok(['resources', 'add', '--model', 'gpt-4o', '--type', 'TPM', '--limit', '5000'])
      await t.ok(['resources', 'add', '--model', 'o3', '--type', 'PYG'])
      await t.ok(['keys', 'create', '--name', 'alpha', '--resource', 'o3:PYG', '--resource', 'gpt-4o:TPM'])
      await t.ok(['keys', 'create', '--name', 'Beta', '--resource', 'o3:PYG', '--department', 'Ops'])
      // Usage as a gateway reports it, over two days.
      const r = TestRegistry.open(t.db)
      try {
        const pk = (name: string) => r.db.prepare('SELECT pk FROM api_keys WHERE name = ?').pluck().get(name) as number
        const start = Date.parse('2026-03-01T00:00:00Z') / MINUTE_MS
        const rows = []
        for (let m = 0; m < 2 * 1440; m += 53) {
          rows.push({ pk: pk('alpha'), model: 'gpt-4o', minute: start + m, promptTokens: m % 700, completionTokens: 9 })
          rows.push({ pk: pk('alpha'), model: 'o3', minute: start + m, promptTokens: 3, completionTokens: m % 11 })
          if (m % 2)
            rows.push({ pk: pk('Beta'), model: 'o3', minute: start + m, promptTokens: 100, completionTokens: 1 })
        }
        r.recordUsageRows(rows)
      } finally {
        r.close()
      }
    })
    const { t } = twins

    /** The same command on the file and on PostgreSQL: the same exit code and the same output (masked) on each stream. */
    async function same(args: readonly string[], json = true): Promise<{ file: CliRun; pg: CliRun }> {
      const flags = json ? ['--json'] : []
      const file = await run(['--db', t.db, ...flags, ...args], { env: twins.env })
      const there = await run(['--db', twins.url, ...flags, ...args], { env: twins.env })
      expect(there.code, `${args.join(' ')}: ${there.stderr}`).toBe(file.code)
      const doc = (text: string) => (json && text ? masked(JSON.parse(text)) : text)
      expect(doc(there.stdout), args.join(' ')).toEqual(doc(file.stdout))
      expect(doc(there.stderr), args.join(' ')).toEqual(doc(file.stderr))
      return { file, pg: there }
    }

    it('usage prints the same reports (JSON, CSV, filters, refusals)', async () => {
      const daily = await same(['usage', '--start', '2026-03-01', '--end', '2026-03-02'])
      expect(JSON.parse(daily.file.stdout).items.length).toBe(6)
      await same(['usage', '--start', '2026-03-01', '--end', '2026-03-01', '--interval', 'per_hour', '--key', 'ALPHA'])
      await same(['usage', '--start', '2026-03-01', '--end', '2026-03-03', '--department', 'ops', '--model', 'o3'])
      const csv = await same(['usage', '--start', '2026-03-01', '--end', '2026-03-02', '--format', 'csv'], false)
      expect(csv.file.stdout.split('\n').length).toBeGreaterThan(6)
      const refused = await same(['usage', '--start', '2026-03-02', '--end', '2026-03-01'])
      expect(refused.file.code).not.toBe(0)
      await same(['usage', '--start', '2026-03-01', '--end', '2026-03-02', '--key', 'nobody'])
    })

    it('keys import checks and imports the same files the same way', async () => {
      const good = join(t.dir, 'good.csv')
      writeFileSync(
        good,
        [
          'name,department,resources,sha256,hint',
          `Foreign1,ops,o3:PYG,${sha('sk-one')},sk-…one1`,
          `Foreign2,Finance,gpt-4o:TPM,${sha('sk-two')},`,
          'NewKey,,o3:PYG,,'
        ].join('\n')
      )
      const bad = join(t.dir, 'bad.json')
      writeFileSync(bad, JSON.stringify([{ name: 'beta' }, { name: 'Ok1', resources: ['nope:PYG'] }, { name: 'Ok2' }]))
      const dry = await same(['keys', 'import', good, '--dry-run'])
      expect(JSON.parse(dry.file.stdout)).toMatchObject({ created: 1, imported: 2, dryRun: true })
      await same(['keys', 'import', good]) // a new key needs --secrets-out: refused, nothing written
      const refused = await same(['keys', 'import', bad])
      expect(refused.file.code).toBe(2)
      expect(JSON.parse(refused.file.stdout).errors).toHaveLength(2)
      const done = await same(['keys', 'import', good, '--secrets-out', '-'])
      expect(JSON.parse(done.pg.stdout)).toMatchObject({ created: 1, imported: 2, errors: [] })
      await same(['keys', 'import', bad, '--skip-invalid', '--secrets-out', '-'])
      await same(['keys', 'import', good, '--dry-run']) // every name is taken now
      const listed = await same(['keys', 'list', '--search', 'Foreign'])
      expect(JSON.parse(listed.pg.stdout).items.map((k: { name: string }) => k.name)).toEqual(['Foreign1', 'Foreign2'])
    })

    it('seed-demo seeds both the same way', async () => {
      const seeded = await same(['seed-demo', '--keys', '25', '--seed', 'cli'])
      expect(JSON.parse(seeded.pg.stdout)).toMatchObject({ keys: 25 })
      const human = await run(['--db', twins.url, 'seed-demo', '--keys', '2'], { env: twins.env })
      expect(human.code, human.stderr).toBe(0)
      expect(human.stdout).toContain(`Seeded ${twins.url.replace(/:[^:@/]*@/, '@')}`)
      const audit = await run(['--db', twins.url, '--json', 'audit', 'verify'], { env: twins.env })
      expect(JSON.parse(audit.stdout)).toMatchObject({ ok: true })
    })
  }
)
