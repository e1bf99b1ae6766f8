import { readFileSync } from 'node:fs'
import type { Server } from 'node:http'
import type { Socket } from 'node:net'

/** How long a connection may sit or dawdle, and how many a client (and the process) may hold. */
export interface SocketLimits {
  /** An idle keep-alive connection is closed after this many ms without a new request. */
  keepAliveMs: number
  /** The request line and headers must arrive within this many ms. */
  headersMs: number
  /** The whole request (headers and body) must arrive within this many ms. */
  requestMs: number
  /**
   * A connection with no traffic either way (including one that never sends a byte) is closed
   * after this many ms; at most headersMs (node:http 20 keeps a silent socket open when the
   * socket timeout is longer than its headers timeout). A handler silent this long loses its socket.
   */
  idleSocketMs: number
  /** Open connections one client address may hold; more are closed as they arrive. */
  maxConnectionsPerClient: number
  /** Open connections in all; past it the oldest idle connections are closed to admit new ones. Default: from the open-file limit. */
  maxConnections?: number
}

export const DEFAULT_SOCKET_LIMITS: SocketLimits = {
  keepAliveMs: 5_000,
  headersMs: 10_000,
  requestMs: 20_000,
  idleSocketMs: 10_000,
  maxConnectionsPerClient: 256
}

/** File descriptors kept for the registry (db, WAL, shm), the listener, static files and Node itself. */
export const RESERVED_DESCRIPTORS = 128

/**
 * The process's open-file soft limit (Linux: /proc/self/limits), undefined where it cannot be read.
 * Node already raises the soft limit to the hard limit at startup; only `ulimit -n` (or systemd's
 * LimitNOFILE) can raise the hard limit, so the server sizes its connection budget to what it has.
 */
export function openFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'))
    const soft = line?.split(/\s{2,}/)[1]
    return soft && /^\d+$/.test(soft) ? Number(soft) : undefined
  } catch {
    return undefined
  }
}

/** The connection budget for an open-file limit: what is left after the reserve, at least 64. */
export function connectionBudget(limit = openFileLimit()): number {
  return limit === undefined ? 10_000 : Math.max(64, limit - RESERVED_DESCRIPTORS)
}

interface Tracked {
  client: string
}

/**
 * Applies the limits to a node:http server. Counting happens per connection, never per request, so
 * the verify hot path pays nothing. When the budget is reached, idle connections are closed,
 * oldest first and those that never sent a byte before the rest, so a new client always gets in
 * instead of the accept queue failing with EMFILE.
 */
export function applySocketLimits(
  server: Server,
  limits: SocketLimits
): { readonly open: number; readonly maxConnections: number } {
  server.keepAliveTimeout = limits.keepAliveMs
  server.headersTimeout = limits.headersMs
  server.requestTimeout = limits.requestMs
  // With no 'timeout' listener on the server, node:http destroys the socket.
  server.timeout = Math.min(limits.idleSocketMs, limits.headersMs)
  const maxConnections = limits.maxConnections ?? connectionBudget()
  const sockets = new Map<Socket, Tracked>()
  const perClient = new Map<string, number>()

  const evictIdle = (): boolean => {
    for (const neverSpoke of [true, false]) {
      for (const socket of sockets.keys()) {
        // _httpMessage is the response being written on this socket: a request is in flight.
        if ((socket as Socket & { _httpMessage?: unknown })._httpMessage) continue
        if (neverSpoke && socket.bytesRead > 0) continue
        // Counted out now: its 'close' comes later, and the next arrival must not evict another for it.
        sockets.delete(socket)
        socket.destroy()
        return true
      }
    }
    return false
  }

  server.on('connection', (socket: Socket) => {
    const client = socket.remoteAddress ?? 'unknown'
    const held = perClient.get(client) ?? 0
    if (held >= limits.maxConnectionsPerClient) {
      socket.destroy()
      return
    }
    if (sockets.size >= maxConnections && !evictIdle()) {
      socket.destroy()
      return
    }
    perClient.set(client, held + 1)
    sockets.set(socket, { client })
    socket.once('close', () => {
      sockets.delete(socket)
      const left = (perClient.get(client) ?? 1) - 1
      if (left <= 0) perClient.delete(client)
      else perClient.set(client, left)
    })
  })
  return {
    get open() {
      return sockets.size
    },
    maxConnections
  }
}
