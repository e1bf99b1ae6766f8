import OpenAI, { APIError } from 'openai'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { IN_FLIGHT_CHECK_MS } from '../../../src/main/server/gateway/in-flight'
import { cli, waitFor } from '../server/harness'
import { ACTOR, gatewayHarness, type GatewayHarness } from './setup'

/**
 * Requests in flight end when their key goes: a slow streaming upstream (200 chunks, 50 ms apart:
 * 10 s), the key changed while the stream runs, the client's stream fails with the gateway's
 * error long before the upstream would have finished, and the upstream request is aborted.
 * The server runs the real clock (the CLI dates its changes by it).
 */
const CHUNKS = 200
const CHUNK_DELAY_MS = 50
let g: GatewayHarness
let secret: string
let offset = 0

beforeEach(async () => {
  offset = 0
  g = await gatewayHarness({ clock: () => Date.now() + offset }, { chunks: CHUNKS, chunkDelayMs: CHUNK_DELAY_MS })
  // The test's own registry connection dates its changes by the real clock too.
  g.h.clock.now = Date.now()
  g.h.registry.addResource({ model: 'gpt-4o', type: 'PYG' }, ACTOR)
  g.setUpstream('gpt-4o', g.upstream.url)
  secret = g.h.registry.createKey({ name: 'Streamer', resources: ['gpt-4o:PYG'] }, ACTOR).secret
})
afterEach(async () => {
  await g.stop()
})

/** Starts a stream, waits for its first chunks, then returns how reading it ends. */
async function streamUntilEnded(client: OpenAI) {
  const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: [], stream: true })
  let received = 0
  const ended = (async () => {
    try {
      for await (const chunk of stream) if (chunk.choices.length) received++
      return { error: undefined, at: Date.now() }
    } catch (error) {
      return { error: error as APIError, at: Date.now() }
    }
  })()
  await waitFor(
    () => received,
    (n) => n >= 2
  )
  return { ended, received: () => received }
}

describe('in-flight requests end when their key goes', () => {
  it('the key deleted by the CLI in another process: the stream fails with an SSE error long before its end (the time is printed)', async () => {
    const { ended, received } = await streamUntilEnded(g.client(secret))
    const cliStarted = Date.now()
    await cli(g.h.path, 'keys', 'delete', 'Streamer', '--yes')
    const cliExited = Date.now()
    const outcome = await ended
    expect(outcome.error).toBeInstanceOf(OpenAI.APIError)
    expect(outcome.error!.message).toMatch(/ended while in flight.*revoked/i)
    expect(outcome.error!.code).toBe('key_revoked')
    // Far from the stream's natural end: the remaining ~190 chunks were never passed on.
    expect(received()).toBeLessThan(CHUNKS / 2)
    await waitFor(
      () => g.upstream.aborted,
      (n) => n === 1
    )
    console.log(
      `stream ended ${outcome.at - cliStarted} ms after the CLI process started, ${outcome.at - cliExited} ms after it exited (watcher every ${IN_FLIGHT_CHECK_MS} ms)`
    )
    // And the next request is refused at once.
    await expect(g.client(secret).chat.completions.create({ model: 'gpt-4o', messages: [] })).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError
    )
  })

  it('disabled, unassigned or its resource made inactive (by the CLI): each stream ends with its reason', async () => {
    const cases: [string[], string, () => void][] = [
      [['keys', 'disable', 'Streamer'], 'key_disabled', () => g.h.registry.enableKey({ key: 'Streamer' }, ACTOR)],
      [
        ['keys', 'unassign', 'Streamer', '--resource', 'gpt-4o:PYG'],
        'model_not_assigned',
        () => g.h.registry.assignResources({ key: 'Streamer', resources: ['gpt-4o:PYG'] }, ACTOR)
      ],
      [['resources', 'edit', 'gpt-4o:PYG', '--inactive'], 'resource_inactive', () => undefined]
    ]
    for (const [args, code, undo] of cases) {
      const { ended } = await streamUntilEnded(g.client(secret))
      await cli(g.h.path, ...args)
      const outcome = await ended
      expect(outcome.error?.code).toBe(code)
      undo()
    }
  })

  it('the end of a rotation grace window, and expiry, end streams made with that secret', async () => {
    g.h.clock.now = Date.now()
    const rotated = g.h.registry.rotateKey({ key: 'Streamer', graceSeconds: 60 }, ACTOR).secret
    const { ended } = await streamUntilEnded(g.client(secret))
    const fresh = await streamUntilEnded(g.client(rotated))
    offset = 61_000
    expect((await ended).error?.code).toBe('key_revoked')
    // The new secret's stream goes on until the key itself expires.
    g.h.clock.now = Date.now()
    g.h.registry.editKey(
      { key: 'Streamer', changes: { expiresAt: new Date(Date.now() + 120_000).toISOString() } },
      ACTOR
    )
    expect(fresh.received()).toBeGreaterThan(0)
    offset = 200_000
    expect((await fresh.ended).error?.code).toBe('key_expired')
  })

  it('before the upstream answered: an OpenAI-shaped 403 instead of the answer', async () => {
    g.upstream.options.silent = true
    const pending = g
      .client(secret)
      .chat.completions.create({ model: 'gpt-4o', messages: [] })
      .catch((e: unknown) => e)
    await waitFor(
      () => g.upstream.received.length,
      (n) => n === 1
    )
    g.h.registry.disableKey({ key: 'Streamer' }, ACTOR)
    const error = await pending
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError)
    expect((error as APIError).code).toBe('key_disabled')
    await waitFor(
      () => g.upstream.aborted,
      (n) => n === 1
    )
  })
})
