import OpenAI, { APIError, RateLimitError } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrateRegistry } from '../../../src/main/core/migrate'
import { openPgRegistry, type PgRegistry } from '../../../src/main/db/pg/open'
import { estimateTokens } from '../../../src/main/server/gateway/tokens'
import { startPgServer, type RunningPgServer } from '../../../src/main/server/pg-server'
import {
  FAKE_COMPLETION_TOKENS,
  FAKE_PROMPT_TOKENS,
  startFakeUpstream,
  type FakeUpstream
} from '../../helpers/fake-upstream'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { POSTGRES_START_TIMEOUT, postgresAvailable, startPostgres, type StartedPostgres } from '../../support/postgres'
import { request, waitFor } from '../server/harness'
import { ACTOR, PROVIDER_KEY, PROVIDER_KEY_ENV } from './setup'

/**
 * The gateway on a team registry: two `keyward serve --gateway` nodes on one PostgreSQL database,
 * the official openai SDK against both. A TPM resource's limit holds across the nodes (the window
 * lives in PostgreSQL), a key disabled through one node's admin API ends the streams in flight on
 * the other, and the usage both nodes carried is written to the shared registry.
 */
const reason = postgresAvailable()
const LIMIT = 600
const MAX_TOKENS = 50
const messages = [{ role: 'user' as const, content: 'Count to three.' }]

