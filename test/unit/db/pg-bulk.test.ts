import { describe, expect, it } from 'vitest'
import type { CoreOperationName, Input, ParsedInput } from '../../../src/shared/contract'
import { verifyPgAuditChain } from '../../../src/main/core/pg/audit'
import { bulkPgKeys } from '../../../src/main/core/pg/bulk'
import { exportPgKeys } from '../../../src/main/core/pg/export'
import { editPgKey } from '../../../src/main/core/pg/keys-write'
import { actOnPgLeaks, pgKeysBySecretHash } from '../../../src/main/core/pg/leaks'
import { hashSecret } from '../../../src/main/core/secrets'
import { pgOperationTable } from '../../../src/main/transport/pg-table'
import { validateInput } from '../../../src/main/core/validate'
import type { PgRegistry } from '../../../src/main/db/pg/open'
import { KeywardError } from '../../../src/shared/errors'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { postgresAvailable } from '../../support/postgres'
import { postgresTwins } from '../../support/pg-twins'
import { CHAIN_HEAD, raceBehind } from '../../support/pg-race'

const ACTOR = 'tester'
const HOUR = 3_600_000
const reason = postgresAvailable()

/** The calls at once, lined up behind a lock on the audit chain's head until each waits on a lock. */
const race = <T>(pool: PgRegistry['pool'], calls: (() => Promise<T>)[]) => raceBehind(pool, CHAIN_HEAD, calls)

/** A call's answer, or the KeywardError it threw as the payload a transport would send. */
async function outcome(fn: () => unknown): Promise<unknown> {
  try {
    return await fn()
  } catch (error) {
    if (error instanceof KeywardError) return { ...error.toPayload(), isKeywardError: true }
    throw error
  }
}

