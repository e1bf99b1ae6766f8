import OpenAI, { APIError } from 'openai'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startFakeUpstream, FAKE_COMPLETION_TOKENS, FAKE_PROMPT_TOKENS } from '../../helpers/fake-upstream'
import { cli, request, waitFor } from '../server/harness'
import { ACTOR, deadUrl, gatewayHarness, PROVIDER_KEY, PROVIDER_KEY_ENV, type GatewayHarness } from './setup'

/**
 * The gateway of `keyward serve --gateway` through the official openai SDK, against a fake
 * OpenAI-compatible upstream that records what it received: a real server, a real registry file.
 */
let g: GatewayHarness
let secret: string

beforeEach(async () => {
  g = await gatewayHarness({ maxBodyBytes: 64 * 1024, lastUsedFlushMs: 50 })
  const r = g.h.registry
  for (const model of ['gpt-4o', 'llama-3', 'mistral', 'text-embedding-3-small', 'dead-model', 'upstream-refuses'])
    r.addResource({ model, type: 'PYG' }, ACTOR)
  r.addResource({ model: 'old-model', type: 'PYG', status: 'inactive' }, ACTOR)
  g.setUpstream('gpt-4o', g.upstream.url, 'gpt-4o-2024-08-06', PROVIDER_KEY_ENV)
  g.setUpstream('text-embedding-3-small', `${g.upstream.url}/`, null, PROVIDER_KEY_ENV)
  g.setUpstream('upstream-refuses', g.upstream.url)
  g.setUpstream('old-model', g.upstream.url)
  g.setUpstream('dead-model', await deadUrl())
  secret = r.createKey(
    {
      name: 'ChatApp',
      resources: [
        'gpt-4o:PYG',
        'llama-3:PYG',
        'text-embedding-3-small:PYG',
        'dead-model:PYG',
        'upstream-refuses:PYG',
        'old-model:PYG'
      ]
    },
    ACTOR
  ).secret
})
afterEach(async () => {
  await g.stop()
})

/** Nothing the upstream received holds the client's Keyward key, in any header or the body. */
function expectKeyNeverForwarded(): void {
  expect(g.upstream.received.length).toBeGreaterThan(0)
  for (const r of g.upstream.received) {
    expect(JSON.stringify(r.headers)).not.toContain(secret)
    expect(r.text).not.toContain(secret)
    expect(r.headers['api-key']).toBeUndefined()
    expect(r.headers['x-api-key']).toBeUndefined()
  }
}

