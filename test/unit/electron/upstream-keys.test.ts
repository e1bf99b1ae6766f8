import { afterEach, describe, expect, it } from 'vitest'
import { dispatch } from '../../../src/main/transport/dispatch'
import { safeStorageUpstreamKeys, upstreamKeyStoreOptions } from '../../../src/main/desktop/upstream-keys'
import { serveOverPort, type ParentPortLike, type ServerEvent } from '../../../src/main/server/utility'
import type { RunningServer, ServerOptions } from '../../../src/main/server/server'
import type { Resource } from '../../../src/shared/types'
import { desktopTable } from './desktop-table'
import { fakeSafeStorage } from './fakes'

/** Provider keys kept by the desktop app (keychain), the resources.* answers, and the gateway switch. */
const KEY = 'sk-proj-desktop-kept-provider-key-0123456789'
const ctx = { actor: 'alice' }
let current: ReturnType<typeof desktopTable> | undefined
afterEach(() => {
  current?.close()
  current = undefined
})

function memoryBlobs() {
  const box = { blobs: {} as Record<string, string> }
  return {
    box,
    store: { get: () => box.blobs, set: (_k: 'upstreamKeys', v: Record<string, string>) => void (box.blobs = { ...v }) }
  }
}

async function ok<T>(promise: Promise<{ ok: boolean; result?: unknown; error?: unknown }>): Promise<T> {
  const reply = await promise
  expect(reply, JSON.stringify(reply)).toMatchObject({ ok: true })
  return reply.result as T
}

describe('keychain store for provider keys', () => {
  it('keeps only ciphertext by resource id, answers has/decryptAll, and forgets with null', () => {
    const { box, store } = memoryBlobs()
    const keys = safeStorageUpstreamKeys(fakeSafeStorage(), store, 'linux')
    keys.set('r_one', KEY)
    keys.set('r_two', 'other-key')
    expect(JSON.stringify(box.blobs)).not.toContain(KEY)
    expect(Buffer.from(box.blobs.r_one!, 'base64').toString()).toMatch(/^enc:/)
    expect(keys.has('r_one')).toBe(true)
    expect(keys.has('r_three')).toBe(false)
    expect(keys.decryptAll()).toEqual({ r_one: KEY, r_two: 'other-key' })
    keys.set('r_one', null)
    expect(Object.keys(box.blobs)).toEqual(['r_two'])
    expect(keys.storage()).toBe('os')
  })

  it('refuses to keep a key without secure storage (naming providerKey) and skips blobs that no longer decrypt', () => {
    const { box, store } = memoryBlobs()
    const none = safeStorageUpstreamKeys(fakeSafeStorage({ available: false }), store, 'linux')
    expect(() => none.set('r_one', KEY)).toThrow(/no secure storage/)
    expect(box.blobs).toEqual({})
    box.blobs = { r_old: Buffer.from('garbage').toString('base64'), r_ok: Buffer.from('enc:cba').toString('base64') }
    expect(safeStorageUpstreamKeys(fakeSafeStorage(), store, 'linux').decryptAll()).toEqual({ r_ok: 'abc' })
    expect(upstreamKeyStoreOptions()).toMatchObject({
      name: 'upstream-keys',
      configFileMode: 0o600,
      clearInvalidConfig: true
    })
  })
})

