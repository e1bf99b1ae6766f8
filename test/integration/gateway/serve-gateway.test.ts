import { spawn } from 'node:child_process'
import OpenAI from 'openai'
import { afterEach, describe, expect, it } from 'vitest'
import { startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { CLI, REPO, request, waitFor } from '../server/harness'
import { ACTOR, PROVIDER_KEY, PROVIDER_KEY_ENV } from './setup'

/** `keyward serve --gateway [--max-body SIZE]` as a real child process over a real registry file. */
let t: TempRegistry | undefined
let upstream: FakeUpstream | undefined
let child: ReturnType<typeof spawn> | undefined

afterEach(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
  await upstream?.close()
  t?.close()
  child = upstream = t = undefined
})

function serve(args: string[]) {
  const proc = spawn(process.execPath, [CLI, '--db', t!.path, 'serve', '--port', '0', ...args], {
    cwd: REPO,
    env: { ...process.env, KEYWARD_DB: '', [PROVIDER_KEY_ENV]: PROVIDER_KEY }
  })
  let stdout = ''
  let stderr = ''
  proc.stdout.on('data', (c) => (stdout += c))
  proc.stderr.on('data', (c) => (stderr += c))
  return { proc, stdout: () => stdout, stderr: () => stderr }
}

describe('keyward serve --gateway', () => {
  it('carries requests for a key, limits bodies with --max-body, and prints the gateway URL', async () => {
    t = tempRegistry({ clock: Date.now })
    upstream = await startFakeUpstream()
    t.registry.addResource({ model: 'gpt-4o', type: 'PYG' }, ACTOR)
    t.registry.db
      .prepare('UPDATE resources SET upstream_url = ?, upstream_key_env = ? WHERE model = ?')
      .run(upstream.url, PROVIDER_KEY_ENV, 'gpt-4o')
    const secret = t.registry.createKey({ name: 'Cli', resources: ['gpt-4o:PYG'] }, ACTOR).secret
    const s = serve(['--gateway', '--max-body', '2kb'])
    child = s.proc
    const base = await waitFor(
      () => /gateway: (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(s.stdout())?.[1],
      (u) => u !== undefined
    )
    const client = new OpenAI({ apiKey: secret, baseURL: base, maxRetries: 0 })
    const answer = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }]
    })
    expect(answer.choices[0]!.message.content).toBe('Hello from upstream')
    expect(upstream.received[0]!.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`)
    const big = await request(`${base}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}` },
      json: { model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(3000) }] }
    })
    expect(big.status).toBe(413)
    expect(big.body.error.message).toContain('2 KiB')
    expect(s.stderr()).not.toContain(secret)
  })

  it('without --gateway the OpenAI paths are not served; a bad --max-body is a usage error naming it', async () => {
    t = tempRegistry({ clock: Date.now })
    const s = serve([])
    child = s.proc
    const url = await waitFor(
      () => /http:\/\/127\.0\.0\.1:\d+/.exec(s.stdout())?.[0],
      (u) => u !== undefined
    )
    expect((await request(`${url}/v1/models`)).status).toBe(404)

    const bad = serve(['--gateway', '--max-body', 'lots'])
    const code = await new Promise<number | null>((resolve) => bad.proc.once('exit', resolve))
    expect(code).toBe(2)
    expect(bad.stderr()).toContain('--max-body')
  })
})
