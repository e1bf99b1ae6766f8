import { createHash, randomBytes as nodeRandomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { Input, OperationName, ParsedInput } from '../../../src/shared/contract'
import { verifyPgAuditChain } from '../../../src/main/core/pg/audit'
import {
  assignPgResources,
  createPgKey,
  editPgKey,
  rotatePgKey,
  setPgResources,
  unassignPgResources
} from '../../../src/main/core/pg/keys-write'
import type { RandomBytes } from '../../../src/main/core/secrets'
import { hashSecret } from '../../../src/main/core/secrets'
import { validateInput } from '../../../src/main/core/validate'
import type { PgRegistry } from '../../../src/main/db/pg/open'
import { KeywardError } from '../../../src/shared/errors'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { postgresAvailable } from '../../support/postgres'
import { postgresTwins } from '../../support/pg-twins'
import { raceBehind } from '../../support/pg-race'

const ACTOR = 'tester'
const HOUR = 3_600_000
const reason = postgresAvailable()

/** The calls at once, lined up behind another connection holding the lock `hold` takes. */
const race = <T>(pg: PgRegistry, hold: string, calls: (() => Promise<T>)[]) =>
  raceBehind(pg.pool, { text: hold }, calls)

/** The same bytes for the same seed: both engines draw their secrets and ids from one of these each. */
function seeded(seed: string): RandomBytes {
  let counter = 0
  return (size) => {
    const out = Buffer.alloc(size)
    for (let at = 0; at < size;) at += createHash('sha256').update(`${seed}:${counter++}`).digest().copy(out, at)
    return out
  }
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
  `key writes on PostgreSQL answer and record what SQLite does${reason ? ` (skipped: ${reason})` : ''}`,
  { timeout: 120_000 },
  () => {
    const twins = postgresTwins()

    interface Twin {
      t: TempRegistry
      pg: PgRegistry
      /** Both engines' random sources restart from this seed: the same secrets and ids on both. */
      reseed(seed: string): RandomBytes
      /** The same call on both engines: SQLite through the Registry, PostgreSQL with the parsed input. */
      both<K extends OperationName>(
        name: K,
        input: Input<K>,
        onSqlite: (input: Input<K>) => unknown,
        onPg: (parsed: ParsedInput<K>, random: RandomBytes) => Promise<unknown>
      ): Promise<{ sqlite: unknown; pg: unknown }>
    }

    /**
     * A registry built by the core (resources TPM and PYG with models that sort differently by
     * bytes and by language, a department and project, a key with every field, an admin key, eight
     * plain keys), copied to PostgreSQL by `keyward migrate`.
     */
    async function twin(): Promise<Twin> {
      const source = { next: nodeRandomBytes as RandomBytes }
      const t = tempRegistry({ randomBytes: (n) => source.next(n) })
      const r = t.registry
      for (const model of ['gpt-4o', 'o3', 'Zeta-1', 'alpha-2']) r.addResource({ model, type: 'PYG' }, ACTOR)
      r.addResource({ model: 'claude', type: 'TPM', tpmLimit: 1000 }, ACTOR)
      r.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 2000 }, ACTOR)
      r.setPool({ tpmPool: 3000 }, ACTOR)
      r.createKey(
        {
          name: 'Alpha1',
          resources: ['gpt-4o:PYG', 'claude:TPM'],
          department: 'Finance',
          project: 'Atlas',
          notifyEmail: 'owner@example.com',
          expiresAt: '2027-01-31'
        },
        ACTOR
      )
      r.rotateKey({ key: 'Alpha1', graceSeconds: 3600 }, ACTOR)
      r.createKey({ name: 'Boss', kind: 'admin' }, ACTOR)
      for (let i = 1; i <= 8; i++) r.createKey({ name: `K${i}`, resources: ['o3:PYG'] }, ACTOR)
      t.clock.advance(HOUR)
      // Eight connections for racing calls, one to hold a lock while they line up.
      const pg = await twins.copy(t, 9)
      let pgRandom: RandomBytes = nodeRandomBytes
      return {
        t,
        pg,
        reseed(seed) {
          source.next = seeded(seed)
          pgRandom = seeded(seed)
          return pgRandom
        },
        async both(name, input, onSqlite, onPg) {
          let sqlite: unknown
          try {
            sqlite = onSqlite(input)
          } catch (error) {
            if (!(error instanceof KeywardError)) throw error
            sqlite = { ...error.toPayload(), isKeywardError: true }
          }
          let onPostgres: unknown
          try {
            // As dispatch does before the PostgreSQL table's function runs.
            onPostgres = await onPg(validateInput(name, input), pgRandom)
          } catch (error) {
            if (!(error instanceof KeywardError)) throw error
            onPostgres = { ...error.toPayload(), isKeywardError: true }
          }
          return { sqlite, pg: onPostgres }
        }
      }
    }

    /** What both engines must hold alike after the same changes: every table the key writes touch, the audit log. */
    async function expectSameState({ t, pg }: Twin): Promise<void> {
      // Text ordered as bytes on PostgreSQL too: the test database's default collation is linguistic.
      const tables: [sqlite: string, pg: string][] = [
        ['SELECT * FROM api_keys ORDER BY pk', 'SELECT * FROM api_keys ORDER BY pk'],
        ['SELECT * FROM key_secrets ORDER BY id', 'SELECT * FROM key_secrets ORDER BY id'],
        [
          'SELECT * FROM key_resources ORDER BY key_pk, resource_id',
          'SELECT * FROM key_resources ORDER BY key_pk, resource_id COLLATE "C"'
        ],
        ['SELECT * FROM departments ORDER BY id', 'SELECT * FROM departments ORDER BY id'],
        ['SELECT * FROM projects ORDER BY id', 'SELECT * FROM projects ORDER BY id'],
        ['SELECT * FROM outbox ORDER BY id', 'SELECT * FROM outbox ORDER BY id'],
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

    const HOLD_CHAIN = 'SELECT seq FROM audit_head WHERE one FOR UPDATE'

    const create = (w: Twin, input: Input<'keys.create'>) =>
      w.both(
        'keys.create',
        input,
        (i) => w.t.registry.createKey(i, ACTOR),
        (v, random) => createPgKey(w.pg.pool, v, ACTOR, w.t.clock.now, random)
      )

    it('creates keys as SQLite does: same secret, id, document, rows, department, outbox alert and audit entry', async () => {
      const w = await twin()
      const resourceId = w.t.registry.listResources().items.find((r) => r.model === 'Zeta-1')!.id
      const inputs: Input<'keys.create'>[] = [
        {
          name: 'Full',
          resources: ['gpt-4o:tpm', resourceId, ' alpha-2:PYG ', 'gpt-4o:TPM'],
          department: 'finance',
          project: 'Nova',
          environment: 'prod',
          requestor: 'Aisha Haddad',
          appId: 'nova-chat',
          justification: 'Launch',
          notes: 'all fields',
          notifyEmail: 'team@example.com',
          expiresAt: '2027-03-31'
        },
        { name: 'Bare' },
        { name: 'Admin2', kind: 'admin', department: 'Ops', notifyEmail: 'sec@example.com' },
        {
          name: 'Later',
          resources: ['o3:PYG'],
          department: 'OPS',
          expiresAt: new Date(w.t.clock.now + HOUR).toISOString()
        }
      ]
      for (const [i, input] of inputs.entries()) {
        w.reseed(`create-${i}`)
        w.t.clock.advance(1000)
        const { sqlite, pg } = await create(w, input)
        expect(pg, input.name).toEqual(sqlite)
        expect((pg as { secret: string }).secret).toMatch(/^kwa?_[0-9A-Za-z]{49}$/)
      }
      // The secret itself is nowhere in the database: only its hash.
      const full = (await w.pg.pool.query("SELECT pk FROM api_keys WHERE name = 'Full'")).rows[0].pk
      const secrets = await w.pg.pool.query('SELECT secret_hash FROM key_secrets WHERE key_pk = $1', [full])
      expect(secrets.rows).toHaveLength(1)
      const key = w.t.registry.getKey({ key: 'Full' }).key
      expect(key.resources.map((r) => `${r.model}:${r.type}`)).toEqual(['Zeta-1:PYG', 'alpha-2:PYG', 'gpt-4o:TPM'])
      expect(key.department).toBe('Finance')
      const outbox = await w.pg.pool.query("SELECT recipient FROM outbox WHERE kind = 'key.created' ORDER BY id")
      expect(outbox.rows.map((r) => r.recipient)).toEqual(['owner@example.com', 'team@example.com', 'sec@example.com'])
      await expectSameState(w)
    })

    it('refuses a taken name, resources on an admin key, an unknown resource, both types of a model and a past expiry alike, changing nothing', async () => {
      const w = await twin()
      const refused: [Input<'keys.create'>, string][] = [
        [{ name: 'alpha1' }, 'CONFLICT'],
        [{ name: 'K1', kind: 'admin', resources: ['o3:PYG'] }, 'CONFLICT'],
        [{ name: 'Root', kind: 'admin', resources: ['o3:PYG'] }, 'RULE_VIOLATION'],
        [{ name: 'Ghost', resources: ['o3:PYG', 'nothing:TPM'] }, 'NOT_FOUND'],
        [{ name: 'Twice', resources: ['gpt-4o:TPM', 'gpt-4o:PYG'] }, 'RULE_VIOLATION'],
        [{ name: 'Past', department: 'NewDept', expiresAt: '2020-01-01' }, 'VALIDATION'],
        [{ name: 'Bad name!' }, 'VALIDATION']
      ]
      for (const [input, code] of refused) {
        w.reseed('refused')
        const { sqlite, pg } = await create(w, input)
        expect(sqlite, input.name).toMatchObject({ code })
        expect(pg, input.name).toEqual(sqlite)
      }
      expect(await create(w, { name: 'alpha1' })).toMatchObject({
        pg: { fields: { name: '"Alpha1" is taken.' } }
      })
      await expectSameState(w)
    })

    it('rotates as SQLite does: the same new secret and hint, earlier secrets retiring after the grace (or sooner), NOT_FOUND alike', async () => {
      const w = await twin()
      const rotate = (input: Input<'keys.rotate'>) =>
        w.both(
          'keys.rotate',
          input,
          (i) => w.t.registry.rotateKey(i, ACTOR),
          (v, random) => rotatePgKey(w.pg.pool, v, ACTOR, w.t.clock.now, random)
        )
      const steps: Input<'keys.rotate'>[] = [
        { key: 'ALPHA1', graceSeconds: 7200 },
        { key: 'alpha1', graceSeconds: 0 },
        { key: 'K3' },
        { key: 'boss', graceSeconds: 60 },
        { key: 'Nobody', graceSeconds: 60 }
      ]
      for (const [i, input] of steps.entries()) {
        w.reseed(`rotate-${i}`)
        w.t.clock.advance(1000)
        const { sqlite, pg } = await rotate(input)
        if (input.key === 'Nobody') expect(sqlite).toMatchObject({ code: 'NOT_FOUND' })
        else expect(sqlite).toHaveProperty('secret')
        expect(pg, input.key).toEqual(sqlite)
      }
      const alpha = (await w.pg.pool.query("SELECT pk FROM api_keys WHERE name = 'Alpha1'")).rows[0].pk
      const retiring = await w.pg.pool.query('SELECT retires_at FROM key_secrets WHERE key_pk = $1 ORDER BY id', [
        alpha
      ])
      // The secret of the twin's rotation ended at its hour, already before; the next two at the second rotation.
      expect(retiring.rows.map((r) => r.retires_at === null)).toEqual([false, false, false, true])
      await expectSameState(w)
    })

    it('assigns, unassigns and sets resources as SQLite does, with the same refusals and no entry for no change', async () => {
      const w = await twin()
      const assign = (input: Input<'keys.assign'>) =>
        w.both(
          'keys.assign',
          input,
          (i) => w.t.registry.assignResources(i, ACTOR),
          (v) => assignPgResources(w.pg.pool, v, ACTOR, w.t.clock.now)
        )
      const unassign = (input: Input<'keys.unassign'>) =>
        w.both(
          'keys.unassign',
          input,
          (i) => w.t.registry.unassignResources(i, ACTOR),
          (v) => unassignPgResources(w.pg.pool, v, ACTOR, w.t.clock.now)
        )
      const set = (input: Input<'keys.setResources'>) =>
        w.both(
          'keys.setResources',
          input,
          (i) => w.t.registry.setResources(i, ACTOR),
          (v) => setPgResources(w.pg.pool, v, ACTOR, w.t.clock.now)
        )
      const steps: [string, () => Promise<{ sqlite: unknown; pg: unknown }>, string?][] = [
        ['assign two', () => assign({ key: 'k1', resources: ['Zeta-1:PYG', 'alpha-2:pyg'] })],
        ['assign again', () => assign({ key: 'K1', resources: ['alpha-2:PYG'] })],
        ['assign other type', () => assign({ key: 'K1', resources: ['o3:PYG', 'gpt-4o:TPM'] })],
        ['assign both types', () => assign({ key: 'Alpha1', resources: ['gpt-4o:TPM'] }), 'RULE_VIOLATION'],
        ['assign to admin', () => assign({ key: 'Boss', resources: ['o3:PYG'] }), 'RULE_VIOLATION'],
        ['assign unknown', () => assign({ key: 'K2', resources: ['o3:PYG', 'nope:PYG'] }), 'NOT_FOUND'],
        ['assign to nobody', () => assign({ key: 'Nobody', resources: ['o3:PYG'] }), 'NOT_FOUND'],
        ['unassign', () => unassign({ key: 'K1', resources: ['Zeta-1:PYG', 'claude:TPM'] })],
        ['unassign unknown', () => unassign({ key: 'K1', resources: ['nope:TPM'] }), 'NOT_FOUND'],
        ['unassign none held', () => unassign({ key: 'K2', resources: ['claude:TPM'] })],
        ['set', () => set({ key: 'Alpha1', resources: ['gpt-4o:TPM', 'claude:TPM', 'o3:PYG'] })],
        ['set same', () => set({ key: 'Alpha1', resources: ['o3:PYG', 'claude:TPM', 'gpt-4o:TPM'] })],
        ['set both types', () => set({ key: 'K3', resources: ['gpt-4o:TPM', 'gpt-4o:PYG'] }), 'RULE_VIOLATION'],
        ['set none', () => set({ key: 'K4', resources: [] })],
        ['set none on admin', () => set({ key: 'Boss', resources: [] })]
      ]
      const before = w.t.registry.listAudit({ limit: 1 }).total
      for (const [what, step, code] of steps) {
        w.t.clock.advance(1000)
        const { sqlite, pg } = await step()
        if (code) expect(sqlite, what).toMatchObject({ code })
        else expect(sqlite, what).toHaveProperty('key')
        expect(pg, what).toEqual(sqlite)
      }
      // Five changes wrote entries; the no-ops and refusals none.
      expect(w.t.registry.listAudit({ limit: 1 }).total).toBe(before + 5)
      await expectSameState(w)
    })

    it('edits as SQLite does: rename, a taken name refused, a new department on first use, cleared fields, a new expiry, no-op without entry', async () => {
      const w = await twin()
      const edit = (input: Input<'keys.edit'>) =>
        w.both(
          'keys.edit',
          input,
          (i) => w.t.registry.editKey(i, ACTOR),
          (v) => editPgKey(w.pg.pool, v, ACTOR, w.t.clock.now)
        )
      const steps: [Input<'keys.edit'>, string?][] = [
        [{ key: 'k1', changes: { name: 'First', department: 'Research', project: 'atlas', notes: 'renamed' } }],
        [{ key: 'K2', changes: { name: 'FIRST' } }, 'CONFLICT'],
        [{ key: 'K2', changes: { name: 'k2', environment: 'dev' } }],
        [{ key: 'Alpha1', changes: { department: null, notifyEmail: null, expiresAt: '2028-01-01' } }],
        [{ key: 'Alpha1', changes: { expiresAt: '2020-01-01' } }, 'VALIDATION'],
        [{ key: 'Alpha1', changes: { notes: null } }],
        [{ key: 'Nobody', changes: { notes: 'x' } }, 'NOT_FOUND']
      ]
      for (const [input, code] of steps) {
        w.t.clock.advance(1000)
        const { sqlite, pg } = await edit(input)
        if (code) expect(sqlite, JSON.stringify(input)).toMatchObject({ code })
        expect(pg, JSON.stringify(input)).toEqual(sqlite)
      }
      await expectSameState(w)
    })

    it('eight connections creating eight keys at once, all naming a new department: eight keys, one department, eight entries, one chain', async () => {
      const w = await twin()
      const head = (await w.pg.pool.query('SELECT seq FROM audit_head')).rows[0].seq as number
      const names = Array.from({ length: 8 }, (_, i) => `Node${i}`)
      const results = await race(
        w.pg,
        HOLD_CHAIN,
        names.map(
          (name, i) => () =>
            createPgKey(
              w.pg.pool,
              validateInput('keys.create', { name, department: i % 2 ? 'SRE' : 'sre', resources: ['o3:PYG'] }),
              `node${i}`,
              w.t.clock.now
            )
        )
      )
      const created = results.map((r) => {
        if (r.status === 'rejected') throw r.reason
        return r.value
      })
      expect(created.map((c) => c.key.name)).toEqual(names)
      expect(new Set(created.map((c) => c.key.department)).size).toBe(1)
      const departments = await w.pg.pool.query("SELECT name FROM departments WHERE keyward_nocase(name) = 'sre'")
      expect(departments.rows).toHaveLength(1)
      // Each secret verifies by its hash against its own key.
      for (const c of created) {
        const owner = await w.pg.pool.query(
          'SELECT k.id FROM key_secrets s JOIN api_keys k ON k.pk = s.key_pk WHERE s.secret_hash = $1',
          [hashSecret(c.secret)]
        )
        expect(owner.rows).toEqual([{ id: c.key.id }])
      }
      const entries = await w.pg.pool.query<{ action: string; target_name: string }>(
        'SELECT action, target_name FROM audit_log WHERE seq > $1 ORDER BY seq',
        [head]
      )
      expect(entries.rows.map((e) => e.action)).toEqual(names.map(() => 'key.create'))
      expect(entries.rows.map((e) => e.target_name).sort()).toEqual(names)
      expect(await verifyPgAuditChain(w.pg.pool)).toEqual({ ok: true, entries: head + 8 })
    })

    it('eight connections creating one name at once (any case): one key, seven CONFLICTs as SQLite words them, one entry', async () => {
      const w = await twin()
      const head = (await w.pg.pool.query('SELECT seq FROM audit_head')).rows[0].seq as number
      const spellings = ['Racer', 'racer', 'RACER', 'rAcEr', 'Racer', 'racer', 'RACER', 'RaCeR']
      const results = await race(
        w.pg,
        HOLD_CHAIN,
        spellings.map(
          (name, i) => () =>
            createPgKey(w.pg.pool, validateInput('keys.create', { name, department: 'Pit' }), `node${i}`, w.t.clock.now)
        )
      )
      const won = results.filter((r) => r.status === 'fulfilled')
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      expect(won).toHaveLength(1)
      expect(lost).toHaveLength(7)
      const winner = won[0]!.value.key.name
      // What SQLite answers the same name, once the winner exists there.
      w.t.registry.createKey({ name: winner }, ACTOR)
      for (const r of lost) {
        const want = await refusal(() => w.t.registry.createKey({ name: 'RACER' }, ACTOR))
        expect(want).toMatchObject({ code: 'CONFLICT', fields: { name: `"${winner}" is taken.` } })
        expect(await refusal(() => Promise.reject(r.reason))).toEqual(want)
      }
      expect(
        (await w.pg.pool.query("SELECT count(*)::int AS n FROM api_keys WHERE keyward_nocase(name) = 'racer'")).rows[0]
          .n
      ).toBe(1)
      expect((await w.pg.pool.query("SELECT count(*)::int AS n FROM departments WHERE name = 'Pit'")).rows[0].n).toBe(1)
      const entries = await w.pg.pool.query('SELECT action, target_name FROM audit_log WHERE seq > $1', [head])
      expect(entries.rows).toEqual([{ action: 'key.create', target_name: winner }])
      expect(await verifyPgAuditChain(w.pg.pool)).toEqual({ ok: true, entries: head + 1 })
    })

    it('eight connections changing one key at once: they take turns on its row; of two types of one model only the first lands', async () => {
      const w = await twin()
      const head = (await w.pg.pool.query('SELECT seq FROM audit_head')).rows[0].seq as number
      const holdK5 = "SELECT pk FROM api_keys WHERE name = 'K5' FOR UPDATE"
      const refs = ['Zeta-1:PYG', 'alpha-2:PYG', 'claude:TPM', 'gpt-4o:PYG', 'gpt-4o:TPM', 'Zeta-1:PYG']
      const results = await race(w.pg, holdK5, [
        ...refs.map(
          (ref, i) => () =>
            assignPgResources(
              w.pg.pool,
              validateInput('keys.assign', { key: 'k5', resources: [ref] }),
              `node${i}`,
              w.t.clock.now
            )
        ),
        () =>
          rotatePgKey(w.pg.pool, validateInput('keys.rotate', { key: 'K5', graceSeconds: 60 }), 'node6', w.t.clock.now),
        () =>
          editPgKey(
            w.pg.pool,
            validateInput('keys.edit', { key: 'K5', changes: { notes: 'raced' } }),
            'node7',
            w.t.clock.now
          )
      ])
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      // gpt-4o went in under one type first; the other type is refused with the core's words.
      expect(refused).toHaveLength(1)
      expect(refused[0]!.reason).toBeInstanceOf(KeywardError)
      expect(refused[0]!.reason).toMatchObject({ code: 'RULE_VIOLATION' })
      expect((refused[0]!.reason as KeywardError).message).toMatch(/^Key K5 cannot hold gpt-4o under both/)
      const key = (await w.pg.pool.query("SELECT pk, notes FROM api_keys WHERE name = 'K5'")).rows[0]
      expect(key.notes).toBe('raced')
      const models = await w.pg.pool.query(
        'SELECT model FROM key_resources WHERE key_pk = $1 ORDER BY model COLLATE "C"',
        [key.pk]
      )
      expect(models.rows.map((r) => r.model)).toEqual(['Zeta-1', 'alpha-2', 'claude', 'gpt-4o', 'o3'])
      const entries = await w.pg.pool.query<{ action: string }>(
        'SELECT action FROM audit_log WHERE seq > $1 ORDER BY seq',
        [head]
      )
      // Four assignments changed something (the repeated Zeta-1 did not), one rotation, one edit.
      expect(entries.rows.map((e) => e.action).sort()).toEqual([
        'key.assign',
        'key.assign',
        'key.assign',
        'key.assign',
        'key.edit',
        'key.rotate'
      ])
      expect(await verifyPgAuditChain(w.pg.pool)).toEqual({ ok: true, entries: head + 6 })
    })
  }
)
