import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { KeywardError } from '../../../src/shared/errors'
import { dispatch, type OperationTable } from '../../../src/main/transport/dispatch'
import { remoteOperationTable } from '../../../src/main/transport/remote-table'
import { serverOnTempRegistry, type ServerHarness } from '../../integration/server/harness'

/**
 * The desktop app's table over a team server, against a REAL `keyward serve` (startServer on a
 * temp SQLite registry, loopback, port 0), called through dispatch as the IPC bridge does.
 */
let h: ServerHarness
let adminSecret: string
let table: OperationTable
const ctx = { actor: 'desktop-test' }

const call = async (name: string, input: unknown) => dispatch(table, name, input, ctx, () => undefined)

beforeEach(async () => {
  h = await serverOnTempRegistry()
  h.registry.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 1000 }, 'setup')
  adminSecret = h.registry.createKey({ name: 'Ops', kind: 'admin' }, 'setup').secret
  table = remoteOperationTable({ url: `${h.url}/`, adminKey: adminSecret })
})
afterEach(async () => {
  await h?.stop().catch(() => undefined)
})

describe('remoteOperationTable against keyward serve', () => {
  it('creates, lists, edits and deletes keys on the server, and the secret works there', async () => {
    const created = await call('keys.create', {
      name: 'RemoteBot',
      resources: ['gpt-4o:TPM'],
      department: 'Research',
      expiresAt: '2099-01-31'
    })
    expect(created.ok).toBe(true)
    const { key, secret } = (created as { result: { key: { id: string; name: string }; secret: string } }).result
    expect(key.name).toBe('RemoteBot')
    expect(secret).toMatch(/^kw_/)
    // The server's own registry has it, and verifies its secret.
    expect(h.registry.verify({ secret: secret, model: 'gpt-4o' }).code).toBe('VALID')

    const listed = await call('keys.list', { search: 'Remote' })
    expect(listed).toMatchObject({ ok: true, result: { total: 1, items: [{ id: key.id, department: 'Research' }] } })

    const edited = await call('keys.edit', { key: key.id, changes: { project: 'Atlas', notes: 'from the app' } })
    expect(edited).toMatchObject({ ok: true, result: { key: { project: 'Atlas', notes: 'from the app' } } })
    expect(h.registry.getKey({ key: key.id }).key.project).toBe('Atlas')

    const rotated = await call('keys.rotate', { key: key.id })
    expect((rotated as { result: { secret: string } }).result.secret).not.toBe(secret)

    expect(await call('keys.delete', { key: 'RemoteBot' })).toMatchObject({
      ok: true,
      result: { deleted: { id: key.id, name: 'RemoteBot' } }
    })
    expect(h.registry.verify({ secret: secret }).code).toBe('REVOKED')
    // The server audited it under the admin key's name.
    const audit = h.registry.listAudit({ key: key.id })
    expect(audit.items.map((e) => e.actor)).toContain('admin-key:Ops')
  })

  it("rebuilds a refusal with the server's code, message and fields", async () => {
    await call('keys.create', { name: 'Twin' })
    const duplicate = await call('keys.create', { name: 'twin' })
    expect(duplicate.ok).toBe(false)
    let local: unknown = null
    try {
      await h.registry.run('keys.create', { name: 'TWIN' } as never, ctx)
    } catch (e) {
      local = (e as KeywardError).toPayload()
    }
    expect((duplicate as { error: unknown }).error).toEqual(local)
    expect((duplicate as { error: { code: string } }).error.code).toBe('CONFLICT')

    // A rule the server checks (an admin key takes no resources), thrown by the table itself.
    const error = await Promise.resolve(
      table['resources.add']({ model: 'o3', type: 'TPM', tpmLimit: 0 } as never, ctx)
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KeywardError)
    expect((error as KeywardError).code).toBe('VALIDATION')
    expect(Object.keys((error as KeywardError).fields ?? {})).toContain('tpmLimit')
  })

  it('a wrong admin key is UNAUTHORIZED, and the key is in no error', async () => {
    const wrong = 'kwa_' + 'x'.repeat(49)
    table = remoteOperationTable({ url: h.url, adminKey: wrong })
    const reply = await call('resources.list', {})
    expect(reply).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } })
    expect(JSON.stringify(reply)).not.toContain(wrong)
  })

  it('the server stopped: UNREACHABLE naming the server, without the admin key', async () => {
    expect((await call('pool.get', {})).ok).toBe(true)
    const url = h.url
    await h.stop()
    const reply = await call('keys.list', {})
    expect(reply).toMatchObject({ ok: false, error: { code: 'UNREACHABLE' } })
    const message = (reply as { error: { message: string } }).error.message
    expect(message).toContain(url)
    expect(message).toMatch(/connection refused/)
    expect(message).toMatch(/Settings → Registry/)
    expect(message).not.toContain(adminSecret)
  })

  it('a proxy answering 502/503/504 without a Keyward error, or a silent server, is UNREACHABLE', async () => {
    const statuses: number[] = []
    let silent = false
    const proxy = createServer((_req, res) => {
      if (silent) return // never answers
      const status = [502, 503, 504][statuses.length % 3]!
      statuses.push(status)
      res.writeHead(status, { 'content-type': 'text/html' })
      res.end('<html>Bad Gateway</html>')
    })
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
    try {
      table = remoteOperationTable({ url, adminKey: adminSecret, timeoutMs: 300 })
      for (let i = 0; i < 3; i++)
        expect(await call('keys.list', {})).toMatchObject({ ok: false, error: { code: 'UNREACHABLE' } })
      expect(statuses).toEqual([502, 503, 504])
      silent = true
      const reply = await call('keys.list', {})
      expect(reply).toMatchObject({ ok: false, error: { code: 'UNREACHABLE' } })
      expect((reply as { error: { message: string } }).error.message).toMatch(/did not answer in time/)
    } finally {
      proxy.closeAllConnections()
      await new Promise((r) => proxy.close(r))
    }
  })

  it("keeps the server's BUSY (a Keyward 503) as BUSY, and a host name that does not resolve is UNREACHABLE", async () => {
    const fake: typeof fetch = async () =>
      new Response(JSON.stringify({ error: { code: 'BUSY', message: 'The registry is busy.' } }), { status: 503 })
    table = remoteOperationTable({ url: 'http://keyward.test', adminKey: adminSecret, fetch: fake })
    expect(await call('keys.list', {})).toMatchObject({ ok: false, error: { code: 'BUSY' } })

    table = remoteOperationTable({ url: 'http://no-such-host.invalid:8787', adminKey: adminSecret })
    const reply = await call('keys.list', {})
    expect(reply).toMatchObject({ ok: false, error: { code: 'UNREACHABLE' } })
    expect((reply as { error: { message: string } }).error.message).toContain('http://no-such-host.invalid:8787')
  })

  it("leaves the desktop's own operations to the app", async () => {
    expect(await call('settings.get', {})).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
    expect(await call('clipboard.release', { keyId: 'k_1' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
  })
})
