import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { InFlightCheck } from '../../../src/main/core/gateway'
import { migrateRegistry } from '../../../src/main/core/migrate'
import { PgGateway } from '../../../src/main/core/pg/gateway'
import { PgVerifyPath } from '../../../src/main/core/pg/verify'
import { generateSecret } from '../../../src/main/core/secrets'
import { openPgRegistry, type PgRegistry } from '../../../src/main/db/pg/open'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { POSTGRES_START_TIMEOUT, postgresAvailable, startPostgres, type StartedPostgres } from '../../support/postgres'

const ACTOR = 'tester'
const START = Date.parse('2026-06-01T12:00:17Z')
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex')

const reason = postgresAvailable()

describe.skipIf(reason)(
  `the gateway's reads on PostgreSQL${reason ? ` (skipped: ${reason})` : ''}`,
  { timeout: 120_000 },
  () => {
    let server: StartedPostgres
    let t: TempRegistry
    let registry: PgRegistry
    let gateway: PgGateway
    const noted: number[] = []
    const secrets: Record<string, string> = {}
    const foreignSecret = 'sk-legacy-0123456789abcdef'

    beforeAll(async () => {
      server = await startPostgres()
      t = tempRegistry({ start: START })
      const r = t.registry
      r.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 1000 }, ACTOR)
      r.addResource(
        {
          model: 'o3',
          type: 'PYG',
          upstreamUrl: 'http://127.0.0.1:9/v1',
          upstreamModel: 'o3-2025-04-16',
          upstreamKeyEnv: 'O3_KEY'
        },
        ACTOR
      )
      r.addResource({ model: 'legacy', type: 'PYG' }, ACTOR)
      r.addResource({ model: 'alpha', type: 'PYG' }, ACTOR)
      r.addResource({ model: 'Zeta', type: 'PYG' }, ACTOR)
      const create = (input: Parameters<typeof r.createKey>[0]) => r.createKey(input, ACTOR).secret
      secrets.active = create({ name: 'Active', resources: ['gpt-4o:TPM', 'o3:PYG', 'alpha:PYG', 'Zeta:PYG'] })
      secrets.bare = create({ name: 'Bare' })
      secrets.app = create({ name: 'AppBound', resources: ['o3:PYG'], appId: 'Billing' })
      secrets.disabled = create({ name: 'Disabled', resources: ['o3:PYG'] })
      r.disableKey({ key: 'Disabled' }, ACTOR)
      secrets.expiring = create({
        name: 'Expiring',
        resources: ['o3:PYG'],
        expiresAt: new Date(START + 3_600_000).toISOString()
      })
      secrets.admin = create({ name: 'Boss', kind: 'admin' })
      secrets.rotatedOld = create({ name: 'Rotated', resources: ['o3:PYG', 'gpt-4o:TPM'] })
      secrets.rotatedNew = r.rotateKey({ key: 'Rotated', graceSeconds: 600 }, ACTOR).secret
      secrets.gone = create({ name: 'Gone', resources: ['o3:PYG'] })
      r.deleteKey({ key: 'Gone' }, ACTOR)
      secrets.inactive = create({ name: 'OnInactive', resources: ['legacy:PYG', 'o3:PYG'] })
      r.editResource({ resource: 'legacy:PYG', status: 'inactive' }, ACTOR)
      const imported = r.importKeys(
        { text: `name,sha256,hint,resources\nLegacy,${sha256(foreignSecret)},sk-l…cdef,o3:PYG\n`, format: 'csv' },
        ACTOR
      )
      expect(imported.errors).toEqual([])

      const url = await server.createDatabase({ linguistic: true })
      const env = { PGPASSWORD: server.password, HOME: t.dir }
      await migrateRegistry(t.path, url, { env })
      registry = await openPgRegistry(url, { env, max: 4 })
      const clock = () => t.clock.now
      gateway = new PgGateway(
        registry.pool,
        clock,
        { note: (pk) => noted.push(pk) },
        new PgVerifyPath(registry.pool, clock)
      )
    }, POSTGRES_START_TIMEOUT)

    afterAll(async () => {
      await registry?.close()
      t?.close()
      server?.stop()
    })

    const inputs = (): (string | undefined)[] => [
      ...Object.values(secrets),
      foreignSecret,
      generateSecret('standard', () => Buffer.alloc(32, 7)),
      'sk-never-imported-123456',
      undefined,
      'hello'
    ]
    const models = ['gpt-4o', 'o3', 'legacy', 'alpha', 'Zeta', 'nope', 'GPT-4O', 'o3\0']
    const apps = [undefined, 'Billing']

    it('decides every (secret, model, app name) as the gateway on a file does, before and after expiry and grace', async () => {
      let compared = 0
      const codes = new Set<string>()
      for (const at of [START, START + 2 * 3_600_000]) {
        t.clock.now = at
        for (const secret of inputs())
          for (const model of models)
            for (const app of apps) {
              const want = t.registry.gatewayDecide(secret, model, app)
              const have = await gateway.gatewayDecide(secret, model, app)
              expect(have, JSON.stringify({ at, secret: secret?.slice(0, 12), model, app })).toEqual(want)
              codes.add(want.ok ? `ok:${want.target.model}` : want.code)
              compared++
            }
      }
      // The comparison covered every kind of answer, not one repeated.
      for (const code of [
        'ok:o3',
        'ok:gpt-4o',
        'MALFORMED',
        'NOT_FOUND',
        'REVOKED',
        'DISABLED',
        'EXPIRED',
        'APP_MISMATCH',
        'MODEL_NOT_ASSIGNED',
        'MODEL_UNKNOWN',
        'RESOURCE_INACTIVE'
      ])
        expect(codes).toContain(code)
      expect(compared).toBeGreaterThan(200)
    })

    it('routes to the upstream with its model and key variable, and notes the key as used only when allowed', async () => {
      t.clock.now = START
      noted.length = 0
      const allowed = await gateway.gatewayDecide(secrets.active, 'o3', undefined)
      expect(allowed).toMatchObject({
        ok: true,
        target: {
          model: 'o3',
          type: 'PYG',
          tpmLimit: null,
          upstreamUrl: 'http://127.0.0.1:9/v1',
          upstreamModel: 'o3-2025-04-16',
          upstreamKeyEnv: 'O3_KEY'
        }
      })
      expect(noted).toHaveLength(1)
      await gateway.gatewayDecide(secrets.disabled, 'o3', undefined)
      await gateway.gatewayDecide(secrets.active, 'nope', undefined)
      expect(noted).toHaveLength(1)
    })

    it('lists the models a key may call as a file does', async () => {
      for (const at of [START, START + 2 * 3_600_000]) {
        t.clock.now = at
        for (const secret of inputs())
          for (const app of apps)
            expect(await gateway.gatewayModels(secret, app)).toEqual(t.registry.gatewayModels(secret, app))
      }
      t.clock.now = START
      const answer = await gateway.gatewayModels(secrets.active, undefined)
      // Byte order, as on a file: 'Zeta' before 'alpha'.
      expect(answer.ok && answer.models.map((m) => m.id)).toEqual(['Zeta', 'alpha', 'gpt-4o', 'o3'])
    })

    it('re-checks requests in flight in one read as a file does, and sees a change made meanwhile', async () => {
      t.clock.now = START
      const checks: InFlightCheck[] = []
      for (const secret of Object.values(secrets))
        for (const model of ['o3', 'gpt-4o', 'legacy', 'nope'])
          for (const appName of apps) checks.push({ secretHash: sha256(secret), model, appName })
      checks.push({ secretHash: sha256(foreignSecret), model: 'o3', appName: undefined })
      checks.push({ secretHash: '00'.repeat(32), model: 'o3', appName: undefined })
      for (const at of [START, START + 2 * 3_600_000]) {
        t.clock.now = at
        expect(await gateway.gatewayLiveness(checks)).toEqual(t.registry.gatewayLiveness(checks))
      }
      t.clock.now = START
      const active: InFlightCheck = { secretHash: sha256(secrets.active!), model: 'o3', appName: undefined }
      expect(await gateway.gatewayLiveness([active])).toEqual([null])
      // Another node disables the key: the next check ends the request.
      await registry.pool.query("UPDATE api_keys SET disabled = 1 WHERE name = 'Active'")
      expect(await gateway.gatewayLiveness([active])).toEqual(['DISABLED'])
      await registry.pool.query("UPDATE api_keys SET disabled = 0 WHERE name = 'Active'")
      await registry.pool.query(
        "DELETE FROM key_resources WHERE model = 'o3' AND key_pk = (SELECT pk FROM api_keys WHERE name = 'Active')"
      )
      expect(await gateway.gatewayLiveness([active])).toEqual(['MODEL_NOT_ASSIGNED'])
      expect(await gateway.gatewayLiveness([])).toEqual([])
    })
  }
)
