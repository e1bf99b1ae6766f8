import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { generateSecret } from '../../../src/main/core/secrets'
import { AuthThrottle } from '../../../src/main/server/throttle'
import { admin, request, serverOnTempRegistry, type ServerHarness } from './harness'

let h: ServerHarness
let adminSecret: string
let standardSecret: string
const ACTOR = 'test'

async function setUp(options: Parameters<typeof serverOnTempRegistry>[0] = {}) {
  h = await serverOnTempRegistry(options)
  h.registry.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 1000 }, ACTOR)
  h.registry.addResource({ model: 'llama-3', type: 'PYG' }, ACTOR)
  adminSecret = h.registry.createKey({ name: 'Ops', kind: 'admin' }, ACTOR).secret
  standardSecret = h.registry.createKey(
    { name: 'Gateway1', resources: ['gpt-4o:TPM'], department: 'Research' },
    ACTOR
  ).secret
}
afterEach(async () => {
  await h.stop()
})

describe('admin authentication', () => {
  beforeEach(() => setUp())

  it('no key 401, standard key 403, wrong, malformed, deleted, disabled or expired admin key 401, admin key 200', async () => {
    const noKey = await admin(h.url, undefined, 'GET', '/keys')
    expect(noKey.status).toBe(401)
    expect(noKey.body.error).toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringMatching(/Authorization: Bearer kwa_/)
    })
    expect(noKey.headers.get('www-authenticate')).toMatch(/^Bearer/)

    const basic = await request(`${h.url}/v1/admin/keys`, {
      headers: { authorization: `Basic ${Buffer.from(`x:${adminSecret}`).toString('base64')}` }
    })
    expect(basic.status).toBe(401)

    const standard = await admin(h.url, standardSecret, 'GET', '/keys')
    expect(standard.status).toBe(403)
    expect(standard.body.error.code).toBe('FORBIDDEN')

    expect((await admin(h.url, generateSecret('admin', randomBytes), 'GET', '/keys')).status).toBe(401)
    expect((await admin(h.url, 'kwa_not-a-key', 'GET', '/keys')).status).toBe(401)

    const ok = await admin(h.url, adminSecret, 'GET', '/keys')
    expect(ok.status).toBe(200)
    expect(ok.body.total).toBe(2)

    const tempSecret = h.registry.createKey(
      { name: 'Temp', kind: 'admin', expiresAt: new Date(h.clock.now + 1000).toISOString() },
      ACTOR
    ).secret
    expect((await admin(h.url, tempSecret, 'GET', '/pool')).status).toBe(200)
    h.clock.advance(1000)
    const expired = await admin(h.url, tempSecret, 'GET', '/pool')
    expect(expired.status).toBe(401)
    expect(expired.body.error.message).toMatch(/EXPIRED/)

    h.registry.disableKey({ key: 'Ops' }, ACTOR)
    expect((await admin(h.url, adminSecret, 'GET', '/keys')).status).toBe(401)
    h.registry.enableKey({ key: 'Ops' }, ACTOR)
    expect((await admin(h.url, adminSecret, 'GET', '/keys')).status).toBe(200)
    h.registry.deleteKey({ key: 'Ops' }, ACTOR)
    const deleted = await admin(h.url, adminSecret, 'GET', '/keys')
    expect(deleted.status).toBe(401)
    expect(deleted.body.error.message).toMatch(/REVOKED/)
  })

  it('an admin key that deletes itself is refused on its next call', async () => {
    expect((await admin(h.url, adminSecret, 'DELETE', '/keys/Ops')).status).toBe(200)
    expect((await admin(h.url, adminSecret, 'GET', '/keys')).status).toBe(401)
  })
})

