import { EventEmitter } from 'node:events'
import { createServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import {
  createLocalServer,
  type LocalServerStatus,
  type UtilityProcessLike
} from '../../../src/main/desktop/local-server'
import { serveOverPort, type ParentPortLike, type ServerCommand } from '../../../src/main/server/utility'

/**
 * The local-server switch against the real `keyward serve` code: each "utility process" runs
 * src/main/server/utility.ts's serveOverPort in this process over an in-memory message port
 * (what Electron's utilityProcess gives the real server-process entry).
 */
function inProcessUtility(log: string[]) {
  const forks: { commands: ServerCommand[]; killed: boolean }[] = []
  const fork = (): UtilityProcessLike => {
    const toParent = new EventEmitter()
    const toChild = new EventEmitter()
    const record = { commands: [] as ServerCommand[], killed: false }
    forks.push(record)
    const port: ParentPortLike = {
      on: (_event, listener) => toChild.on('message', listener),
      postMessage: (message) => setImmediate(() => toParent.emit('message', message))
    }
    const service = serveOverPort(port)
    return {
      postMessage: (command) => {
        record.commands.push(command)
        setImmediate(() => toChild.emit('message', { data: command }))
      },
      on: (event: 'message' | 'exit', listener: (arg: unknown) => void) => toParent.on(event, listener),
      kill: () => {
        record.killed = true
        void service.stop().then(() => toParent.emit('exit', 0))
        return true
      }
    } as UtilityProcessLike
  }
  return { fork, forks, log }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

function statusWatcher() {
  const seen: LocalServerStatus[] = []
  const waiters: { test: (s: LocalServerStatus) => boolean; resolve: (s: LocalServerStatus) => void }[] = []
  return {
    seen,
    onStatus(status: LocalServerStatus) {
      seen.push(status)
      for (const w of waiters.splice(0)) {
        if (w.test(status)) w.resolve(status)
        else waiters.push(w)
      }
    },
    until(test: (s: LocalServerStatus) => boolean): Promise<LocalServerStatus> {
      const last = seen.at(-1)
      if (last && test(last)) return Promise.resolve(last)
      return new Promise((resolve) => waiters.push({ test, resolve }))
    }
  }
}

async function verify(port: number, secret: string): Promise<number | 'refused'> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/v1/keys/verify`, {
      headers: { authorization: `Bearer ${secret}` }
    })
    await res.arrayBuffer()
    return res.status
  } catch {
    return 'refused'
  }
}

let temp: TempRegistry | undefined
let stopServer: (() => Promise<void>) | undefined
afterEach(async () => {
  await stopServer?.()
  stopServer = undefined
  temp?.close()
  temp = undefined
})

const realTimers = {
  setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
  clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout)
}

describe('local server switch', () => {
  it('on: serves verification on the port from Settings; port change: moves; off: stops and ends the process', async () => {
    temp = tempRegistry()
    const { secret } = temp.registry.createKey({ name: 'GatewayKey' }, 'test')
    const utility = inProcessUtility([])
    const watch = statusWatcher()
    const server = createLocalServer({
      fork: utility.fork,
      dbPath: temp.path,
      timers: realTimers,
      onStatus: watch.onStatus,
      log: () => undefined
    })
    stopServer = () => server.stop()

    const first = await freePort()
    server.apply({ serverEnabled: true, serverPort: first })
    const running = await watch.until((s) => s.state === 'running' || s.state === 'failed')
    expect(running).toEqual({ state: 'running', url: `http://127.0.0.1:${first}`, port: first })
    expect(await verify(first, secret)).toBe(200)
    expect(await verify(first, 'kw_not_a_real_key_at_all_000000000000000')).toBe(401)
    expect(utility.forks[0]!.commands[0]).toEqual({
      type: 'start',
      dbPath: temp.path,
      host: '127.0.0.1',
      port: first,
      ui: false,
      nativeBinding: undefined,
      gateway: false
    })

    const second = await freePort()
    server.apply({ serverEnabled: true, serverPort: second })
    await watch.until((s) => s.state === 'running' && s.port === second)
    expect(await verify(second, secret)).toBe(200)
    expect(await verify(first, secret)).toBe('refused')
    expect(utility.forks).toHaveLength(1)

    server.apply({ serverEnabled: false, serverPort: second })
    await watch.until((s) => s.state === 'off')
    expect(await verify(second, secret)).toBe('refused')
    expect(utility.forks[0]!.killed).toBe(true)

    // Applying the same "off" again does nothing; switching on again forks a fresh process.
    server.apply({ serverEnabled: false, serverPort: second })
    server.apply({ serverEnabled: true, serverPort: second })
    await watch.until((s) => s.state === 'running')
    expect(utility.forks).toHaveLength(2)
    expect(await verify(second, secret)).toBe(200)
    await server.stop()
    expect(server.status()).toEqual({ state: 'off' })
    expect(await verify(second, secret)).toBe('refused')
  })

  it('a taken port is reported as failed with the reason, and applying again retries', async () => {
    temp = tempRegistry()
    const blocker = createServer()
    const port = await freePort()
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve))
    try {
      const watch = statusWatcher()
      const utility = inProcessUtility([])
      const server = createLocalServer({
        fork: utility.fork,
        dbPath: temp.path,
        timers: realTimers,
        onStatus: watch.onStatus,
        log: () => undefined
      })
      stopServer = () => server.stop()
      server.apply({ serverEnabled: true, serverPort: port })
      const failed = await watch.until((s) => s.state === 'failed' || s.state === 'running')
      expect(failed.state).toBe('failed')
      expect((failed as { message: string }).message).toMatch(new RegExp(String(port)))
      await new Promise<void>((resolve) => blocker.close(() => resolve()))
      server.apply({ serverEnabled: true, serverPort: port })
      await watch.until((s) => s.state === 'running')
      expect(utility.forks).toHaveLength(1)
    } finally {
      if (blocker.listening) blocker.close()
    }
  })

  it('a process that dies while on is reported, and the next apply forks a new one', async () => {
    const watch = statusWatcher()
    const procs: EventEmitter[] = []
    const server = createLocalServer({
      fork: () => {
        const proc = new EventEmitter()
        procs.push(proc)
        return Object.assign(proc, { postMessage: () => undefined, kill: () => true }) as unknown as UtilityProcessLike
      },
      dbPath: '/x',
      timers: realTimers,
      onStatus: watch.onStatus,
      log: () => undefined
    })
    server.apply({ serverEnabled: true, serverPort: 9999 })
    procs[0]!.emit('exit', 134)
    expect(server.status()).toMatchObject({ state: 'failed', message: expect.stringMatching(/exit code 134/) })
    server.apply({ serverEnabled: true, serverPort: 9999 })
    expect(procs).toHaveLength(2)
    expect(server.status()).toEqual({ state: 'starting', port: 9999 })
  })

  it('a process that ignores stop is killed after the timeout', async () => {
    let killed = false
    let fire: (() => void) | undefined
    const proc = Object.assign(new EventEmitter(), { postMessage: () => undefined, kill: () => (killed = true) })
    const server = createLocalServer({
      fork: () => proc as unknown as UtilityProcessLike,
      dbPath: '/x',
      timers: { setTimeout: (fn) => (fire = fn), clearTimeout: () => undefined },
      stopTimeoutMs: 3000,
      log: () => undefined
    })
    server.apply({ serverEnabled: true, serverPort: 9999 })
    const stopped = server.stop()
    expect(killed).toBe(false)
    fire!()
    await stopped
    expect(killed).toBe(true)
  })
})
