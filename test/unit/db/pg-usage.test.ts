import { describe, expect, it } from 'vitest'
import { pgUsageReport, recordPgUsageRows } from '../../../src/main/core/pg/usage'
import { MINUTE_MS, type UsageEntry } from '../../../src/main/core/usage'
import { openPgRegistry } from '../../../src/main/db/pg/open'
import { contract, type Input } from '../../../src/shared/contract'
import { KeywardError } from '../../../src/shared/errors'
import { tempRegistry } from '../../helpers/registry'
import { postgresAvailable } from '../../support/postgres'
import { postgresTwins } from '../../support/pg-twins'

const ACTOR = 'tester'
const reason = postgresAvailable()
const T0 = Date.parse('2026-06-01T00:00:00Z')
const MINUTE0 = T0 / MINUTE_MS

/** What a call answers, or the KeywardError it throws as the payload a transport would send. */
async function outcome(fn: () => unknown): Promise<unknown> {
  try {
    return { answer: await fn() }
  } catch (error) {
    if (error instanceof KeywardError) return { refused: error.toPayload() }
    throw error
  }
}

describe.skipIf(reason)(
  `usage on PostgreSQL reports what SQLite does and adds up across nodes${reason ? ` (skipped: ${reason})` : ''}`,
  { timeout: 120_000 },
  () => {
    const twins = postgresTwins()

    /** Keys in two departments (names differing in case), usage over two days filled by the core. */
    function filled() {
      const t = tempRegistry({ start: T0 + 3 * 86_400_000 })
      const r = t.registry
      r.addResource({ model: 'gpt-4o', type: 'PYG' }, ACTOR)
      r.addResource({ model: 'claude', type: 'TPM', tpmLimit: 100_000 }, ACTOR)
      r.addResource({ model: 'Zeta', type: 'PYG' }, ACTOR)
      const keys = [
        r.createKey(
          { name: 'beta', department: 'Finance', project: 'Atlas', resources: ['gpt-4o:PYG', 'claude:TPM'] },
          ACTOR
        ),
        r.createKey({ name: 'Alpha', department: 'ops', resources: ['gpt-4o:PYG', 'Zeta:PYG'] }, ACTOR),
        r.createKey(
          { name: 'gamma', department: 'finance ', project: 'atlas', resources: ['claude:TPM', 'Zeta:PYG'] },
          ACTOR
        )
      ].map(({ key }) => ({
        ...key,
        pk: r.db.prepare('SELECT pk FROM api_keys WHERE id = ?').pluck().get(key.id) as number
      }))
      const rows: UsageEntry[] = []
      let n = 1
      for (let minute = MINUTE0; minute < MINUTE0 + 2 * 1440; minute += 37) {
        for (const key of keys)
          for (const { model } of key.resources) {
            n = (n * 48271) % 2147483647
            if (n % 3 === 0) continue
            rows.push({
              pk: key.pk,
              model,
              minute,
              promptTokens: n % 900,
              completionTokens: n % 333,
              requests: 1 + (n % 4)
            })
          }
      }
      // A row for a model the key does not hold: skipped by both engines.
      rows.push({ pk: keys[1]!.pk, model: 'claude', minute: MINUTE0, promptTokens: 5, completionTokens: 5 })
      expect(r.recordUsageRows(rows)).toBe(rows.length - 1)
      return { t, keys, rows }
    }

    const filters: Input<'usage.report'>[] = [
      { start: '2026-06-01', end: '2026-06-02', interval: 'per_hour' },
      { start: '2026-06-01', end: '2026-06-03', interval: 'per_day' },
      { start: '2026-06-01T05:17:00Z', end: '2026-06-01T09:00:30Z', interval: 'per_minute' },
      { start: '2026-06-01', end: '2026-06-02', interval: 'per_day', models: ['claude', 'Zeta'] },
      { start: '2026-06-01', end: '2026-06-02', interval: 'per_hour', key: 'ALPHA' },
      { start: '2026-06-01', end: '2026-06-02', interval: 'per_day', department: 'FINANCE' },
      { start: '2026-06-01', end: '2026-06-02', interval: 'per_day', project: 'atlas', models: ['gpt-4o'] },
      { start: '2026-06-01', end: '2026-06-02', interval: 'per_day', department: 'nobody' },
      { start: '2026-06-02', end: '2026-06-01' }, // VALIDATION: end before start
      { start: '2026-06-01', end: '2026-06-02', key: 'missing' } // NOT_FOUND
    ]

    it('answers every filter with the same rows, order, totals and refusals', async () => {
      const { t } = filled()
      const pg = await twins.copy(t)
      let nonEmpty = 0
      for (const filter of filters) {
        const v = contract['usage.report'].input.parse(filter)
        const want = await outcome(() => t.registry.usageReport(filter))
        const got = await outcome(() => pgUsageReport(pg.pool, v, t.clock.now))
        expect(got, JSON.stringify(filter)).toEqual(want)
        const items = (want as { answer?: { items: unknown[] } }).answer?.items
        if (items && items.length > 0) nonEmpty++
      }
      expect(nonEmpty).toBeGreaterThanOrEqual(6)
      expect((await outcome(() => t.registry.usageReport(filters[8]!))) as { refused: { code: string } }).toMatchObject(
        { refused: { code: 'VALIDATION' } }
      )
    })

    it('recordPgUsageRows adds as recordUsageRows does: the same tables afterwards', async () => {
      const { t, keys, rows } = filled()
      const pg = await twins.copy(t)
      const more = rows.slice(0, 200).map((r) => ({ ...r, promptTokens: r.promptTokens + 1 }))
      // A deleted key's rows are skipped on both.
      t.registry.deleteKey({ key: 'gamma' }, ACTOR)
      await pg.pool.query('DELETE FROM api_keys WHERE id = $1', [keys[2]!.id])
      expect(await recordPgUsageRows(pg.pool, more)).toBe(t.registry.recordUsageRows(more))
      for (const [sqlite, onPg] of [
        [
          'SELECT * FROM key_usage ORDER BY key_pk, model, minute',
          'SELECT * FROM key_usage ORDER BY key_pk, model COLLATE "C", minute'
        ],
        [
          'SELECT * FROM resource_usage ORDER BY resource_id, minute',
          'SELECT * FROM resource_usage ORDER BY resource_id COLLATE "C", minute'
        ]
      ] as const)
        expect((await pg.pool.query(onPg)).rows, onPg).toEqual(t.registry.db.prepare(sqlite).all())
    })

    it('8 connections adding to the same minutes at once lose nothing', async () => {
      const { t, keys } = filled()
      const pg = await twins.copy(t, 2)
      const before = (
        await pg.pool.query('SELECT sum(requests)::bigint AS r, sum(prompt_tokens)::bigint AS p FROM key_usage')
      ).rows[0] as { r: number; p: number }
      const tokensBefore = (await pg.pool.query('SELECT sum(tokens)::bigint AS n FROM resource_usage')).rows[0]
        .n as number
      const nodes = await Promise.all(
        Array.from({ length: 8 }, () => openPgRegistry(pg.url, { env: twins.server.env(), max: 1 }))
      )
      try {
        // Each node sends 20 batches over the same keys, models and minutes, in its own order.
        const batch = (node: number, i: number): UsageEntry[] => {
          const out: UsageEntry[] = []
          for (const key of keys)
            for (const { model } of key.resources)
              for (let m = 0; m < 3; m++)
                out.push({ pk: key.pk, model, minute: MINUTE0 + m, promptTokens: 10, completionTokens: 1, requests: 2 })
          return (node + i) % 2 === 0 ? out : out.reverse()
        }
        const perBatch = batch(0, 0).length
        const written = await Promise.all(
          nodes.map(async (node, n) => {
            let sum = 0
            for (let i = 0; i < 20; i++) sum += await recordPgUsageRows(node.pool, batch(n, i))
            return sum
          })
        )
        expect(written).toEqual(Array(8).fill(20 * perBatch))
        const after = (
          await pg.pool.query('SELECT sum(requests)::bigint AS r, sum(prompt_tokens)::bigint AS p FROM key_usage')
        ).rows[0] as { r: number; p: number }
        expect(after.r - before.r).toBe(8 * 20 * perBatch * 2)
        expect(after.p - before.p).toBe(8 * 20 * perBatch * 10)
        // Only TPM assignments count towards the window: claude, held by two keys.
        const tokensAfter = (await pg.pool.query('SELECT sum(tokens)::bigint AS n FROM resource_usage')).rows[0]
          .n as number
        expect(tokensAfter - tokensBefore).toBe(8 * 20 * 2 * 3 * 11)
      } finally {
        await Promise.all(nodes.map((n) => n.close()))
      }
    })
  }
)
