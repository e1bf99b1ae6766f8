import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ErrorPayload } from '../../shared/errors'
import { readJsonBody, sendJson } from '../transport/http-rpc'

export { sendJson }

/** Verification and usage bodies are a key and a few numbers: anything bigger is a mistake. */
export const SMALL_BODY_BYTES = 16 * 1024

export function sendError(
  res: ServerResponse,
  status: number,
  error: ErrorPayload,
  headers: Record<string, string> = {}
): void {
  sendJson(res, status, { error }, headers)
}

/** A body that is not JSON or too large, as an error the caller can act on. */
export class BodyError extends Error {
  constructor(
    readonly status: number,
    readonly payload: ErrorPayload
  ) {
    super(payload.message)
  }
}

/** Reads a JSON body; undefined when empty. Throws BodyError (400, 413) otherwise. */
export async function readBody(req: IncomingMessage, limit: number): Promise<unknown> {
  try {
    return await readJsonBody(req, limit)
  } catch (error) {
    const status = (error as { status?: number }).status ?? 400
    throw new BodyError(
      status,
      status === 413
        ? {
            code: 'VALIDATION',
            message: `The request body is too large: send at most ${Math.round(limit / 1024)} KiB of JSON.`
          }
        : {
            code: 'VALIDATION',
            message: 'The request body is not valid JSON. Send a JSON object with Content-Type: application/json.'
          }
    )
  }
}

export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** `Authorization: Bearer <token>` → the token; undefined for any other scheme or none. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const auth = headerValue(req, 'authorization')
  if (!auth) return undefined
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(auth)
  return match ? match[1] : undefined
}

/** The peer's address. Forwarded headers are not trusted: a client could set them to dodge throttling. */
export function clientAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown'
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Header values must be Latin-1 without control characters; department and project names may
 * hold any Unicode. Bytes outside printable ASCII (and % itself) are percent-encoded as UTF-8, so
 * an ASCII name passes unchanged and any name round-trips through decodeURIComponent.
 */
export function headerSafe(value: string): string {
  return /^[\x20-\x24\x26-\x7e]*$/.test(value)
    ? value
    : value.replace(/[^\x20-\x24\x26-\x7e]/gu, (c) => encodeURIComponent(c))
}
