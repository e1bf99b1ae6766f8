import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { serverOnTempRegistry } from './harness'
import { rawRequest, spawnServe } from './raw'

let t: TempRegistry | undefined
let child: ChildProcessWithoutNullStreams | undefined

afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL')
  child = undefined
  t?.close()
  t = undefined
})

const STACK = /\n\s+at |node:internal|\.(ts|js|cjs):\d+|SqliteError|URIError|TypeError/

/** Bytes of the registry file and its WAL: what any write, lastUsedAt included, would change. */
function registryBytes(path: string): Buffer {
  return Buffer.concat([readFileSync(path), existsSync(`${path}-wal`) ? readFileSync(`${path}-wal`) : Buffer.alloc(0)])
}

const METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'PROPFIND',
  'CONNECT',
  'FROB',
  'get',
  'G\u0000T',
  ''
]
const PREFIXES = [
  '/v1/keys/verify',
  '/v1/keys/verify?model=',
  '/v1/usage',
  '/v1/health',
  '/v1/admin/keys/',
  '/v1/admin/keys?search=',
  '/v1/admin/keys?limit=',
  '/v1/admin/rpc/',
  '/v1/admin/resources/',
  '/v1/admin/audit?key=',
  '/v1/admin/usage?start=',
  '/',
  '//',
  '*',
  'http://evil.example/',
  ''
]
/** Text as a client might send it: broken %-escapes, NUL and control characters, quotes, non-ASCII. */
const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    '%',
    '%Z',
    '%E0%A4%A',
    '%ZZ',
    '%00',
    '%C3%28',
    '%FF%FE',
    '..%2F..%2F',
    '"',
    'a%00b',
    '\u0000',
    '\r\n',
    ' ',
    'NEAR(',
    '*',
    'keys.list',
    'settings.get'
  )
)
const rawPathArb = fc
  .tuple(fc.constantFrom(...PREFIXES), fc.array(nasty, { maxLength: 3 }))
  .map(([prefix, parts]) => prefix + parts.join(''))
/** The same text percent-encoded as a client library would (but "%" kept, so broken escapes get through): parsable HTTP. */
const encode = (text: string) =>
  text.replace(/[^A-Za-z0-9\-._~%/?=&]/gu, (c) => Buffer.from(c, 'utf8').toString('hex').replace(/(..)/g, '%$1'))
const wellFormedPathArb = fc
  .tuple(fc.constantFrom(...PREFIXES.filter((p) => p.startsWith('/v1/'))), fc.array(nasty, { maxLength: 3 }))
  .map(([prefix, parts]) => prefix + encode(parts.join('')))
const KNOWN_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']
const printable = (text: string) => text.replace(/[^\x20-\x7e]/g, '?')
const HEADER_NAMES = [
  'authorization',
  'api-key',
  'x-model',
  'x-app-name',
  'content-type',
  'host',
  'expect',
  'x-forwarded-for',
  'cookie',
  'accept-encoding'
]
const rawHeaderArb = fc.tuple(
  fc.oneof(fc.constantFrom(...HEADER_NAMES), fc.string({ minLength: 1, maxLength: 12 })),
  fc.oneof(
    nasty,
    fc.constantFrom(
      'Bearer kw_',
      'Bearer kwa_x',
      'Bearer',
      'Basic Zm9vOmJhcg==',
      'application/json',
      'evil.example',
      'localhost'
    )
  )
)
const wellFormedHeaderArb = rawHeaderArb
  .filter(([name]) => /^[A-Za-z0-9-]+$/.test(name))
  .map(([name, value]) => [name, printable(value)] as const)
const bodyArb = fc.oneof(
  fc.constant(''),
  fc.json({ maxDepth: 3 }),
  nasty,
  fc.constantFrom(
    '{"key":"kw_x","model":"gpt-4o","promptTokens":1,"completionTokens":1}',
    '{"name":"x"}',
    '[',
    '{"__proto__":{"a":1}}'
  )
)

interface FuzzRequest {
  method: string
  path: string
  headers: ReadonlyArray<readonly [string, string]>
  body: string
  withHost: boolean
}

