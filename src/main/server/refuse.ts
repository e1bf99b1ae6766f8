import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'

/** Methods some route of the server answers; an unparseable method is told these. */
export const KNOWN_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE'

function rawAnswer(socket: Duplex, status: number, reason: string, code: string, message: string, extra = ''): void {
  const body = JSON.stringify({ error: { code, message } })
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Cache-Control: no-store\r\nConnection: close\r\n${extra}\r\n${body}`
  )
}

/**
 * Requests node:http cannot parse (an unknown method, control characters or bad bytes in the
 * request line or headers, headers over the size limit, a request too slow): a JSON 4xx and the
 * connection closed, never a 500 or a silent reset. Names only what was wrong, never echoes input.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable || (socket as Duplex & { _httpMessage?: unknown })._httpMessage) {
    socket.destroy()
    return
  }
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return rawAnswer(
        socket,
        431,
        'Request Header Fields Too Large',
        'VALIDATION',
        'The request headers are too large: send at most 16 KiB of headers.'
      )
    case 'HPE_INVALID_METHOD':
      return rawAnswer(
        socket,
        405,
        'Method Not Allowed',
        'VALIDATION',
        `Unknown method. Use ${KNOWN_METHODS}.`,
        `Allow: ${KNOWN_METHODS}\r\n`
      )
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return rawAnswer(
        socket,
        408,
        'Request Timeout',
        'VALIDATION',
        'The request took too long to arrive. Send the headers and body without pausing.'
      )
    default:
      return rawAnswer(
        socket,
        400,
        'Bad Request',
        'VALIDATION',
        'The request is not valid HTTP/1.1 (bad request line, header, encoding or control characters).'
      )
  }
}

/** CONNECT (a proxy tunnel) is not something this server does. */
export function refuseConnect(_req: IncomingMessage, socket: Duplex): void {
  rawAnswer(
    socket,
    405,
    'Method Not Allowed',
    'VALIDATION',
    `This is not a proxy: CONNECT is not supported. Use ${KNOWN_METHODS}.`,
    `Allow: ${KNOWN_METHODS}\r\n`
  )
}
