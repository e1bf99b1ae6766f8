import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { verifyPgAuditChain } from '../../../src/main/core/pg/audit'
import { importPgKeys } from '../../../src/main/core/pg/import'
import type { RandomBytes } from '../../../src/main/core/secrets'
import { openPgRegistry, type PgRegistry } from '../../../src/main/db/pg/open'
import { contract, type Input } from '../../../src/shared/contract'
import { KeywardError } from '../../../src/shared/errors'
import type { KeyImportResult } from '../../../src/shared/schemas'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { postgresAvailable } from '../../support/postgres'
import { postgresTwins } from '../../support/pg-twins'

const ACTOR = 'importer'
const reason = postgresAvailable()

/** The same bytes for the same seed: both engines draw the same ids and secrets. */
function seeded(seed: string): RandomBytes {
  let n = 0
  return (size) => {
    const out = Buffer.alloc(size)
    for (let i = 0; i < size; i += 32) createHash('sha256').update(`${seed}:${n++}`).digest().copy(out, i)
    return out
  }
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex')

async function outcome(fn: () => unknown): Promise<unknown> {
  try {
    return { answer: await fn() }
  } catch (error) {
    if (error instanceof KeywardError) return { refused: error.toPayload() }
    throw error
  }
}

describe.skipIf(reason)(
  `keys.import on PostgreSQL answers and writes what SQLite does${reason ? ` (skipped: ${reason})` : ''}`,
  { timeout: 120_000 },
  () => {
    const twins = postgresTwins()

    async function twin() {
      const random = { source: seeded('setup') as RandomBytes }
      const t = tempRegistry({ randomBytes: (n) => random.source(n) })
      const r = t.registry
      r.addResource({ model: 'gpt-4o', type: 'PYG' }, ACTOR)
      r.addResource({ model: 'claude', type: 'TPM', tpmLimit: 1000 }, ACTOR)
      r.createKey({ name: 'Existing', department: 'Finance', resources: ['gpt-4o:PYG'] }, ACTOR)
      r.createKey({ name: 'Gone' }, ACTOR)
      // A deleted key's secret stays as a tombstone: importing its hash again is refused.
      const hashOf = (name: string) =>
        r.db
          .prepare(
            'SELECT lower(hex(s.secret_hash)) FROM key_secrets s JOIN api_keys k ON k.pk = s.key_pk WHERE k.name = ?'
          )
          .pluck()
          .get(name) as string
      const goneHash = hashOf('Gone')
      const liveHash = hashOf('Existing')
      r.deleteKey({ key: 'Gone' }, ACTOR)
      const pg = await twins.copy(t)
      return { t, pg, random, goneHash, liveHash }
    }

    async function expectSameState(t: TempRegistry, pg: PgRegistry): Promise<void> {
      const tables: [string, string][] = [
        [
          'SELECT k.*, d.name AS department, p.name AS project FROM api_keys k LEFT JOIN departments d ON d.id = k.department_id LEFT JOIN projects p ON p.id = k.project_id ORDER BY k.pk',
          'SELECT k.*, d.name AS department, p.name AS project FROM api_keys k LEFT JOIN departments d ON d.id = k.department_id LEFT JOIN projects p ON p.id = k.project_id ORDER BY k.pk'
        ],
        ['SELECT * FROM key_secrets ORDER BY id', 'SELECT * FROM key_secrets ORDER BY id'],
        [
          'SELECT * FROM key_resources ORDER BY key_pk, resource_id',
          'SELECT * FROM key_resources ORDER BY key_pk, resource_id COLLATE "C"'
        ],
        ['SELECT * FROM departments ORDER BY id', 'SELECT * FROM departments ORDER BY id'],
        ['SELECT * FROM projects ORDER BY id', 'SELECT * FROM projects ORDER BY id'],
        ['SELECT * FROM audit_log ORDER BY seq', 'SELECT * FROM audit_log ORDER BY seq']
      ]
      for (const [onSqlite, onPg] of tables)
        expect((await pg.pool.query(onPg)).rows, onPg).toEqual(t.registry.db.prepare(onSqlite).all())
      expect(await verifyPgAuditChain(pg.pool)).toEqual(t.registry.verifyAudit())
      expect((await verifyPgAuditChain(pg.pool)).ok).toBe(true)
    }

    it('imports, refuses and dry-runs files as SQLite does: answers, secrets, rows and audit entries', async () => {
      const { t, pg, random, goneHash, liveHash } = await twin()
      const csv = [
        'name,kind,department,project,resources,sha256,hint,expiresAt,status',
        'NewOne,standard,finance,Atlas,gpt-4o:PYG;claude:tpm,,,2030-01-01,',
        'Foreign,standard,Ops,,gpt-4o:PYG,' + sha('sk-foreign-1') + ',sk-…ign1,,disabled',
        'AdminNew,admin,ops,atlas,,,,,'
      ].join('\n')
      const bad = [
        'name,resources,sha256',
        'existing,,', // taken (ignoring case)
        'Fresh,nope:PYG,', // no such resource
        `Again,,${goneHash}`, // a deleted key's secret
        'fresh,,', // twice in the file
        `Live,,${liveHash}`, // a live key's secret
        'Good5,gpt-4o:PYG,'
      ].join('\n')
      const json = JSON.stringify({
        keys: [
          {
            name: 'FromJson',
            secretHashes: [{ sha256: sha('x'), hint: 'kw_AbCd…WxYz' }],
            hint: 'kw_AbCd…WxYz',
            notes: 'moved'
          },
          { name: 'Broken', kind: 'wizard' },
          { name: 'Plain', project: 'ATLAS', createdAt: '2026-01-02T00:00:00.000Z' }
        ]
      })
      const inputs: Input<'keys.import'>[] = [
        { text: csv, format: 'csv' },
        { text: bad, format: 'csv' },
        { text: bad, format: 'csv', skipInvalid: true },
        { text: json, format: 'json', dryRun: true, skipInvalid: true },
        { text: json, format: 'json', skipInvalid: true },
        { text: json, format: 'json' }, // now every name is taken
        { text: 'name\n=cmd()', format: 'csv' },
        { text: '{"keys": [', format: 'json' }
      ]
      let written = 0
      for (const [i, input] of inputs.entries()) {
        t.clock.advance(1000)
        random.source = seeded(`step ${i}`)
        const pgRandom = seeded(`step ${i}`)
        const want = await outcome(() => t.registry.importKeys(input, ACTOR))
        const got = await outcome(() =>
          importPgKeys(pg.pool, contract['keys.import'].input.parse(input), ACTOR, t.clock.now, pgRandom)
        )
        expect(got, `input ${i}`).toEqual(want)
        const answer = (want as { answer?: KeyImportResult }).answer
        written += (answer?.created ?? 0) + (answer?.imported ?? 0)
      }
      expect(written).toBe(3 + 1 + 2 + 2) // the dry run's two counted, not written
      await expectSameState(t, pg)
    })

    it('8 importers of overlapping names at once: each name once, the losers told which rows, one chain', async () => {
      const { pg } = await twin()
      const nodes = await Promise.all(
        Array.from({ length: 8 }, () => openPgRegistry(pg.url, { env: twins.server.env(), max: 1 }))
      )
      try {
        // Every file holds Shared1..Shared5 and a name of its own.
        const files = nodes.map((_, n) =>
          [
            'name,sha256',
            ...[1, 2, 3, 4, 5].map((s) => `Shared${s},${sha(`shared ${s} by ${n}`)}`),
            `Own${n},${sha(`own ${n}`)}`
          ].join('\n')
        )
        const outcomes = await Promise.all(
          nodes.map((node, n) =>
            outcome(() =>
              importPgKeys(
                node.pool,
                contract['keys.import'].input.parse({ text: files[n]!, format: 'csv' }),
                `node${n}`,
                Date.now()
              )
            )
          )
        )
        const answers = outcomes.map((o) => (o as { answer?: KeyImportResult }).answer)
        // Never INTERNAL: every importer answered, one imported all six, the others named the taken rows.
        expect(
          answers.every((a) => a !== undefined),
          JSON.stringify(outcomes)
        ).toBe(true)
        const winners = answers.filter((a) => a!.errors.length === 0)
        expect(winners).toHaveLength(1)
        expect(winners[0]!.imported).toBe(6)
        for (const a of answers.filter((a) => a!.errors.length > 0)) {
          expect(a!.keys).toEqual([])
          expect(a!.errors.map((e) => [e.row, e.field])).toEqual([1, 2, 3, 4, 5].map((row) => [row, 'name']))
          expect(a!.errors[0]!.message).toContain('already exists in this registry')
        }
        const names = (
          await pg.pool.query<{ name: string }>(
            "SELECT name FROM api_keys WHERE name LIKE 'Shared%' OR name LIKE 'Own%'"
          )
        ).rows.map((r) => r.name)
        expect(names.filter((n) => n.startsWith('Shared')).sort()).toEqual([
          'Shared1',
          'Shared2',
          'Shared3',
          'Shared4',
          'Shared5'
        ])
        expect(names.filter((n) => n.startsWith('Own'))).toHaveLength(1)
        expect((await verifyPgAuditChain(pg.pool)).ok).toBe(true)
      } finally {
        await Promise.all(nodes.map((n) => n.close()))
      }
    })
  }
)
