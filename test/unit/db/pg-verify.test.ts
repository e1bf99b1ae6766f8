import { createHash, randomBytes } from 'node:crypto'
import { Client } from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrateRegistry } from '../../../src/main/core/migrate'
import { PgVerifyPath } from '../../../src/main/core/pg/verify'
import { generateSecret, hashSecret } from '../../../src/main/core/secrets'
import type { KeySummary, VerifyHit } from '../../../src/main/core/verify'
import { openPgRegistry, type PgRegistry } from '../../../src/main/db/pg/open'
import { VERIFY_CODES } from '../../../src/shared/types'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { POSTGRES_START_TIMEOUT, postgresAvailable, startPostgres, type StartedPostgres } from '../../support/postgres'

const ACTOR = 'tester'
const START = Date.parse('2026-06-01T12:00:17Z')
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex')

type Answer = { hit: VerifyHit; key: KeySummary | undefined }
/** The resources JSON parsed: the two engines may space it differently, never differ in value. */
const comparable = ({ hit, key }: Answer) => ({ hit, key: key && [...key.slice(0, 5), JSON.parse(key[5])] })

const reason = postgresAvailable()

describe.skipIf(reason)(
  `verification on PostgreSQL${reason ? ` (skipped: ${reason})` : ''}`,
  { timeout: 120_000 },
  () => {
    let server: StartedPostgres
    let t: TempRegistry
    let registry: PgRegistry
    let path: PgVerifyPath
    /** Each secret of the SQLite registry by what it is. */
    const secrets: Record<string, string> = {}
    const foreignSecret = 'sk-legacy-0123456789abcdef'

    beforeAll(async () => {
      server = await startPostgres()
      t = tempRegistry({ start: START })
      const r = t.registry
      r.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 1000 }, ACTOR)
      r.addResource({ model: 'o3', type: 'PYG' }, ACTOR)
      r.addResource({ model: 'legacy', type: 'PYG' }, ACTOR)
      // Byte order (SQLite's BINARY) puts 'Zeta' before 'alpha'; English puts it after.
      r.addResource({ model: 'alpha', type: 'PYG' }, ACTOR)
      r.addResource({ model: 'Zeta', type: 'PYG' }, ACTOR)
      const create = (input: Parameters<typeof r.createKey>[0]) => r.createKey(input, ACTOR).secret
      secrets.active = create({
        name: 'Active',
        resources: ['gpt-4o:TPM', 'o3:PYG', 'alpha:PYG', 'Zeta:PYG'],
        department: 'Finance',
        project: 'Ledger',
        environment: 'production'
      })
      secrets.bare = create({ name: 'Bare' })
      secrets.app = create({ name: 'AppBound', resources: ['o3:PYG'], appId: 'Billing', department: 'Ops' })
      secrets.disabled = create({ name: 'Disabled', resources: ['o3:PYG'] })
      r.disableKey({ key: 'Disabled' }, ACTOR)
      secrets.expiring = create({
        name: 'Expiring',
        resources: ['o3:PYG'],
        expiresAt: new Date(START + 3_600_000).toISOString()
      })
      secrets.admin = create({ name: 'Boss', kind: 'admin', project: 'Ledger' })
      secrets.rotatedOld = create({ name: 'Rotated', resources: ['o3:PYG', 'gpt-4o:TPM'] })
      secrets.rotatedNew = r.rotateKey({ key: 'Rotated', graceSeconds: 600 }, ACTOR).secret
      secrets.gone = create({ name: 'Gone', resources: ['o3:PYG'] })
      r.deleteKey({ key: 'Gone' }, ACTOR)
      secrets.inactive = create({ name: 'OnInactive', resources: ['legacy:PYG', 'o3:PYG'] })
      r.editResource({ resource: 'legacy:PYG', status: 'inactive' }, ACTOR)
      secrets.heavy = create({ name: 'Heavy', resources: ['gpt-4o:TPM'] })
      r.recordUsage({ key: secrets.heavy, model: 'gpt-4o', promptTokens: 900, completionTokens: 600 }, START)
      const imported = r.importKeys(
        { text: `name,sha256,hint,resources\nLegacy,${sha256(foreignSecret)},sk-l…cdef,o3:PYG\n`, format: 'csv' },
        ACTOR
      )
      expect(imported.errors).toEqual([])

      const url = await server.createDatabase({ linguistic: true })
      const env = { PGPASSWORD: server.password, HOME: t.dir }
      await migrateRegistry(t.path, url, { env })
      registry = await openPgRegistry(url, { env, max: 10 })
      path = new PgVerifyPath(registry.pool, () => t.clock.now)
    }, POSTGRES_START_TIMEOUT)

    afterAll(async () => {
      await registry?.close()
      t?.close()
      server?.stop()
    })

    it('answers every (secret, model, app name) exactly as the SQLite verifier does, before and after expiry and grace', async () => {
      const stranger = generateSecret('standard', () => Buffer.alloc(32, 7))
      const typo = secrets.active!.slice(0, 10) + (secrets.active![10] === 'a' ? 'b' : 'a') + secrets.active!.slice(11)
      const inputs: (string | undefined)[] = [
        ...Object.values(secrets),
        foreignSecret,
        stranger,
        'sk-never-imported-123456',
        'KW_looks0like0ours',
        undefined,
        '',
        'hello',
        typo,
        secrets.active!.toUpperCase(),
        `Bearer ${secrets.active}`,
        'kw_' + '0'.repeat(49),
        'has space inside it'
      ]
      const models = [undefined, '', 'gpt-4o', 'o3', 'legacy', 'alpha', 'nope', 'GPT-4O', 'o3\0']
      const apps = [undefined, 'Billing', 'billing']
      const seen = new Set<string>()
      let compared = 0
      // In the usage's minute, in a later minute before expiry and grace end, and after both.
      for (const at of [START, START + 120_000, START + 2 * 3_600_000]) {
        t.clock.now = at
        for (const secret of inputs)
          for (const model of models)
            for (const app of apps) {
              const want = t.registry.verifyAnswer(secret, model, app)
              const have = await path.answer(secret, model, app)
              expect(comparable(have), JSON.stringify({ at, secret: secret?.slice(0, 12), model, app })).toEqual(
                comparable(want)
              )
              seen.add(want.hit.code)
              compared++
            }
      }
      t.clock.now = START
      // The table reaches every code the verifier has, so each rule was compared.
      expect([...seen].sort()).toEqual([...VERIFY_CODES].sort())
      expect(compared).toBe(3 * inputs.length * models.length * apps.length)
      // Resources in SQLite's byte order, whatever the database's collation.
      const active = await path.answer(secrets.active, undefined, undefined)
      expect(JSON.parse(active.key![5]).map((x: { model: string }) => x.model)).toEqual([
        'Zeta',
        'alpha',
        'gpt-4o',
        'o3'
      ])
    })

    it('signs administrators in as the SQLite verifier does', async () => {
      for (const at of [START, START + 2 * 3_600_000]) {
        t.clock.now = at
        for (const secret of [...Object.values(secrets), foreignSecret, 'junk'])
          for (const app of [undefined, 'Billing'])
            expect(await path.adminSignIn(secret, app)).toEqual(t.registry.adminSignIn(secret, app))
      }
      t.clock.now = START
      expect(await path.adminSignIn(secrets.admin!)).toEqual({ ok: true, name: 'Boss' })
    })

    it('refuses malformed secrets without a query', async () => {
      const closed = await openPgRegistry(server.urlWithPassword(registry.url), { max: 1 })
      await closed.close()
      const offline = new PgVerifyPath(closed.pool, () => START)
      for (const s of [undefined, '', 'hello', 'kw_' + '0'.repeat(49), 'KW_looks0like0ours', 'has space inside it'])
        expect(await offline.answer(s)).toEqual({ hit: { code: 'MALFORMED' }, key: undefined })
      // A well-formed secret does need the database: the closed pool shows it was asked.
      await expect(offline.answer(secrets.active)).rejects.toThrow()
    })

    /** A key written by SQL, as another node would: its secret and pk. */
    async function insertKey(name: string, resources: string[] = []): Promise<{ secret: string; pk: number }> {
      const secret = generateSecret('standard', randomBytes)
      const now = START
      const { rows } = await registry.pool.query<{ pk: number }>(
        `INSERT INTO api_keys (id, name, kind, hint, created_by, created_at, updated_at)
         VALUES ($1, $2, 'standard', 'kw_…', $3, $4, $4) RETURNING pk`,
        [`k_${randomBytes(8).toString('hex')}`, name, ACTOR, now]
      )
      const pk = rows[0]!.pk
      await registry.pool.query(
        "INSERT INTO key_secrets (key_pk, secret_hash, hint, created_at) VALUES ($1, $2, 'kw_…', $3)",
        [pk, hashSecret(secret), now]
      )
      for (const ref of resources) {
        const [model, type] = ref.split(':')
        await registry.pool.query(
          'INSERT INTO key_resources (key_pk, resource_id, model) SELECT $1, id, model FROM resources WHERE model = $2 AND type = $3',
          [pk, model, type]
        )
      }
      return { secret, pk }
    }

    /** Deletes a key as the schema expects: its secrets become tombstones, in one transaction on `client`. */
    async function deleteKey(client: Client, pk: number): Promise<void> {
      await client.query('BEGIN')
      await client.query(
        `INSERT INTO key_tombstones (secret_hash, key_id, name, deleted_at, deleted_by)
         SELECT s.secret_hash, k.id, k.name, $2, $3 FROM key_secrets s JOIN api_keys k ON k.pk = s.key_pk WHERE k.pk = $1`,
        [pk, START, ACTOR]
      )
      await client.query('DELETE FROM api_keys WHERE pk = $1', [pk])
      await client.query('COMMIT')
    }

    async function connect(): Promise<Client> {
      const client = new Client({ connectionString: server.urlWithPassword(registry.url) })
      await client.connect()
      return client
    }

    it('refuses a key on the very next call after another connection disables, unassigns, expires or deletes it', async () => {
      t.clock.now = START
      const other = await connect()
      try {
        const { secret, pk } = await insertKey('Revocable', ['o3:PYG', 'alpha:PYG'])
        const code = async (model?: string) => (await path.answer(secret, model)).hit.code
        expect(await code('o3')).toBe('VALID')

        await other.query('UPDATE api_keys SET disabled = 1 WHERE pk = $1', [pk])
        expect(await code('o3')).toBe('DISABLED')
        await other.query('UPDATE api_keys SET disabled = 0 WHERE pk = $1', [pk])
        expect(await code('o3')).toBe('VALID')

        await other.query("DELETE FROM key_resources WHERE key_pk = $1 AND model = 'o3'", [pk])
        expect(await code('o3')).toBe('MODEL_NOT_ASSIGNED')
        expect(await code('alpha')).toBe('VALID')

        await other.query("UPDATE resources SET status = 'inactive' WHERE model = 'alpha'")
        expect(await code('alpha')).toBe('RESOURCE_INACTIVE')
        await other.query("UPDATE resources SET status = 'active' WHERE model = 'alpha'")

        await other.query('UPDATE api_keys SET expires_at = $2 WHERE pk = $1', [pk, START])
        expect(await code()).toBe('EXPIRED')
        await other.query('UPDATE api_keys SET expires_at = NULL WHERE pk = $1', [pk])
        expect(await code()).toBe('VALID')

        await deleteKey(other, pk)
        expect(await path.answer(secret, 'alpha')).toEqual({ hit: { code: 'REVOKED' }, key: undefined })
      } finally {
        await other.end()
      }
    })

    it('8 verify loops at once: no answer that started after the DELETE committed says VALID', async () => {
      t.clock.now = START
      const { secret, pk } = await insertKey('Raced', ['o3:PYG'])
      const LOOPS = 8
      const AFTER = 25
      // One counter orders call starts and the commit's return (one thread: no ties, no clocks).
      let tick = 0
      let committedAt = Number.POSITIVE_INFINITY
      const answers: { loop: number; started: number; code: string }[][] = Array.from({ length: LOOPS }, () => [])
      const waiters: { ready: () => boolean; resolve: () => void }[] = []
      const notify = () => {
        for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i]!.ready()) waiters.splice(i, 1)[0]!.resolve()
      }
      let failed: unknown
      const until = (ready: () => boolean) =>
        new Promise<void>((resolve, reject) => {
          const check = () => (failed !== undefined ? (reject(failed), true) : ready() ? (resolve(), true) : false)
          if (!check()) waiters.push({ ready: check, resolve: () => {} })
        })
      let stop = false
      const loop = async (n: number) => {
        try {
          while (!stop) {
            const started = ++tick
            const { hit } = await path.answer(secret, 'o3')
            answers[n]!.push({ loop: n, started, code: hit.code })
            notify()
            // Let the deleter's I/O in even if answers never waited for any (a cache would not).
            await new Promise((resolve) => setImmediate(resolve))
          }
        } catch (error) {
          failed = error
          stop = true
          notify()
        }
      }
      const runs = Array.from({ length: LOOPS }, (_, n) => loop(n))
      const deleter = await connect()
      try {
        await until(() => answers.every((a) => a.filter((x) => x.code === 'VALID').length >= 5))
        await deleteKey(deleter, pk)
        committedAt = ++tick
        await until(() => answers.every((a) => a.filter((x) => x.started > committedAt).length >= AFTER))
      } finally {
        stop = true
        await Promise.all(runs)
        await deleter.end()
      }
      const all = answers.flat()
      const after = all.filter((x) => x.started > committedAt)
      expect(after.length).toBeGreaterThanOrEqual(LOOPS * AFTER)
      expect(after.filter((x) => x.code !== 'REVOKED')).toEqual([])
      // The loops really were verifying the key before: VALID answers started before the commit.
      expect(all.filter((x) => x.started < committedAt && x.code === 'VALID').length).toBeGreaterThanOrEqual(LOOPS * 5)
    })
  }
)
