import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { TestRegistry, tempRegistry, type TempRegistry } from '../../helpers/registry'
import { admin, CLI, REPO, request, waitFor } from './harness'

/**
 * A bulk action on 10,000 keys through the admin API of a real `keyward serve` (its own process,
 * real HTTP) does not hold the server: verifications sent while it runs are answered between its
 * chunks. Proven by order, not by time: a verification of the FIRST key in the action's (row) order
 * answers DISABLED (its chunk is committed) and, asked after that answer, a verification of the
 * LAST key still answers VALID (its chunk is not). With one transaction no client could ever see
 * that state.
 */

let t: TempRegistry | undefined
let child: ChildProcessWithoutNullStreams | undefined

afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL')
  child = undefined
  t?.close()
  t = undefined
})

const ACTOR = 'test'

describe('keyward serve: a bulk action on 10,000 keys', () => {
  it('answers verifications between its chunks, and ends with every key changed and audited', async () => {
    t = tempRegistry({ start: Date.now() })
    const r = t.registry
    const adminSecret = r.createKey({ name: 'Ops', kind: 'admin' }, ACTOR).secret
    // Keys are written in row order: the first created is in the first chunk, the last in the last.
    const first = r.createKey({ name: 'first' }, ACTOR).secret
    r.seedDemo({ keys: 11_600, seed: 'bulk-serve', actor: ACTOR, now: Date.now() })
    const last = r.createKey({ name: 'last' }, ACTOR).secret
    const active = r.listKeys({ status: 'active', limit: 1 }).total
    expect(active).toBeGreaterThanOrEqual(10_000)
    const auditBefore = r.listAudit({ limit: 1 }).total
    const disablesBefore = r.listAudit({ action: 'key.disable', limit: 1 }).total
    r.close()

    child = spawn(process.execPath, [CLI, '--db', t.path, 'serve', '--port', '0'], {
      cwd: REPO,
      env: { ...process.env, KEYWARD_DB: '' }
    })
    let stdout = ''
    child.stdout.on('data', (c) => (stdout += c))
    const url = (await waitFor(
      () => /http:\/\/127\.0\.0\.1:\d+/.exec(stdout)?.[0],
      (u) => u !== undefined
    ))!
    const verify = async (secret: string) =>
      (await request(`${url}/v1/keys/verify`, { headers: { authorization: `Bearer ${secret}` } })).body.code as string
    expect([await verify(first), await verify(last)]).toEqual(['VALID', 'VALID'])

    let answer: Awaited<ReturnType<typeof admin>> | undefined
    const bulk = admin(url, adminSecret, 'POST', '/rpc/keys.bulk', {
      action: 'disable',
      filters: { status: 'active' }
    }).then((a) => (answer = a))
    /** [first, last] as verified one after the other while the bulk action runs. */
    const seen: [string, string][] = []
    while (answer === undefined) {
      const a = await verify(first)
      const b = await verify(last)
      if (answer === undefined) seen.push([a, b])
    }
    await bulk

    expect(answer!.status, answer!.text).toBe(200)
    expect(answer!.body.result).toMatchObject({ matched: active, changed: active })
    // Verifications answered while it ran, among them one that saw it part-way.
    expect(seen.length).toBeGreaterThan(1)
    expect(seen).toContainEqual(['DISABLED', 'VALID'])
    expect([await verify(first), await verify(last)]).toEqual(['DISABLED', 'DISABLED'])

    child.kill('SIGTERM')
    await new Promise((resolve) => child!.on('exit', resolve))
    const after = TestRegistry.open(t.path)
    try {
      expect(after.listKeys({ status: 'active', limit: 1 }).total).toBe(0)
      expect(after.listAudit({ action: 'key.disable', limit: 1 }).total).toBe(disablesBefore + active)
      expect(after.verifyAudit()).toEqual({ ok: true, entries: auditBefore + active })
    } finally {
      after.close()
    }
  }, 120_000)
})