describe('throttling failed sign-ins per client address', () => {
  beforeEach(() => setUp({ throttle: { maxFailures: 3, windowMs: 60_000 } }))

  it('429 with Retry-After after repeated failures, even for a correct key, until the window ends', async () => {
    for (let i = 0; i < 3; i++) expect((await admin(h.url, 'kwa_guess', 'GET', '/keys')).status).toBe(401)
    h.clock.advance(15_000)
    const blocked = await admin(h.url, adminSecret, 'GET', '/keys')
    expect(blocked.status).toBe(429)
    expect(blocked.body.error.code).toBe('RATE_LIMITED')
    expect(blocked.headers.get('retry-after')).toBe('45')
    expect((await admin(h.url, standardSecret, 'GET', '/keys')).status).toBe(429)
    // The verifier itself is not throttled: gateways relay many clients' keys from one address.
    expect(
      (await request(`${h.url}/v1/keys/verify`, { headers: { authorization: `Bearer ${standardSecret}` } })).status
    ).toBe(200)
    h.clock.advance(45_000)
    expect((await admin(h.url, adminSecret, 'GET', '/keys')).status).toBe(200)
  })

  it('a successful sign-in clears the count; standard keys count as failures', async () => {
    await admin(h.url, 'kwa_guess', 'GET', '/keys')
    await admin(h.url, undefined, 'GET', '/keys')
    expect((await admin(h.url, adminSecret, 'GET', '/keys')).status).toBe(200)
    await admin(h.url, standardSecret, 'GET', '/keys')
    await admin(h.url, standardSecret, 'GET', '/keys')
    expect((await admin(h.url, adminSecret, 'GET', '/keys')).status).toBe(200)
    for (let i = 0; i < 3; i++) await admin(h.url, standardSecret, 'GET', '/keys')
    expect((await admin(h.url, adminSecret, 'GET', '/keys')).status).toBe(429)
  })

  it('remembers a bounded number of addresses', () => {
    let now = 0
    const throttle = new AuthThrottle({ maxFailures: 2, windowMs: 60_000, maxClients: 100, clock: () => now })
    for (let i = 0; i < 10_000; i++) throttle.fail(`10.0.${i >> 8}.${i & 255}`)
    expect(throttle.size).toBe(100)
    throttle.fail('192.0.2.1')
    throttle.fail('192.0.2.1')
    expect(throttle.retryAfter('192.0.2.1')).toBe(60)
    now = 30_000
    expect(throttle.retryAfter('192.0.2.1')).toBe(30)
    now = 60_000
    expect(throttle.retryAfter('192.0.2.1')).toBe(0)
  })
})

