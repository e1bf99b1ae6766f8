import OpenAI, { RateLimitError } from 'openai'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../../src/main/server/server'
import { estimateTokens } from '../../../src/main/server/gateway/tokens'
import { FAKE_PROMPT_TOKENS } from '../../helpers/fake-upstream'
import { ACTOR, gatewayHarness, PROVIDER_KEY_ENV, type GatewayHarness } from './setup'

/**
 * The TPM window end to end: the official openai SDK, the real gateway, a fake upstream slow
 * enough that every request of a burst is decided before any finishes. The clock is held still,
 * so the whole test lives in one second of the window.
 */
const LIMIT = 1_000
const MAX_TOKENS = 100
const CHUNKS = 3
const messages = [{ role: 'user' as const, content: 'Count to three.' }]

let g: GatewayHarness
let secret: string
let restarted: RunningServer | undefined

beforeEach(async () => {
  g = await gatewayHarness({}, { chunks: CHUNKS, chunkDelayMs: 1_200 })
  g.h.registry.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: LIMIT }, ACTOR)
  g.setUpstream('gpt-4o', g.upstream.url, null, PROVIDER_KEY_ENV)
  secret = g.h.registry.createKey({ name: 'Burst', resources: ['gpt-4o:TPM'] }, ACTOR).secret
})
afterEach(async () => {
  await restarted?.close()
  restarted = undefined
  await g.stop()
})

/** A streamed chat read to its end; 'limited' when the gateway answered 429. */
async function chat(client: OpenAI, maxTokens: number): Promise<'ok' | 'limited'> {
  try {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages,
      max_tokens: maxTokens,
      stream: true
    })
    for await (const chunk of stream) void chunk
    return 'ok'
  } catch (error) {
    if (error instanceof RateLimitError) return 'limited'
    throw error
  }
}

describe('TPM through the gateway', () => {
  it('a concurrent burst admits exactly what fits the limit, every request having set max_tokens (overshoot 0)', async () => {
    const reserve = estimateTokens('chat', { model: 'gpt-4o', messages, max_tokens: MAX_TOKENS }).reserve
    expect(reserve).toBeGreaterThan(MAX_TOKENS)
    const fits = Math.floor(LIMIT / reserve)
    const burst = 3 * fits
    const client = g.client(secret)
    const outcomes = await Promise.all(Array.from({ length: burst }, () => chat(client, MAX_TOKENS)))

    const admitted = outcomes.filter((o) => o === 'ok').length
    expect(admitted).toBe(fits)
    expect(outcomes.filter((o) => o === 'limited')).toHaveLength(burst - fits)
    // Only the admitted requests reached the upstream.
    expect(g.upstream.received.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(fits)
  })

  it('the refusal carries Retry-After and the x-ratelimit headers', async () => {
    const reserve = estimateTokens('chat', { model: 'gpt-4o', messages, max_tokens: LIMIT }).reserve
    const res = await fetch(`${g.base}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages, max_tokens: LIMIT })
    })
    expect(reserve).toBeGreaterThan(LIMIT)
    expect(res.status).toBe(429)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(res.headers.get('x-ratelimit-limit-tokens')).toBe(String(LIMIT))
    expect(res.headers.get('x-ratelimit-remaining-tokens')).toBe(String(LIMIT))
    const body = (await res.json()) as { error: { code: string; type: string } }
    expect(body.error.code).toBe('rate_limit_exceeded')
  })

  it('a gateway restarted mid-window keeps the window’s count', async () => {
    const client = g.client(secret)
    expect(await chat(client, MAX_TOKENS)).toBe('ok')
    expect(await chat(client, MAX_TOKENS)).toBe('ok')
    // Settled to the upstream's usage: its prompt tokens plus one completion token per chunk.
    const used = 2 * (FAKE_PROMPT_TOKENS + CHUNKS)
    const prompt = estimateTokens('chat', { model: 'gpt-4o', messages, max_tokens: 1 }).prompt
    await g.h.server.close()

    restarted = await startServer({
      dbPath: g.h.path,
      host: '127.0.0.1',
      port: 0,
      gateway: true,
      clock: () => g.h.clock.now,
      outboxIntervalMs: 0,
      smtpPassword: null,
      log: () => undefined
    })
    const again = new OpenAI({ apiKey: secret, baseURL: `${restarted.url}/v1`, maxRetries: 0 })
    // One token more than is left in the window is refused; exactly what is left is admitted.
    expect(await chat(again, LIMIT - used - prompt + 1)).toBe('limited')
    expect(await chat(again, LIMIT - used - prompt)).toBe('ok')
  })
})
