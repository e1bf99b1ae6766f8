import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { verifyPgAuditChain } from '../../../src/main/core/pg/audit'
import { listPgAudit, listPgKeys, pgSuggestions } from '../../../src/main/core/pg/lists'
import {
  addPgResource,
  editPgResource,
  getPgPool,
  listPgResources,
  removePgResource,
  setPgPool
} from '../../../src/main/core/pg/resources'
import type { RandomBytes } from '../../../src/main/core/secrets'
import type { PgRegistry } from '../../../src/main/db/pg/open'
import { contract, type Input, type OperationName, type ParsedInput } from '../../../src/shared/contract'
import { KeywardError } from '../../../src/shared/errors'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { postgresAvailable } from '../../support/postgres'
import { postgresTwins } from '../../support/pg-twins'
import { CHAIN_HEAD, raceBehind } from '../../support/pg-race'

const ACTOR = 'tester'
const reason = postgresAvailable()

/** The calls at once, lined up behind a lock on the audit chain's head: each has done its check before any commits. */
const race = <T>(pg: PgRegistry, calls: (() => Promise<T>)[]) => raceBehind(pg.pool, CHAIN_HEAD, calls)

/** The same bytes for the same seed: both engines draw the same new resource ids. */
function seeded(seed: string): RandomBytes {
  let n = 0
  return (size) => {
    const out = Buffer.alloc(size)
    for (let i = 0; i < size; i += 32) createHash('sha256').update(`${seed}:${n++}`).digest().copy(out, i)
    return out
  }
}

