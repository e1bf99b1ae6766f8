import type { Reply, Transport } from '@shared/contract'
import { isErrorPayload } from '@shared/errors'

export interface HttpTransportOptions {
  /** e.g. "/v1/admin/rpc". */
  base: string
  /** Extra headers per call (the web console's Authorization). Read on every call, never stored here. */
  headers?: () => Record<string, string>
  fetch?: typeof fetch
}

function failure(message: string): Reply {
  return { ok: false, error: { code: 'INTERNAL', message } }
}

/**
 * The contract over HTTP: `POST <base>/<operation>` with the input as JSON, answered by
 * `{result}` or `{error: {code, message, fields?}}` (src/main/transport/http-rpc.ts), turned
 * into the same reply the desktop bridge gives.
 */
export function httpTransport(options: HttpTransportOptions): Transport {
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init))
  const base = options.base.replace(/\/+$/, '')
  return async (operation, input) => {
    let response: Response
    try {
      response = await doFetch(`${base}/${operation}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(options.headers?.() ?? {}) },
        body: JSON.stringify(input ?? {}),
        cache: 'no-store',
        credentials: 'same-origin'
      })
    } catch {
      return failure('Cannot reach the Keyward server. Check that it is still running, then try again.')
    }
    let body: { result?: unknown; error?: unknown } | null
    try {
      body = await response.json()
    } catch {
      return failure(
        `The Keyward server answered with something that is not JSON (HTTP ${response.status}). Try again.`
      )
    }
    if (response.ok && body && 'result' in body) return { ok: true, result: body.result }
    if (isErrorPayload(body?.error)) return { ok: false, error: body.error }
    return failure(`The Keyward server refused the request (HTTP ${response.status}).`)
  }
}
