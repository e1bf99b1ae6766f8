import http, {
  type ClientRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse
} from 'node:http'
import https from 'node:https'
import { urlToHttpOptions } from 'node:url'
import type { VerifyCode } from '../../../shared/types'
import { openAiError, refusal, sendOpenAiError, type OpenAiError } from './errors'
import { SseUsageTap, usageOfJsonAnswer, type Tokens } from './usage-tap'

/** Keep-alive connections to upstreams, shared by every request of one gateway. */
export class UpstreamAgents {
  // noDelay: a request's headers and body, and each SSE event, leave at once (no Nagle wait for an ACK).
  readonly http = new http.Agent({ keepAlive: true, scheduling: 'lifo', noDelay: true } as http.AgentOptions)
  readonly https = new https.Agent({ keepAlive: true, scheduling: 'lifo', noDelay: true } as https.AgentOptions)

  destroy(): void {
    this.http.destroy()
    this.https.destroy()
  }
}

/** How a request ended, for settling its TPM reservation and recording its usage. */
export interface ExchangeOutcome {
  /** The upstream's status, when it answered at all. */
  status: number | undefined
  /** The upstream's `usage`, when it sent one. */
  tokens: Tokens | undefined
}

export interface ExchangeOptions {
  req: IncomingMessage
  res: ServerResponse
  /** The full upstream URL, e.g. http://127.0.0.1:9000/v1/chat/completions. */
  url: URL
  /** The body to send (the client's, with the model rewritten). */
  payload: Buffer
  /** The provider credential for Authorization: Bearer; none when undefined. */
  credential: string | undefined
  /** The model the client asked for, for messages. */
  model: string
  /** Leave out the usage-only SSE chunk the gateway asked for and the client did not. */
  dropUsageOnly: boolean
  timeoutMs: number
  agents: UpstreamAgents
  /** Extra response headers (the TPM window's x-ratelimit-*). */
  headers: Record<string, string>
  onDone(outcome: ExchangeOutcome): void
}

class UpstreamTimeout extends Error {}

/** Hop-by-hop headers (RFC 9110 §7.6.1): never passed on in either direction (node sets its own framing). */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade'
]

/** Request headers never sent upstream: hop-by-hop ones, framing the gateway sets, the client's Keyward key and app name. */
const NOT_FORWARDED = new Set([
  ...HOP_BY_HOP,
  'host',
  'expect',
  'http2-settings',
  'content-length',
  'accept-encoding',
  'cookie',
  'authorization',
  'api-key',
  'x-api-key',
  'x-app-name'
])

/** Response headers not passed back. */
const NOT_RETURNED = new Set(HOP_BY_HOP)

/** The header names a Connection header lists (RFC 9110 §7.6.1); none for the usual bare keep-alive or close. */
function connectionTokens(headers: IncomingHttpHeaders): Set<string> | undefined {
  const value = headers.connection
  if (!value || value === 'keep-alive' || value === 'close') return undefined
  return new Set(value.split(',').map((t) => t.trim().toLowerCase()))
}

export function upstreamHeaders(
  incoming: IncomingHttpHeaders,
  credential: string | undefined,
  length: number
): OutgoingHttpHeaders {
  const listed = connectionTokens(incoming)
  const out: OutgoingHttpHeaders = {}
  // for…in, not Object.entries: no array per header on every request.
  for (const name in incoming) {
    const value = incoming[name]
    if (value === undefined || NOT_FORWARDED.has(name) || listed?.has(name)) continue
    out[name] = value
  }
  out['content-type'] = 'application/json'
  out['content-length'] = length
  // The SSE tap reads usage from the stream: it must arrive uncompressed.
  out['accept-encoding'] = 'identity'
  if (credential) out.authorization = `Bearer ${credential}`
  return out
}

function downstreamHeaders(incoming: IncomingHttpHeaders, extra: Record<string, string>): OutgoingHttpHeaders {
  const listed = connectionTokens(incoming)
  const out: OutgoingHttpHeaders = {}
  for (const name in incoming) {
    const value = incoming[name]
    if (value === undefined || NOT_RETURNED.has(name) || listed?.has(name)) continue
    out[name] = value
  }
  for (const name in extra) out[name] = extra[name]
  return out
}

/** An upstream URL as request options (host, port, path, auth), converted once per URL (the gateway keeps its URLs). */
const requestOptions = new WeakMap<URL, http.RequestOptions>()

function requestOptionsOf(url: URL): http.RequestOptions {
  let options = requestOptions.get(url)
  if (!options) {
    options = urlToHttpOptions(url)
    requestOptions.set(url, options)
  }
  return options
}

function sseError(error: OpenAiError): string {
  return `event: error\ndata: ${JSON.stringify({ error })}\n\n`
}

/**
 * One request carried to its upstream and back: the body sent once, the answer passed through as
 * it arrives (piped, so a slow client slows the upstream read, never the server's memory), a
 * client that goes away aborts the upstream request, and `end` stops it from outside (the key
 * went while the request was in flight).
 */