describe('carrying requests to the upstream', () => {
  it('chat: the upstream gets its own model name and the provider credential, never the Keyward key', async () => {
    const answer = await g.client(secret).chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Hello' }]
    })
    expect(answer.choices[0]!.message.content).toBe('Hello from upstream')
    const [got] = g.upstream.received
    expect(got!.path).toBe('/v1/chat/completions')
    expect(got!.body.model).toBe('gpt-4o-2024-08-06')
    expect(got!.body.messages).toEqual([{ role: 'user', content: 'Hello' }])
    expect(got!.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`)
    expectKeyNeverForwarded()
  })

  it('the key also comes as api-key or x-api-key; those headers are not forwarded either', async () => {
    for (const header of ['api-key', 'x-api-key']) {
      const a = await request(`${g.base}/chat/completions`, {
        method: 'POST',
        headers: { [header]: secret },
        json: { model: 'gpt-4o', messages: [] }
      })
      expect(a.status).toBe(200)
    }
    expectKeyNeverForwarded()
  })

  it('streaming chat passes chunk by chunk; the usage chunk the gateway asked for is hidden unless the client asked', async () => {
    const stream = await g.client(secret).chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true
    })
    let text = ''
    const chunks = []
    for await (const chunk of stream) {
      chunks.push(chunk)
      text += chunk.choices[0]?.delta.content ?? ''
    }
    expect(text).toBe('tok0 tok1 tok2 ')
    expect(chunks.some((c) => c.usage)).toBe(false)
    // The gateway asked the upstream for usage, to record it.
    expect(g.upstream.received[0]!.body.stream_options).toEqual({ include_usage: true })

    const withUsage = await g.client(secret).chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true }
    })
    let usage: OpenAI.CompletionUsage | undefined | null
    for await (const chunk of withUsage) if (chunk.usage) usage = chunk.usage
    expect(usage).toMatchObject({ prompt_tokens: FAKE_PROMPT_TOKENS, completion_tokens: 3 })
    expectKeyNeverForwarded()
  })

  it('embeddings, completions and responses', async () => {
    const client = g.client(secret)
    const emb = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'hello',
      encoding_format: 'float'
    })
    expect(emb.data[0]!.embedding).toEqual([0.1, 0.2, 0.3])
    const cmpl = await client.completions.create({ model: 'gpt-4o', prompt: 'Say hi' })
    expect(cmpl.choices[0]!.text).toBe('Hello from upstream')
    const resp = await client.responses.create({ model: 'gpt-4o', input: 'Say hi' })
    expect(resp.output_text).toBe('Hello from upstream')
    expect(g.upstream.received.map((r) => [r.path, r.body.model])).toEqual([
      ['/v1/embeddings', 'text-embedding-3-small'],
      ['/v1/completions', 'gpt-4o-2024-08-06'],
      ['/v1/responses', 'gpt-4o-2024-08-06']
    ])
    expectKeyNeverForwarded()
  })

  it('models lists only the calling key’s active models', async () => {
    const page = await g.client(secret).models.list()
    expect(page.data.map((m) => m.id)).toEqual([
      'dead-model',
      'gpt-4o',
      'llama-3',
      'text-embedding-3-small',
      'upstream-refuses'
    ])
  })

  it('a provider credential given per resource (upstreamKeys) wins over the environment variable', async () => {
    await g.h.server.close()
    const resource = g.h.registry.findResource('gpt-4o:PYG')!
    const { startServer } = await import('../../../src/main/server/server')
    const server = await startServer({
      dbPath: g.h.path,
      port: 0,
      gateway: true,
      outboxIntervalMs: 0,
      smtpPassword: null,
      upstreamKeys: { [resource.id]: 'sk-from-options' }
    })
    try {
      const client = new OpenAI({ apiKey: secret, baseURL: `${server.url}/v1`, maxRetries: 0 })
      await client.chat.completions.create({ model: 'gpt-4o', messages: [] })
      expect(g.upstream.received.at(-1)!.headers.authorization).toBe('Bearer sk-from-options')
    } finally {
      await server.close()
    }
  })
})

describe('refusals in OpenAI’s shape, as the SDK’s typed errors', () => {
  const chat = (client: OpenAI, model: string) => client.chat.completions.create({ model, messages: [] })

  it('401 AuthenticationError: a malformed, unknown or deleted key', async () => {
    await expect(chat(g.client('kw_nope'), 'gpt-4o')).rejects.toBeInstanceOf(OpenAI.AuthenticationError)
    const other = g.h.registry.createKey({ name: 'Gone', resources: ['gpt-4o:PYG'] }, ACTOR).secret
    g.h.registry.deleteKey({ key: 'Gone' }, ACTOR)
    const error = await chat(g.client(other), 'gpt-4o').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError)
    expect((error as APIError).code).toBe('key_revoked')
    const missing = await request(`${g.base}/chat/completions`, { method: 'POST', json: { model: 'gpt-4o' } })
    expect(missing.status).toBe(401)
    expect(missing.body.error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key', param: null })
    expect(g.upstream.received).toEqual([])
  })

  it('403 PermissionDeniedError: model not assigned, resource inactive, key disabled, app mismatch', async () => {
    const client = g.client(secret)
    const codeOf = async (p: Promise<unknown>) => {
      const error = await p.catch((e: unknown) => e)
      expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError)
      return (error as APIError).code
    }
    expect(await codeOf(chat(client, 'mistral'))).toBe('model_not_assigned')
    expect(await codeOf(chat(client, 'old-model'))).toBe('resource_inactive')
    const bound = g.h.registry.createKey({ name: 'Billing', resources: ['gpt-4o:PYG'], appId: 'billing' }, ACTOR).secret
    expect(await codeOf(chat(g.client(bound), 'gpt-4o'))).toBe('app_mismatch')
    await expect(chat(g.client(bound, { 'x-app-name': 'billing' }), 'gpt-4o')).resolves.toBeTruthy()
    g.h.registry.disableKey({ key: 'ChatApp' }, ACTOR)
    expect(await codeOf(chat(client, 'gpt-4o'))).toBe('key_disabled')
    expect(g.upstream.received).toHaveLength(1)
  })

  it('404 NotFoundError: a model this registry does not have', async () => {
    const error = await chat(g.client(secret), 'gpt-9').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.NotFoundError)
    expect((error as APIError).code).toBe('model_not_found')
    expect((error as APIError).param).toBe('model')
  })

  it('400 BadRequestError: no model, a body that is not JSON; an upstream’s own error passes through unchanged', async () => {
    const error = await chat(g.client(secret), '').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect((error as APIError).code).toBe('missing_model')
    const notJson = await request(`${g.base}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: '{"model": '
    })
    expect(notJson.status).toBe(400)
    expect(notJson.body.error.code).toBe('invalid_json')
    const upstreamError = await chat(g.client(secret), 'upstream-refuses').catch((e: unknown) => e)
    expect(upstreamError).toBeInstanceOf(OpenAI.BadRequestError)
    expect((upstreamError as APIError).error).toEqual({
      message: 'The upstream refuses this.',
      type: 'invalid_request_error',
      param: null,
      code: 'upstream_says_no'
    })
  })

  it('429 RateLimitError with Retry-After and x-ratelimit-* when a TPM resource’s window has no room', async () => {
    g.h.registry.addResource({ model: 'gpt-4o-mini', type: 'TPM', tpmLimit: 200 }, ACTOR)
    g.setUpstream('gpt-4o-mini', g.upstream.url)
    g.h.registry.assignResources({ key: 'ChatApp', resources: ['gpt-4o-mini:TPM'] }, ACTOR)
    const client = g.client(secret)
    const ask = () =>
      client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hi' }],
        max_tokens: 120
      })
    // The first request holds its reservation (prompt + max_tokens) while the upstream is silent.
    g.upstream.options.silent = true
    const held = ask().catch((e: unknown) => e)
    await waitFor(
      () => g.upstream.received.length,
      (n) => n === 1
    )
    const error = await ask().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
    const headers = (error as APIError).headers!
    expect(Number(headers.get('retry-after'))).toBeGreaterThan(0)
    expect(headers.get('x-ratelimit-limit-tokens')).toBe('200')
    expect(Number(headers.get('x-ratelimit-remaining-tokens'))).toBeLessThan(120)
    expect(headers.get('x-ratelimit-reset-tokens')).toMatch(/^\d+s$/)
    expect((error as APIError).code).toBe('rate_limit_exceeded')
    expect(g.upstream.received).toHaveLength(1)
    // A request that could never fit says so.
    const huge = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [], max_tokens: 5000 })
      .catch((e: unknown) => e)
    expect(huge).toBeInstanceOf(OpenAI.RateLimitError)
    expect((huge as APIError).message).toMatch(/lower max_tokens/)
    expect((await held) as APIError).toBeInstanceOf(OpenAI.APIError) // 504 once the upstream's silence times out
  })

  it('413 for a body over the limit; nothing reaches the upstream', async () => {
    const a = await request(`${g.base}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}` },
      json: { model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(70 * 1024) }] }
    })
    expect(a.status).toBe(413)
    expect(a.body.error).toMatchObject({ code: 'request_too_large', type: 'invalid_request_error' })
    expect(g.upstream.received).toEqual([])
  })

  it('502 for a resource without an upstream, or an upstream that cannot be reached; 504 for one that does not answer', async () => {
    const client = g.client(secret)
    const none = await chat(client, 'llama-3').catch((e: unknown) => e)
    expect((none as APIError).status).toBe(502)
    expect((none as APIError).message).toMatch(/has no upstream.*resources edit/)
    const dead = await chat(client, 'dead-model').catch((e: unknown) => e)
    expect((dead as APIError).status).toBe(502)
    expect((dead as APIError).code).toBe('upstream_unreachable')

    const silent = await startFakeUpstream()
    silent.options.silent = true
    try {
      g.setUpstream('gpt-4o', silent.url)
      const slow = await chat(client, 'gpt-4o').catch((e: unknown) => e)
      expect((slow as APIError).status).toBe(504)
      expect((slow as APIError).code).toBe('upstream_timeout')
    } finally {
      await silent.close()
    }
  })

  it('502 naming the variable when the provider credential’s environment variable is not set', async () => {
    g.setUpstream('gpt-4o', g.upstream.url, null, 'KEYWARD_TEST_UNSET_VARIABLE')
    const error = await chat(g.client(secret), 'gpt-4o').catch((e: unknown) => e)
    expect((error as APIError).status).toBe(502)
    expect((error as APIError).message).toContain('KEYWARD_TEST_UNSET_VARIABLE')
    expect(g.upstream.received).toEqual([])
  })
})