describe('resources.setUpstreamKey and keyKept (desktop host)', () => {
  it('keeps the key encrypted, says keyKept in every resources.* answer, audits without the key, and forgets it', async () => {
    current = desktopTable()
    const t = current
    const { resource } = await ok<{ resource: Resource }>(
      dispatch(
        t.table,
        'resources.add',
        { model: 'gpt-4o', type: 'PYG', upstreamUrl: 'https://api.openai.com/v1' },
        ctx
      )
    )
    expect(resource.upstream?.keyKept).toBe(false)

    const kept = await ok<{ resource: Resource }>(
      dispatch(t.table, 'resources.setUpstreamKey', { resource: 'gpt-4o:PYG', providerKey: `  ${KEY}\n` }, ctx)
    )
    expect(kept.resource.upstream).toEqual({
      url: 'https://api.openai.com/v1',
      model: null,
      keyEnv: null,
      keyKept: true
    })
    expect(JSON.stringify(kept)).not.toContain(KEY)
    expect(t.upstreamKeys.decryptAll()).toEqual({ [resource.id]: KEY })
    expect(JSON.stringify(t.keychain.blobs)).not.toContain(KEY)

    const listed = await ok<{ items: Resource[] }>(dispatch(t.table, 'resources.list', {}, ctx))
    expect(listed.items[0]!.upstream?.keyKept).toBe(true)
    expect(JSON.stringify(listed)).not.toContain(KEY)
    const audit = t.registry.listAudit({ action: 'resource.upstreamCredential' }).items
    expect(audit.map((e) => [e.actor, e.details])).toEqual([
      ['alice', { credential: 'upstream credential changed', keptIn: 'desktop keychain', kept: true }]
    ])
    expect(JSON.stringify(t.registry.listAudit({ limit: 1000 }))).not.toContain(KEY)

    await ok(dispatch(t.table, 'resources.setUpstreamKey', { resource: resource.id, providerKey: null }, ctx))
    expect(t.upstreamKeys.has(resource.id)).toBe(false)
    expect(t.registry.listAudit({ action: 'resource.upstreamCredential' }).total).toBe(2)
    // Forgetting again changes nothing and is not audited.
    await ok(dispatch(t.table, 'resources.setUpstreamKey', { resource: resource.id, providerKey: '' }, ctx))
    expect(t.registry.listAudit({ action: 'resource.upstreamCredential' }).total).toBe(2)
  })

  it('refuses a key for a resource without an upstream, or without secure storage; nothing is kept or audited', async () => {
    current = desktopTable()
    await ok(dispatch(current.table, 'resources.add', { model: 'o3', type: 'PYG' }, ctx))
    const refused = await dispatch(
      current.table,
      'resources.setUpstreamKey',
      { resource: 'o3:PYG', providerKey: KEY },
      ctx
    )
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION', fields: { providerKey: expect.stringMatching(/no upstream/) } }
    })
    expect(JSON.stringify(refused)).not.toContain(KEY)
    const control = await dispatch(
      current.table,
      'resources.setUpstreamKey',
      { resource: 'o3:PYG', providerKey: 'a\u0000b' },
      ctx
    )
    expect(control).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION', fields: { providerKey: expect.any(String) } }
    })
    current.close()

    current = desktopTable({ keychain: false })
    await ok(
      dispatch(
        current.table,
        'resources.add',
        { model: 'o3', type: 'PYG', upstreamUrl: 'http://127.0.0.1:8000/v1' },
        ctx
      )
    )
    const noStorage = await dispatch(
      current.table,
      'resources.setUpstreamKey',
      { resource: 'o3:PYG', providerKey: KEY },
      ctx
    )
    expect(noStorage).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION', fields: { providerKey: expect.stringMatching(/No secure storage/) } }
    })
    expect(current.keychain.blobs).toEqual({})
    expect(current.registry.listAudit({ action: 'resource.upstreamCredential' }).total).toBe(0)
  })

  it('removing the upstream or the resource forgets its kept key', async () => {
    current = desktopTable()
    const t = current
    for (const model of ['a', 'b'])
      await ok(
        dispatch(t.table, 'resources.add', { model, type: 'PYG', upstreamUrl: 'https://api.example.com/v1' }, ctx)
      )
    for (const model of ['a', 'b'])
      await ok(dispatch(t.table, 'resources.setUpstreamKey', { resource: `${model}:PYG`, providerKey: KEY }, ctx))
    expect(Object.keys(t.keychain.blobs)).toHaveLength(2)
    const edited = await ok<{ resource: Resource }>(
      dispatch(t.table, 'resources.edit', { resource: 'a:PYG', upstreamUrl: '' }, ctx)
    )
    expect(edited.resource.upstream).toBeNull()
    expect(t.upstreamKeys.has(edited.resource.id)).toBe(false)
    const removed = await ok<{ removed: Resource }>(dispatch(t.table, 'resources.remove', { resource: 'b:PYG' }, ctx))
    expect(t.upstreamKeys.has(removed.removed.id)).toBe(false)
    expect(t.keychain.blobs).toEqual({})
  })
})