describe.skipIf(reason)(
  `bulk actions, exports and the leak scan on PostgreSQL answer and record what SQLite does${reason ? ` (skipped: ${reason})` : ''}`,
  { timeout: 180_000 },
  () => {
    const twins = postgresTwins()

    interface Twin {
      t: TempRegistry
      pg: PgRegistry
      ids: Record<string, string>
      secrets: Record<string, string>
    }

    /**
     * A registry built by the core: resources of both types, keys in two departments and
     * environments, an admin key, a disabled key, an expired one, keys holding gpt-4o as TPM (so
     * gpt-4o:PYG cannot be assigned to them), a rotated key, a deleted one; copied by `keyward migrate`.
     */
    async function twin(): Promise<Twin> {
      const t = tempRegistry()
      const r = t.registry
      for (const model of ['gpt-4o', 'o3', 'Zeta-1']) r.addResource({ model, type: 'PYG' }, ACTOR)
      r.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 2000 }, ACTOR)
      r.addResource({ model: 'claude', type: 'TPM', tpmLimit: 1000 }, ACTOR)
      const ids: Record<string, string> = {}
      const secrets: Record<string, string> = {}
      const create = (input: Input<'keys.create'>) => {
        const { key, secret } = r.createKey(input, ACTOR)
        ids[key.name] = key.id
        secrets[key.name] = secret
      }
      create({
        name: 'Alpha1',
        resources: ['gpt-4o:PYG', 'claude:TPM'],
        department: 'Finance',
        project: 'Atlas',
        environment: 'prod',
        notes: 'first key',
        expiresAt: '2027-01-31'
      })
      secrets.Alpha1Old = secrets.Alpha1!
      secrets.Alpha1 = r.rotateKey({ key: 'Alpha1', graceSeconds: 0 }, ACTOR).secret
      create({ name: 'beta', resources: ['o3:PYG'], department: 'finance', environment: 'dev' })
      create({ name: 'Boss', kind: 'admin', department: 'Ops' })
      create({ name: 'Old', resources: ['o3:PYG'], expiresAt: new Date(t.clock.now + HOUR).toISOString() })
      create({ name: 'Gone', resources: ['o3:PYG'] })
      r.deleteKey({ key: 'Gone' }, ACTOR)
      for (let i = 1; i <= 8; i++)
        create({
          name: `K${i}`,
          resources: [i % 3 === 0 ? 'gpt-4o:TPM' : 'gpt-4o:PYG', 'o3:PYG'],
          department: i % 2 ? 'Finance' : 'Ops',
          environment: i % 2 ? 'prod' : 'dev',
          requestor: i === 5 ? 'Kim' : undefined
        })
      r.disableKey({ key: 'K3' }, ACTOR)
      t.clock.advance(2 * HOUR) // Old is now expired
      const pg = await twins.copy(t, 6)
      return { t, pg, ids, secrets }
    }

    /** The same operation on both engines: SQLite through its operation table, PostgreSQL with the parsed input. */
    async function both<K extends CoreOperationName>(
      w: Twin,
      name: K,
      input: Input<K>,
      onPg: (parsed: ParsedInput<K>) => Promise<unknown>
    ): Promise<{ sqlite: unknown; pg: unknown }> {
      const sqlite = await outcome(() => w.t.registry.run(name, validateInput(name, input), { actor: ACTOR }))
      // As dispatch does before the PostgreSQL table's function runs.
      const pg = await outcome(() => onPg(validateInput(name, input)))
      return { sqlite, pg }
    }

    /** What both engines must hold alike: every table these operations write, the audit log. */
    async function expectSameState({ t, pg }: Twin): Promise<void> {
      const tables: [sqlite: string, pg: string][] = [
        ['SELECT * FROM api_keys ORDER BY pk', 'SELECT * FROM api_keys ORDER BY pk'],
        ['SELECT * FROM key_secrets ORDER BY id', 'SELECT * FROM key_secrets ORDER BY id'],
        [
          'SELECT * FROM key_resources ORDER BY key_pk, resource_id',
          'SELECT * FROM key_resources ORDER BY key_pk, resource_id COLLATE "C"'
        ],
        ['SELECT * FROM key_tombstones ORDER BY secret_hash', 'SELECT * FROM key_tombstones ORDER BY secret_hash'],
        ['SELECT * FROM departments ORDER BY id', 'SELECT * FROM departments ORDER BY id'],
        ['SELECT * FROM projects ORDER BY id', 'SELECT * FROM projects ORDER BY id'],
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

    it('keys.bulk: every action, dry runs and refusals answer, write and audit as on SQLite', async () => {
      const w = await twin()
      const steps: [Input<'keys.bulk'>, string?][] = [
        [{ action: 'disable', filters: { departments: ['FINANCE'] }, dryRun: true }],
        // Its entries appended two by two: the same chain as one append.
        [{ action: 'disable', filters: { environment: 'PROD' } }, 'batched'],
        [{ action: 'enable', keys: ['k3', w.ids.K5!, 'BETA', ' K5 '] }],
        [{ action: 'assign', filters: {}, resources: ['gpt-4o:PYG'] }, 'RULE_VIOLATION'],
        [
          { action: 'assign', filters: { departments: ['Ops'] }, resources: ['claude:tpm', 'Zeta-1:PYG'] },
          'RULE_VIOLATION'
        ],
        [{ action: 'assign', filters: { departments: ['Ops'], search: 'k' }, resources: ['claude:tpm', 'Zeta-1:PYG'] }],
        [{ action: 'unassign', filters: { search: 'K' }, resources: ['o3:PYG'] }],
        [{ action: 'unassign', filters: {}, resources: ['nothing:PYG'] }, 'NOT_FOUND'],
        [
          {
            action: 'set',
            filters: { status: 'active' },
            set: { department: 'NewDept', environment: 'staging', expiresAt: '2027-06-30' }
          }
        ],
        [{ action: 'set', keys: ['K1', 'K2'], set: { department: 'newdept', project: 'Nova' } }],
        [{ action: 'set', keys: ['K1'], set: { department: '', expiresAt: null } }],
        [{ action: 'set', filters: {}, set: { expiresAt: '2020-01-01' } }, 'VALIDATION'],
        [{ action: 'disable', keys: ['K1', 'Nobody'] }, 'NOT_FOUND'],
        [{ action: 'disable', filters: { resource: 'nothing:TPM' } }],
        [{ action: 'disable', filters: { projects: ['Nothing'] } }],
        [{ action: 'delete', filters: { status: 'expired' }, dryRun: true }],
        [{ action: 'delete', filters: { status: 'disabled' } }],
        [{ action: 'enable', filters: { expiringWithinDays: 400 } }]
      ]
      for (const [input, code] of steps) {
        w.t.clock.advance(1000)
        const { sqlite, pg } = await both(w, 'keys.bulk', input, (v) =>
          bulkPgKeys(w.pg.pool, v, ACTOR, w.t.clock.now, { auditBatch: code === 'batched' ? 2 : undefined })
        )
        if (code && code !== 'batched') expect(sqlite, JSON.stringify(input)).toMatchObject({ code })
        else expect(sqlite, JSON.stringify(input)).toHaveProperty('matched')
        expect(pg, JSON.stringify(input)).toEqual(sqlite)
        await expectSameState(w)
      }
      // Something happened: keys were disabled, given resources, moved and deleted.
      const actions = (await w.pg.pool.query<{ action: string }>('SELECT DISTINCT action FROM audit_log')).rows
      expect(actions.map((a) => a.action)).toEqual(
        expect.arrayContaining(['key.disable', 'key.enable', 'key.assign', 'key.unassign', 'key.edit', 'key.delete'])
      )
    })

    it('keys.export: CSV and JSON, every filter and order, with hashes audited, as on SQLite', async () => {
      const w = await twin()
      const inputs: Input<'keys.export'>[] = [
        {},
        { format: 'json' },
        { format: 'json', filters: { sort: 'createdAt', desc: true } },
        { format: 'csv', filters: { departments: ['finance'], sort: 'name', desc: true } },
        { format: 'json', filters: { status: 'active', resource: 'gpt-4o:PYG' } },
        { format: 'csv', filters: { search: 'k', sort: 'expiresAt' } },
        { format: 'json', filters: { projects: ['Nothing'] } },
        { format: 'json', withHashes: true },
        { format: 'csv', withHashes: true, filters: { environment: 'dev' } }
      ]
      let hashed: unknown
      for (const input of inputs) {
        w.t.clock.advance(1000)
        const { sqlite, pg } = await both(w, 'keys.export', input, (v) =>
          exportPgKeys(w.pg.pool, v, ACTOR, w.t.clock.now)
        )
        expect(sqlite, JSON.stringify(input)).toHaveProperty('text')
        expect(pg, JSON.stringify(input)).toEqual(sqlite)
        if (input.withHashes && input.format === 'json') hashed = pg
      }
      const { text, sensitive } = hashed as { text: string; sensitive: boolean }
      expect(sensitive).toBe(true)
      expect(text).toContain(hashSecret(w.secrets.Alpha1!).toString('hex'))
      // A secret is never in an export; only its hash.
      expect(text).not.toContain(w.secrets.Alpha1!)
      await expectSameState(w)
      expect(
        (await w.pg.pool.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'keys.export'")).rows[0].n
      ).toBe(2)
    })

    it('the leak scan finds the same keys by hash, and scan.act disables or deletes them as on SQLite, all or nothing', async () => {
      const w = await twin()
      const s = w.secrets
      const hashes = [s.Alpha1!, s.Alpha1Old!, s.K3!, s.Old!, s.Gone!, s.K1!, s.K1!, `kw_${'x'.repeat(49)}`].map(
        hashSecret
      )
      const onPg = await pgKeysBySecretHash(w.pg.pool, hashes, w.t.clock.now)
      expect(onPg).toEqual(w.t.registry.keysBySecretHash(hashes))
      expect([...onPg.values()].map((k) => k.status)).toEqual([
        'active',
        'retired',
        'disabled',
        'expired',
        'deleted',
        'active'
      ])

      const at = (keyId: string, file: string, line: number) => ({ keyId, file, line })
      const acts: [Input<'scan.act'>, string?][] = [
        [
          {
            action: 'disable',
            findings: [at(w.ids.K1!, '/src/a.env', 3), at(w.ids.K3!, '/src/b.env', 1), at(w.ids.K1!, '/src/c.env', 9)]
          }
        ],
        // A key that is gone refuses the lot: K2 stays as it is.
        [
          { action: 'delete', findings: [at(w.ids.K2!, '/src/a.env', 4), at(w.ids.Gone!, '/src/a.env', 5)] },
          'NOT_FOUND'
        ],
        [{ action: 'delete', findings: [at(w.ids.K2!, '/src/a.env', 4), at(w.ids.K4!, '/src/d/e.json', 12)] }],
        [{ action: 'delete', findings: [at(w.ids.K5!, '/x', 1), at('K5', '/y', 2)] }, 'NOT_FOUND'],
        [{ action: 'disable', findings: [at(w.ids.K6!, '/x', 1), at('k6', '/y', 2)] }]
      ]
      for (const [input, code] of acts) {
        w.t.clock.advance(1000)
        const { sqlite, pg } = await both(w, 'scan.act', input, (v) => actOnPgLeaks(w.pg.pool, v, ACTOR, w.t.clock.now))
        if (code) expect(sqlite, JSON.stringify(input)).toMatchObject({ code })
        else expect(sqlite, JSON.stringify(input)).toHaveProperty('keys')
        expect(pg, JSON.stringify(input)).toEqual(sqlite)
        await expectSameState(w)
      }
      const reasons = await w.pg.pool.query<{ details: string }>(
        "SELECT details FROM audit_log WHERE action IN ('key.disable', 'key.delete') AND details LIKE '%leaked%' ORDER BY seq"
      )
      expect(reasons.rows.map((r) => JSON.parse(r.details).reason)).toEqual([
        'leaked: /src/a.env:3, /src/c.env:9',
        'leaked: /src/a.env:4',
        'leaked: /src/d/e.json:12',
        'leaked: /x:1'
      ])
    })

    it('two bulk disables on overlapping selections racing a key edit: no deadlock, one entry per changed key, an intact chain', async () => {
      const w = await twin()
      const pool = w.pg.pool
      for (let round = 0; round < 6; round++) {
        const disable = round % 2 === 0
        const action = disable ? 'disable' : 'enable'
        const now = w.t.clock.now + round * 1000
        const results = await race<unknown>(pool, [
          () =>
            bulkPgKeys(pool, validateInput('keys.bulk', { action, filters: { departments: ['Finance'] } }), 'a', now),
          () => bulkPgKeys(pool, validateInput('keys.bulk', { action, filters: { search: 'k' } }), 'b', now),
          () =>
            editPgKey(pool, validateInput('keys.edit', { key: 'K5', changes: { notes: `round ${round}` } }), 'c', now),
          () => bulkPgKeys(pool, validateInput('keys.bulk', { action, keys: ['K8', 'K1', 'beta', 'K5'] }), 'd', now)
        ])
        for (const r of results) if (r.status === 'rejected') throw r.reason
        const answers = results.slice(0, 4).filter((_, i) => i !== 2) as PromiseFulfilledResult<{
          changed: number
          keys: { name: string }[]
        }>[]
        // Every key of the union changed exactly once, by one of the three actions.
        const changed = answers.flatMap((r) => r.value.keys.map((k) => k.name)).sort()
        const union = ['Alpha1', 'beta', 'K1', 'K2', 'K3', 'K4', 'K5', 'K6', 'K7', 'K8']
        const expected = union.filter((n) => !(round === 0 && n === 'K3')) // K3 starts disabled
        expect(changed).toEqual([...expected].sort())
        const entries = await pool.query<{ target_name: string }>(
          'SELECT target_name FROM audit_log WHERE action = $1 AND at = $2 ORDER BY target_name COLLATE "C"',
          [`key.${action}`, now]
        )
        expect(entries.rows.map((r) => r.target_name)).toEqual([...expected].sort())
        const states = await pool.query<{ name: string; disabled: number; notes: string | null }>(
          "SELECT name, disabled, notes FROM api_keys WHERE name <> 'Boss' AND name <> 'Old' ORDER BY name"
        )
        for (const row of states.rows) expect(row.disabled, row.name).toBe(disable ? 1 : 0)
        expect(states.rows.find((r) => r.name === 'K5')!.notes).toBe(`round ${round}`)
      }
      expect(await verifyPgAuditChain(pool)).toMatchObject({ ok: true })
    })
  }
)

describe('scan.run on a PostgreSQL table', () => {
  it("is refused unless the host reads its own files (the CLI): a server never scans the server's files", async () => {
    const pg = { pool: {}, url: 'postgres://nowhere/x', close: async () => {} } as unknown as PgRegistry
    const input = validateInput('scan.run', { paths: [process.cwd()] })
    const onServer = pgOperationTable(pg, Date.now, 'operation')['scan.run'] as (
      v: typeof input,
      ctx: { actor: string }
    ) => unknown
    await expect(outcome(() => onServer(input, { actor: ACTOR }))).resolves.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/not available over HTTP/)
    })
  })
})
