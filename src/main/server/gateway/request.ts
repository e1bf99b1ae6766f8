import type { IncomingMessage } from 'node:http'
import { bearerToken, headerValue, isPlainObject } from '../http'
import { openAiError, type OpenAiError } from './errors'
import type { GatewayEndpoint } from './tokens'

/** The endpoints the gateway carries, by path, and where each goes under the upstream's base URL. */
export const GATEWAY_ENDPOINTS: Readonly<Record<string, { endpoint: GatewayEndpoint; upstreamPath: string }>> = {
  '/v1/chat/completions': { endpoint: 'chat', upstreamPath: '/chat/completions' },
  '/v1/completions': { endpoint: 'completions', upstreamPath: '/completions' },
  '/v1/embeddings': { endpoint: 'embeddings', upstreamPath: '/embeddings' },
  '/v1/responses': { endpoint: 'responses', upstreamPath: '/responses' }
}

export const MODELS_PATH = '/v1/models'

/** The default limit on a gateway request body: 10 MB (413 beyond). */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024

/** The caller's Keyward key: Authorization: Bearer (OpenAI SDKs), api-key (Azure style) or x-api-key. */
export function gatewayKey(req: IncomingMessage): string | undefined {
  return bearerToken(req) ?? headerValue(req, 'api-key') ?? headerValue(req, 'x-api-key')
}

export type BodyOutcome =
  | { ok: true; raw: Buffer; body: Record<string, unknown>; model: string }
  | { ok: false; status: number; error: OpenAiError }

/**
 * Reads the JSON body up to `limit` bytes (413 beyond, without reading the rest) and its model
 * (400 when the body is not a JSON object or has no model).
 */
export function readGatewayBody(req: IncomingMessage, limit: number): Promise<BodyOutcome> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'])
    if (declared > limit) return resolve(tooLarge(limit))
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        req.off('data', onData)
        req.off('end', onEnd)
        resolve(tooLarge(limit))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)
      let body: unknown
      try {
        body = JSON.parse(raw.toString('utf8'))
      } catch {
        return resolve(
          bad(
            'invalid_json',
            'The request body is not valid JSON. Send a JSON object with Content-Type: application/json.'
          )
        )
      }
      if (!isPlainObject(body))
        return resolve(bad('invalid_body', 'The request body must be a JSON object like {"model": "gpt-4o", …}.'))
      const model = body.model
      if (typeof model !== 'string' || model === '')
        return resolve(bad('missing_model', 'The request body names no model: add "model": "<model id>".', 'model'))
      resolve({ ok: true, raw, body, model })
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', reject)
  })
}

function tooLarge(limit: number): BodyOutcome {
  const mb = limit >= 1024 * 1024 ? `${+(limit / (1024 * 1024)).toFixed(1)} MB` : `${Math.round(limit / 1024)} KiB`
  return {
    ok: false,
    status: 413,
    error: openAiError(413, 'request_too_large', `The request body is too large: this gateway takes at most ${mb}.`)
  }
}

function bad(code: string, message: string, param: string | null = null): BodyOutcome {
  return { ok: false, status: 400, error: openAiError(400, code, message, param) }
}
