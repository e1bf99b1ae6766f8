import { request as httpRequest } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { HostCheck } from '../../../src/main/server/host-header'
import { AuthThrottle } from '../../../src/main/server/throttle'
import { admin, request, serverOnTempRegistry, type ServerHarness } from './harness'
import { rawRequest } from './raw'

let h: ServerHarness
let adminSecret: string
let standardSecret: string
const ACTOR = 'test'

async function setUp(options: Parameters<typeof serverOnTempRegistry>[0] = {}) {
  h = await serverOnTempRegistry(options)
  h.registry.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 1000 }, ACTOR)
  adminSecret = h.registry.createKey({ name: 'Ops', kind: 'admin' }, ACTOR).secret
  standardSecret = h.registry.createKey(
    { name: 'Gateway1', resources: ['gpt-4o:TPM'], notes: 'alpha beta gamma' },
    ACTOR
  ).secret
}
afterEach(async () => {
  await h?.stop()
})

const STACK = /\n\s+at .+\(|node:internal|\.ts:\d+/

describe('malformed input answers 4xx, never 500', () => {
  it('broken percent-encodings in admin paths are 400 naming the path', async () => {
    await setUp()
    for (const [method, path] of [
      ['GET', '/keys/%E0%A4%A'],
      ['POST', '/rpc/%ZZ'],
      ['PATCH', '/keys/%'],
      ['POST', '/keys/%C3%28/disable'],
      ['DELETE', '/resources/%FF']
    ] as const) {
      const answer = await admin(
        h.url,
        adminSecret,
        method,
        path,
        method === 'GET' || method === 'DELETE' ? undefined : {}
      )
      expect(answer.status, `${method} ${path}`).toBe(400)
      expect(answer.body.error).toMatchObject({
        code: 'VALIDATION',
        message: expect.stringMatching(/percent-encoding/)
      })
      expect(answer.text).not.toMatch(STACK)
    }
    expect(h.logs).toEqual([])
  })

  it('search text reaches full-text search as data: NUL, quotes and FTS syntax find keys or nothing, never 500', async () => {
    await setUp()
    const search = async (text: string) => admin(h.url, adminSecret, 'GET', `/keys?search=${encodeURIComponent(text)}`)
    const nul = await search('a\0b')
    expect(nul.status).toBe(200)
    expect(nul.body).toMatchObject({ items: [], total: 0 })
    expect((await search('alp\0')).body.total).toBe(0)
    for (const text of [
      '"',
      '""',
      'a"b',
      'NEAR(alpha beta)',
      'alpha AND beta',
      'alp*',
      '^alpha',
      'notes:alpha',
      '\u0001\u0002\u0003',
      '(((',
      'a\\b%_'
    ]) {
      const answer = await search(text)
      expect(answer.status, JSON.stringify(text)).toBe(200)
      expect(answer.body.total, JSON.stringify(text)).toBe(0)
    }
    // Control: the same path finds real text, so the zeros above are answers, not failures.
    expect((await search('beta gam')).body.items.map((k: { name: string }) => k.name)).toEqual(['Gateway1'])
    expect(h.logs).toEqual([])
  })

  it('unparseable requests get a JSON 4xx: unknown method 405 with Allow, control characters 400, huge headers 431, CONNECT 405', async () => {
    await setUp()
    const port = h.server.port
    const unknown = await rawRequest(port, 'FROB /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    expect(unknown.status).toBe(405)
    expect(unknown.headers.allow).toMatch(/GET/)
    expect(JSON.parse(unknown.body).error.code).toBe('VALIDATION')

    const nul = await rawRequest(port, 'GET /v1/hea\0lth HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    expect(nul.status).toBe(400)
    const control = await rawRequest(port, 'GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Bad: a\u0001b\r\n\r\n')
    expect(control.status).toBe(400)
    expect(JSON.parse(control.body).error.message).toMatch(/not valid HTTP/)

    const huge = await rawRequest(
      port,
      `GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`
    )
    expect(huge.status).toBe(431)

    const tunnel = await rawRequest(port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n')
    expect(tunnel.status).toBe(405)
    expect(tunnel.headers.allow).toMatch(/GET/)

    const absolute = await rawRequest(port, 'GET http://[::1/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    expect(absolute.status).toBe(400)
    const star = await rawRequest(port, 'OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    expect(star.status).toBe(400)

    const healthPost = await request(`${h.url}/v1/health`, { method: 'POST' })
    expect(healthPost.status).toBe(405)
    expect(healthPost.headers.get('allow')).toBe('GET, HEAD')
    for (const answer of [unknown, nul, control, huge, tunnel, absolute, star]) expect(answer.body).not.toMatch(STACK)
    expect(h.logs).toEqual([])
  })
})

describe('refused means unchanged', () => {
  it('a standard key refused by the admin API (403) leaves its lastUsedAt as it was; an admin sign-in and a verify do write it', async () => {
    await setUp()
    expect((await admin(h.url, standardSecret, 'GET', '/keys')).status).toBe(403)
    expect((await admin(h.url, standardSecret, 'POST', '/rpc/keys.list', {})).status).toBe(403)
    expect((await admin(h.url, adminSecret, 'GET', '/pool')).status).toBe(200)
    // close() writes every buffered lastUsedAt.
    await h.server.close()
    expect(h.registry.getKey({ key: 'Gateway1' }).key.lastUsedAt).toBeNull()
    expect(h.registry.getKey({ key: 'Ops' }).key.lastUsedAt).not.toBeNull()
  })

  it('control: a verify of the same standard key does write lastUsedAt', async () => {
    await setUp()
    expect(
      (await request(`${h.url}/v1/keys/verify`, { headers: { authorization: `Bearer ${standardSecret}` } })).status
    ).toBe(200)
    await h.server.close()
    expect(h.registry.getKey({ key: 'Gateway1' }).key.lastUsedAt).not.toBeNull()
  })
})

describe('Host check (DNS rebinding)', () => {
  const withHost = (host: string, path = '/v1/health') =>
    rawRequest(h.server.port, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)

  it('a loopback server answers loopback names, addresses and dotless names; any other Host is 421 with a JSON error', async () => {
    await setUp()
    for (const host of [
      `127.0.0.1:${h.server.port}`,
      'localhost',
      'LOCALHOST:9',
      '127.9.8.7:1',
      '[::1]:8787',
      '[::1]',
      'keyward'
    ]) {
      expect((await withHost(host)).status, host).toBe(200)
    }
    for (const host of [
      'evil.example',
      'evil.example:8787',
      '127.0.0.1.evil.example',
      'localhost.evil.example',
      '[::2]',
      '10.0.0.1'
    ]) {
      const answer = await withHost(host)
      expect(answer.status, host).toBe(421)
      expect(JSON.parse(answer.body).error.message).toMatch(/--allow-host/)
    }
    // The verify route is checked too, before the key is looked at.
    const verify = await rawRequest(
      h.server.port,
      `GET /v1/keys/verify HTTP/1.1\r\nHost: evil.example\r\nAuthorization: Bearer ${standardSecret}\r\n\r\n`
    )
    expect(verify.status).toBe(421)
    await h.server.close()
    expect(h.registry.getKey({ key: 'Gateway1' }).key.lastUsedAt).toBeNull()
  })

  it('allowHosts (--allow-host) adds names, with any port and in any case', async () => {
    await setUp({ allowHosts: ['keys.example.com'] })
    expect((await withHost('keys.example.com')).status).toBe(200)
    expect((await withHost('Keys.Example.COM:443')).status).toBe(200)
    expect((await withHost('other.example.com')).status).toBe(421)
  })

  it('a server bound to another address answers any Host, unless names are allowed', () => {
    const fake = (host?: string) => ({ headers: host === undefined ? {} : { host } }) as never
    const open = HostCheck.for('0.0.0.0')
    expect(open.allows(fake('evil.example'))).toBe(true)
    const listed = HostCheck.for('192.0.2.10', ['keys.example.com'])
    expect(listed.allows(fake('keys.example.com'))).toBe(true)
    expect(listed.allows(fake('192.0.2.10:8787'))).toBe(true)
    expect(listed.allows(fake('localhost'))).toBe(true)
    expect(listed.allows(fake('evil.example'))).toBe(false)
    const v6 = HostCheck.for('::1')
    expect(v6.allows(fake('[::1]:1'))).toBe(true)
    expect(v6.allows(fake('evil.example'))).toBe(false)
    expect(v6.allows(fake())).toBe(true)
  })
})

describe('failed sign-ins are also limited in total', () => {
  /** GET /v1/admin/keys from a given loopback address (the whole 127.0.0.0/8 is this machine). */
  const fromAddress = (localAddress: string, secret: string) =>
    new Promise<{ status: number; retryAfter?: string; body: string }>((resolve, reject) => {
      const req = httpRequest(
        `${h.url}/v1/admin/keys`,
        { localAddress, headers: { authorization: `Bearer ${secret}`, connection: 'close' } },
        (res) => {
          let body = ''
          res.on('data', (c) => (body += c))
          res.on('end', () =>
            resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] as string | undefined, body })
          )
        }
      )
      req.on('error', reject)
      req.end()
    })

  it('270 wrong keys from 30 addresses (9 each, under the per-address limit) draw 429 with Retry-After once the total is reached, for every address', async () => {
    await setUp({ throttle: { maxFailures: 10, maxTotalFailures: 100, windowMs: 60_000 } })
    const statuses: number[] = []
    for (let round = 0; round < 9; round++) {
      for (let a = 0; a < 30; a++) statuses.push((await fromAddress(`127.0.1.${a + 1}`, 'kwa_wrong')).status)
    }
    expect(statuses.slice(0, 100).every((s) => s === 401)).toBe(true)
    expect(statuses.slice(100).every((s) => s === 429)).toBe(true)
    const fresh = await fromAddress('127.0.2.1', adminSecret)
    expect(fresh.status).toBe(429)
    expect(fresh.retryAfter).toBe('60')
    expect(JSON.parse(fresh.body).error).toMatchObject({
      code: 'RATE_LIMITED',
      message: expect.stringMatching(/all addresses/)
    })
    h.clock.advance(60_000)
    expect((await fromAddress('127.0.2.1', adminSecret)).status).toBe(200)
  })
})

describe('AuthThrottle in total', () => {
  it('counts failures from every address in one window; a new window starts afresh', () => {
    let now = 0
    const throttle = new AuthThrottle({ maxFailures: 5, maxTotalFailures: 8, windowMs: 60_000, clock: () => now })
    for (let i = 0; i < 8; i++) throttle.fail(`10.0.0.${i}`)
    expect(throttle.wait('192.0.2.9')).toEqual({ seconds: 60, scope: 'total' })
    now = 45_000
    expect(throttle.retryAfter('10.0.0.1')).toBe(15)
    now = 60_000
    expect(throttle.wait('192.0.2.9')).toBeUndefined()
    for (let i = 0; i < 5; i++) throttle.fail('10.9.9.9')
    expect(throttle.wait('10.9.9.9')).toEqual({ seconds: 60, scope: 'client' })
    expect(throttle.wait('10.9.9.8')).toBeUndefined()
  })
})