describe.skipIf(reason)(`the gateway on PostgreSQL, two nodes${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let cluster: StartedPostgres
  let t: TempRegistry
  let upstream: FakeUpstream
  let direct: PgRegistry
  const nodes: RunningPgServer[] = []
  const secrets: Record<string, string> = {}
  const logs: string[] = []

  beforeAll(async () => {
    process.env[PROVIDER_KEY_ENV] = PROVIDER_KEY
    cluster = await startPostgres()
    upstream = await startFakeUpstream({ chunks: 3, chunkDelayMs: 600 })
    t = tempRegistry()
    const r = t.registry
    const upstreamFields = { upstreamUrl: upstream.url, upstreamKeyEnv: PROVIDER_KEY_ENV }
    r.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: LIMIT, ...upstreamFields }, ACTOR)
    r.addResource({ model: 'o3', type: 'PYG', ...upstreamFields }, ACTOR)
    secrets.burst = r.createKey({ name: 'Burst', resources: ['gpt-4o:TPM'] }, ACTOR).secret
    secrets.streamer = r.createKey({ name: 'Streamer', resources: ['o3:PYG'] }, ACTOR).secret
    secrets.counter = r.createKey({ name: 'Counter', resources: ['o3:PYG'] }, ACTOR).secret
    secrets.admin = r.createKey({ name: 'Ops', kind: 'admin' }, ACTOR).secret
    const url = await cluster.createDatabase()
    const env = cluster.env({ HOME: t.dir })
    await migrateRegistry(t.path, url, { env })
    for (let i = 0; i < 2; i++)
      nodes.push(
        await startPgServer({
          url,
          env,
          port: 0,
          gateway: true,
          upstreamTimeoutMs: 10_000,
          log: (line) => logs.push(line)
        })
      )
    direct = await openPgRegistry(url, { env })
  }, POSTGRES_START_TIMEOUT)

  afterAll(async () => {
    for (const node of nodes) await node.close()
    await direct?.close()
    await upstream?.close()
    t?.close()
    cluster?.stop()
  })

  const client = (node: RunningPgServer, secret: string) =>
    new OpenAI({ apiKey: secret, baseURL: `${node.url}/v1`, maxRetries: 0, timeout: 20_000 })

  it('carries a request to the upstream with the provider credential, lists the key’s models, refuses as a file does', async () => {
    const answer = await client(nodes[0]!, secrets.streamer!).chat.completions.create({ model: 'o3', messages })
    expect(answer.usage).toMatchObject({ prompt_tokens: FAKE_PROMPT_TOKENS, completion_tokens: FAKE_COMPLETION_TOKENS })
    expect(upstream.received.at(-1)!.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`)
    const models = await client(nodes[1]!, secrets.streamer!).models.list()
    expect(models.data.map((m) => m.id)).toEqual(['o3'])
    await expect(
      client(nodes[1]!, secrets.streamer!).chat.completions.create({ model: 'gpt-4o', messages })
    ).rejects.toMatchObject({ status: 403, code: 'model_not_assigned' })
    await expect(
      client(nodes[0]!, 'kw_' + 'x'.repeat(49)).chat.completions.create({ model: 'o3', messages })
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError)
  })

  it('holds a TPM limit across both nodes: a burst through both admits what fits in one window, no more', async () => {
    const reserve = estimateTokens('chat', { model: 'gpt-4o', messages, max_tokens: MAX_TOKENS }).reserve
    const fits = Math.floor(LIMIT / reserve)
    const outcomes = await Promise.all(
      Array.from({ length: 3 * fits }, async (_, i) => {
        try {
          const stream = await client(nodes[i % 2]!, secrets.burst!).chat.completions.create({
            model: 'gpt-4o',
            messages,
            max_tokens: MAX_TOKENS,
            stream: true
          })
          for await (const chunk of stream) void chunk
          return { node: i % 2, ok: true }
        } catch (error) {
          if (error instanceof RateLimitError) return { node: i % 2, ok: false }
          throw error
        }
      })
    )
    const admitted = outcomes.filter((o) => o.ok)
    // Every request of the burst is decided while the first are still streaming (600 ms per chunk).
    expect(admitted.length).toBeLessThanOrEqual(fits)
    expect(admitted.length).toBeGreaterThan(0)
    // Both nodes admitted some: the window was shared, not split per node.
    expect(new Set(admitted.map((o) => o.node)).size).toBe(2)
    const window = async () =>
      (await direct.pool.query<{ n: number }>('SELECT coalesce(sum(tokens), 0)::bigint AS n FROM tpm_window')).rows[0]!
        .n
    expect(await window()).toBeLessThanOrEqual(LIMIT)
    // Each request settled to the tokens the upstream reported, which the nodes also recorded as usage.
    const used = await waitFor(
      async () =>
        (
          await direct.pool.query<{ requests: number; tokens: number }>(
            `SELECT coalesce(sum(requests), 0)::bigint AS requests,
                    coalesce(sum(prompt_tokens + completion_tokens), 0)::bigint AS tokens
               FROM key_usage u JOIN api_keys k ON k.pk = u.key_pk WHERE k.name = 'Burst'`
          )
        ).rows[0]!,
      (u) => u.requests === admitted.length
    )
    await waitFor(window, (n) => n === used.tokens)
  })

  it('a key disabled through one node’s admin API ends its stream in flight on the other node', async () => {
    upstream.options.chunks = 200
    upstream.options.chunkDelayMs = 50
    try {
      const stream = await client(nodes[0]!, secrets.streamer!).chat.completions.create({
        model: 'o3',
        messages,
        stream: true
      })
      let received = 0
      const ended = (async () => {
        try {
          for await (const chunk of stream) if (chunk.choices.length) received++
          return undefined
        } catch (error) {
          return error as APIError
        }
      })()
      await waitFor(
        () => received,
        (n) => n >= 2
      )
      const disabled = await request(`${nodes[1]!.url}/v1/admin/keys/Streamer/disable`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secrets.admin}` }
      })
      expect(disabled.status).toBe(200)
      const error = await ended
      expect(error).toBeInstanceOf(OpenAI.APIError)
      expect(error!.code).toBe('key_disabled')
      // Long before the stream's natural end (200 chunks, 10 s).
      expect(received).toBeLessThan(100)
      // And the next request, on either node, is refused.
      await expect(
        client(nodes[0]!, secrets.streamer!).chat.completions.create({ model: 'o3', messages })
      ).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError)
    } finally {
      upstream.options.chunks = 3
      upstream.options.chunkDelayMs = 600
    }
  })

  it('writes the usage both nodes carried to the shared registry, buffered, never by the request', async () => {
    const usage = async () =>
      (
        await direct.pool.query<{ requests: number; prompt: number; completion: number }>(
          `SELECT coalesce(sum(requests), 0)::bigint AS requests, coalesce(sum(prompt_tokens), 0)::bigint AS prompt,
                  coalesce(sum(completion_tokens), 0)::bigint AS completion
             FROM key_usage u JOIN api_keys k ON k.pk = u.key_pk WHERE k.name = 'Counter'`
        )
      ).rows[0]!
    await Promise.all(
      [0, 1, 0, 1, 1].map((i) => client(nodes[i]!, secrets.counter!).chat.completions.create({ model: 'o3', messages }))
    )
    // Buffered per node, written every 500 ms.
    const after = await waitFor(usage, (u) => u.requests === 5)
    expect(after).toEqual({
      requests: 5,
      prompt: 5 * FAKE_PROMPT_TOKENS,
      completion: 5 * FAKE_COMPLETION_TOKENS
    })
    expect(logs.filter((l) => /not written|failed|could not/.test(l))).toEqual([])
  })
})
