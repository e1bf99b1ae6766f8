import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { admin, request, serverOnTempRegistry, waitFor, type ServerHarness } from './harness'

let h: ServerHarness
let adminSecret: string
let alpha: string
let beta: string
const ACTOR = 'test'
const T0 = Date.parse('2026-06-01T12:00:00Z')

beforeEach(async () => {
  h = await serverOnTempRegistry({ lastUsedFlushMs: 3_600_000 })
  h.clock.now = T0
  h.registry.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 1000 }, ACTOR)
  h.registry.addResource({ model: 'llama-3', type: 'PYG' }, ACTOR)
  adminSecret = h.registry.createKey({ name: 'Ops', kind: 'admin' }, ACTOR).secret
  alpha = h.registry.createKey(
    { name: 'Alpha', resources: ['gpt-4o:TPM', 'llama-3:PYG'], department: 'Research', project: 'Atlas' },
    ACTOR
  ).secret
  beta = h.registry.createKey(
    { name: 'Beta', resources: ['gpt-4o:TPM'], department: 'Sales', project: 'Atlas' },
    ACTOR
  ).secret
})
afterEach(async () => {
  await h.stop()
})

const report = (json: unknown, headers: Record<string, string> = {}) =>
  request(`${h.url}/v1/usage`, { method: 'POST', json, headers })
const verify = (secret: string, model?: string) =>
  request(`${h.url}/v1/keys/verify`, {
    headers: { authorization: `Bearer ${secret}`, ...(model ? { 'x-model': model } : {}) }
  })

describe('POST /v1/usage', () => {
  it('records tokens per key, model and minute and answers the TPM window', async () => {
    const a = await report({ key: alpha, model: 'gpt-4o', promptTokens: 120, completionTokens: 30 })
    expect(a.status).toBe(200)
    const alphaId = h.registry.getKey({ key: 'Alpha' }).key.id
    expect(a.body.recorded).toMatchObject({
      keyId: alphaId,
      model: 'gpt-4o',
      minute: '2026-06-01T12:00:00.000Z',
      promptTokens: 120,
      completionTokens: 30,
      tpm: { limit: 1000, used: 150, remaining: 850, resetsAt: '2026-06-01T12:01:00.000Z' }
    })
    const pyg = await report({ key: alpha, model: 'llama-3', promptTokens: 5, completionTokens: 5 })
    expect(pyg.body.recorded.tpm).toBeNull()
    await report({ key: alpha, model: 'gpt-4o', promptTokens: 10, completionTokens: 0 })
    const rows = h.registry.db
      .prepare('SELECT model, minute, requests, prompt_tokens, completion_tokens FROM key_usage ORDER BY model')
      .all()
    expect(rows).toEqual([
      { model: 'gpt-4o', minute: T0 / 60_000, requests: 2, prompt_tokens: 130, completion_tokens: 30 },
      { model: 'llama-3', minute: T0 / 60_000, requests: 1, prompt_tokens: 5, completion_tokens: 5 }
    ])
  })

  it('takes the key from the Authorization header too, and the app name from x-app-name', async () => {
    h.registry.editKey({ key: 'Alpha', changes: { appId: 'svc-a' } }, ACTOR)
    const refused = await report(
      { model: 'gpt-4o', promptTokens: 1, completionTokens: 1 },
      { authorization: `Bearer ${alpha}` }
    )
    expect(refused.status).toBe(403)
    expect(refused.body.verifyCode).toBe('APP_MISMATCH')
    const ok = await report(
      { model: 'gpt-4o', promptTokens: 1, completionTokens: 1 },
      { authorization: `Bearer ${alpha}`, 'x-app-name': 'svc-a' }
    )
    expect(ok.status).toBe(200)
  })

  it('refuses bad input with the field named, and changes nothing', async () => {
    const negative = await report({ key: alpha, model: 'gpt-4o', promptTokens: -1, completionTokens: 0 })
    expect(negative.status).toBe(400)
    expect(negative.body.error.fields).toEqual({ promptTokens: 'promptTokens cannot be negative.' })
    const noModel = await report({ key: alpha, promptTokens: 1, completionTokens: 1 })
    expect(noModel.status).toBe(400)
    expect(Object.keys(noModel.body.error.fields)).toEqual(['model'])
    const fraction = await report({ key: alpha, model: 'gpt-4o', promptTokens: 1.5, completionTokens: 1 })
    expect(fraction.body.error.fields.promptTokens).toMatch(/whole number/)
    expect((await request(`${h.url}/v1/usage`, { method: 'GET' })).status).toBe(405)
    expect(h.registry.db.prepare('SELECT count(*) AS n FROM key_usage').get()).toEqual({ n: 0 })
  })

  it('refuses reports from keys that do not verify (401/403 with the verify code)', async () => {
    const malformed = await report({ key: 'nope', model: 'gpt-4o', promptTokens: 1, completionTokens: 1 })
    expect(malformed.status).toBe(401)
    expect(malformed.body).toMatchObject({ error: { code: 'UNAUTHORIZED' }, verifyCode: 'MALFORMED' })
    const notAssigned = await report({ key: beta, model: 'llama-3', promptTokens: 1, completionTokens: 1 })
    expect(notAssigned.status).toBe(403)
    expect(notAssigned.body).toMatchObject({ error: { code: 'FORBIDDEN' }, verifyCode: 'MODEL_NOT_ASSIGNED' })
    h.registry.deleteKey({ key: 'Beta' }, ACTOR)
    const revoked = await report({ key: beta, model: 'gpt-4o', promptTokens: 1, completionTokens: 1 })
    expect(revoked.status).toBe(401)
    expect(revoked.body.verifyCode).toBe('REVOKED')
    expect(h.registry.db.prepare('SELECT count(*) AS n FROM key_usage').get()).toEqual({ n: 0 })
  })
})