describe('usage and lastUsedAt without POST /v1/usage', () => {
  it('every request’s tokens land per key, model and minute: keyward usage shows them', async () => {
    const client = g.client(secret)
    await client.chat.completions.create({ model: 'gpt-4o', messages: [] })
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: [], stream: true })
    for await (const chunk of stream) void chunk
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'x', encoding_format: 'float' })
    const rows = await waitFor(
      async () => {
        const { stdout } = await cli(
          g.h.path,
          '--json',
          'usage',
          '--start',
          '2026-06-01',
          '--end',
          '2026-06-01',
          '--interval',
          'per_minute'
        )
        return (JSON.parse(stdout) as { items: any[] }).items
      },
      (items) => items.length === 2
    )
    expect(rows).toEqual([
      expect.objectContaining({
        bucket: '2026-06-01T12:00:00.000Z',
        keyName: 'ChatApp',
        model: 'gpt-4o',
        requests: 2,
        promptTokens: 2 * FAKE_PROMPT_TOKENS,
        completionTokens: FAKE_COMPLETION_TOKENS + 3
      }),
      expect.objectContaining({ model: 'text-embedding-3-small', requests: 1, promptTokens: 5, completionTokens: 0 })
    ])
    await waitFor(
      () => g.h.registry.getKey({ key: 'ChatApp' }).key.lastUsedAt,
      (at) => at === '2026-06-01T12:00:00.000Z'
    )
  })

  it('a client that goes away aborts the upstream request', async () => {
    g.upstream.options.chunks = 200
    g.upstream.options.chunkDelayMs = 50
    const controller = new AbortController()
    const stream = await g
      .client(secret)
      .chat.completions.create({ model: 'gpt-4o', messages: [], stream: true }, { signal: controller.signal })
    const reading = (async () => {
      for await (const chunk of stream) void chunk
    })().catch((e: unknown) => e)
    await waitFor(
      () => g.upstream.chunksSent,
      (n) => n >= 2
    )
    controller.abort()
    await reading
    await waitFor(
      () => g.upstream.aborted,
      (n) => n === 1
    )
    expect(g.upstream.chunksSent).toBeLessThan(200)
  })
})
