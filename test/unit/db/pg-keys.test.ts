import { describe, expect, it } from 'vitest'
import { verifyPgAuditChain } from '../../../src/main/core/pg/audit'
import { deletePgKey, pgKeyByRef, setPgKeyDisabled } from '../../../src/main/core/pg/keys'
import type { PgRegistry } from '../../../src/main/db/pg/open'
import { KeywardError } from '../../../src/shared/errors'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { postgresAvailable } from '../../support/postgres'
import { postgresTwins } from '../../support/pg-twins'
import { raceBehind } from '../../support/pg-race'

const ACTOR = 'tester'
const HOUR = 3_600_000
const reason = postgresAvailable()

/** The calls at once, lined up behind another connection holding the named keys' rows. */
const race = <T>(pg: PgRegistry, names: string[], calls: (() => Promise<T>)[]) =>
  raceBehind(pg.pool, { text: 'SELECT pk FROM api_keys WHERE name = ANY($1) FOR UPDATE', values: [names] }, calls)

/** The values of calls that must all have succeeded (the first failure is thrown as it was). */
function fulfilled<T>(results: PromiseSettledResult<T>[]): T[] {
  return results.map((r) => {
    if (r.status === 'rejected') throw r.reason
    return r.value
  })
}

/** The KeywardError a call throws (sync or async), as the payload a transport would send. */
async function refusal(fn: () => unknown): Promise<unknown> {
  try {
    await fn()
  } catch (error) {
    if (error instanceof KeywardError) return { ...error.toPayload(), isKeywardError: true }
    throw error
  }
  throw new Error('expected the operation to be refused, but it succeeded')
}