export class Exchange {
  private upstream: ClientRequest | undefined
  private response: IncomingMessage | undefined
  private tap: SseUsageTap | undefined
  /** A JSON answer's chunks, kept to read its usage from when it has been passed on. */
  private collected: Buffer[] | undefined
  private status: number | undefined
  private done = false

  constructor(private readonly o: ExchangeOptions) {}

  start(): void {
    const { o } = this
    const secure = o.url.protocol === 'https:'
    const up = (secure ? https : http).request({
      ...requestOptionsOf(o.url),
      method: 'POST',
      headers: upstreamHeaders(o.req.headers, o.credential, o.payload.length),
      agent: secure ? o.agents.https : o.agents.http
    })
    this.upstream = up
    up.setTimeout(o.timeoutMs, () => up.destroy(new UpstreamTimeout()))
    up.on('response', (response) => this.onResponse(response))
    up.on('error', (error) => this.onUpstreamError(error))
    // One listener for both ends: the answer fully passed on ('close' follows 'finish'), or the
    // client gone before its answer was complete (then the upstream work stops too).
    o.res.on('close', () => {
      if (this.done) return
      if (o.res.writableFinished)
        return this.finish(this.tap ? this.tap.usage : this.collected ? usageOfJsonAnswer(this.collected) : undefined)
      this.upstream?.destroy()
      this.finish()
    })
    up.end(o.payload)
  }

  /** Ends the request because its key or model was refused while it was in flight. */
  end(code: VerifyCode): void {
    if (this.done) return
    const { res } = this.o
    const { status, error } = refusal(code, this.o.model)
    error.message = `This request was ended while in flight: ${error.message}`
    this.done = true
    this.upstream?.destroy()
    if (!res.headersSent) sendOpenAiError(res, status, error)
    else if (this.tap) this.closeStream(error)
    else res.destroy()
    this.report()
  }

  private onResponse(response: IncomingMessage): void {
    const { res } = this.o
    if (this.done) {
      response.destroy()
      return
    }
    this.response = response
    this.status = response.statusCode ?? 502
    const headers = downstreamHeaders(response.headers, this.o.headers)
    response.on('error', (error) => this.onUpstreamError(error))
    response.on('aborted', () => this.onUpstreamError(new Error('the upstream closed the connection mid-answer')))
    const type = String(response.headers['content-type'] ?? '')
    if (type.includes('text/event-stream')) {
      // Events may be left out (the usage-only chunk): the length is not known in advance.
      delete headers['content-length']
      const tap = new SseUsageTap(this.o.dropUsageOnly)
      this.tap = tap
      res.writeHead(this.status, headers)
      response.pipe(tap).pipe(res)
      return
    }
    res.writeHead(this.status, headers)
    if (this.status < 400 && type.includes('json')) {
      const collected: Buffer[] = []
      this.collected = collected
      response.on('data', (chunk: Buffer) => collected.push(chunk))
    }
    response.pipe(res)
  }

  private onUpstreamError(error: Error): void {
    if (this.done) return
    const { res } = this.o
    const model = JSON.stringify(this.o.model.slice(0, 200))
    const timedOut = error instanceof UpstreamTimeout
    if (!res.headersSent) {
      const seconds = Math.round(this.o.timeoutMs / 100) / 10
      const failure = timedOut
        ? openAiError(504, 'upstream_timeout', `The upstream of model ${model} did not answer within ${seconds} s.`)
        : openAiError(
            502,
            'upstream_unreachable',
            `The upstream of model ${model} (${this.o.url.origin}) could not be reached: ${(error as NodeJS.ErrnoException).code ?? error.message}.`
          )
      this.done = true
      sendOpenAiError(res, timedOut ? 504 : 502, failure)
      this.report()
      return
    }
    this.done = true
    this.upstream?.destroy()
    if (this.tap) {
      this.closeStream(
        openAiError(
          timedOut ? 504 : 502,
          timedOut ? 'upstream_timeout' : 'upstream_disconnected',
          timedOut
            ? `The upstream of model ${model} stopped sending for ${Math.round(this.o.timeoutMs / 1000)} s.`
            : `The upstream of model ${model} ended the stream early.`
        )
      )
    } else res.destroy()
    this.report()
  }

  /** An SSE answer already under way: an `error` event the SDKs raise, then the end of the stream. */
  private closeStream(error: OpenAiError): void {
    const { res } = this.o
    this.response?.unpipe(this.tap)
    this.tap?.unpipe(res)
    if (res.writableEnded || res.destroyed) return
    res.end(sseError(error))
  }

  private finish(tokens?: Tokens): void {
    if (this.done) return
    this.done = true
    this.report(tokens)
  }

  private report(tokens: Tokens | undefined = this.tap?.usage): void {
    this.o.onDone({ status: this.status, tokens })
  }
}