describe('the Gateway switch', () => {
  it('starts the local server with gateway: true and the kept keys by message; a kept key reaches the running gateway', async () => {
    current = desktopTable()
    const t = current
    await ok(
      dispatch(
        t.table,
        'resources.add',
        { model: 'gpt-4o', type: 'PYG', upstreamUrl: 'https://api.openai.com/v1' },
        ctx
      )
    )
    const id = t.registry.resolveResource('gpt-4o:PYG').id
    await ok(dispatch(t.table, 'resources.setUpstreamKey', { resource: id, providerKey: KEY }, ctx))

    // Verify only: no keys travel to a server that does not forward traffic.
    await ok(dispatch(t.table, 'settings.set', { serverEnabled: true, serverPort: 18800 }, ctx))
    expect(t.utility.forks).toHaveLength(1)
    const first = t.utility.forks[0]!
    expect(first.commands[0]).toMatchObject({ type: 'start', port: 18800, gateway: false })
    expect(JSON.stringify(first.commands)).not.toContain(KEY)
    first.answer({ type: 'started', url: 'http://127.0.0.1:18800', host: '127.0.0.1', port: 18800 })

    // The Gateway option restarts it in place with the gateway and the decrypted keys.
    expect(await ok(dispatch(t.table, 'settings.get', {}, ctx))).toMatchObject({ serverGateway: false })
    await ok(dispatch(t.table, 'settings.set', { serverGateway: true }, ctx))
    expect(first.commands[1]).toEqual({
      type: 'start',
      dbPath: t.temp.path,
      host: '127.0.0.1',
      port: 18800,
      ui: false,
      nativeBinding: undefined,
      gateway: true,
      upstreamKeys: { [id]: KEY }
    })
    first.answer({ type: 'started', url: 'http://127.0.0.1:18800', host: '127.0.0.1', port: 18800 })

    // A key forgotten while the gateway runs reaches it as a message, without a restart.
    await ok(dispatch(t.table, 'resources.setUpstreamKey', { resource: id, providerKey: null }, ctx))
    expect(first.commands[2]).toEqual({ type: 'upstreamKeys', upstreamKeys: {} })
    expect(t.utility.forks).toHaveLength(1)
    expect(t.localServer.status()).toMatchObject({ state: 'running' })

    const bad = await dispatch(t.table, 'settings.set', { serverGateway: 'yes' }, ctx)
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION', fields: { serverGateway: expect.any(String) } }
    })
  })
})

describe('the server utility process (serveOverPort)', () => {
  function port() {
    const listeners: ((event: { data: unknown }) => void)[] = []
    const events: ServerEvent[] = []
    const parent: ParentPortLike = { on: (_e, l) => void listeners.push(l), postMessage: (m) => void events.push(m) }
    return { parent, events, send: (data: unknown) => listeners.forEach((l) => l({ data })) }
  }
  const settled = () => new Promise((r) => setTimeout(r, 10))

  it('passes gateway and the keys to the server, and refills the same key object in place on upstreamKeys', async () => {
    const p = port()
    const started: ServerOptions[] = []
    serveOverPort(p.parent, async (options) => {
      started.push(options)
      return {
        url: 'http://127.0.0.1:1',
        host: '127.0.0.1',
        port: 1,
        close: async () => undefined
      } as unknown as RunningServer
    })
    p.send({ type: 'start', dbPath: '/tmp/x/registry.sqlite3', port: 1, gateway: true, upstreamKeys: { r_a: KEY } })
    await settled()
    expect(started[0]).toMatchObject({ gateway: true, upstreamKeys: { r_a: KEY } })
    const keys = started[0]!.upstreamKeys!
    p.send({ type: 'upstreamKeys', upstreamKeys: { r_b: 'second' } })
    await settled()
    expect(keys).toEqual({ r_b: 'second' })
    p.send({ type: 'upstreamKeys', upstreamKeys: { r_c: 42 } })
    p.send({ type: 'upstreamKeys' })
    await settled()
    expect(keys).toEqual({ r_b: 'second' })
    expect(p.events.filter((e) => e.type === 'error')).toHaveLength(2)
    expect(JSON.stringify(p.events)).not.toContain(KEY)
    p.send({ type: 'stop' })
    await settled()
    expect(keys).toEqual({})
  })
})
