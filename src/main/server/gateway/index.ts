import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Clock } from '../../core/clock'
import type { GatewayDecision, GatewayModelsAnswer, GatewayTarget } from '../../core/gateway'
import { headerValue, isPlainObject } from '../http'
import { openAiError, refusal, sendOpenAiError } from './errors'
import { Exchange, UpstreamAgents, type ExchangeOutcome } from './exchange'
import { InFlightWatcher, IN_FLIGHT_CHECK_MS, type LivenessRead } from './in-flight'
import { rateLimitHeaders, type GatewayLimits, type Reservation } from './limits'
import { DEFAULT_MAX_BODY_BYTES, GATEWAY_ENDPOINTS, gatewayKey, MODELS_PATH, readGatewayBody } from './request'
import type { GatewayEndpoint } from './tokens'
import { GatewayUsage, type UsageWrite } from './usage-buffer'

export { DEFAULT_MAX_BODY_BYTES } from './request'

/** How long the gateway waits for an upstream that sends nothing (before its answer, or mid-stream). */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 300_000

/**
 * What the gateway reads: a registry file's Registry (answers at once, from the verifier's memory),
 * or a PostgreSQL node's PgGateway (one statement per question, no cache).
 */
export interface GatewaySource {
  gatewayDecide(
    secret: string | undefined,
    model: string,
    appName: string | undefined
  ): GatewayDecision | Promise<GatewayDecision>
  gatewayModels(
    secret: string | undefined,
    appName: string | undefined
  ): GatewayModelsAnswer | Promise<GatewayModelsAnswer>
  gatewayLiveness: LivenessRead
}

export interface GatewayOptions {
  registry: GatewaySource
  /** Writes the usage the gateway buffered (never on a request's path). */
  writeUsage: UsageWrite
  clock: Clock
  log: (line: string) => void
  maxBodyBytes?: number
  /** Resource id → provider credential, checked before the resource's environment variable. */
  upstreamKeys?: Record<string, string>
  upstreamTimeoutMs?: number
  /** The TPM window and token estimate; without them TPM resources are not limited by the gateway. */
  limits?: GatewayLimits
  /** Milliseconds between re-checks of requests in flight (default IN_FLIGHT_CHECK_MS). */
  inFlightCheckMs?: number
}

/**
 * The OpenAI-compatible gateway on keyward serve's port: POST /v1/chat/completions, /v1/completions,
 * /v1/embeddings, /v1/responses and GET /v1/models. The key is decided as /v1/keys/verify decides
 * it, the model against the key's resources; the request goes to that resource's upstream with
 * the provider credential (never the client's Keyward key), its usage is recorded per key, model
 * and minute, and it is ended if its key goes while it is in flight.
 */
export class Gateway {
  private readonly maxBodyBytes: number
  private readonly timeoutMs: number
  private readonly agents = new UpstreamAgents()
  private readonly inFlight: InFlightWatcher
  private readonly usage: GatewayUsage

  constructor(private readonly o: GatewayOptions) {
    this.maxBodyBytes = o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
    this.timeoutMs = o.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS
    this.inFlight = new InFlightWatcher(
      (checks) => o.registry.gatewayLiveness(checks),
      o.log,
      o.inFlightCheckMs ?? IN_FLIGHT_CHECK_MS
    )
    this.usage = new GatewayUsage(o.writeUsage, o.log)
  }

  /** Whether `path` is one of the gateway's. */
  static serves(path: string): boolean {
    return path === MODELS_PATH || Object.hasOwn(GATEWAY_ENDPOINTS, path)
  }

  /** Requests being carried now. */
  get inFlightCount(): number {
    return this.inFlight.size
  }