describe('TPM limit (fixed one-minute window per resource)', () => {
  it('crossing the limit gives RATE_LIMITED with Retry-After, for every key on the resource, until the next minute', async () => {
    h.clock.now = T0 + 20_000 // 12:00:20
    expect(
      (await report({ key: alpha, model: 'gpt-4o', promptTokens: 500, completionTokens: 0 })).body.recorded.tpm.used
    ).toBe(500)
    expect((await verify(alpha, 'gpt-4o')).status).toBe(200)
    // Beta shares the resource: its tokens count against the same window.
    const second = await report({ key: beta, model: 'gpt-4o', promptTokens: 300, completionTokens: 199 })
    expect(second.body.recorded.tpm).toMatchObject({ used: 999, remaining: 1 })
    expect((await verify(alpha, 'gpt-4o')).status).toBe(200)
    const crossing = await report({ key: beta, model: 'gpt-4o', promptTokens: 1, completionTokens: 0 })
    expect(crossing.body.recorded.tpm).toMatchObject({ used: 1000, remaining: 0 })

    for (const secret of [alpha, beta]) {
      const limited = await verify(secret, 'gpt-4o')
      expect(limited.status).toBe(429)
      expect(limited.body.code).toBe('RATE_LIMITED')
      expect(limited.headers.get('retry-after')).toBe('40')
    }
    // A report from a limited key is still accepted: the request it made was already allowed.
    expect((await report({ key: alpha, model: 'gpt-4o', promptTokens: 10, completionTokens: 0 })).status).toBe(200)
    // Other models and the model-less check are not limited.
    expect((await verify(alpha, 'llama-3')).status).toBe(200)
    expect((await verify(alpha)).status).toBe(200)

    h.clock.now = T0 + 59_500
    expect((await verify(alpha, 'gpt-4o')).headers.get('retry-after')).toBe('1')
    h.clock.now = T0 + 60_000 // the next window
    expect((await verify(alpha, 'gpt-4o')).status).toBe(200)
    expect((await verify(beta, 'gpt-4o')).body.code).toBe('VALID')
  })

  it('a lower limit set by an administrator applies to the current window at once', async () => {
    await report({ key: alpha, model: 'gpt-4o', promptTokens: 600, completionTokens: 0 })
    expect((await verify(alpha, 'gpt-4o')).status).toBe(200)
    h.registry.editResource({ resource: 'gpt-4o:TPM', tpmLimit: 600 }, ACTOR)
    expect((await verify(alpha, 'gpt-4o')).status).toBe(429)
  })
})

