import { afterEach, beforeEach, expect, it } from 'vitest'
import { USAGE_REPORT_MAX_ROWS, UsageRefused } from '../../../src/main/core/usage'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'

/** The usage core without HTTP: what the CLI (`keys verify`, `usage`) and the IPC bridge get. */
let t: TempRegistry
let secret: string
const ACTOR = 'test'
const T0 = Date.parse('2026-06-01T12:00:00Z')

beforeEach(() => {
  t = tempRegistry({ start: T0 })
  t.registry.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 100 }, ACTOR)
  secret = t.registry.createKey({ name: 'Alpha', resources: ['gpt-4o:TPM'] }, ACTOR).secret
})
afterEach(() => t.close())

it('Registry.verify answers RATE_LIMITED with the key and retryAfter once the window is used up', () => {
  t.clock.now = T0 + 45_500
  t.registry.recordUsage({ key: secret, model: 'gpt-4o', promptTokens: 60, completionTokens: 40 }, t.clock.now)
  const limited = t.registry.verify({ secret, model: 'gpt-4o' })
  expect(limited).toMatchObject({ valid: false, code: 'RATE_LIMITED', retryAfter: 15, key: { name: 'Alpha' } })
  expect(t.registry.verify({ secret })).toMatchObject({ valid: true, code: 'VALID' })
  t.clock.now = T0 + 60_000
  expect(t.registry.verify({ secret, model: 'gpt-4o' }).code).toBe('VALID')
})

it('recordUsage refuses keys that do not verify with UsageRefused carrying the code', () => {
  t.registry.disableKey({ key: 'Alpha' }, ACTOR)
  let error: unknown
  try {
    t.registry.recordUsage({ key: secret, model: 'gpt-4o', promptTokens: 1, completionTokens: 1 }, t.clock.now)
  } catch (e) {
    error = e
  }
  expect(error).toBeInstanceOf(UsageRefused)
  expect(error).toMatchObject({ code: 'FORBIDDEN', verifyCode: 'DISABLED' })
  expect((error as Error).message).not.toContain(secret)
})

it('usageReport refuses a report that would be too large, naming what to narrow', () => {
  const pk = (t.registry.db.prepare("SELECT pk FROM api_keys WHERE name = 'Alpha'").get() as { pk: number }).pk
  const insert = t.registry.db.prepare(
    'INSERT INTO key_usage (key_pk, model, minute, requests, prompt_tokens, completion_tokens) VALUES (?, ?, ?, 1, 1, 1)'
  )
  t.registry.db.transaction(() => {
    for (let i = 0; i <= USAGE_REPORT_MAX_ROWS; i++) insert.run(pk, 'gpt-4o', T0 / 60_000 - i)
  })()
  expect(() => t.registry.usageReport({ start: '2026-04-01', end: '2026-06-01', interval: 'per_minute' })).toThrow(
    /more than 50000 rows/
  )
  const perDay = t.registry.usageReport({ start: '2026-04-01', end: '2026-06-01', interval: 'per_day' })
  expect(perDay.items.reduce((n, r) => n + r.requests, 0)).toBe(USAGE_REPORT_MAX_ROWS + 1)
})
