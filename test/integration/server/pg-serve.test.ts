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

  const both = async (path: string, init: RequestInit & { json?: unknown } = {}) =>
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

  it('records a gateway’s usage report and answers the usage report as a server on the file does', async () => {
    const post = (json: unknown, headers: Record<string, string> = {}) =>
      both('/v1/usage', { method: 'POST', json, headers })
    const reports: [unknown, Record<string, string>][] = [
      [{}, {}],
      [{ key: secrets.app, model: 'gpt-4o', promptTokens: 120, completionTokens: 30 }, { 'x-app-name': 'billing' }],
      [
        { model: 'gpt-4o', promptTokens: 5, completionTokens: 1 },
        { ...bearer(secrets.app!), 'x-app-name': 'billing' }
      ],
      [{ key: secrets.app, model: 'gpt-4o', promptTokens: 5, completionTokens: 1 }, { 'x-app-name': 'other' }],
      [{ key: secrets.app, model: 'o3', promptTokens: 5, completionTokens: 1 }, { 'x-app-name': 'billing' }],
      [{ key: secrets.app, model: 'gpt-4o', promptTokens: -1, completionTokens: 1 }, { 'x-app-name': 'billing' }],
      [{ key: 'kw_not-a-key', model: 'gpt-4o', promptTokens: 1, completionTokens: 1 }, {}]
    ]
    const statuses: number[] = []
    for (const [json, headers] of reports) {
      const [there, here] = await post(json, headers)
      expect(here.status, JSON.stringify(json)).toBe(there.status)
      expect(here.body).toEqual(there.body)
      statuses.push(here.status)
    }
    expect(statuses).toEqual([400, 200, 200, 403, 403, 400, 401])
    const day = new Date(file.clock.now).toISOString().slice(0, 10)
    const [there, here] = await both(`/v1/admin/usage?start=${day}&end=${day}`, { headers: bearer(secrets.admin!) })
    expect(here.status).toBe(200)
    expect(here.body).toEqual(there.body)
    expect(here.body.items).toHaveLength(1)
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
    const lonely = await startPgServer({ url, env, port: 0, gateway: true, log: () => {} })
    try {
      cluster.stop()
      const answer = await request(`${lonely.url}/v1/keys/verify?model=gpt-4o`, { headers: bearer(secrets.app!) })
      expect(answer.status).toBe(503)
      expect(answer.headers.get('retry-after')).toBe('1')
      expect(answer.body.error.code).toBe('BUSY')
      expect((await request(`${lonely.url}/v1/health`)).status).toBe(503)
      // The gateway too: 503 in OpenAI's shape (an SDK retries it), never a decision about the key.
      const chat = await request(`${lonely.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...bearer(secrets.app!), 'x-app-name': 'billing' },
        json: { model: 'gpt-4o', messages: [] }
      })
      expect(chat.status).toBe(503)
      expect(chat.headers.get('retry-after')).toBe('1')
      expect(chat.body.error).toMatchObject({ code: 'registry_unavailable', type: 'server_error' })
    } finally {
      await lonely.close()
    }
  })
})