describe('POST /v1/admin/usage (usage.report)', () => {
  beforeEach(async () => {
    const at = (iso: string) => (h.clock.now = Date.parse(iso))
    at('2026-06-01T09:15:10Z')
    await report({ key: alpha, model: 'gpt-4o', promptTokens: 100, completionTokens: 10 })
    at('2026-06-01T09:15:50Z')
    await report({ key: alpha, model: 'gpt-4o', promptTokens: 200, completionTokens: 20 })
    at('2026-06-01T09:47:00Z')
    await report({ key: alpha, model: 'llama-3', promptTokens: 1, completionTokens: 2 })
    at('2026-06-01T10:05:00Z')
    await report({ key: beta, model: 'gpt-4o', promptTokens: 40, completionTokens: 4 })
    at('2026-06-02T08:00:00Z')
    await report({ key: alpha, model: 'gpt-4o', promptTokens: 1000, completionTokens: 0 })
  })

  it('per_minute, per_hour and per_day buckets', async () => {
    const perMinute = await admin(h.url, adminSecret, 'POST', '/usage', {
      start: '2026-06-01',
      end: '2026-06-01',
      interval: 'per_minute'
    })
    expect(perMinute.status).toBe(200)
    expect(perMinute.body.items.map((r: any) => [r.bucket, r.keyName, r.model, r.requests, r.totalTokens])).toEqual([
      ['2026-06-01T09:15:00.000Z', 'Alpha', 'gpt-4o', 2, 330],
      ['2026-06-01T09:47:00.000Z', 'Alpha', 'llama-3', 1, 3],
      ['2026-06-01T10:05:00.000Z', 'Beta', 'gpt-4o', 1, 44]
    ])
    const perHour = await admin(h.url, adminSecret, 'POST', '/usage', {
      start: '2026-06-01',
      end: '2026-06-02',
      interval: 'per_hour'
    })
    expect(
      perHour.body.items.map((r: any) => [r.bucket, r.keyName, r.model, r.promptTokens, r.completionTokens])
    ).toEqual([
      ['2026-06-01T09:00:00.000Z', 'Alpha', 'gpt-4o', 300, 30],
      ['2026-06-01T09:00:00.000Z', 'Alpha', 'llama-3', 1, 2],
      ['2026-06-01T10:00:00.000Z', 'Beta', 'gpt-4o', 40, 4],
      ['2026-06-02T08:00:00.000Z', 'Alpha', 'gpt-4o', 1000, 0]
    ])
    const perDay = await admin(h.url, adminSecret, 'POST', '/usage', {
      start: '2026-06-01',
      end: '2026-06-02',
      interval: 'per_day'
    })
    expect(perDay.body.items).toEqual([
      {
        bucket: '2026-06-01T00:00:00.000Z',
        keyId: expect.stringMatching(/^k_/),
        keyName: 'Alpha',
        model: 'gpt-4o',
        requests: 2,
        promptTokens: 300,
        completionTokens: 30,
        totalTokens: 330
      },
      {
        bucket: '2026-06-01T00:00:00.000Z',
        keyId: expect.stringMatching(/^k_/),
        keyName: 'Alpha',
        model: 'llama-3',
        requests: 1,
        promptTokens: 1,
        completionTokens: 2,
        totalTokens: 3
      },
      {
        bucket: '2026-06-01T00:00:00.000Z',
        keyId: expect.stringMatching(/^k_/),
        keyName: 'Beta',
        model: 'gpt-4o',
        requests: 1,
        promptTokens: 40,
        completionTokens: 4,
        totalTokens: 44
      },
      {
        bucket: '2026-06-02T00:00:00.000Z',
        keyId: expect.stringMatching(/^k_/),
        keyName: 'Alpha',
        model: 'gpt-4o',
        requests: 1,
        promptTokens: 1000,
        completionTokens: 0,
        totalTokens: 1000
      }
    ])
  })

  it('filters by models, key, department and project; date-times bound the range', async () => {
    const body = { start: '2026-06-01', end: '2026-06-02', interval: 'per_day' }
    const names = async (extra: object) =>
      (await admin(h.url, adminSecret, 'POST', '/usage', { ...body, ...extra })).body.items.map(
        (r: any) => `${r.bucket.slice(0, 10)} ${r.keyName} ${r.model}`
      )
    expect(await names({ models: ['llama-3'] })).toEqual(['2026-06-01 Alpha llama-3'])
    expect(await names({ key: 'Beta' })).toEqual(['2026-06-01 Beta gpt-4o'])
    expect(await names({ department: 'research', models: ['gpt-4o'] })).toEqual([
      '2026-06-01 Alpha gpt-4o',
      '2026-06-02 Alpha gpt-4o'
    ])
    expect(await names({ project: 'Atlas' })).toHaveLength(4)
    expect(await names({ project: 'Nothing' })).toEqual([])
    expect(await names({ start: '2026-06-01T09:30:00Z', end: '2026-06-01T10:05:00Z' })).toEqual([
      '2026-06-01 Alpha llama-3'
    ])
    // The same report through GET with query parameters.
    const viaGet = await admin(
      h.url,
      adminSecret,
      'GET',
      '/usage?start=2026-06-01&end=2026-06-01&interval=per_day&model=gpt-4o&key=Alpha'
    )
    expect(viaGet.body.items.map((r: any) => r.totalTokens)).toEqual([330])
  })

  it('clear errors for bad ranges, unknown keys and bad intervals', async () => {
    const backwards = await admin(h.url, adminSecret, 'POST', '/usage', {
      start: '2026-06-02T00:00:00Z',
      end: '2026-06-01'
    })
    expect(backwards.status).toBe(400)
    expect(backwards.body.error.fields.end).toMatch(/must be after start/)
    const unknown = await admin(h.url, adminSecret, 'POST', '/usage', {
      start: '2026-06-01',
      end: '2026-06-02',
      key: 'Ghost'
    })
    expect(unknown.status).toBe(404)
    const interval = await admin(h.url, adminSecret, 'POST', '/usage', {
      start: '2026-06-01',
      end: '2026-06-02',
      interval: 'weekly'
    })
    expect(interval.status).toBe(400)
    expect(interval.body.error.fields.interval).toBe('Interval must be per_minute, per_hour or per_day.')
    const noStart = await admin(h.url, adminSecret, 'POST', '/usage', { end: '2026-06-02' })
    expect(noStart.body.error.fields.start).toMatch(/Give a date/)
  })

  it('usage stays with the key when it is rotated, and goes when it is deleted', async () => {
    await admin(h.url, adminSecret, 'POST', '/keys/Alpha/rotate', {})
    const after = await admin(h.url, adminSecret, 'POST', '/usage', {
      start: '2026-06-01',
      end: '2026-06-02',
      key: 'Alpha',
      interval: 'per_day'
    })
    expect(after.body.items).toHaveLength(3)
    await admin(h.url, adminSecret, 'DELETE', '/keys/Alpha')
    const gone = await admin(h.url, adminSecret, 'POST', '/usage', {
      start: '2026-06-01',
      end: '2026-06-02',
      interval: 'per_day'
    })
    expect(gone.body.items.map((r: any) => r.keyName)).toEqual(['Beta'])
  })
})

