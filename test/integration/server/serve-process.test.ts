import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { createServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { openRegistryDatabase } from '../../../src/main/db/open'
import { Registry } from '../../../src/main/core/registry'
import { serveOverPort, type ServerEvent } from '../../../src/main/server/utility'
import { CLI, REPO, request, waitFor } from './harness'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'

let t: TempRegistry
let child: ChildProcessWithoutNullStreams | undefined

afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL')
  child = undefined
  t?.close()
})

function serve(...args: string[]) {
  const proc = spawn(process.execPath, [CLI, '--db', t.path, 'serve', ...args], {
    cwd: REPO,
    env: { ...process.env, KEYWARD_DB: '' }
  })
  let stdout = ''
  let stderr = ''
  proc.stdout.on('data', (c) => (stdout += c))
  proc.stderr.on('data', (c) => (stderr += c))
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)))
  child = proc
  return { proc, out: () => stdout, err: () => stderr, exited }
}

describe('keyward serve (the CLI command, in its own process)', () => {
  it('listens on loopback, answers, and on SIGTERM finishes, writes lastUsedAt and exits 0', async () => {
    t = tempRegistry()
    const secret = t.registry.createKey({ name: 'Gateway1' }, 'test').secret
    t.registry.close()
    const s = serve('--port', '0')
    const url = await waitFor(
      () => /http:\/\/127\.0\.0\.1:\d+/.exec(s.out())?.[0],
      (u) => u !== undefined
    )
    expect(s.out()).toContain('/v1/keys/verify')
    expect(s.err()).not.toMatch(/Warning/)
    expect((await request(`${url}/v1/keys/verify`, { headers: { authorization: `Bearer ${secret}` } })).status).toBe(
      200
    )
    s.proc.kill('SIGTERM')
    expect(await s.exited).toBe(0)
    const registry = new Registry(openRegistryDatabase(t.path))
    try {
      expect(registry.getKey({ key: 'Gateway1' }).key.lastUsedAt).not.toBeNull()
    } finally {
      registry.close()
    }
  })

  it('--json prints the URL as JSON', async () => {
    t = tempRegistry()
    t.registry.close()
    const s = spawn(process.execPath, [CLI, '--db', t.path, '--json', 'serve', '--port', '0'], { cwd: REPO })
    child = s
    let stdout = ''
    s.stdout.on('data', (c) => (stdout += c))
    const doc = await waitFor(
      () => stdout,
      (text) => text.trim().endsWith('}')
    )
    expect(JSON.parse(doc)).toMatchObject({
      host: '127.0.0.1',
      dbPath: t.path,
      ui: false,
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/)
    })
    const exited = new Promise((resolve) => s.on('exit', resolve))
    s.kill('SIGINT')
    expect(await exited).toBe(0)
  })

  it('another --host prints a warning; an address not on this machine is a clear error', async () => {
    t = tempRegistry()
    t.registry.close()
    // 192.0.2.1 is TEST-NET-1: never this machine's, so nothing is exposed while testing the warning.
    const s = serve('--host', '192.0.2.1', '--port', '0')
    expect(await s.exited).toBe(2)
    expect(s.err()).toMatch(/Warning: listening on 192\.0\.2\.1, not loopback/)
    expect(s.err()).toMatch(/Cannot listen on 192\.0\.2\.1: it is not an address of this machine/)
  })

  it('a port in use is a clear error, exit 1', async () => {
    t = tempRegistry()
    t.registry.close()
    const blocker = createServer()
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r))
    const port = (blocker.address() as { port: number }).port
    try {
      const s = serve('--port', String(port))
      expect(await s.exited).toBe(1)
      expect(s.err()).toMatch(new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use`))
    } finally {
      blocker.close()
    }
  })

  it('a bad --port is a usage error naming the flag, exit 2', async () => {
    t = tempRegistry()
    t.registry.close()
    const s = serve('--port', 'http')
    expect(await s.exited).toBe(2)
    expect(s.err()).toMatch(/--port/)
  })
})

describe('the desktop utility-process entry (serveOverPort)', () => {
  class FakeParentPort extends EventEmitter {
    sent: ServerEvent[] = []
    postMessage(message: ServerEvent) {
      this.sent.push(message)
    }
    send(data: unknown) {
      this.emit('message', { data })
    }
  }

  it('start → started with the URL; stop → stopped; errors are reported, not thrown', async () => {
    t = tempRegistry()
    const secret = t.registry.createKey({ name: 'Gateway1' }, 'test').secret
    const port = new FakeParentPort()
    serveOverPort(port)
    port.send({ type: 'start', dbPath: t.path, port: 0 })
    const started = await waitFor(
      () => port.sent[0],
      (m) => m !== undefined
    )
    expect(started).toMatchObject({
      type: 'started',
      host: '127.0.0.1',
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/)
    })
    const url = (started as { url: string }).url
    expect((await request(`${url}/v1/keys/verify`, { headers: { authorization: `Bearer ${secret}` } })).status).toBe(
      200
    )
    port.send({ type: 'stop' })
    await waitFor(
      () => port.sent[1],
      (m) => m !== undefined
    )
    expect(port.sent[1]).toEqual({ type: 'stopped' })
    await expect(fetch(`${url}/v1/health`)).rejects.toThrow()

    port.send({ type: 'start' })
    port.send({ type: 'start', dbPath: t.path, port: 0, ui: `${t.dir}/no-such-build` })
    await waitFor(
      () => port.sent.length,
      (n) => n >= 4
    )
    expect(port.sent[2]).toMatchObject({ type: 'error', code: 'VALIDATION' })
    expect(port.sent[3]).toMatchObject({
      type: 'error',
      code: 'NOT_FOUND',
      message: expect.stringMatching(/npm run build/)
    })
  })
})