function parse<K extends OperationName>(name: K, input: Input<K>): ParsedInput<K> {
  return contract[name].input.parse(input) as ParsedInput<K>
}

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
  `resources and the TPM pool on PostgreSQL answer and record what SQLite does${reason ? ` (skipped: ${reason})` : ''}`,
  { timeout: 120_000 },
  () => {
    const twins = postgresTwins()

    /**
     * A registry built by the core (PYG and TPM resources, one with an upstream, keys holding some,
     * a TPM pool), copied to PostgreSQL by `keyward migrate`. `random` is what the SQLite core
     * draws from: a test swaps in a seeded source to get the same ids on both engines.
     */
    async function twin(options: { pool?: number | null } = {}) {
      const random = { source: randomBytes as RandomBytes }
      const t = tempRegistry({ randomBytes: (n) => random.source(n) })
      const r = t.registry
      for (const model of ['gpt-4o', 'o3', 'Zeta-1', 'alpha-2']) r.addResource({ model, type: 'PYG' }, ACTOR)
      r.addResource({ model: 'claude', type: 'TPM', tpmLimit: 1000 }, ACTOR)
      r.addResource(
        {
          model: 'llama',
          type: 'TPM',
          tpmLimit: 500,
          upstreamUrl: 'https://llm.example.com/v1',
          upstreamModel: 'llama-3',
          upstreamKeyEnv: 'LLAMA_KEY'
        },
        ACTOR
      )
      r.addResource({ model: 'unused', type: 'PYG', status: 'inactive' }, ACTOR)
      r.createKey({ name: 'Alpha1', resources: ['gpt-4o:PYG', 'claude:TPM'] }, ACTOR)
      r.createKey({ name: 'Beta2', resources: ['gpt-4o:PYG'] }, ACTOR)
      if (options.pool !== null) r.setPool({ tpmPool: options.pool ?? 5000 }, ACTOR)
      const pg = await twins.copy(t, 10)
      return { t, pg, random }
    }

    async function expectSameState(t: TempRegistry, pg: PgRegistry): Promise<void> {
      const tables: [sqlite: string, pg: string][] = [
        ['SELECT * FROM resources ORDER BY id', 'SELECT * FROM resources ORDER BY id COLLATE "C"'],
        [
          "SELECT * FROM registry_settings WHERE name = 'tpm_pool'",
          "SELECT * FROM registry_settings WHERE name = 'tpm_pool'"
        ],
        ['SELECT * FROM audit_log ORDER BY seq', 'SELECT * FROM audit_log ORDER BY seq']
      ]
      for (const [onSqlite, onPg] of tables) {
        const want = t.registry.db.prepare(onSqlite).all()
        expect((await pg.pool.query(onPg)).rows, onPg).toEqual(want)
      }
      expect(await verifyPgAuditChain(pg.pool)).toEqual(t.registry.verifyAudit())
      expect((await verifyPgAuditChain(pg.pool)).ok).toBe(true)
    }

    it('lists the same resources, in byte order, with the same key counts and upstreams', async () => {
      const { t, pg } = await twin()
      const want = t.registry.listResources()
      expect(want.items.map((r) => r.model)).toEqual(['Zeta-1', 'alpha-2', 'claude', 'gpt-4o', 'llama', 'o3', 'unused'])
      expect(want.items.find((r) => r.model === 'gpt-4o')!.keyCount).toBe(2)
      expect(await listPgResources(pg.pool)).toEqual(want)
      expect(await getPgPool(pg.pool)).toEqual(t.registry.getPool())
    })

    it('adds, edits and removes as SQLite does: the same answers, refusals, rows and audit entries', async () => {
      const { t, pg, random } = await twin()
      random.source = seeded('steps')
      const pgRandom = seeded('steps')
      const r = t.registry
      const now = () => t.clock.now
      type Step = [string, () => unknown, () => Promise<unknown>]
      const add = (input: Input<'resources.add'>): Step => [
        `add ${JSON.stringify(input)}`,
        () => r.addResource(input, ACTOR),
        () => addPgResource(pg.pool, parse('resources.add', input), ACTOR, now(), pgRandom)
      ]
      const edit = (input: Input<'resources.edit'>): Step => [
        `edit ${JSON.stringify(input)}`,
        () => r.editResource(input, ACTOR),
        () => editPgResource(pg.pool, parse('resources.edit', input), ACTOR, now())
      ]
      const remove = (resource: string): Step => [
        `remove ${resource}`,
        () => r.removeResource({ resource }, ACTOR),
        () => removePgResource(pg.pool, parse('resources.remove', { resource }), ACTOR, now())
      ]
      const pool = (tpmPool: number | null): Step => [
        `pool ${tpmPool}`,
        () => r.setPool({ tpmPool }, ACTOR),
        () => setPgPool(pg.pool, parse('pool.set', { tpmPool }), ACTOR, now())
      ]
      const claudeId = r.resolveResource('claude:TPM').id
      const steps: Step[] = [
        add({ model: 'gpt-4o', type: 'TPM', tpmLimit: 2000 }),
        add({ model: 'gpt-4o', type: 'PYG' }), // CONFLICT
        add({ model: 'big', type: 'TPM', tpmLimit: 1501 }), // over the pool by one
        add({ model: 'fits', type: 'TPM', tpmLimit: 1500 }), // exactly the pool
        add({
          model: 'mistral',
          type: 'PYG',
          status: 'inactive',
          upstreamUrl: 'http://127.0.0.1:9000/v1',
          upstreamModel: 'mistral-small',
          upstreamKeyEnv: 'MISTRAL_KEY'
        }),
        edit({ resource: 'claude:tpm', tpmLimit: 1001 }), // RULE_VIOLATION: the pool is full
        edit({ resource: claudeId, tpmLimit: 400 }),
        edit({ resource: ' claude:TPM ', tpmLimit: 1000 }),
        edit({ resource: 'o3:PYG', tpmLimit: 5 }), // VALIDATION: a PYG takes no limit
        edit({ resource: 'o3:PYG', status: 'active' }), // no change, no entry
        edit({ resource: 'o3:PYG', upstreamModel: 'o3-mini' }), // VALIDATION: no upstream to give a model to
        edit({ resource: 'o3:PYG', upstreamUrl: 'https://api.example.com/v1', upstreamKeyEnv: 'O3_KEY' }),
        edit({ resource: 'o3:PYG', upstreamModel: 'o3-2025' }),
        edit({ resource: 'llama:TPM', upstreamUrl: null }), // removes the upstream with its model and variable
        edit({ resource: 'gpt-4o:PYG', status: 'inactive' }),
        edit({ resource: 'nope:PYG', status: 'inactive' }), // NOT_FOUND
        remove('gpt-4o:PYG'), // CONFLICT: assigned to 2 keys
        remove('claude:TPM'), // CONFLICT: assigned to 1 key
        remove('unused:pyg'),
        remove('unused:PYG'), // NOT_FOUND now
        remove('fits:TPM'),
        pool(3000), // RULE_VIOLATION: 3500 assigned
        pool(5000), // unchanged: no entry
        pool(null),
        add({ model: 'huge', type: 'TPM', tpmLimit: 1_000_000 }), // no pool: fits
        pool(1_003_500),
        pool(1_003_499) // RULE_VIOLATION by one
      ]
      const seen = new Set<string>()
      for (const [what, onSqlite, onPg] of steps) {
        t.clock.advance(1000)
        const want = await outcome(onSqlite)
        const got = await outcome(onPg)
        expect(got, what).toEqual(want)
        if ('refused' in (want as object)) seen.add((want as { refused: { code: string } }).refused.code)
        expect(await getPgPool(pg.pool), what).toEqual(r.getPool())
      }
      expect([...seen].sort()).toEqual(['CONFLICT', 'NOT_FOUND', 'RULE_VIOLATION', 'VALIDATION'])
      expect(await listPgResources(pg.pool)).toEqual(r.listResources())
      await expectSameState(t, pg)
    })

    it('lists audit pages and suggestions as SQLite does: filters, paging, deleted keys, case and byte order', async () => {
      const { t, pg } = await twin()
      const r = t.registry
      // Another history to page through: departments, projects and environments equal ignoring case.
      const people: [string, string, string, string][] = [
        ['Gamma3', 'finance', 'Zeta', 'Prod'],
        ['Delta4', 'Finance ', 'alpha', 'prod'],
        ['Eps5', 'Ops', 'Atlas', 'Dev'],
        ['Zed6', 'ops', 'atlas', 'PROD'],
        ['Old7', 'Étude', 'Zeta', 'dev']
      ]
      for (const [name, department, project, environment] of people) {
        t.clock.advance(1000)
        r.createKey({ name, department, project, environment, resources: ['o3:PYG'] }, ACTOR)
      }
      r.editKey({ key: 'Old7', changes: { name: 'Older7' } }, ACTOR)
      const goneId = r.resolveKey('Older7').id
      r.deleteKey({ key: 'Older7' }, ACTOR)
      r.disableKey({ key: 'Beta2' }, 'someone else')
      // The same state on PostgreSQL: copied after the history, into a fresh database.
      await twins.drop(pg)
      const copy = await twins.copy(t)

      expect(await pgSuggestions(copy.pool)).toEqual(r.suggestions())
      expect(r.suggestions().environments).toEqual(['Dev', 'PROD', 'Prod', 'prod'])
      const queries: Input<'audit.list'>[] = [
        {},
        { limit: 1 },
        { limit: 4, offset: 3 },
        { limit: 1000, offset: 10_000 },
        { action: 'key.create' },
        { action: 'key.create', limit: 2, offset: 1 },
        { action: 'resource.add' },
        { action: 'no.such' },
        { key: 'Alpha1' },
        { key: ' beta2 ' },
        { key: 'BETA2', action: 'key.disable' },
        { key: 'older7' },
        { key: 'Older7', limit: 1 },
        { key: goneId },
        { key: 'Nobody' },
        { key: 'Old7' }
      ]
      let refused = 0
      for (const query of queries) {
        const want = await outcome(() => r.listAudit(query))
        if ('refused' in (want as object)) refused++
        expect(await outcome(() => listPgAudit(copy.pool, parse('audit.list', query))), JSON.stringify(query)).toEqual(
          want
        )
      }
      expect(refused).toBe(2)
      expect(r.listAudit({ key: 'older7' }).items.map((e) => e.action)).toEqual([
        'key.delete',
        'key.edit',
        'key.create'
      ])
    })

    it('lists keys as SQLite does: every filter, every sort both ways, paging, totals; search on ASCII text', async () => {
      const { t } = await twin()
      const r = t.registry
      const HOUR = 3_600_000
      const specs: [string, Partial<Input<'keys.create'>>][] = [
        ['zulu', { department: 'Finance', project: 'Atlas', environment: 'Prod', requestor: 'Ana Lima' }],
        ['Yankee', { department: 'finance', environment: 'prod', notes: 'For the 50% test_run' }],
        ['xray', { department: 'Ops', project: 'Borealis', appId: 'chat-app', expiresAt: '2026-06-03' }],
        ['Whiskey', { project: 'atlas', environment: 'dev', expiresAt: '2026-06-20', requestor: 'ANA' }],
        ['victor', { department: 'Ops', environment: 'PROD', notes: 'rollout' }],
        ['Uniform', { expiresAt: new Date(t.clock.now + HOUR).toISOString(), appId: 'Batch' }],
        ['tango', { department: 'Étude', resources: ['claude:TPM'] }]
      ]
      for (const [name, fields] of specs) {
        t.clock.advance(1000)
        r.createKey({ name, resources: ['o3:PYG'], ...fields }, ACTOR)
      }
      r.disableKey({ key: 'victor' }, ACTOR)
      r.disableKey({ key: 'Beta2' }, ACTOR)
      // Last used: some keys, some equal, some never.
      const used = r.db.prepare('UPDATE api_keys SET last_used_at = ? WHERE name = ?')
      for (const [name, at] of [
        ['zulu', 5000],
        ['xray', 5000],
        ['Whiskey', 9000],
        ['Alpha1', 1000]
      ] as const)
        used.run(t.clock.now - at, name)
      t.clock.advance(2 * HOUR) // Uniform has expired
      const copy = await twins.copy(t)

      const filters: Input<'keys.list'>[] = [
        {},
        { departments: ['FINANCE'] },
        { departments: ['ops', 'finance'] },
        { departments: ['Nowhere'] },
        { projects: ['ATLAS'] },
        { environment: 'prod' },
        { environment: 'Dev', departments: ['Ops'] },
        { status: 'active' },
        { status: 'disabled' },
        { status: 'expired' },
        { resource: 'o3:pyg' },
        { resource: 'claude:TPM', status: 'active' },
        { resource: 'nope:TPM' },
        { expiringWithinDays: 3 },
        { expiringWithinDays: 30, status: 'active' },
        { search: 'ana' },
        { search: 'AN' },
        { search: '50%' },
        { search: '%' },
        { search: '_' },
        { search: 'test_run' },
        { search: 'chat' },
        { search: 'BATCH' },
        { search: 'zz' }
      ]
      let compared = 0
      for (const filter of filters)
        for (const sort of ['name', 'createdAt', 'lastUsedAt', 'expiresAt'] as const)
          for (const desc of [false, true])
            for (const [limit, offset] of [
              [50, 0],
              [2, 1],
              [3, 9]
            ] as const) {
              const query = { ...filter, sort, desc, limit, offset }
              const want = r.listKeys(query)
              const got = await listPgKeys(copy.pool, parse('keys.list', query), t.clock.now)
              expect(got, JSON.stringify(query)).toEqual(want)
              compared += want.items.length
            }
      expect(compared).toBeGreaterThan(500)
      expect(r.listKeys({ search: 'ana' }).total).toBe(2)
      expect(r.listKeys({ status: 'expired' }).items.map((k) => k.name)).toEqual(['Uniform'])
      const byName = await listPgKeys(copy.pool, parse('keys.list', {}), t.clock.now)
      expect(byName.items.map((k) => k.name).slice(0, 3)).toEqual(['Alpha1', 'Beta2', 'tango'])
    })

    function codes<T>(results: PromiseSettledResult<T>[]): string[] {
      return results.map((r) => {
        if (r.status === 'fulfilled') return 'ok'
        if (r.reason instanceof KeywardError) return r.reason.code
        throw r.reason
      })
    }

    async function assignedTpm(pg: PgRegistry): Promise<number> {
      return (await getPgPool(pg.pool)).assigned
    }

    it('eight connections adding TPM resources at once never overshoot the pool: the checks take turns', async () => {
      const { pg } = await twin({ pool: 3000 }) // 1500 assigned: room for three of 500
      const results = await race(
        pg,
        Array.from(
          { length: 8 },
          (_, i) => () =>
            addPgResource(
              pg.pool,
              parse('resources.add', { model: `m${i}`, type: 'TPM', tpmLimit: 500 }),
              `node${i}`,
              Date.now(),
              randomBytes
            )
        )
      )
      const got = codes(results)
      expect(got.filter((c) => c === 'ok')).toHaveLength(3)
      expect(got.filter((c) => c === 'RULE_VIOLATION')).toHaveLength(5)
      expect(await getPgPool(pg.pool)).toEqual({ tpmPool: 3000, assigned: 3000, remaining: 0 })
      const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason as KeywardError
      expect(refused.fields).toEqual({ tpmLimit: 'Only 0 TPM remain in the pool.' })
      expect((await verifyPgAuditChain(pg.pool)).ok).toBe(true)
    })

    it('eight connections raising limits and setting the pool at once: the pool holds what is assigned', async () => {
      const { pg } = await twin({ pool: 3000 })
      // claude 1000 + llama 500 = 1500 assigned; each raise asks 700 more.
      for (let i = 0; i < 4; i++)
        await addPgResource(
          pg.pool,
          parse('resources.add', { model: `r${i}`, type: 'TPM', tpmLimit: 100 }),
          ACTOR,
          Date.now(),
          randomBytes
        )
      const before = await assignedTpm(pg)
      expect(before).toBe(1900)
      const calls: (() => Promise<unknown>)[] = [
        ...Array.from(
          { length: 4 },
          (_, i) => () =>
            editPgResource(
              pg.pool,
              parse('resources.edit', { resource: `r${i}:TPM`, tpmLimit: 800 }),
              `n${i}`,
              Date.now()
            )
        ),
        // Pools that fit what is assigned now, but not after two raises.
        ...[2000, 2100, 2200, 2300].map(
          (tpmPool, i) => () => setPgPool(pg.pool, parse('pool.set', { tpmPool }), `p${i}`, Date.now())
        )
      ]
      const results = await race(pg, calls)
      expect(codes(results).every((c) => c === 'ok' || c === 'RULE_VIOLATION')).toBe(true)
      const state = await getPgPool(pg.pool)
      expect(state.assigned).toBeLessThanOrEqual(state.tpmPool!)
      const raised = codes(results.slice(0, 4)).filter((c) => c === 'ok').length
      expect(state.assigned).toBe(before + raised * 700)
      const entries = await pg.pool.query<{ action: string }>(
        "SELECT action FROM audit_log WHERE action IN ('resource.edit', 'pool.set') AND actor ~ '^[np][0-9]$'"
      )
      expect(entries.rows).toHaveLength(codes(results).filter((c) => c === 'ok').length)
      expect((await verifyPgAuditChain(pg.pool)).ok).toBe(true)
    })

    it('eight connections adding the same MODEL:TYPE at once: one adds it, seven get the CONFLICT SQLite gives', async () => {
      const { t, pg } = await twin()
      const want = await outcome(() => t.registry.addResource({ model: 'gpt-4o', type: 'PYG' }, ACTOR))
      const results = await race(
        pg,
        Array.from(
          { length: 8 },
          (_, i) => () =>
            addPgResource(
              pg.pool,
              parse('resources.add', { model: 'new-model', type: 'PYG' }),
              `n${i}`,
              Date.now(),
              randomBytes
            )
        )
      )
      expect(codes(results).sort()).toEqual([...Array<string>(7).fill('CONFLICT'), 'ok'].sort())
      const conflict = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as KeywardError
      const shape = (want as { refused: { message: string; fields: Record<string, string> } }).refused
      expect(conflict.toPayload()).toEqual({
        ...shape,
        message: shape.message.replace('gpt-4o', 'new-model'),
        fields: { model: shape.fields.model!.replace('gpt-4o', 'new-model') }
      })
      const rows = await pg.pool.query("SELECT count(*)::int AS n FROM resources WHERE model = 'new-model'")
      expect(rows.rows[0].n).toBe(1)
      expect((await verifyPgAuditChain(pg.pool)).ok).toBe(true)
    })
  }
)