  handle(req: IncomingMessage, res: ServerResponse, path: string): void | Promise<void> {
    if (path === MODELS_PATH) return this.models(req, res)
    const route = GATEWAY_ENDPOINTS[path]!
    if (req.method !== 'POST') {
      sendOpenAiError(res, 405, openAiError(405, 'method_not_allowed', `Use POST for ${path}.`), { allow: 'POST' })
      return
    }
    return this.forward(req, res, route.endpoint, route.upstreamPath)
  }

  /**
   * Stops watching, hands over the buffered usage (a file's server drains its write queue after;
   * the promise settles when a PostgreSQL write is done) and closes the window.
   */
  close(): Promise<void> {
    this.inFlight.close()
    const usage = this.usage.close()
    this.o.limits?.window.close()
    this.agents.destroy()
    return usage
  }

  private async models(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET') {
      sendOpenAiError(res, 405, openAiError(405, 'method_not_allowed', 'Use GET for /v1/models.'), { allow: 'GET' })
      return
    }
    const answer = await this.ask(res, () =>
      this.o.registry.gatewayModels(gatewayKey(req), headerValue(req, 'x-app-name'))
    )
    if (!answer) return
    if (!answer.ok) {
      const { status, error } = refusal(answer.code)
      return sendOpenAiError(res, status, error)
    }
    const text = JSON.stringify({
      object: 'list',
      data: answer.models.map((m) => ({ id: m.id, object: 'model', created: m.created, owned_by: 'keyward' }))
    })
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
      'cache-control': 'no-store'
    })
    res.end(text)
  }

  private async forward(
    req: IncomingMessage,
    res: ServerResponse,
    endpoint: GatewayEndpoint,
    upstreamPath: string
  ): Promise<void> {
    const secret = gatewayKey(req)
    const appName = headerValue(req, 'x-app-name')
    const read = await readGatewayBody(req, this.maxBodyBytes)
    if (!read.ok) {
      // 413: the rest of the body is not read; the connection closes after the answer.
      return sendOpenAiError(res, read.status, read.error, read.status === 413 ? { connection: 'close' } : {})
    }
    const { body, model } = read
    const decision = await this.ask(res, () => this.o.registry.gatewayDecide(secret, model, appName))
    if (!decision) return
    if (!decision.ok) {
      const { status, error } = refusal(decision.code, model)
      return sendOpenAiError(res, status, error)
    }
    const { target } = decision
    const upstream = this.upstreamOf(target, model, upstreamPath)
    if (!upstream.ok) return sendOpenAiError(res, 502, upstream.error)

    const streaming = body.stream === true
    const options = isPlainObject(body.stream_options) ? body.stream_options : undefined
    // Usage is recorded for every request: a stream is asked for its usage chunk, hidden if the client did not ask.
    const askUsage = streaming && (endpoint === 'chat' || endpoint === 'completions') && options?.include_usage !== true
    let payload = read.raw
    if (target.upstreamModel !== model || askUsage) {
      const rewritten: Record<string, unknown> = { ...body, model: target.upstreamModel }
      if (askUsage) rewritten.stream_options = { ...options, include_usage: true }
      payload = Buffer.from(JSON.stringify(rewritten))
    }

    let reservation: Reservation | undefined
    let headers: Record<string, string> = {}
    const limits = this.o.limits
    if (target.tpmLimit !== null && limits) {
      const reserve = limits.window.reserve(target.resourceId, target.tpmLimit, limits.estimate(endpoint, body).reserve)
      const result = isPromise(reserve) ? await this.ask(res, () => reserve) : reserve
      if (!result) return
      headers = rateLimitHeaders(result)
      if (!result.ok) {
        return sendOpenAiError(
          res,
          429,
          openAiError(
            429,
            'rate_limit_exceeded',
            result.tooLarge
              ? `This request may use more tokens than the model ${JSON.stringify(model.slice(0, 200))} allows per minute (${result.limit} TPM): shorten the prompt or lower max_tokens.`
              : `The tokens-per-minute limit of the model ${JSON.stringify(model.slice(0, 200))} (${result.limit} TPM) has no room for this request now. Retry in ${result.retryAfterSeconds} s.`
          ),
          { ...headers, 'retry-after': String(result.retryAfterSeconds) }
        )
      }
      reservation = result.reservation
    }

    let unwatch = (): void => undefined
    const done = (outcome: ExchangeOutcome): void => {
      unwatch()
      const answered = outcome.status !== undefined && outcome.status < 400
      if (reservation && limits) {
        if (outcome.tokens) limits.window.settle(reservation, outcome.tokens.prompt + outcome.tokens.completion)
        else if (answered) limits.window.settle(reservation, reservation.tokens)
        else limits.window.release(reservation)
      }
      if (answered)
        this.usage.add(decision.pk, model, this.o.clock(), outcome.tokens?.prompt ?? 0, outcome.tokens?.completion ?? 0)
    }
    const exchange = new Exchange({
      req,
      res,
      url: upstream.url,
      payload,
      credential: upstream.credential,
      model,
      dropUsageOnly: askUsage,
      timeoutMs: this.timeoutMs,
      agents: this.agents,
      headers,
      onDone: done
    })
    unwatch = this.inFlight.add({
      check: { secretHash: decision.secretHash, model, appName },
      end: (code) => exchange.end(code)
    })
    exchange.start()
  }

  /**
   * A question to the registry. A file answers at once; a PostgreSQL node asks its database, and
   * when that fails the client gets 503 with Retry-After (it may try another node), never a
   * decision about its key. undefined: the answer was sent.
   */
  private async ask<T>(res: ServerResponse, question: () => T | Promise<T>): Promise<T | undefined> {
    try {
      return await question()
    } catch (error) {
      this.o.log(`keyward serve: the gateway could not read its registry (${(error as Error)?.message}).`)
      sendOpenAiError(
        res,
        503,
        openAiError(
          503,
          'registry_unavailable',
          'The gateway cannot reach its key registry right now. Try again in a moment, or another node.'
        ),
        { 'retry-after': '1' }
      )
      return undefined
    }
  }

  /** The upstream URL and provider credential of a resource, or why the request cannot go there. */
  private upstreamOf(
    target: GatewayTarget,
    model: string,
    upstreamPath: string
  ): { ok: true; url: URL; credential: string | undefined } | { ok: false; error: ReturnType<typeof openAiError> } {
    // Only for the messages below: not built on the way of every request.
    const m = (): string => JSON.stringify(model.slice(0, 200))
    if (!target.upstreamUrl) {
      return {
        ok: false,
        error: openAiError(
          502,
          'upstream_not_configured',
          `The model ${m()} has no upstream in this registry, so the gateway cannot carry it. An administrator can set one with: keyward resources edit ${target.resourceId} --upstream <base URL>.`
        )
      }
    }
    let credential = this.o.upstreamKeys?.[target.resourceId]
    if (credential === undefined && target.upstreamKeyEnv) {
      credential = process.env[target.upstreamKeyEnv]
      if (!credential) {
        return {
          ok: false,
          error: openAiError(
            502,
            'upstream_credential_missing',
            `The provider credential for model ${m()} is not available: the environment variable ${target.upstreamKeyEnv} is not set for the gateway's process.`
          )
        }
      }
    }
    return { ok: true, url: upstreamUrlOf(target.upstreamUrl, upstreamPath), credential }
  }
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Promise<T> | undefined)?.then === 'function'
}

/** Parsed upstream URLs by base URL and path: the same few, parsed once instead of on every request. */
const upstreamUrls = new Map<string, URL>()

function upstreamUrlOf(base: string, upstreamPath: string): URL {
  const text = base.replace(/\/+$/, '') + upstreamPath
  let url = upstreamUrls.get(text)
  if (!url) {
    if (upstreamUrls.size >= 1_000) upstreamUrls.clear()
    url = new URL(text)
    upstreamUrls.set(text, url)
  }
  return url
}
