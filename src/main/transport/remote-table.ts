import { OPERATION_NAMES, type OperationName } from '../../shared/contract'
import { isErrorPayload, KeywardError } from '../../shared/errors'
import type { OperationTable } from './dispatch'

/** Operations the desktop app answers on its own machine, whichever registry it is on: never sent to a team server. */
export const DESKTOP_LOCAL_OPERATIONS = [
  'settings.get',
  'settings.set',
  'server.status',
  'clipboard.copySecret',
  'clipboard.release',
  'resources.setUpstreamKey',
  'scan.run',
  'scan.pickFolder',
  'files.export',
  'files.importPick',
  'files.import'
] as const satisfies readonly OperationName[]

/** How long one call waits for the team server before it is called out of reach. */
export const REMOTE_TIMEOUT_MS = 10_000

export interface RemoteTableOptions {
  /** The `keyward serve` node, e.g. https://keys.example.com (a trailing slash is ignored). */
  url: string
  /** An administrator key (kwa_…). Sent only in the Authorization header; never logged, never in an error. */
  adminKey: string
  /** Injected by tests; the global fetch by default. */
  fetch?: typeof fetch
  timeoutMs?: number
}

/** The server URL without trailing slashes (the base every `/v1/admin/rpc/<op>` is joined to). */
export function serverBase(url: string): string {
  return url.trim().replace(/\/+$/, '')
}

/** The "server is out of reach" error: names the server, says what to do, never carries the key. */
export function unreachable(base: string, why: string): KeywardError {
  return new KeywardError(
    'UNREACHABLE',
    `The team server ${base} cannot be reached (${why}). Check your network or VPN and that the server is running; ` +
      'nothing was changed. Keyward retries on its own, or switch to This computer in Settings → Registry.'
  )
}

/** Why fetch failed, in a few words, from the system's error code (never the error's own text). */
function networkReason(error: unknown): string {
  const e = error as { name?: string; cause?: { code?: string; name?: string } }
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.cause?.name === 'TimeoutError')
    return 'it did not answer in time'
  switch (e?.cause?.code) {
    case 'ECONNREFUSED':
      return 'connection refused'
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'its host name could not be found'
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'the connection was closed'
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
      return 'it did not answer in time'
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'no route to it from this computer'
    default:
      return e?.cause?.code ? `network error ${e.cause.code}` : 'network error'
  }
}

/**
 * The contract over a team server's admin API: every operation but the desktop's own
 * (DESKTOP_LOCAL_OPERATIONS) is `POST <url>/v1/admin/rpc/<operation>` with its input as JSON and
 * `Authorization: Bearer <admin key>`. The answer's `result` is returned; an error payload is
 * rebuilt as the same KeywardError (code, message, fields); no answer at all, or a proxy's
 * 502/503/504, is UNREACHABLE. The desktop's own operations throw: the host composes its own over them.
 */
export function remoteOperationTable(options: RemoteTableOptions): OperationTable {
  const base = serverBase(options.url)
  const doFetch = options.fetch ?? fetch
  const timeoutMs = options.timeoutMs ?? REMOTE_TIMEOUT_MS
  const local = new Set<string>(DESKTOP_LOCAL_OPERATIONS)

  async function call(name: OperationName, input: unknown): Promise<unknown> {
    let response: Response
    try {
      response = await doFetch(`${base}/v1/admin/rpc/${name}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          authorization: `Bearer ${options.adminKey}`
        },
        body: JSON.stringify(input ?? {}),
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs)
      })
    } catch (error) {
      throw unreachable(base, networkReason(error))
    }
    let body: unknown
    try {
      body = await response.json()
    } catch (error) {
      const e = error as { name?: string }
      if (e?.name === 'TimeoutError' || e?.name === 'AbortError') throw unreachable(base, 'it did not answer in time')
      body = undefined
    }
    const payload = (body as { error?: unknown } | undefined)?.error
    if (!response.ok && isErrorPayload(payload)) throw KeywardError.fromPayload(payload)
    if ([502, 503, 504].includes(response.status)) throw unreachable(base, `HTTP ${response.status} from the way to it`)
    if (response.ok && body && typeof body === 'object' && 'result' in body) return (body as { result: unknown }).result
    throw new KeywardError(
      'INTERNAL',
      `${base} answered HTTP ${response.status} without a Keyward answer: check that the URL is a keyward serve node ` +
        '(its admin API is at /v1/admin/).'
    )
  }

  const table: Record<string, unknown> = {}
  for (const name of OPERATION_NAMES) {
    table[name] = local.has(name)
      ? () => {
          throw new KeywardError(
            'NOT_FOUND',
            `"${name}" is answered by the desktop app itself, not by the team server.`
          )
        }
      : (input: unknown) => call(name, input)
  }
  return table as OperationTable
}