describe('admin API: REST routes', () => {
  beforeEach(() => setUp())
  const call = (method: string, path: string, json?: unknown) => admin(h.url, adminSecret, method, path, json)

  it('keys: create (secret once, no-store), get, list with filters, edit, delete; actor admin-key:<name>', async () => {
    const created = await call('POST', '/keys', {
      name: 'Billing',
      resources: ['llama-3:PYG'],
      department: 'Finance',
      project: 'Ledger',
      environment: 'prod'
    })
    expect(created.status).toBe(201)
    expect(created.headers.get('cache-control')).toBe('no-store')
    expect(created.body.secret).toMatch(/^kw_/)
    expect(created.body.key).toMatchObject({
      name: 'Billing',
      kind: 'standard',
      department: 'Finance',
      resources: [{ model: 'llama-3', type: 'PYG' }]
    })
    // Exactly what the core (and the CLI's --json) returns.
    expect(created.body.key).toEqual(h.registry.getKey({ key: 'Billing' }).key)

    const got = await call('GET', `/keys/${created.body.key.id}`)
    expect(got.body).toEqual({ key: created.body.key })
    expect(got.text).not.toContain(created.body.secret)

    const list = await call('GET', '/keys?department=Finance&department=Research&sort=name&desc=true&limit=10')
    expect(list.status).toBe(200)
    expect(list.body).toEqual(
      h.registry.listKeys({ departments: ['Finance', 'Research'], sort: 'name', desc: true, limit: 10 })
    )
    expect(list.body.items.map((k: any) => k.name)).toEqual(['Gateway1', 'Billing'])
    expect(list.text).not.toContain(created.body.secret)
    expect((await call('GET', '/keys?project=Ledger&environment=prod')).body.items.map((k: any) => k.name)).toEqual([
      'Billing'
    ])
    expect((await call('GET', '/keys?resource=gpt-4o:TPM')).body.total).toBe(1)
    expect((await call('GET', '/keys?search=bill')).body.items.map((k: any) => k.name)).toEqual(['Billing'])
    expect((await call('GET', '/keys?limit=1&offset=1')).body).toMatchObject({ total: 3, items: [expect.any(Object)] })

    const edited = await call('PATCH', '/keys/Billing', { notes: 'owned by finance', project: '' })
    expect(edited.status).toBe(200)
    expect(edited.body.key).toMatchObject({ notes: 'owned by finance', project: null })

    const audit = h.registry.listAudit({ key: 'Billing' }).items
    expect(audit.map((e) => [e.action, e.actor])).toEqual([
      ['key.edit', 'admin-key:Ops'],
      ['key.create', 'admin-key:Ops']
    ])
    expect(JSON.stringify(audit)).not.toContain(created.body.secret)

    const deleted = await call('DELETE', '/keys/Billing')
    expect(deleted.body).toEqual({ deleted: { id: created.body.key.id, name: 'Billing' } })
    expect((await call('GET', '/keys/Billing')).status).toBe(404)
  })

  it('keys: assign, unassign, set-resources, disable, enable, rotate', async () => {
    expect(
      (await call('POST', '/keys/Gateway1/assign', { resources: ['llama-3:PYG'] })).body.key.resources.map(
        (r: any) => r.model
      )
    ).toEqual(['gpt-4o', 'llama-3'])
    expect(
      (await call('POST', '/keys/Gateway1/unassign', { resources: ['gpt-4o:TPM'] })).body.key.resources.map(
        (r: any) => r.model
      )
    ).toEqual(['llama-3'])
    expect(
      (await call('PUT', '/keys/Gateway1/resources', { resources: ['gpt-4o:TPM'] })).body.key.resources.map(
        (r: any) => r.model
      )
    ).toEqual(['gpt-4o'])
    expect((await call('POST', '/keys/Gateway1/disable')).body.key.status).toBe('disabled')
    expect((await call('POST', '/keys/Gateway1/enable')).body.key.status).toBe('active')
    const rotated = await call('POST', '/keys/Gateway1/rotate', { grace: '30m' })
    expect(rotated.status).toBe(200)
    expect(rotated.headers.get('cache-control')).toBe('no-store')
    expect(rotated.body.secret).toMatch(/^kw_/)
    expect(rotated.body.key.hint).not.toBe(
      h.registry.listAudit({ key: 'Gateway1', action: 'key.create' }).items[0]!.details.hint
    )
    const entry = h.registry.listAudit({ key: 'Gateway1', action: 'key.rotate' }).items[0]!
    expect(entry).toMatchObject({ actor: 'admin-key:Ops', details: { graceSeconds: 1800 } })
    const both = await call('POST', '/keys/Gateway1/rotate', { grace: '1h', graceSeconds: 5 })
    expect(both.status).toBe(400)
    expect(both.body.error.fields).toHaveProperty('grace')
  })

  it('resources, TPM pool, suggestions, audit', async () => {
    const added = await call('POST', '/resources', { model: 'claude', type: 'TPM', tpmLimit: 500 })
    expect(added.status).toBe(201)
    expect(added.body.resource).toMatchObject({
      model: 'claude',
      type: 'TPM',
      tpmLimit: 500,
      status: 'active',
      keyCount: 0
    })
    expect((await call('PATCH', '/resources/claude:TPM', { tpmLimit: 700 })).body.resource.tpmLimit).toBe(700)
    expect((await call('GET', '/resources')).body).toEqual(h.registry.listResources())
    expect((await call('PUT', '/pool', { tpmPool: 5000 })).body).toEqual({
      tpmPool: 5000,
      assigned: 1700,
      remaining: 3300
    })
    expect((await call('GET', '/pool')).body).toEqual({ tpmPool: 5000, assigned: 1700, remaining: 3300 })
    const over = await call('POST', '/resources', { model: 'big', type: 'TPM', tpmLimit: 4000 })
    expect(over.status).toBe(422)
    expect(over.body.error.code).toBe('RULE_VIOLATION')
    expect((await call('DELETE', '/resources/claude:TPM')).body.removed.model).toBe('claude')
    expect((await call('GET', '/suggestions')).body).toEqual({
      departments: ['Research'],
      projects: [],
      environments: []
    })
    const audit = await call('GET', '/audit?action=resource.add&limit=5')
    expect(audit.body.total).toBe(3)
    expect(audit.body.items[0]).toMatchObject({
      action: 'resource.add',
      actor: 'admin-key:Ops',
      targetName: 'claude:TPM'
    })
    expect((await call('GET', '/audit/verify')).body).toMatchObject({ ok: true })
  })

  it('errors carry the contract codes and statuses, with fields named', async () => {
    const invalid = await call('POST', '/keys', { name: 'has space' })
    expect(invalid.status).toBe(400)
    expect(invalid.body.error).toMatchObject({
      code: 'VALIDATION',
      fields: { name: expect.stringMatching(/no spaces/) }
    })
    expect((await call('POST', '/keys', { name: 'gateway1' })).status).toBe(409)
    expect((await call('GET', '/keys/Nobody')).body.error.code).toBe('NOT_FOUND')
    expect((await call('POST', '/keys/Ops/assign', { resources: ['gpt-4o:TPM'] })).status).toBe(422)
    const badQuery = await call('GET', '/keys?colour=red')
    expect(badQuery.status).toBe(400)
    expect(badQuery.body.error.fields).toHaveProperty('colour')
    expect((await call('GET', '/keys?limit=lots')).body.error.fields).toEqual({ limit: 'Limit must be a number.' })
    expect((await call('GET', '/keys?desc=maybe')).body.error.fields).toEqual({ desc: 'desc must be true or false.' })
    const wrongMethod = await call('PUT', '/keys')
    expect(wrongMethod.status).toBe(405)
    expect(wrongMethod.headers.get('allow')).toBe('GET, POST')
    expect((await call('GET', '/nothing-here')).status).toBe(404)
    const notJson = await request(`${h.url}/v1/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminSecret}` },
      body: 'name=x'
    })
    expect(notJson.status).toBe(400)
    const huge = await call('POST', '/keys', { name: 'Big', notes: 'x'.repeat(1024 * 1024 + 10) })
    expect(huge.status).toBe(413)
    expect(h.registry.listKeys().total).toBe(2)
  })
})