describe('lastUsedAt', () => {
  it('is not written per verification; the server writes it on its timer and on shutdown', async () => {
    const reader = new Database(h.path, { readonly: true })
    try {
      const lastUsed = () =>
        (
          reader.prepare("SELECT last_used_at FROM api_keys WHERE name = 'Beta'").get() as {
            last_used_at: number | null
          }
        ).last_used_at
      h.clock.now = T0 + 5_000
      for (let i = 0; i < 20; i++) expect((await verify(beta)).status).toBe(200)
      // Buffered in the server, not on disk...
      expect(lastUsed()).toBeNull()
      // ...though the admin API (same process) already shows it.
      expect((await admin(h.url, adminSecret, 'GET', '/keys/Beta')).body.key.lastUsedAt).toBe(
        '2026-06-01T12:00:05.000Z'
      )
      await h.server.close()
      expect(lastUsed()).toBe(T0 + 5_000)
    } finally {
      reader.close()
    }
  })

  it('reaches the file within the flush interval', async () => {
    await h.stop()
    h = await serverOnTempRegistry({ lastUsedFlushMs: 50 })
    h.registry.addResource({ model: 'gpt-4o', type: 'PYG' }, ACTOR)
    const secret = h.registry.createKey({ name: 'Gamma' }, ACTOR).secret
    expect((await verify(secret)).status).toBe(200)
    const reader = new Database(h.path, { readonly: true })
    try {
      const at = await waitFor(
        () =>
          (
            reader.prepare("SELECT last_used_at FROM api_keys WHERE name = 'Gamma'").get() as {
              last_used_at: number | null
            }
          ).last_used_at,
        (v) => v !== null
      )
      expect(at).toBe(h.clock.now)
    } finally {
      reader.close()
    }
  })
})