describe.skipIf(reason)(
  `key changes on PostgreSQL answer and record what SQLite does${reason ? ` (skipped: ${reason})` : ''}`,
  { timeout: 120_000 },
  () => {
    const twins = postgresTwins()

    /**
     * A registry built by the core (resources, keys with every field, a rotated key with two
     * secrets, an expired key, eight plain keys), copied to PostgreSQL by `keyward migrate`.
     */
    async function twin(): Promise<{ t: TempRegistry; pg: PgRegistry; ids: Record<string, string> }> {
      const t = tempRegistry()
      const r = t.registry
      for (const model of ['gpt-4o', 'o3', 'Zeta-1', 'alpha-2']) r.addResource({ model, type: 'PYG' }, ACTOR)
      r.addResource({ model: 'claude', type: 'TPM', tpmLimit: 1000 }, ACTOR)
      const ids: Record<string, string> = {}
      ids.Alpha1 = r.createKey(
        {
          name: 'Alpha1',
          resources: ['gpt-4o:PYG', 'o3:PYG', 'Zeta-1:PYG', 'alpha-2:PYG', 'claude:TPM'],
          department: 'Finance',
          project: 'Atlas',
          environment: 'prod',
          requestor: 'Aisha Haddad',
          appId: 'atlas-chat',
          justification: 'Launch',
          notes: 'first key',
          notifyEmail: 'owner@example.com',
          expiresAt: '2027-01-31'
        },
        ACTOR
      ).key.id
      r.rotateKey({ key: 'Alpha1', graceSeconds: 3600 }, ACTOR)
      ids.Old = r.createKey(
        { name: 'Old', resources: ['o3:PYG'], expiresAt: new Date(t.clock.now + HOUR).toISOString() },
        ACTOR
      ).key.id
      ids.Boss = r.createKey({ name: 'Boss', kind: 'admin' }, ACTOR).key.id
      for (let i = 1; i <= 8; i++)
        ids[`K${i}`] = r.createKey({ name: `K${i}`, resources: ['gpt-4o:PYG'] }, ACTOR).key.id
      t.clock.advance(2 * HOUR) // Old is now expired
      // Eight connections for the racing calls, one to hold their keys' rows while they line up.
      const pg = await twins.copy(t, 9)
      return { t, pg, ids }
    }

    /** What both engines must hold alike after the same changes: rows, tombstones, the audit log. */
    async function expectSameState(t: TempRegistry, pg: PgRegistry): Promise<void> {
      // Text ordered as bytes on PostgreSQL too: the test database's default collation is linguistic.
      const tables: [sqlite: string, pg: string][] = [
        ['SELECT * FROM api_keys ORDER BY pk', 'SELECT * FROM api_keys ORDER BY pk'],
        ['SELECT * FROM key_secrets ORDER BY id', 'SELECT * FROM key_secrets ORDER BY id'],
        [
          'SELECT * FROM key_resources ORDER BY key_pk, resource_id',
          'SELECT * FROM key_resources ORDER BY key_pk, resource_id COLLATE "C"'
        ],
        [
          'SELECT * FROM key_tombstones ORDER BY key_id, secret_hash',
          'SELECT * FROM key_tombstones ORDER BY key_id COLLATE "C", secret_hash'
        ],
        // Same clock, same head before: the same entries, hashes and all.
        ['SELECT * FROM audit_log ORDER BY seq', 'SELECT * FROM audit_log ORDER BY seq']
      ]
      for (const [onSqlite, onPg] of tables) {
        const want = t.registry.db.prepare(onSqlite).all()
        expect((await pg.pool.query(onPg)).rows, onPg).toEqual(want)
      }
      expect(await verifyPgAuditChain(pg.pool)).toEqual(t.registry.verifyAudit())
      expect((await verifyPgAuditChain(pg.pool)).ok).toBe(true)
    }

    it('reads a key by id or by name ignoring case, as the same document, resources in byte order', async () => {
      const { t, pg, ids } = await twin()
      const now = t.clock.now
      for (const ref of [ids.Alpha1!, 'Alpha1', 'aLPHA1', ids.Old!, 'old', 'BOSS']) {
        const want = t.registry.getKey({ key: ref }).key
        expect(await pgKeyByRef(pg.pool, ref, now), ref).toEqual(want)
      }
      const alpha = await pgKeyByRef(pg.pool, 'alpha1', now)
      expect(alpha.resources.map((r) => r.model)).toEqual(['Zeta-1', 'alpha-2', 'claude', 'gpt-4o', 'o3'])
      expect((await pgKeyByRef(pg.pool, 'Old', now)).status).toBe('expired')
    })

    it('disables, re-disables (no change, no entry), enables and deletes by id: the same answers, rows and entries', async () => {
      const { t, pg, ids } = await twin()
      const id = ids.Alpha1!
      const steps: [string, () => unknown, () => Promise<unknown>][] = [
        [
          'disable',
          () => t.registry.disableKey({ key: id }, ACTOR),
          () => setPgKeyDisabled(pg.pool, id, true, ACTOR, t.clock.now)
        ],
        [
          'disable again',
          () => t.registry.disableKey({ key: id }, ACTOR),
          () => setPgKeyDisabled(pg.pool, id, true, ACTOR, t.clock.now)
        ],
        [
          'enable',
          () => t.registry.enableKey({ key: id }, ACTOR),
          () => setPgKeyDisabled(pg.pool, id, false, ACTOR, t.clock.now)
        ],
        ['delete', () => t.registry.deleteKey({ key: id }, ACTOR), () => deletePgKey(pg.pool, id, ACTOR, t.clock.now)]
      ]
      const auditBefore = t.registry.listAudit({ limit: 1 }).total
      for (const [what, onSqlite, onPg] of steps) {
        t.clock.advance(1000)
        const want = onSqlite()
        expect(await onPg(), what).toEqual(want)
      }
      // Three changes, three entries: the repeated disable wrote nothing on either engine.
      expect(t.registry.listAudit({ limit: 1 }).total).toBe(auditBefore + 3)
      const entries = t.registry.listAudit({ limit: 3 }).items.map((e) => e.action)
      expect(entries).toEqual(['key.delete', 'key.enable', 'key.disable'])
      // Both secrets of the rotated key are tombstones now.
      expect(
        (await pg.pool.query('SELECT count(*)::int AS n FROM key_tombstones WHERE key_id = $1', [id])).rows[0].n
      ).toBe(2)
      await expectSameState(t, pg)
    })

    it('does the same by name (any case) on an expired key: disabled, back to expired, deleted', async () => {
      const { t, pg } = await twin()
      const steps: [string, () => unknown, () => Promise<unknown>][] = [
        [
          'disable',
          () => t.registry.disableKey({ key: 'OLD' }, ACTOR),
          () => setPgKeyDisabled(pg.pool, 'OLD', true, ACTOR, t.clock.now)
        ],
        [
          'enable',
          () => t.registry.enableKey({ key: 'old' }, ACTOR),
          () => setPgKeyDisabled(pg.pool, 'old', false, ACTOR, t.clock.now)
        ],
        [
          'enable again',
          () => t.registry.enableKey({ key: 'Old' }, ACTOR),
          () => setPgKeyDisabled(pg.pool, 'Old', false, ACTOR, t.clock.now)
        ],
        [
          'delete',
          () => t.registry.deleteKey({ key: 'oLd' }, ACTOR),
          () => deletePgKey(pg.pool, 'oLd', ACTOR, t.clock.now)
        ],
        [
          'delete admin',
          () => t.registry.deleteKey({ key: 'boss' }, ACTOR),
          () => deletePgKey(pg.pool, 'boss', ACTOR, t.clock.now)
        ]
      ]
      for (const [what, onSqlite, onPg] of steps) {
        t.clock.advance(1000)
        const want = onSqlite()
        expect(await onPg(), what).toEqual(want)
      }
      const statuses = t.registry
        .listAudit({ limit: 4 })
        .items.filter((e) => e.action !== 'key.delete')
        .map((e) => e.details)
      expect(statuses).toEqual([
        { changes: { status: { from: 'disabled', to: 'expired' } } },
        { changes: { status: { from: 'expired', to: 'disabled' } } }
      ])
      await expectSameState(t, pg)
    })

    it('refuses an unknown key with the same error on both engines, changing nothing', async () => {
      const { t, pg, ids } = await twin()
      const now = t.clock.now
      const gone = ids.K1!
      t.registry.deleteKey({ key: gone }, ACTOR)
      await deletePgKey(pg.pool, gone, ACTOR, now)
      for (const ref of ['Nobody', gone, 'k1']) {
        const want = await refusal(() => t.registry.getKey({ key: ref }))
        expect(want).toMatchObject({ code: 'NOT_FOUND', fields: { key: `No key "${ref}".` } })
        expect(await refusal(() => pgKeyByRef(pg.pool, ref, now)), ref).toEqual(want)
        expect(await refusal(() => t.registry.disableKey({ key: ref }, ACTOR))).toEqual(want)
        expect(await refusal(() => setPgKeyDisabled(pg.pool, ref, true, ACTOR, now))).toEqual(want)
        expect(await refusal(() => setPgKeyDisabled(pg.pool, ref, false, ACTOR, now))).toEqual(want)
        expect(await refusal(() => t.registry.deleteKey({ key: ref }, ACTOR))).toEqual(want)
        expect(await refusal(() => deletePgKey(pg.pool, ref, ACTOR, now))).toEqual(want)
      }
      await expectSameState(t, pg)
    })

    it('eight connections deleting the same key at once: one deletes it, seven get NOT_FOUND, one entry', async () => {
      const { t, pg, ids } = await twin()
      const head = (await pg.pool.query('SELECT seq FROM audit_head')).rows[0].seq as number
      const results = await race(
        pg,
        ['Alpha1'],
        Array.from(
          { length: 8 },
          (_, i) => () => deletePgKey(pg.pool, i % 2 ? 'alpha1' : ids.Alpha1!, `node${i}`, t.clock.now)
        )
      )
      const done = results.filter((r) => r.status === 'fulfilled')
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      expect(done).toHaveLength(1)
      expect(done[0]!.value).toEqual({ deleted: { id: ids.Alpha1, name: 'Alpha1' } })
      expect(refused).toHaveLength(7)
      for (const r of refused) {
        expect(r.reason).toBeInstanceOf(KeywardError)
        expect((r.reason as KeywardError).code).toBe('NOT_FOUND')
      }
      const entries = await pg.pool.query('SELECT action, target_id FROM audit_log WHERE seq > $1', [head])
      expect(entries.rows).toEqual([{ action: 'key.delete', target_id: ids.Alpha1 }])
      const secrets = t.registry.db
        .prepare('SELECT count(*) FROM key_secrets s JOIN api_keys k ON k.pk = s.key_pk WHERE k.id = ?')
        .pluck()
        .get(ids.Alpha1)
      expect(secrets).toBe(2)
      const tombstones = await pg.pool.query('SELECT count(*)::int AS n FROM key_tombstones WHERE key_id = $1', [
        ids.Alpha1
      ])
      expect(tombstones.rows[0].n).toBe(secrets)
      expect(await verifyPgAuditChain(pg.pool)).toMatchObject({ ok: true })
    })

    it('eight connections disabling eight keys at once, and eight the same key: one chain, one entry per change', async () => {
      const { t, pg } = await twin()
      const head = (await pg.pool.query('SELECT seq FROM audit_head')).rows[0].seq as number
      const names = Array.from({ length: 8 }, (_, i) => `K${i + 1}`)
      const answers = fulfilled(
        await race(
          pg,
          names,
          names.map((name, i) => () => setPgKeyDisabled(pg.pool, name, true, `node${i}`, t.clock.now))
        )
      )
      expect(answers.map((a) => [a.key.name, a.key.status])).toEqual(names.map((n) => [n, 'disabled']))
      const same = fulfilled(
        await race(
          pg,
          ['Alpha1'],
          names.map((_, i) => () => setPgKeyDisabled(pg.pool, 'alpha1', true, `node${i}`, t.clock.now))
        )
      )
      expect(same.map((a) => [a.key.name, a.key.status])).toEqual(names.map(() => ['Alpha1', 'disabled']))
      const entries = await pg.pool.query<{ seq: number; action: string; target_name: string }>(
        'SELECT seq, action, target_name FROM audit_log WHERE seq > $1 ORDER BY seq',
        [head]
      )
      expect(entries.rows.map((e) => e.seq)).toEqual(Array.from({ length: 9 }, (_, i) => head + i + 1))
      expect(new Set(entries.rows.map((e) => e.action))).toEqual(new Set(['key.disable']))
      expect(entries.rows.map((e) => e.target_name).sort()).toEqual([...names, 'Alpha1'].sort())
      expect(await verifyPgAuditChain(pg.pool)).toEqual({ ok: true, entries: head + 9 })
    })
  }
)
