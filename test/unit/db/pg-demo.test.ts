import { describe, expect, it } from 'vitest'
import { demoKeys, demoStart, seedDemo } from '../../../src/main/core/demo'
import { verifyPgAuditChain } from '../../../src/main/core/pg/audit'
import { seedPgDemo } from '../../../src/main/core/pg/demo'
import { tempRegistry } from '../../helpers/registry'
import { postgresAvailable } from '../../support/postgres'
import { postgresTwins } from '../../support/pg-twins'

const ACTOR = 'demo'
const reason = postgresAvailable()

/** Secrets come from the system CSPRNG on both engines: their hints, hashes and chain hashes differ, nothing else. */
function masked<T extends Record<string, unknown>>(rows: T[], fields: string[]): unknown[] {
  return rows.map((row) => {
    const out: Record<string, unknown> = { ...row }
    for (const f of fields) delete out[f]
    if (typeof out.details === 'string') {
      const details = JSON.parse(out.details) as Record<string, unknown>
      if ('hint' in details) details.hint = '…'
      out.details = details
    }
    return out
  })
}

describe.skipIf(reason)(
  `demo data on PostgreSQL is what SQLite seeds${reason ? ` (skipped: ${reason})` : ''}`,
  { timeout: 180_000 },
  () => {
    const twins = postgresTwins()

    it('the same resources, keys, uses, disabled keys and audit entries for the same seed and registry', async () => {
      const t = tempRegistry()
      const now = t.clock.now
      const r = t.registry
      // An existing resource is reused; the pool trims the TPM resources the seed adds, then refuses more.
      r.addResource({ model: 'gpt-4o', type: 'PYG' }, ACTOR)
      r.setPool({ tpmPool: 1_000_000 }, ACTOR)
      // The seed's first key name is taken: both engines fall back to the same suffix.
      const firstName = demoKeys('parity', 80, demoStart(now), now, new Map([['m', [{ id: 'r' }]]]))(0).input.name
      r.createKey({ name: firstName }, ACTOR)
      const pg = await twins.copy(t)

      const options = { keys: 80, seed: 'parity', actor: ACTOR, now, pauseMs: 0 }
      const want = seedDemo(r, options)
      let transactions = 0
      const got = await seedPgDemo(pg.pool, { ...options, onTransaction: () => transactions++ })
      expect(got).toEqual(want)
      expect(got.keys).toBe(80)
      expect(transactions).toBeGreaterThan(80)

      const same = async (sql: string, onPg: string, fields: string[] = []) =>
        expect(masked((await pg.pool.query(onPg)).rows, fields), onPg).toEqual(
          masked(r.db.prepare(sql).all() as Record<string, unknown>[], fields)
        )
      await same('SELECT * FROM resources ORDER BY id', 'SELECT * FROM resources ORDER BY id COLLATE "C"')
      await same('SELECT * FROM api_keys ORDER BY pk', 'SELECT * FROM api_keys ORDER BY pk', ['hint'])
      await same(
        'SELECT * FROM key_resources ORDER BY key_pk, resource_id',
        'SELECT * FROM key_resources ORDER BY key_pk, resource_id COLLATE "C"'
      )
      await same('SELECT * FROM departments ORDER BY id', 'SELECT * FROM departments ORDER BY id')
      await same('SELECT * FROM projects ORDER BY id', 'SELECT * FROM projects ORDER BY id')
      await same(
        'SELECT key_pk, created_at, retires_at, format FROM key_secrets ORDER BY id',
        'SELECT key_pk, created_at, retires_at, format FROM key_secrets ORDER BY id'
      )
      await same('SELECT * FROM audit_log ORDER BY seq', 'SELECT * FROM audit_log ORDER BY seq', ['hash', 'prev_hash'])
      // The seed really exercised uses, disabling and the suffix.
      const facts = (
        await pg.pool.query<{ used: number; disabled: number; suffixed: number }>(
          `SELECT count(last_used_at)::int AS used, sum(disabled)::int AS disabled,
                  count(*) FILTER (WHERE name = $1)::int AS suffixed FROM api_keys`,
          [`${firstName}x2`]
        )
      ).rows[0]!
      expect(facts.used).toBeGreaterThan(30)
      expect(facts.disabled).toBeGreaterThan(0)
      expect(facts.suffixed).toBe(1)
      expect((await verifyPgAuditChain(pg.pool)).ok).toBe(true)
    })
  }
)
