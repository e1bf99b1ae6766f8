import type { IncomingMessage, ServerResponse } from 'node:http'
import type { CallContext } from '../core/operations'
import { dispatch, HTTP_STATUS, type OperationTable } from './dispatch'

export const MAX_BODY_BYTES = 1024 * 1024

/** Reads a JSON body of at most `limit` bytes; undefined for an empty body. */
export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > limit) throw Object.assign(new Error('body too large'), { status: 413 })
    chunks.push(chunk as Buffer)
  }
  if (size === 0) return undefined
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw Object.assign(new Error('invalid JSON'), { status: 400 })
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
): void {
  const payload = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    // Answers may carry a secret (create, rotate): never let anything cache them.
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    // 503 is only ever "the registry was busy past the write deadline" (BUSY): a moment is enough.
    ...(status === 503 ? { 'retry-after': '1' } : {}),
    ...headers
  })
  res.end(payload)
}

/**
 * `POST <prefix>/<operation>` with the input as JSON → 200 `{result}` or an error status with
 * `{error: {code, message, fields?}}`. The HTTP face of the same contract the IPC bridge serves.
 */
export async function handleRpc(
  req: IncomingMessage,
  res: ServerResponse,
  operation: string,
  table: OperationTable,
  ctx: CallContext
): Promise<void> {
  if (req.method !== 'POST') {
    sendJson(res, 405, { error: { code: 'VALIDATION', message: 'Use POST with a JSON body.' } }, { allow: 'POST' })
    return
  }
  let input: unknown
  try {
    input = await readJsonBody(req)
  } catch (error) {
    const status = (error as { status?: number }).status ?? 400
    sendJson(res, status, {
      error: {
        code: 'VALIDATION',
        message: status === 413 ? 'The request body is too large.' : 'The request body is not valid JSON.'
      }
    })
    return
  }
  const outcome = await dispatch(table, operation, input, ctx)
  if (outcome.ok) sendJson(res, 200, { result: outcome.result })
  else sendJson(res, HTTP_STATUS[outcome.error.code], { error: outcome.error })
}
