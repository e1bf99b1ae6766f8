import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrateRegistry } from '../../../src/main/core/migrate'
import { openPgRegistry, type PgRegistry } from '../../../src/main/db/pg/open'
import { startPgServer, type RunningPgServer } from '../../../src/main/server/pg-server'
import { POSTGRES_START_TIMEOUT, postgresAvailable, startPostgres, type StartedPostgres } from '../../support/postgres'
import { serverOnTempRegistry, request, type ServerHarness } from './harness'

/**
 * `keyward serve` on a PostgreSQL registry answers verification, health and the admin API as a
 * server on the same registry in a file does (the same status, headers and JSON); what it does not
 * serve yet it refuses by name; lastUsedAt is buffered and written; a database out of reach is a
 * 503 with Retry-After, never a decision about a key.
 */
const reason = postgresAvailable()
const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` })

describe.skipIf(reason)(`keyward serve on PostgreSQL${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let cluster: StartedPostgres
  let file: ServerHarness
  let node: RunningPgServer
  let direct: PgRegistry
  const secrets: Record<string, string> = {}

  beforeAll(async () => {
    cluster = await startPostgres()
    file = await serverOnTempRegistry()
    const r = file.registry
    r.addResource({ model: 'gpt-4o', type: 'PYG' }, 'test')
    secrets.app = r.createKey(
      { name: 'Billing', department: 'Finance', project: 'Invoices', resources: ['gpt-4o:PYG'], appId: 'billing' },
      'test'
    ).secret
    secrets.admin = r.createKey({ name: 'Ops', kind: 'admin' }, 'test').secret
    secrets.doomed = r.createKey({ name: 'Doomed', resources: ['gpt-4o:PYG'] }, 'test').secret
    const url = await cluster.createDatabase()
    const env = cluster.env({ HOME: file.dir })
    await migrateRegistry(file.path, url, { env })
    node = await startPgServer({ url, env, port: 0, clock: () => file.clock.now, log: () => {} })
    direct = await openPgRegistry(url, { env })
  }, POSTGRES_START_TIMEOUT)

  afterAll(async () => {
    await node?.close()
    await direct?.close()
    await file?.stop()
    cluster?.stop()
  })

  const both = async (path: string, init: RequestInit = {}) =>
    [await request(`${file.url}${path}`, init), await request(`${node.url}${path}`, init)] as const

  it('verifies exactly as a server on the file does: status, JSON and the key headers', async () => {
    for (const [path, headers] of [
      ['/v1/keys/verify?model=gpt-4o', { ...bearer(secrets.app!), 'x-app-name': 'billing' }],
      ['/v1/keys/verify?model=gpt-4o', { ...bearer(secrets.app!), 'x-app-name': 'other' }],
      ['/v1/keys/verify?model=o3', bearer(secrets.app!)],
      ['/v1/keys/verify', bearer('kw_not-a-key')],
      ['/v1/keys/verify', {}]
    ] as const) {
      const [there, here] = await both(path, { headers })
      expect(here.status).toBe(there.status)
      expect(here.body).toEqual(there.body)
      for (const h of ['x-keyward-key-id', 'x-keyward-key-name', 'x-keyward-department', 'www-authenticate'])
        expect(here.headers.get(h)).toBe(there.headers.get(h))
    }
  })

  it('answers the admin API for the operations that run on PostgreSQL, with an administrator key only', async () => {
    // A key no test verified: its lastUsedAt is not waiting in either server's buffer.
    const [there, here] = await both('/v1/admin/keys/Doomed', { headers: bearer(secrets.admin!) })
    expect(here.status).toBe(200)
    expect(here.body).toEqual(there.body)
    const refused = await request(`${node.url}/v1/admin/keys/Billing`, {
      headers: { ...bearer(secrets.app!), 'x-app-name': 'billing' }
    })
    expect(refused.status).toBe(403)
    const deleted = await request(`${node.url}/v1/admin/keys/Doomed`, {
      method: 'DELETE',
      headers: bearer(secrets.admin!)
    })
    expect(deleted.status).toBe(200)
    expect(deleted.body.deleted.name).toBe('Doomed')
    const after = await request(`${node.url}/v1/keys/verify?model=gpt-4o`, { headers: bearer(secrets.doomed!) })
    expect(after.body.code).toBe('REVOKED')
    const chain = await request(`${node.url}/v1/admin/audit/verify`, { headers: bearer(secrets.admin!) })
    expect(chain.body).toMatchObject({ ok: true })
    const actor = await direct.pool.query<{ actor: string }>(
      "SELECT actor FROM audit_log WHERE action = 'key.delete' ORDER BY seq DESC LIMIT 1"
    )
    expect(actor.rows[0]!.actor).toBe('admin-key:Ops')
  })

  it('refuses by name what a PostgreSQL node does not serve yet', async () => {
    const usage = await request(`${node.url}/v1/usage`, { method: 'POST', json: {} })
    expect(usage.status).toBe(404)
    expect(usage.body.error.message).toMatch(/need a registry file for now/)
    const report = await request(`${node.url}/v1/admin/usage?start=2026-11-01&end=2026-11-02`, {
      headers: bearer(secrets.admin!)
    })
    expect(report.status).toBe(400)
    expect(report.body.error.message).toMatch(/needs a registry file for now/)
    const health = await request(`${node.url}/v1/health`)
    expect(health.body).toEqual({ status: 'ok', registry: 'postgres' })
  })

  it('writes lastUsedAt from its buffer, never during the verification', async () => {
    const before = await direct.pool.query<{ t: number | null }>(
      "SELECT last_used_at AS t FROM api_keys WHERE name = 'Billing'"
    )
    file.clock.advance(60_000)
    const ok = await request(`${node.url}/v1/keys/verify?model=gpt-4o`, {
      headers: { ...bearer(secrets.app!), 'x-app-name': 'billing' }
    })
    expect(ok.body.code).toBe('VALID')
    const during = await direct.pool.query<{ t: number | null }>(
      "SELECT last_used_at AS t FROM api_keys WHERE name = 'Billing'"
    )
    expect(during.rows[0]!.t).toBe(before.rows[0]!.t)
    await node.close()
    const after = await direct.pool.query<{ t: number | null }>(
      "SELECT last_used_at AS t FROM api_keys WHERE name = 'Billing'"
    )
    expect(after.rows[0]!.t).toBe(file.clock.now)
  })

  it('answers 503 with Retry-After when its database is out of reach, and health says so', async () => {
    const url = await cluster.createDatabase()
    const env = cluster.env({ HOME: file.dir })
    await migrateRegistry(file.path, url, { env }).catch(() => undefined)
    const lonely = await startPgServer({ url, env, port: 0, log: () => {} })
    try {
      cluster.stop()
      const answer = await request(`${lonely.url}/v1/keys/verify?model=gpt-4o`, { headers: bearer(secrets.app!) })
      expect(answer.status).toBe(503)
      expect(answer.headers.get('retry-after')).toBe('1')
      expect(answer.body.error.code).toBe('BUSY')
      expect((await request(`${lonely.url}/v1/health`)).status).toBe(503)
    } finally {
      await lonely.close()
    }
  })
})
