import { afterEach, beforeEach, expect, it } from 'vitest'
import { admin, request, serverOnTempRegistry, type ServerHarness } from './harness'

/** Rotation through the admin API, with the server's injected clock crossing the grace window. */
let h: ServerHarness
let adminSecret: string
let original: string
const ACTOR = 'test'

beforeEach(async () => {
  h = await serverOnTempRegistry()
  h.registry.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 10_000 }, ACTOR)
  adminSecret = h.registry.createKey({ name: 'Ops', kind: 'admin' }, ACTOR).secret
  original = h.registry.createKey({ name: 'Gateway1', resources: ['gpt-4o:TPM'], project: 'Atlas' }, ACTOR).secret
})
afterEach(async () => {
  await h.stop()
})

const verify = (s: string) =>
  request(`${h.url}/v1/keys/verify`, { headers: { authorization: `Bearer ${s}`, 'x-model': 'gpt-4o' } })
const rotate = (json: unknown) => admin(h.url, adminSecret, 'POST', '/keys/Gateway1/rotate', json)

it('inside the grace window both secrets verify; after it only the new one; id, name, resources and usage stay', async () => {
  const before = h.registry.getKey({ key: 'Gateway1' }).key
  await request(`${h.url}/v1/usage`, {
    method: 'POST',
    json: { key: original, model: 'gpt-4o', promptTokens: 7, completionTokens: 3 }
  })

  const rotated = await rotate({ graceSeconds: 600 })
  expect(rotated.status).toBe(200)
  const next = rotated.body.secret as string
  expect(rotated.body.key).toMatchObject({
    id: before.id,
    name: 'Gateway1',
    resources: before.resources,
    project: 'Atlas'
  })
  expect(rotated.body.key.hint).not.toBe(before.hint)

  h.clock.advance(599_000)
  expect((await verify(original)).body).toMatchObject({ code: 'VALID', keyId: before.id })
  expect((await verify(next)).body).toMatchObject({ code: 'VALID', keyId: before.id })
  await request(`${h.url}/v1/usage`, {
    method: 'POST',
    json: { key: next, model: 'gpt-4o', promptTokens: 5, completionTokens: 5 }
  })

  h.clock.advance(1_000)
  const old = await verify(original)
  expect(old.status).toBe(401)
  expect(old.body.code).toBe('REVOKED')
  expect((await verify(next)).status).toBe(200)

  const usage = await admin(h.url, adminSecret, 'POST', '/usage', {
    key: 'Gateway1',
    start: '2026-06-01',
    end: '2026-06-01',
    interval: 'per_day'
  })
  expect(usage.body.items).toMatchObject([{ keyId: before.id, requests: 2, totalTokens: 20 }])
  const history = h.registry.listAudit({ key: before.id }).items.map((e) => e.action)
  expect(history).toEqual(['key.rotate', 'key.create'])
})

it('a second rotation during a grace window never extends the older secret', async () => {
  const first = (await rotate({ grace: '1h' })).body.secret as string
  h.clock.advance(10 * 60_000)
  const second = (await rotate({ grace: '0' })).body.secret as string
  expect((await verify(original)).body.code).toBe('REVOKED')
  expect((await verify(first)).body.code).toBe('REVOKED')
  expect((await verify(second)).body.code).toBe('VALID')
})

it('rotating a deleted key is 404 and a bad grace is 400, changing nothing', async () => {
  const bad = await rotate({ grace: 'soon' })
  expect(bad.status).toBe(400)
  expect(bad.body.error.fields.grace).toMatch(/30m, 24h or 7d/)
  const negative = await rotate({ graceSeconds: -5 })
  expect(negative.status).toBe(400)
  expect(negative.body.error.fields.graceSeconds).toBe('Grace cannot be negative.')
  expect((await verify(original)).status).toBe(200)
  await admin(h.url, adminSecret, 'DELETE', '/keys/Gateway1')
  expect((await rotate({})).status).toBe(404)
})
