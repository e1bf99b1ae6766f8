import { OPERATION_NAMES, type KeywardClient, type OperationName } from '@shared/contract'
import { isErrorPayload, KeywardError } from '@shared/errors'

export interface HttpClientOptions {
  /** e.g. "/rpc" or "/v1/admin/rpc". */
  base: string
  /** Extra headers per call (the web console's Authorization). Read on every call, never stored here. */
  headers?: () => Record<string, string>
  /** Called on 401 so the app can ask the user to sign in again. */
  onUnauthorized?: (error: KeywardError) => void
  fetch?: typeof fetch
}

/**
 * The contract over HTTP: `POST <base>/<operation>` with the input as JSON, answered by
 * `{result}` or `{error: {code, message, fields?}}` (src/main/transport/http-rpc.ts).
 * Errors come back as KeywardError, exactly as the preload rebuilds them from IPC.
 */
export function createHttpClient(options: HttpClientOptions): KeywardClient {
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init))
  const base = options.base.replace(/\/+$/, '')

  async function call(operation: OperationName, input: unknown): Promise<unknown> {
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
      throw new KeywardError('INTERNAL', 'Cannot reach the Keyward server. Check that it is still running, then try again.')
    }
    let body: unknown
    try {
      body = await response.json()
    } catch {
      throw new KeywardError('INTERNAL', `The Keyward server answered with something that is not JSON (HTTP ${response.status}). Try again.`)
    }
    const envelope = body as { result?: unknown; error?: unknown }
    if (response.ok && envelope && 'result' in envelope) return envelope.result
    const error = isErrorPayload(envelope?.error)
      ? KeywardError.fromPayload(envelope.error)
      : new KeywardError('INTERNAL', `The Keyward server refused the request (HTTP ${response.status}).`)
    if (error.code === 'UNAUTHORIZED') options.onUnauthorized?.(error)
    throw error
  }

  const client = {} as Record<OperationName, (input: unknown) => Promise<unknown>>
  for (const name of OPERATION_NAMES) client[name] = (input: unknown) => call(name, input)
  return client as unknown as KeywardClient
}
