import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { connectionBudget, RESERVED_DESCRIPTORS } from '../../../src/main/server/connections'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { request, serverOnTempRegistry, waitFor, type ServerHarness } from './harness'
import { idleConnection, rawRequest, spawnServe } from './raw'

let h: ServerHarness | undefined
let t: TempRegistry | undefined
let child: ChildProcessWithoutNullStreams | undefined
const held: Socket[] = []

afterEach(async () => {
  for (const socket of held.splice(0)) socket.destroy()
  if (child && child.exitCode === null) child.kill('SIGKILL')
  child = undefined
  await h?.stop()
  h = undefined
  t?.close()
  t = undefined
})

/** Resolves when the server closes the socket (the client never ends it itself here). */
function closedByServer(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve()
    socket.once('close', () => resolve())
  })
}

const SHORT = { keepAliveMs: 300, headersMs: 400, requestMs: 800, idleSocketMs: 600 }

describe('timeouts: the server closes connections that sit or dawdle', () => {
  it('a connection that never sends a byte is closed', async () => {
    h = await serverOnTempRegistry({ limits: SHORT })
    const socket = await idleConnection(h.server.port)
    await closedByServer(socket)
    expect(socket.bytesWritten).toBe(0)
  })

  it('an idle keep-alive connection is closed after its request was answered', async () => {
    h = await serverOnTempRegistry({ limits: SHORT })
    const socket = await idleConnection(h.server.port)
    let answered = ''
    socket.on('data', (c) => (answered += c))
    socket.write('GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    await closedByServer(socket)
    expect(answered).toMatch(/^HTTP\/1\.1 200/)
    expect(answered).toMatch(/keep-alive/i)
  })

  it('headers sent a byte at a time, too slowly, are cut off', async () => {
    h = await serverOnTempRegistry({ limits: { ...SHORT, idleSocketMs: 5_000 } })
    const socket = await idleConnection(h.server.port)
    let answered = ''
    socket.on('data', (c) => (answered += c))
    const drip = setInterval(() => socket.writable && socket.write('X'), 100)
    socket.write('GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ')
    await closedByServer(socket)
    clearInterval(drip)
    // Either the 408 from the headers timeout or a bare close; never an answer to the request.
    expect(answered).not.toMatch(/^HTTP\/1\.1 200/)
  })
})

describe('connection caps', () => {
  it('past the per-address cap new connections from that address are closed at once; other addresses still get answers', async () => {
    h = await serverOnTempRegistry({ limits: { maxConnectionsPerClient: 5 } })
    for (let i = 0; i < 5; i++) held.push(await idleConnection(h.server.port, '127.0.3.1'))
    const sixth = await idleConnection(h.server.port, '127.0.3.1')
    held.push(sixth)
    await closedByServer(sixth)
    expect(held.slice(0, 5).every((s) => !s.destroyed)).toBe(true)
    expect((await request(`${h.url}/v1/health`)).status).toBe(200)
    // A closed one frees its place.
    held[0]!.destroy()
    await waitFor(
      () =>
        rawRequest(h!.server.port, 'GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n', {
          localAddress: '127.0.3.1'
        }),
      (a) => a.status === 200
    )
  })

  it('the connection budget follows the open-file limit, keeping a reserve', () => {
    expect(connectionBudget(1024)).toBe(1024 - RESERVED_DESCRIPTORS)
    expect(connectionBudget(100)).toBe(64)
  })

  it('1,100 idle connections against `keyward serve` with 1,024 file descriptors: /v1/health and a verify still answer, and the idle ones are closed', async () => {
    t = tempRegistry()
    const secret = t.registry.createKey({ name: 'Gateway1' }, 'test').secret
    t.registry.close()
    // The common default limit, soft and hard: node cannot raise it past the hard limit.
    const serve = await spawnServe(t.path, { fdLimit: 1024 })
    child = serve.proc
    const port = serve.port
    const url = `http://127.0.0.1:${port}`

    // 11 addresses × 100 connections: under the per-address cap, so only the budget is at work.
    let closed = 0
    for (let a = 0; a < 11; a++) {
      for (let i = 0; i < 100; i++) {
        const socket = await idleConnection(port, `127.0.4.${a + 1}`)
        socket.once('close', () => closed++)
        held.push(socket)
      }
    }
    expect(held.length).toBe(1100)

    const started = performance.now()
    // Before the connection budget, the server's accept failed with EMFILE and these hung or were reset.
    const health = await request(`${url}/v1/health`, { signal: AbortSignal.timeout(15_000) })
    const verify = await request(`${url}/v1/keys/verify`, {
      headers: { authorization: `Bearer ${secret}` },
      signal: AbortSignal.timeout(15_000)
    })
    const ms = performance.now() - started
    expect(health.status).toBe(200)
    expect(verify.status).toBe(200)
    expect(verify.body.valid).toBe(true)
    console.log(
      `health + verify with 1,100 idle connections held: ${ms.toFixed(0)} ms; ${closed} idle ones already closed by the server`
    )

    // Every idle connection is closed by the server (budget eviction, then the 10 s idle timeout; before this fix they stayed open).
    await waitFor(
      () => closed,
      (n) => n === 1100,
      30_000
    )
    expect(serve.stderr()).not.toMatch(/EMFILE|Error/)
  }, 60_000)
})
