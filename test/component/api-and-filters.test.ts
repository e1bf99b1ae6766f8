import { afterEach, describe, expect, it } from 'vitest'
import { KeywardError } from '@shared/errors'
import { isDesktop } from '@renderer/api'
import { createClient } from '@renderer/api/client'
import { httpTransport } from '@renderer/api/http'
import { buildDesktopBridge } from '../../src/preload/bridge'
import { emptyKeyFilter, FILTER_STORAGE_KEY, loadKeyFilter, saveKeyFilter } from '@renderer/lib/filter-storage'
import { groupByModel, resourceChoices } from '@renderer/lib/resource-rules'
import { fakeClient, fakeWebConsole, resource } from './helpers'

function fakeFetch(status: number, body: unknown) {
  const requests: { url: string; init: RequestInit }[] = []
  const fetch = (async (url: RequestInfo | URL, init?: RequestInit) => {
    requests.push({ url: String(url), init: init ?? {} })
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json' }
    })
  }) as typeof globalThis.fetch
  return { fetch, requests }
}

afterEach(() => {
  document.head.querySelectorAll('meta[name^="keyward-"]').forEach((m) => m.remove())
  localStorage.clear()
})

const overHttp = (options: Parameters<typeof httpTransport>[0]) => createClient(httpTransport(options))

describe('the one client over the HTTP transport', () => {
  it('POSTs the input as JSON to <base>/<operation> and answers the result', async () => {
    const { fetch, requests } = fakeFetch(200, { result: { items: [], total: 0 } })
    const client = overHttp({ base: '/v1/admin/rpc/', fetch, headers: () => ({ authorization: 'Bearer kwa_x' }) })
    await expect(client['keys.list']({ search: 'bot' })).resolves.toEqual({ items: [], total: 0 })
    expect(requests[0]!.url).toBe('/v1/admin/rpc/keys.list')
    expect(requests[0]!.init.method).toBe('POST')
    expect(JSON.parse(String(requests[0]!.init.body))).toEqual({ search: 'bot' })
    expect((requests[0]!.init.headers as Record<string, string>).authorization).toBe('Bearer kwa_x')
  })

  it('rebuilds the error payload as a KeywardError with its fields', async () => {
    const { fetch } = fakeFetch(400, { error: { code: 'VALIDATION', message: 'name: bad', fields: { name: 'bad' } } })
    const client = overHttp({ base: '/v1/admin/rpc', fetch })
    const error = await client['keys.create']({ name: 'x y' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KeywardError)
    expect(error).toMatchObject({ code: 'VALIDATION', message: 'name: bad', fields: { name: 'bad' } })
  })

  it('turns a dead server, a non-JSON answer or a body without result or error into a message a user can act on', async () => {
    const dead = overHttp({
      base: '/v1/admin/rpc',
      fetch: (async () => {
        throw new TypeError('Failed to fetch')
      }) as typeof fetch
    })
    await expect(dead['keys.list']({})).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringContaining('Cannot reach the Keyward server')
    })
    const html = overHttp({ base: '/v1/admin/rpc', fetch: fakeFetch(502, '<html>Bad gateway</html>').fetch })
    await expect(html['keys.list']({})).rejects.toMatchObject({
      message: expect.stringContaining('not JSON (HTTP 502)')
    })
    const odd = overHttp({ base: '/v1/admin/rpc', fetch: fakeFetch(503, { status: 'down' }).fetch })
    await expect(odd['keys.list']({})).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringContaining('refused the request (HTTP 503)')
    })
  })
})

describe('the one client over the desktop bridge (the real preload code)', () => {
  it('passes results through, and rebuilds error payloads as KeywardError', async () => {
    const bridge = buildDesktopBridge({
      invoke: async (channel) =>
        channel === 'keyward:keys.get'
          ? { ok: true, result: { key: { name: 'A' } } }
          : { ok: false, error: { code: 'VALIDATION', message: 'name: bad', fields: { name: 'bad' } } },
      on: () => undefined,
      removeListener: () => undefined
    })
    const client = createClient(bridge.call)
    await expect(client['keys.get']({ key: 'A' })).resolves.toEqual({ key: { name: 'A' } })
    const error = await client['keys.create']({ name: 'x y' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KeywardError)
    expect(error).toMatchObject({ code: 'VALIDATION', fields: { name: 'bad' } })
  })

  it('main not answering fails in words, not with "is not a function" or undefined', async () => {
    const bridge = buildDesktopBridge({
      invoke: async () => {
        throw new Error("No handler registered for 'keyward:audit.verify'")
      },
      on: () => undefined,
      removeListener: () => undefined
    })
    await expect(createClient(bridge.call)['audit.verify']({})).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringContaining('could not reach Keyward')
    })
  })
})

describe('which host the page runs in', () => {
  afterEach(() => {
    delete (window as { keyward?: unknown }).keyward
  })

  it('is the desktop app when the preload exposed window.keyward, else the web console', () => {
    fakeWebConsole({})
    expect(isDesktop()).toBe(false)
    fakeClient({})
    expect(isDesktop()).toBe(true)
  })
})

describe('filter persistence', () => {
  it('keeps filters across a reload, and nothing else', () => {
    saveKeyFilter({
      ...emptyKeyFilter(),
      departments: ['Engineering'],
      projects: ['Chatbot'],
      status: 'active',
      search: 'bot'
    })
    expect(loadKeyFilter()).toEqual({
      departments: ['Engineering'],
      projects: ['Chatbot'],
      environment: null,
      status: 'active',
      resource: null,
      search: 'bot'
    })
    expect(Object.keys(localStorage)).toEqual([FILTER_STORAGE_KEY])
  })

  it('falls back to no filter when the saved one is corrupt or from elsewhere', () => {
    localStorage.setItem(FILTER_STORAGE_KEY, '{not json')
    expect(loadKeyFilter()).toEqual(emptyKeyFilter())
    localStorage.setItem(
      FILTER_STORAGE_KEY,
      JSON.stringify({ departments: 'Engineering', status: 'deleted', projects: [1, 'P'] })
    )
    expect(loadKeyFilter()).toEqual({ ...emptyKeyFilter(), projects: ['P'] })
  })
})

describe('resource rule for pickers', () => {
  it('groups by model, TPM first, and disables only the other type of a chosen model', () => {
    const all = [resource('a', 'gpt-4o', 'PYG'), resource('b', 'claude', 'PYG'), resource('c', 'gpt-4o', 'TPM')]
    const groups = groupByModel(resourceChoices(all, ['a']))
    expect(groups.map((g) => [g.model, g.choices.map((c) => `${c.resource.type}:${c.disabled}`)])).toEqual([
      ['claude', ['PYG:false']],
      ['gpt-4o', ['TPM:true', 'PYG:false']]
    ])
  })
})
