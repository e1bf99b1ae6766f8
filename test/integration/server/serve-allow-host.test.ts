import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { CLI, REPO, waitFor } from './harness'
import { rawRequest } from './raw'

let t: TempRegistry | undefined
let child: ChildProcessWithoutNullStreams | undefined

afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL')
  child = undefined
  t?.close()
  t = undefined
})

const health = (port: number, host: string) =>
  rawRequest(port, `GET /v1/health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)

describe('keyward serve --allow-host', () => {
  it('answers the allowed names and loopback ones; any other Host gets 421', async () => {
    t = tempRegistry()
    t.registry.close()
    const proc = spawn(
      process.execPath,
      [
        CLI,
        '--db',
        t.path,
        'serve',
        '--port',
        '0',
        '--allow-host',
        'keys.example.com',
        '--allow-host',
        'gw.internal.example'
      ],
      {
        cwd: REPO,
        env: { ...process.env, KEYWARD_DB: '' }
      }
    )
    child = proc
    let stdout = ''
    proc.stdout.on('data', (c) => (stdout += c))
    const url = await waitFor(
      () => /http:\/\/127\.0\.0\.1:\d+/.exec(stdout)?.[0],
      (u) => u !== undefined
    )
    const port = Number(new URL(url!).port)
    expect((await health(port, 'keys.example.com')).status).toBe(200)
    expect((await health(port, 'gw.internal.example:443')).status).toBe(200)
    expect((await health(port, `localhost:${port}`)).status).toBe(200)
    const refused = await health(port, 'evil.example')
    expect(refused.status).toBe(421)
    expect(JSON.parse(refused.body).error.message).toMatch(/does not answer for the host "evil\.example"/)
  })

  it('refuses a value that is not a host name, naming the option', async () => {
    t = tempRegistry()
    t.registry.close()
    const run = promisify(execFile)(
      process.execPath,
      [CLI, '--db', t.path, 'serve', '--port', '0', '--allow-host', 'https://keys.example.com/'],
      {
        cwd: REPO,
        env: { ...process.env, KEYWARD_DB: '' }
      }
    )
    const failure = await run.then(
      () => undefined,
      (error: { code: number; stderr: string }) => error
    )
    expect(failure?.code).not.toBe(0)
    expect(failure?.stderr).toMatch(/--allow-host/)
  })
})
