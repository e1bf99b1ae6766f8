import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A fake OpenAI-compatible upstream for the gateway's tests and benchmark: chat completions
 * (plain, and SSE streaming with a final usage-only chunk when stream_options.include_usage),
 * completions, embeddings, responses and models. It records what it received (headers and body)
 * so tests can prove what the gateway forwarded, and can be made slow (streaming) or silent.
 */
export interface ReceivedRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  /** The raw body text (what the gateway sent, byte for byte). */
  text: string
  body: any
}

export interface FakeUpstreamOptions {
  /** Content chunks per streamed answer (default 3). */
  chunks?: number
  /** Milliseconds between streamed chunks (default 0). */
  chunkDelayMs?: number
  /** Record requests (default true; the benchmark turns it off). */
  record?: boolean
}

export const FAKE_PROMPT_TOKENS = 11
export const FAKE_COMPLETION_TOKENS = 7

export interface FakeUpstream {
  /** The base URL a resource's upstream points at, e.g. http://127.0.0.1:9000/v1 */
  url: string
  received: ReceivedRequest[]
  /** Requests whose client went away before the answer was complete. */
  aborted: number
  /** Streamed chunks written so far, over all requests. */
  chunksSent: number
  /** Change the behaviour of later requests. */
  options: Required<FakeUpstreamOptions> & { silent: boolean }
  close(): Promise<void>
}

export async function startFakeUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const state: FakeUpstream = {
    url: '',
    received: [],
    aborted: 0,
    chunksSent: 0,
    options: { chunks: 3, chunkDelayMs: 0, record: true, silent: false, ...options },
    close: async () => undefined
  }
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = []
    req.on('data', (c: Buffer) => parts.push(c))
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8')
      let body: any
      try {
        body = text ? JSON.parse(text) : undefined
      } catch {
        body = undefined
      }
      const path = (req.url ?? '/').split('?')[0]!
      if (state.options.record)
        state.received.push({ method: req.method ?? '', path, headers: req.headers, text, body })
      res.on('close', () => {
        if (!res.writableFinished) state.aborted++
      })
      if (state.options.silent) return // never answers: the gateway's timeout must act
      const json = (status: number, doc: unknown) => {
        const out = JSON.stringify(doc)
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) })
        res.end(out)
      }
      const model = body?.model
      if (model === 'upstream-refuses') {
        return json(400, {
          error: {
            message: 'The upstream refuses this.',
            type: 'invalid_request_error',
            param: null,
            code: 'upstream_says_no'
          }
        })
      }
      if (req.method === 'GET' && path === '/v1/models') {
        return json(200, {
          object: 'list',
          data: [{ id: 'upstream-model', object: 'model', created: 0, owned_by: 'fake' }]
        })
      }
      const usage = { prompt_tokens: FAKE_PROMPT_TOKENS, completion_tokens: FAKE_COMPLETION_TOKENS, total_tokens: 18 }
      if (path === '/v1/chat/completions' || path === '/v1/completions') {
        const chat = path === '/v1/chat/completions'
        if (body?.stream === true) return stream(res, body, chat, state)
        return json(200, {
          id: chat ? 'chatcmpl-fake' : 'cmpl-fake',
          object: chat ? 'chat.completion' : 'text_completion',
          created: 1_780_000_000,
          model,
          choices: [
            chat
              ? { index: 0, message: { role: 'assistant', content: 'Hello from upstream' }, finish_reason: 'stop' }
              : { index: 0, text: 'Hello from upstream', finish_reason: 'stop', logprobs: null }
          ],
          usage
        })
      }
      if (path === '/v1/embeddings') {
        return json(200, {
          object: 'list',
          data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2, 0.3] }],
          model,
          usage: { prompt_tokens: 5, total_tokens: 5 }
        })
      }
      if (path === '/v1/responses') {
        return json(200, {
          id: 'resp_fake',
          object: 'response',
          created_at: 1_780_000_000,
          status: 'completed',
          model,
          output: [
            {
              type: 'message',
              id: 'msg_fake',
              status: 'completed',
              role: 'assistant',
              content: [{ type: 'output_text', text: 'Hello from upstream', annotations: [] }]
            }
          ],
          usage: { input_tokens: 9, output_tokens: 4, total_tokens: 13 }
        })
      }
      json(404, { error: { message: `No route ${path}`, type: 'invalid_request_error', param: null, code: null } })
    })
  })
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  state.url = `http://127.0.0.1:${port}/v1`
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return state
}

function stream(res: import('node:http').ServerResponse, body: any, chat: boolean, state: FakeUpstream): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  const { chunks, chunkDelayMs } = state.options
  const base = {
    id: chat ? 'chatcmpl-fake' : 'cmpl-fake',
    object: chat ? 'chat.completion.chunk' : 'text_completion',
    created: 1_780_000_000,
    model: body.model
  }
  const piece = (i: number) =>
    chat
      ? {
          index: 0,
          delta: i === 0 ? { role: 'assistant', content: `tok${i} ` } : { content: `tok${i} ` },
          finish_reason: null
        }
      : { index: 0, text: `tok${i} `, finish_reason: null, logprobs: null }
  let i = 0
  const next = () => {
    if (res.destroyed) return
    if (i < chunks) {
      res.write(`data: ${JSON.stringify({ ...base, choices: [piece(i)] })}\n\n`)
      state.chunksSent++
      i++
      if (chunkDelayMs > 0) setTimeout(next, chunkDelayMs)
      else next()
      return
    }
    res.write(
      `data: ${JSON.stringify({ ...base, choices: [chat ? { index: 0, delta: {}, finish_reason: 'stop' } : { index: 0, text: '', finish_reason: 'stop', logprobs: null }] })}\n\n`
    )
    if (body.stream_options?.include_usage === true) {
      res.write(
        `data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: FAKE_PROMPT_TOKENS, completion_tokens: chunks, total_tokens: FAKE_PROMPT_TOKENS + chunks } })}\n\n`
      )
    }
    res.end('data: [DONE]\n\n')
  }
  next()
}
