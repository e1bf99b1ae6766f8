import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Client } from 'pg'
import { describe, expect, it } from 'vitest'
import { postgresAvailable } from '../support/postgres'
import { cliTwins } from './pg-twins'
import { run, type CliRun } from './run'

const reason = postgresAvailable()

/**
 * A new resource's id is random: each engine's own ids, named in the order they first appear. And
 * the two runs write their entries at different times: those are masked too.
 */
function maskIds(text: string, known: Set<string>): string {
  const names = new Map<string, string>()
  return text
    .replace(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{3})?)?Z?/g, 'TIME')
    .replace(/\br_[0-9A-Za-z]{12}\b/g, (id) => {
      if (known.has(id)) return id
      if (!names.has(id)) names.set(id, `r_new${names.size + 1}`)
      return names.get(id)!
    })
}

const AUDIT = 'SELECT actor, action, target_name, details FROM audit_log ORDER BY seq'

describe.skipIf(reason)(
  `resources, quota, audit list and keys list on --db postgres:// print what they print on a file${reason ? ` (skipped: ${reason})` : ''}`,
  { timeout: 180_000 },
  () => {
    const known = new Set<string>()

    const twins = cliTwins(async (t) => {
      await t.ok(['resources', 'add', '--model', 'gpt-4o', '--type', 'TPM', '--limit', '5000'])
      await t.ok(['resources', 'add', '--model', 'o3', '--type', 'PYG'])
      await t.ok(['resources', 'add', '--model', 'Zeta', '--type', 'PYG', '--upstream', 'https://z.example.com/v1'])
      await t.ok(['resources', 'add', '--model', 'gpt-4o', '--type', 'PYG'])
      await t.ok(['quota', 'set', '--tpm', '10000'])
      for (const [name, department] of [
        ['alpha', 'Finance'],
        ['Bravo', 'finance'],
        ['charlie', 'Ops']
      ])
        await t.ok(['keys', 'create', '--name', name, '--resource', 'gpt-4o:TPM', '--department', department])
      for (const r of (await t.ok<{ items: { id: string }[] }>(['resources', 'list'])).items) known.add(r.id)
    })
    const { t } = twins

    it('the same commands, in the same order, give the same output, errors and exit codes; the same audit entries', async () => {
      const commands: string[][] = [
        ['resources', 'list'],
        ['quota', 'show'],
        ['resources', 'add', '--model', 'o1', '--type', 'tpm', '--limit', '1000'],
        ['resources', 'add', '--model', 'gpt-4o', '--type', 'PYG'],
        ['resources', 'add', '--model', 'big', '--type', 'TPM', '--limit', '4001'],
        ['resources', 'add', '--model', 'cheap', '--type', 'PYG', '--limit', '10'],
        ['resources', 'edit', 'gpt-4o:TPM', '--limit', '9000'],
        ['resources', 'edit', 'gpt-4o:tpm', '--limit', '8000', '--inactive'],
        ['resources', 'edit', 'o3:PYG', '--limit', '5'],
        ['resources', 'edit', 'Zeta:PYG', '--upstream', ''],
        ['resources', 'edit', 'nope:PYG', '--active'],
        ['resources', 'remove', 'gpt-4o:TPM'],
        ['resources', 'remove', 'o3:PYG'],
        ['resources', 'remove', 'o3:PYG'],
        ['quota', 'set', '--tpm', '1000'],
        ['quota', 'set', '--tpm', 'none'],
        ['quota', 'set', '--tpm', '9000'],
        ['resources', 'list'],
        ['quota', 'show'],
        ['audit', 'list', '--limit', '7'],
        ['audit', 'list', '--action', 'resource.edit', '--offset', '1'],
        ['audit', 'list', '--key', 'ALPHA'],
        ['audit', 'list', '--key', 'nobody'],
        ['keys', 'list'],
        ['keys', 'list', '--department', 'FINANCE', '--sort', 'createdAt', '--desc'],
        ['keys', 'list', '--status', 'active', '--search', 'ALP', '--limit', '1'],
        ['keys', 'list', '--resource', 'gpt-4o:TPM', '--offset', '1']
      ]
      const outcomes: { onFile: CliRun; onPg: CliRun }[] = []
      for (const json of [true, false]) {
        for (const args of commands) {
          // The human text too, for the reads (a change is made once, with --json).
          if (!json && !['list', 'show'].includes(args[1]!)) continue
          if (!json && args[0] === 'audit' && args.includes('nobody')) continue
          const full = json ? ['--json', ...args] : args
          const onFile = await t.cli(full)
          const onPg = await run(['--db', twins.url, ...full], { env: twins.env })
          outcomes.push({ onFile, onPg })
          const what = full.join(' ')
          expect(onPg.code, `${what}: ${onPg.stderr}`).toBe(onFile.code)
          expect(maskIds(onPg.stdout, known), what).toBe(maskIds(onFile.stdout, known))
          expect(maskIds(onPg.stderr, known), what).toBe(maskIds(onFile.stderr, known))
        }
      }
      // The refusals happened (not two empty answers): exit 2 for bad input, 1 for a refused change.
      expect(new Set(outcomes.map((o) => o.onFile.code))).toEqual(new Set([0, 1, 2]))
      const list = JSON.parse(outcomes[commands.length - 10]!.onPg.stdout) as { items: { model: string }[] }
      expect(list.items.map((r) => r.model)).toEqual(['Zeta', 'gpt-4o', 'gpt-4o', 'o1'])

      const db = new Database(t.db, { readonly: true })
      const onFile = db.prepare(AUDIT).all()
      db.close()
      const client = new Client({ connectionString: twins.pg.urlWithPassword(twins.url) })
      await client.connect()
      try {
        const onPg = (await client.query(AUDIT)).rows
        expect(maskIds(JSON.stringify(onPg), known)).toBe(maskIds(JSON.stringify(onFile), known))
        expect(onPg.length).toBeGreaterThan(known.size + 6)
      } finally {
        await client.end()
      }
      const verified = await run(['--db', twins.url, '--json', 'audit', 'verify'], { env: twins.env })
      expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true })
    })

    it('audit export writes the same chain from PostgreSQL, and audit verify --file checks it offline', async () => {
      const [fromFile, fromPg] = [await twins.onFile(['audit', 'export']), await twins.onPg(['audit', 'export'])]
      expect(fromPg.code, fromPg.stderr).toBe(0)
      const lines = (text: string) =>
        text
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as Record<string, unknown>)
      const [a, b] = [lines(fromFile.stdout), lines(fromPg.stdout)]
      // The 8 entries copied by migrate are the file's, entry for entry (ids and hashes); the rest are this
      // test's changes, made on each engine with its own ids and times.
      expect(b.length).toBeGreaterThan(10)
      expect(b.slice(0, 8)).toEqual(a.slice(0, 8))
      // Every entry as PostgreSQL holds it, and an end line naming its head.
      const client = new Client({ connectionString: twins.pg.urlWithPassword(twins.url) })
      await client.connect()
      try {
        const rows = (
          await client.query<{ seq: number; hash: string }>('SELECT seq::int, hash FROM audit_log ORDER BY seq')
        ).rows
        expect(b.slice(0, -1).map((e) => ({ seq: e.seq, hash: e.hash }))).toEqual(rows)
        expect(b.at(-1)).toMatchObject({ end: true, entries: rows.length, head: rows.at(-1) })
      } finally {
        await client.end()
      }
      const out = join(t.dir, 'from-pg.jsonl')
      const written = await twins.onPg(['audit', 'export', '--out', out])
      expect(JSON.parse(written.stdout)).toEqual({ exported: out, entries: b.length - 1 })
      const checked = await run(['--json', 'audit', 'verify', '--file', out], { env: twins.env })
      expect(checked.code, checked.stderr).toBe(0)
      expect(JSON.parse(checked.stdout)).toMatchObject({ ok: true, entries: b.length - 1 })
    })
  }
)