const rawRequestArb = fc.record({
  method: fc.constantFrom(...METHODS),
  path: rawPathArb,
  headers: fc.array(rawHeaderArb, { maxLength: 4 }),
  body: bodyArb,
  withHost: fc.boolean()
})

/** Parsable requests that reach the routes; `secret` signs some in as an administrator. */
function wellFormedRequestArb(secret: fc.Arbitrary<string | undefined>): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      method: fc.constantFrom(...KNOWN_METHODS),
      path: wellFormedPathArb,
      headers: fc.array(wellFormedHeaderArb, { maxLength: 3 }),
      body: bodyArb,
      secret
    })
    .map(({ secret: key, headers, ...rest }) => ({
      ...rest,
      withHost: true,
      headers:
        key === undefined
          ? headers.filter(([n]) => n.toLowerCase() !== 'host')
          : [
              ...headers.filter(([n]) => !/^(authorization|host)$/i.test(n)),
              ['Authorization', `Bearer ${key}`] as const
            ]
    }))
}

/** Sends one request on its own connection; asserts the answer is no 5xx and shows no stack. */
async function send(port: number, request: FuzzRequest) {
  const payload = Buffer.from(request.body, 'utf8')
  const head =
    `${request.method} ${request.path} HTTP/1.1\r\n` +
    (request.withHost ? 'Host: 127.0.0.1\r\n' : '') +
    request.headers.map(([name, value]) => `${name}: ${value}\r\n`).join('') +
    `Content-Length: ${payload.length}\r\nConnection: close\r\n\r\n`
  const answer = await rawRequest(port, Buffer.concat([Buffer.from(head, 'latin1'), payload]))
  expect(answer.status, head).toBeGreaterThanOrEqual(200)
  expect(answer.status, head).toBeLessThan(500)
  expect(answer.body, head).not.toMatch(STACK)
  return answer
}

describe('fuzzed HTTP requests against a real `keyward serve`', () => {
  it('never answer 5xx or a stack trace, and leave the registry file unchanged', async () => {
    t = tempRegistry()
    t.registry.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 1000 }, 'test')
    t.registry.createKey({ name: 'Ops', kind: 'admin' }, 'test')
    t.registry.createKey({ name: 'Gateway1', resources: ['gpt-4o:TPM'] }, 'test')
    t.registry.close()
    const serve = await spawnServe(t.path)
    child = serve.proc
    const port = serve.port
    expect(
      (await rawRequest(port, 'GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')).status
    ).toBe(200)
    const before = registryBytes(t.path)

    const seen = new Map<number, number>()
    await fc.assert(
      fc.asyncProperty(fc.oneof(rawRequestArb, wellFormedRequestArb(fc.constant(undefined))), async (request) => {
        const answer = await send(port, request)
        seen.set(answer.status, (seen.get(answer.status) ?? 0) + 1)
      }),
      { numRuns: 500 }
    )
    console.log('fuzzed statuses:', Object.fromEntries([...seen].sort(([a], [b]) => a - b)))
    expect(registryBytes(t.path).equals(before)).toBe(true)
    expect(serve.stderr()).toBe('')
  }, 120_000)

  it('signed in as an administrator, malformed paths, queries and bodies are answered 2xx-4xx, never 5xx, and log no failure', async () => {
    const h = await serverOnTempRegistry({
      lastUsedFlushMs: Number.POSITIVE_INFINITY,
      throttle: { maxFailures: 1_000_000, maxTotalFailures: 1_000_000 }
    })
    try {
      h.registry.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 1000 }, 'test')
      const adminSecret = h.registry.createKey({ name: 'Ops', kind: 'admin' }, 'test').secret
      h.registry.createKey({ name: 'Gateway1', resources: ['gpt-4o:TPM'] }, 'test')
      const seen = new Map<number, number>()
      await fc.assert(
        fc.asyncProperty(wellFormedRequestArb(fc.constant(adminSecret)), async (request) => {
          const answer = await send(h.server.port, request)
          seen.set(answer.status, (seen.get(answer.status) ?? 0) + 1)
        }),
        { numRuns: 400 }
      )
      console.log('fuzzed admin statuses:', Object.fromEntries([...seen].sort(([a], [b]) => a - b)))
      expect(h.logs).toEqual([])
    } finally {
      await h.stop()
    }
  }, 120_000)
})
