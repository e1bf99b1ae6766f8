import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { postgresAvailable } from '../support/postgres'
import { cliTwins } from './pg-twins'
import { ISO_UTC, run, type CliRun } from './run'

const reason = postgresAvailable()

/** Times differ between two runs at different moments: each is checked for its form, then masked. */
function masked(doc: unknown): unknown {
  if (Array.isArray(doc)) return doc.map(masked)
  if (doc === null || typeof doc !== 'object') return doc
  const out: Record<string, unknown> = {}
  for (const [field, value] of Object.entries(doc)) {
    if (['updatedAt', 'exportedAt', 'at'].includes(field)) {
      expect(value).toMatch(ISO_UTC)
      out[field] = '<time>'
    } else out[field] = masked(value)
  }
  return out
}

describe.skipIf(reason)(
  `keys bulk, keys export and scan on --db postgres://${reason ? ` (skipped: ${reason})` : ''}`,
  { timeout: 180_000 },
  () => {
    const secrets: Record<string, string> = {}

    const twins = cliTwins(async (t) => {
      await t.ok(['resources', 'add', '--model', 'gpt-4o', '--type', 'TPM', '--limit', '5000'])
      await t.ok(['resources', 'add', '--model', 'gpt-4o', '--type', 'PYG'])
      await t.ok(['resources', 'add', '--model', 'o3', '--type', 'PYG'])
      for (const [name, resource, department] of [
        ['alpha', 'o3:PYG', 'Finance'],
        ['Beta', 'gpt-4o:TPM', 'Finance'],
        ['gamma', 'o3:PYG', 'Ops'],
        ['Delta', 'gpt-4o:PYG', 'Ops'],
        ['Calc', 'o3:PYG', 'Finance']
      ]) {
        const created = await t.ok([
          'keys',
          'create',
          '--name',
          name!,
          '--resource',
          resource!,
          '--department',
          department!
        ])
        secrets[name!] = created.secret
      }
    })
    const { t } = twins

    const onFile = (args: readonly string[]) => run(['--db', t.db, '--json', ...args], { env: twins.env })
    const onPg = (args: readonly string[]) => run(['--db', twins.url, '--json', ...args], { env: twins.env })

    /** The same command on the file and on PostgreSQL: the same exit code and the same output (times masked). */
    async function same(args: readonly string[], parse = true): Promise<{ file: CliRun; pg: CliRun }> {
      const file = await onFile(args)
      const there = await onPg(args)
      const what = `${args.join(' ')}: ${there.stderr}`
      expect(there.code, what).toBe(file.code)
      if (file.code === 2 || file.stdout === '') {
        expect(there.stdout).toBe('')
        // A refusal may say what time it is.
        const untimed = (text: string) => JSON.parse(text.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<now>'))
        expect(untimed(there.stderr), what).toEqual(untimed(file.stderr))
      } else {
        expect(there.stderr, what).toBe(file.stderr)
        if (parse) expect(masked(JSON.parse(there.stdout)), what).toEqual(masked(JSON.parse(file.stdout)))
        else expect(there.stdout, what).toBe(file.stdout)
      }
      return { file, pg: there }
    }

    it('keys export prints the same CSV and JSON as on a file; with hashes, warned about and audited', async () => {
      await same(['keys', 'export'], false)
      await same(['keys', 'export', '--format', 'json', '--department', 'finance', '--sort', 'name', '--desc'])
      const hashed = await same(['keys', 'export', '--format', 'json', '--with-hashes'])
      expect(hashed.pg.stderr).toMatch(/^Warning: this export holds the SHA-256 hashes/)
      expect(JSON.parse(hashed.pg.stdout)).toMatchObject({ sensitive: true })
      expect(hashed.pg.stdout).not.toContain(secrets.alpha!)
      const log = await same(['audit', 'list', '--action', 'keys.export'])
      expect(JSON.parse(log.pg.stdout).total).toBe(1)
    })

    it('keys bulk answers, refuses and audits as on a file', async () => {
      const dry = await same(['keys', 'bulk', 'disable', '--department', 'Finance', '--dry-run'])
      expect(JSON.parse(dry.pg.stdout)).toMatchObject({ matched: 3, changed: 3 })
      await same(['keys', 'bulk', 'disable', '--department', 'Finance'])
      const refused = await same(['keys', 'bulk', 'assign', '--resource', 'gpt-4o:PYG'])
      expect(refused.pg.code).not.toBe(0)
      expect(JSON.parse(refused.pg.stderr).error.code).toBe('RULE_VIOLATION')
      await same(['keys', 'bulk', 'assign', '--department', 'Ops', '--resource', 'gpt-4o:PYG'])
      await same(['keys', 'bulk', 'set', '--status', 'disabled', '--set', 'project=Nova', '--set', 'environment=prod'])
      await same(['keys', 'bulk', 'delete', '--search', 'calc'])
      await same(['keys', 'bulk', 'delete', '--search', 'calc', '--yes'])
      await same(['keys', 'list', '--limit', '50'])
      const log = await same(['audit', 'list', '--limit', '100'])
      expect(JSON.parse(log.pg.stdout).items.map((e: { action: string }) => e.action)).toEqual(
        expect.arrayContaining(['key.disable', 'key.assign', 'key.edit', 'key.delete'])
      )
      await same(['audit', 'verify'])
    })

    it('scan finds the same keys in local files and --disable disables them, audited with the place', async () => {
      const folder = join(t.dir, 'project')
      mkdirSync(folder, { recursive: true })
      writeFileSync(join(folder, '.env'), `# keys\nOPENAI_KEY=${secrets.gamma}\nOTHER=${secrets.alpha}\n`)
      writeFileSync(join(folder, 'notes.md'), `nothing here\n\n\nold: ${secrets.Calc}\n`)
      const found = await same(['scan', folder])
      expect(found.pg.code).toBe(1)
      expect(JSON.parse(found.pg.stdout).findings.map((f: { status: string }) => f.status)).toEqual(
        expect.arrayContaining(['active', 'disabled'])
      )
      const acted = await same(['scan', folder, '--disable'])
      expect(JSON.parse(acted.pg.stdout).acted.keys).toEqual(
        expect.arrayContaining([expect.objectContaining({ name: 'gamma', changed: true })])
      )
      await same(['keys', 'list', '--limit', '50'])
      const log = await same(['audit', 'list', '--action', 'key.disable', '--limit', '100'])
      expect(JSON.stringify(JSON.parse(log.pg.stdout))).toContain(`leaked: ${join(folder, '.env')}:2`)
      await same(['scan', join(folder, 'missing')])
      await same(['audit', 'verify'])
    })
  }
)
