import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cli, request, serverOnTempRegistry, type ServerHarness } from './harness'

/**
 * Changes made by ANOTHER process (the real CLI, with its own connection to the same file) are
 * refused on the very next request to the running server. The server's clock is the real one
 * plus an offset the test moves, since the CLI dates things by the real clock.
 */
let h: ServerHarness
let offset = 0
let secret: string
const ACTOR = 'test'

beforeEach(async () => {
  offset = 0
  h = await serverOnTempRegistry({ clock: () => Date.now() + offset })
  h.registry.addResource({ model: 'gpt-4o', type: 'PYG' }, ACTOR)
  h.registry.addResource({ model: 'llama-3', type: 'PYG' }, ACTOR)
  secret = h.registry.createKey({ name: 'Gateway1', resources: ['gpt-4o:PYG', 'llama-3:PYG'] }, ACTOR).secret
})
afterEach(async () => {
  await h.stop()
})

const verify = (s: string, model?: string) =>
  request(`${h.url}/v1/keys/verify`, {
    headers: { authorization: `Bearer ${s}`, ...(model ? { 'x-model': model } : {}) }
  })

describe('revocation by another process is seen on the next request', () => {
  it('keys delete → REVOKED', async () => {
    expect((await verify(secret)).status).toBe(200)
    await cli(h.path, 'keys', 'delete', 'Gateway1', '--yes')
    const a = await verify(secret)
    expect(a.status).toBe(401)
    expect(a.body.code).toBe('REVOKED')
  })

  it('keys disable → DISABLED, keys enable → VALID', async () => {
    expect((await verify(secret)).status).toBe(200)
    await cli(h.path, 'keys', 'disable', 'Gateway1')
    expect((await verify(secret)).body.code).toBe('DISABLED')
    await cli(h.path, 'keys', 'enable', 'Gateway1')
    expect((await verify(secret)).body.code).toBe('VALID')
  })

  it('keys edit --expires → EXPIRED once that date passes', async () => {
    await cli(h.path, 'keys', 'edit', 'Gateway1', '--expires', '1d')
    expect((await verify(secret)).status).toBe(200)
    offset = 2 * 86_400_000
    const a = await verify(secret)
    expect(a.status).toBe(401)
    expect(a.body.code).toBe('EXPIRED')
  })

  it('resources edit --inactive → RESOURCE_INACTIVE for that model; unassign → MODEL_NOT_ASSIGNED', async () => {
    expect((await verify(secret, 'llama-3')).status).toBe(200)
    await cli(h.path, 'resources', 'edit', 'llama-3:PYG', '--inactive')
    expect((await verify(secret, 'llama-3')).body.code).toBe('RESOURCE_INACTIVE')
    expect((await verify(secret, 'gpt-4o')).status).toBe(200)
    await cli(h.path, 'keys', 'unassign', 'Gateway1', '--resource', 'gpt-4o:PYG')
    expect((await verify(secret, 'gpt-4o')).body.code).toBe('MODEL_NOT_ASSIGNED')
  })
})

describe('revocation under concurrent load', () => {
  it('every verification sent after another process deleted the key is refused', async () => {
    // 16 clients verify back to back while the CLI, another process, deletes the key. The server
    // remembers lookups until the registry changes and looks for other processes' commits once per
    // event-loop turn: a request sent after the CLI has exited (its commit is on disk) must be refused.
    let deletedAt = Number.POSITIVE_INFINITY
    const answers: { sentAt: number; status: number; code: string }[] = []
    let stop = false
    const client = async () => {
      while (!stop) {
        const sentAt = performance.now()
        const a = await verify(secret, 'gpt-4o')
        answers.push({ sentAt, status: a.status, code: (a.body as { code: string }).code })
        if (sentAt > deletedAt) stop = true
      }
    }
    const clients = Array.from({ length: 16 }, client)
    while (answers.length < 50) await new Promise((r) => setTimeout(r, 5))
    await cli(h.path, 'keys', 'delete', 'Gateway1', '--yes')
    deletedAt = performance.now()
    await Promise.all(clients)
    const before = answers.filter((a) => a.sentAt < deletedAt)
    const after = answers.filter((a) => a.sentAt > deletedAt)
    expect(before.some((a) => a.status === 200)).toBe(true)
    expect(after.length).toBeGreaterThan(0)
    expect(after.filter((a) => a.code !== 'REVOKED')).toEqual([])
  })
})

describe('rotation', () => {
  it('by the CLI with --grace: both secrets verify inside the window, only the new one after', async () => {
    const { stdout } = await cli(h.path, '--json', 'keys', 'rotate', 'Gateway1', '--grace', '1h')
    const rotated = JSON.parse(stdout) as { key: { id: string; name: string }; secret: string }
    expect(rotated.secret).toMatch(/^kw_/)
    expect(rotated.secret).not.toBe(secret)
    const before = await verify(secret, 'gpt-4o')
    expect(before.status).toBe(200)
    expect((await verify(rotated.secret, 'gpt-4o')).body).toEqual(before.body)

    offset = 3600_000 - 5_000
    expect((await verify(secret)).status).toBe(200)
    offset = 3600_000 + 1_000
    const old = await verify(secret)
    expect(old.status).toBe(401)
    expect(old.body).toMatchObject({ code: 'REVOKED', keyId: rotated.key.id })
    const fresh = await verify(rotated.secret, 'gpt-4o')
    expect(fresh.status).toBe(200)
    // Same id, name and resources: rotation changes the secret only.
    expect(fresh.body).toEqual(before.body)
  })

  it('without grace the old secret stops at once', async () => {
    const rotated = JSON.parse((await cli(h.path, '--json', 'keys', 'rotate', 'Gateway1')).stdout) as { secret: string }
    expect((await verify(secret)).body.code).toBe('REVOKED')
    expect((await verify(rotated.secret)).body.code).toBe('VALID')
  })
})
