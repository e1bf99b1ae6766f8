import type { ServerResponse } from 'node:http'
import type { GatewayCode } from '../../core/gateway'

/**
 * Errors in OpenAI's shape, {"error": {"message", "type", "param", "code"}}, so the official SDKs
 * raise their typed errors (AuthenticationError for 401, PermissionDeniedError for 403, …).
 */
export interface OpenAiError {
  message: string
  type: string
  param: string | null
  code: string
}

const TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'invalid_request_error',
  405: 'invalid_request_error',
  413: 'invalid_request_error',
  429: 'rate_limit_error',
  500: 'server_error',
  502: 'upstream_error',
  504: 'upstream_error'
}

export function openAiError(status: number, code: string, message: string, param: string | null = null): OpenAiError {
  return { message, type: TYPE_BY_STATUS[status] ?? 'server_error', param, code }
}

export function sendOpenAiError(
  res: ServerResponse,
  status: number,
  error: OpenAiError,
  headers: Record<string, string> = {}
): void {
  const text = JSON.stringify({ error })
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...(status === 401 ? { 'www-authenticate': 'Bearer realm="keyward"' } : {}),
    ...headers
  })
  res.end(text)
}

/** A refused key or model: its status and the message the client's SDK shows. */
export function refusal(code: GatewayCode, model?: string): { status: number; error: OpenAiError } {
  const m = JSON.stringify((model ?? '').slice(0, 200))
  switch (code) {
    case 'MALFORMED':
      return r(
        401,
        'invalid_api_key',
        'Missing or malformed API key. Send your Keyward key (kw_…) as "Authorization: Bearer <key>", "api-key" or "x-api-key".'
      )
    case 'NOT_FOUND':
      return r(401, 'invalid_api_key', 'Invalid API key: this Keyward registry never issued it.')
    case 'REVOKED':
      return r(
        401,
        'key_revoked',
        'This API key was revoked: it was deleted, or rotated and its grace period ended. Ask for a new key.'
      )
    case 'EXPIRED':
      return r(401, 'key_expired', 'This API key has expired. Ask its owner to extend it or issue a new one.')
    case 'DISABLED':
      return r(403, 'key_disabled', 'This API key is disabled. Ask its owner to enable it.')
    case 'APP_MISMATCH':
      return r(
        403,
        'app_mismatch',
        'This API key is bound to an app: send its exact App ID in the "x-app-name" header.'
      )
    case 'MODEL_NOT_ASSIGNED':
      return r(403, 'model_not_assigned', `This API key may not use the model ${m}. Ask for it to be assigned.`)
    case 'RESOURCE_INACTIVE':
      return r(403, 'resource_inactive', `The model ${m} is inactive in the registry for now.`)
    case 'MODEL_UNKNOWN':
      return r(404, 'model_not_found', `The model ${m} does not exist in this registry.`, 'model')
    case 'RATE_LIMITED':
      return r(429, 'rate_limit_exceeded', `The tokens-per-minute limit of the model ${m} is used up.`)
    case 'VALID':
      return r(500, 'internal_error', 'The request was refused for no stated reason.')
  }
}

function r(status: number, code: string, message: string, param: string | null = null) {
  return { status, error: openAiError(status, code, message, param) }
}
