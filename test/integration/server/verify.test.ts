import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { generateSecret } from '../../../src/main/core/secrets'
import { request, serverOnTempRegistry, type ServerHarness } from './harness'

let h: ServerHarness
let secret: string
const ACTOR = 'test'

beforeEach(async () => {
  h = await serverOnTempRegistry()
  h.registry.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 1000 }, ACTOR)
  h.registry.addResource({ model: 'llama-3', type: 'PYG' }, ACTOR)
  h.registry.addResource({ model: 'mistral', type: 'PYG' }, ACTOR)
  secret = h.registry.createKey(
    {
      name: 'Gateway1',
      resources: ['gpt-4o:TPM', 'llama-3:PYG'],
      department: 'Data – Science',
      project: 'Chatbot',
      environment: 'production'
    },
    ACTOR
  ).secret
})
afterEach(async () => {
  await h.stop()
})

const verify = (init: RequestInit & { json?: unknown } = {}, query = '') =>
  request(`${h.url}/v1/keys/verify${query}`, init)
const bearer = (s: string, extra: Record<string, string> = {}) => ({
  headers: { authorization: `Bearer ${s}`, ...extra }
})

describe('GET/POST /v1/keys/verify', () => {
  it('VALID: 200 with the key document and the x-keyward-* headers, never the secret', async () => {
    const a = await verify(bearer(secret, { 'x-model': 'gpt-4o' }))
    expect(a.status).toBe(200)
    const key = h.registry.getKey({ key: 'Gateway1' }).key
    expect(a.body).toEqual({
      valid: true,
      code: 'VALID',
      keyId: key.id,
      name: 'Gateway1',
      department: 'Data – Science',
      project: 'Chatbot',
      environment: 'production',
      resources: key.resources
    })
    expect(a.headers.get('x-keyward-key-id')).toBe(key.id)
    expect(a.headers.get('x-keyward-key-name')).toBe('Gateway1')
    // Non-ASCII is percent-encoded so the header is valid; it decodes back to the name.
    expect(a.headers.get('x-keyward-department')).toBe('Data %E2%80%93 Science')
    expect(decodeURIComponent(a.headers.get('x-keyward-department')!)).toBe('Data – Science')
    expect(a.headers.get('x-keyward-project')).toBe('Chatbot')
    expect(a.headers.get('cache-control')).toBe('no-store')
    expect(a.text).not.toContain(secret)
    expect(a.text).not.toContain(secret.slice(3, 20))
  })

  it('takes the key from Authorization: Bearer, the api-key header or a JSON body {key}', async () => {
    const viaBearer = await verify(bearer(secret))
    const viaHeader = await verify({ headers: { 'api-key': secret } })
    const viaBody = await verify({ method: 'POST', json: { key: secret } })
    const viaBodyGetIgnored = await verify({ method: 'GET' })
    for (const a of [viaBearer, viaHeader, viaBody]) {
      expect(a.status).toBe(200)
      expect(a.body.code).toBe('VALID')
      expect(a.body.name).toBe('Gateway1')
    }
    expect(viaBodyGetIgnored.status).toBe(401)
    expect(viaBodyGetIgnored.body.code).toBe('MALFORMED')
  })

  it('takes the model from x-model, ?model= or the body; without a model a valid key is VALID', async () => {
    expect((await verify(bearer(secret, { 'x-model': 'mistral' }))).body.code).toBe('MODEL_NOT_ASSIGNED')
    expect((await verify(bearer(secret), '?model=mistral')).body.code).toBe('MODEL_NOT_ASSIGNED')
    expect((await verify({ method: 'POST', json: { key: secret, model: 'mistral' } })).body.code).toBe(
      'MODEL_NOT_ASSIGNED'
    )
    expect((await verify({ method: 'POST', json: { key: secret, model: 'llama-3' } })).body.code).toBe('VALID')
    expect((await verify(bearer(secret), '?model=llama-3')).body.code).toBe('VALID')
    expect((await verify(bearer(secret))).body.code).toBe('VALID')
  })

  it('MALFORMED (401) for no key, a mistyped key or a key with a broken checksum', async () => {
    const broken = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A')
    for (const a of [
      await verify(),
      await verify(bearer('hello')),
      await verify(bearer(broken)),
      await verify(bearer('kw_' + 'x'.repeat(500)))
    ]) {
      expect(a.status).toBe(401)
      expect(a.body).toMatchObject({ valid: false, code: 'MALFORMED', keyId: null, name: null, resources: [] })
      expect(a.headers.get('www-authenticate')).toMatch(/^Bearer/)
      expect(a.headers.get('x-keyward-key-id')).toBeNull()
    }
  })

  it('NOT_FOUND (401) for a well-formed key the registry never issued', async () => {
    const a = await verify(bearer(generateSecret('standard', randomBytes)))
    expect(a.status).toBe(401)
    expect(a.body).toMatchObject({ valid: false, code: 'NOT_FOUND', keyId: null })
  })

  it('REVOKED (401) once the key is deleted', async () => {
    h.registry.deleteKey({ key: 'Gateway1' }, ACTOR)
    const a = await verify(bearer(secret))
    expect(a.status).toBe(401)
    expect(a.body).toMatchObject({ valid: false, code: 'REVOKED' })
  })

  it('EXPIRED (401) once the expiry passes', async () => {
    h.registry.editKey({ key: 'Gateway1', changes: { expiresAt: new Date(h.clock.now + 60_000).toISOString() } }, ACTOR)
    expect((await verify(bearer(secret))).status).toBe(200)
    h.clock.advance(60_000)
    const a = await verify(bearer(secret))
    expect(a.status).toBe(401)
    expect(a.body).toMatchObject({ valid: false, code: 'EXPIRED', name: 'Gateway1' })
  })

  it('DISABLED (403)', async () => {
    h.registry.disableKey({ key: 'Gateway1' }, ACTOR)
    const a = await verify(bearer(secret))
    expect(a.status).toBe(403)
    expect(a.body).toMatchObject({ valid: false, code: 'DISABLED', name: 'Gateway1' })
  })

  it("APP_MISMATCH (403) unless x-app-name is exactly the key's App ID", async () => {
    h.registry.editKey({ key: 'Gateway1', changes: { appId: 'billing-svc' } }, ACTOR)
    expect((await verify(bearer(secret))).body.code).toBe('APP_MISMATCH')
    expect((await verify(bearer(secret))).status).toBe(403)
    expect((await verify(bearer(secret, { 'x-app-name': 'Billing-svc' }))).body.code).toBe('APP_MISMATCH')
    const ok = await verify(bearer(secret, { 'x-app-name': 'billing-svc' }))
    expect(ok.status).toBe(200)
    expect(ok.body.code).toBe('VALID')
  })

  it('MODEL_NOT_ASSIGNED (403) and RESOURCE_INACTIVE (403)', async () => {
    const notAssigned = await verify(bearer(secret, { 'x-model': 'mistral' }))
    expect(notAssigned.status).toBe(403)
    expect(notAssigned.body.code).toBe('MODEL_NOT_ASSIGNED')
    h.registry.editResource({ resource: 'llama-3:PYG', status: 'inactive' }, ACTOR)
    const inactive = await verify(bearer(secret, { 'x-model': 'llama-3' }))
    expect(inactive.status).toBe(403)
    expect(inactive.body.code).toBe('RESOURCE_INACTIVE')
    expect((await verify(bearer(secret, { 'x-model': 'gpt-4o' }))).status).toBe(200)
  })

  it('RATE_LIMITED (429) with Retry-After once the TPM resource used its limit this minute', async () => {
    h.clock.now = Date.parse('2026-06-01T12:00:15Z')
    const report = await request(`${h.url}/v1/usage`, {
      method: 'POST',
      json: { key: secret, model: 'gpt-4o', promptTokens: 700, completionTokens: 300 }
    })
    expect(report.status).toBe(200)
    const a = await verify(bearer(secret, { 'x-model': 'gpt-4o' }))
    expect(a.status).toBe(429)
    expect(a.body).toMatchObject({ valid: false, code: 'RATE_LIMITED', name: 'Gateway1', retryAfter: 45 })
    expect(a.headers.get('retry-after')).toBe('45')
    // Other models of the same key are not limited.
    expect((await verify(bearer(secret, { 'x-model': 'llama-3' }))).status).toBe(200)
  })

  it('refuses other methods, non-object bodies, invalid JSON and oversized bodies', async () => {
    const put = await verify({ method: 'PUT', ...bearer(secret) })
    expect(put.status).toBe(405)
    expect(put.headers.get('allow')).toBe('GET, POST')
    expect((await verify({ method: 'POST', json: [secret] })).status).toBe(400)
    const bad = await verify({ method: 'POST', body: '{"key": ', headers: { 'content-type': 'application/json' } })
    expect(bad.status).toBe(400)
    expect(bad.body.error.message).toMatch(/not valid JSON/)
    const huge = await verify({ method: 'POST', json: { key: secret, pad: 'x'.repeat(64 * 1024) } })
    expect(huge.status).toBe(413)
    expect(huge.body.error.message).toMatch(/too large/)
    // The server is still fine afterwards.
    expect((await verify(bearer(secret))).status).toBe(200)
  })
})