describe('admin API: POST /v1/admin/rpc/<operation>', () => {
  beforeEach(() => setUp())
  const rpc = (op: string, json?: unknown, secret = adminSecret) => admin(h.url, secret, 'POST', `/rpc/${op}`, json)

  it('answers {result} with the same documents as the REST routes', async () => {
    const list = await rpc('keys.list', { departments: ['Research'] })
    expect(list.status).toBe(200)
    expect(list.body).toEqual({ result: (await admin(h.url, adminSecret, 'GET', '/keys?department=Research')).body })
    const created = await rpc('keys.create', { name: 'ViaRpc' })
    expect(created.body.result.secret).toMatch(/^kw_/)
    expect(created.headers.get('cache-control')).toBe('no-store')
    expect(h.registry.listAudit({ key: 'ViaRpc' }).items[0]!.actor).toBe('admin-key:Ops')
    expect((await rpc('usage.report', { start: '2026-06-01', end: '2026-06-02' })).body).toEqual({
      result: { items: [] }
    })
  })

  it('errors as {error}; host-only operations are 404; auth applies', async () => {
    const invalid = await rpc('keys.create', { name: '' })
    expect(invalid.status).toBe(400)
    expect(invalid.body.error.fields.name).toMatch(/required/)
    for (const op of ['settings.get', 'settings.set', 'server.status', 'clipboard.copySecret', 'clipboard.release']) {
      const refused = await rpc(op, {})
      expect(refused.status).toBe(404)
      expect(refused.body.error.message).toMatch(/desktop app/)
    }
    expect((await rpc('keys.explode', {})).status).toBe(404)
    expect((await rpc('keys.list', {}, standardSecret)).status).toBe(403)
    expect((await admin(h.url, undefined, 'POST', '/rpc/keys.list', {})).status).toBe(401)
    expect((await admin(h.url, adminSecret, 'GET', '/rpc/keys.list')).status).toBe(405)
  })

  it('notify.* is served by the email handlers (SMTP settings live in the registry)', async () => {
    const settings = await rpc('notify.settings.get', {})
    expect(settings.status).toBe(200)
    expect(settings.body.result).toMatchObject({ host: null, passwordSet: false })
    expect((await rpc('notify.outbox', {})).body.result).toEqual({ items: [] })
  })
})
