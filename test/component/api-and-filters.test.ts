import { afterEach, describe, expect, it } from 'vitest'
import { KeywardError } from '@shared/errors'
import { createHttpClient } from '@renderer/api/http-client'
import { detectMode } from '@renderer/api/mode'
import { emptyKeyFilter, FILTER_STORAGE_KEY, loadKeyFilter, saveKeyFilter } from '@renderer/lib/filter-storage'
import { groupByModel, resourceChoices } from '@renderer/lib/resource-rules'
import { resource } from './helpers'

function fakeFetch(status: number, body: unknown) {
  const requests: { url: string; init: RequestInit }[] = []
  const fetch = (async (url: RequestInfo | URL, init?: RequestInit) => {
    requests.push({ url: String(url), init: init ?? {} })
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
  }) as typeof globalThis.fetch
  return { fetch, requests }
}

afterEach(() => {
  document.head.querySelectorAll('meta[name^="keyward-"]').forEach((m) => m.remove())
  localStorage.clear()
})

describe('HTTP transport', () => {
  it('POSTs the input as JSON to <base>/<operation> and answers the result', async () => {
    const { fetch, requests } = fakeFetch(200, { result: { items: [], total: 0 } })
    const client = createHttpClient({ base: '/rpc/', fetch, headers: () => ({ authorization: 'Bearer kwa_x' }) })
    await expect(client['keys.list']({ search: 'bot' })).resolves.toEqual({ items: [], total: 0 })
    expect(requests[0]!.url).toBe('/rpc/keys.list')
    expect(requests[0]!.init.method).toBe('POST')
    expect(JSON.parse(String(requests[0]!.init.body))).toEqual({ search: 'bot' })
    expect((requests[0]!.init.headers as Record<string, string>).authorization).toBe('Bearer kwa_x')
  })

  it('rebuilds the error payload as a KeywardError with its fields', async () => {
    const { fetch } = fakeFetch(400, { error: { code: 'VALIDATION', message: 'name: bad', fields: { name: 'bad' } } })
    const client = createHttpClient({ base: '/rpc', fetch })
    const error = await client['keys.create']({ name: 'x y' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KeywardError)
    expect(error).toMatchObject({ code: 'VALIDATION', message: 'name: bad', fields: { name: 'bad' } })
  })

  it('tells the app about a 401 so the web console can ask for the admin key again', async () => {
    const { fetch } = fakeFetch(401, { error: { code: 'UNAUTHORIZED', message: 'Sign in with an administrator key.' } })
    const seen: string[] = []
    const client = createHttpClient({ base: '/v1/admin/rpc', fetch, onUnauthorized: (e) => seen.push(e.message) })
    await expect(client['resources.list']({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' })
    expect(seen).toEqual(['Sign in with an administrator key.'])
  })

  it('turns a dead server or a non-JSON answer into a message a user can act on', async () => {
    const dead = createHttpClient({ base: '/rpc', fetch: (async () => { throw new TypeError('Failed to fetch') }) as typeof fetch })
    await expect(dead['keys.list']({})).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('Cannot reach the Keyward server') })
    const html = createHttpClient({ base: '/rpc', fetch: fakeFetch(502, '<html>Bad gateway</html>').fetch })
    await expect(html['keys.list']({})).rejects.toMatchObject({ message: expect.stringContaining('not JSON (HTTP 502)') })
  })
})

describe('mode detection', () => {
  it('is "http" at /rpc by default, "web-console" at the admin API when the server says so', () => {
    expect(detectMode(window)).toEqual({ mode: 'http', rpcBase: '/rpc' })
    const meta = document.createElement('meta')
    meta.name = 'keyward-mode'
    meta.content = 'web-console'
    document.head.append(meta)
    expect(detectMode(window)).toEqual({ mode: 'web-console', rpcBase: '/v1/admin/rpc' })
  })

  it('is "desktop" when the preload exposed window.keyward', () => {
    const win = { keyward: {}, location: window.location } as unknown as Window
    expect(detectMode(win).mode).toBe('desktop')
  })
})

describe('filter persistence', () => {
  it('keeps filters across a reload, and nothing else', () => {
    saveKeyFilter({ ...emptyKeyFilter(), departments: ['Engineering'], projects: ['Chatbot'], status: 'active', search: 'bot' })
    expect(loadKeyFilter()).toEqual({ departments: ['Engineering'], projects: ['Chatbot'], environment: null, status: 'active', resource: null, search: 'bot' })
    expect(Object.keys(localStorage)).toEqual([FILTER_STORAGE_KEY])
  })

  it('falls back to no filter when the saved one is corrupt or from elsewhere', () => {
    localStorage.setItem(FILTER_STORAGE_KEY, '{not json')
    expect(loadKeyFilter()).toEqual(emptyKeyFilter())
    localStorage.setItem(FILTER_STORAGE_KEY, JSON.stringify({ departments: 'Engineering', status: 'deleted', projects: [1, 'P'] }))
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

describe('desktop transport', () => {
  it('rebuilds the preload’s plain error payloads as KeywardError, and passes results through', async () => {
    const { desktopClient } = await import('@renderer/api')
    const bridge = {
      'keys.get': async () => ({ key: { name: 'A' } }),
      'keys.create': async () => Promise.reject({ name: 'KeywardError', code: 'VALIDATION', message: 'name: bad', fields: { name: 'bad' } })
    }
    const client = desktopClient(bridge as never)
    await expect(client['keys.get']({ key: 'A' })).resolves.toEqual({ key: { name: 'A' } })
    const error = await client['keys.create']({ name: 'x y' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KeywardError)
    expect(error).toMatchObject({ code: 'VALIDATION', fields: { name: 'bad' } })
    // An operation this preload does not offer fails in words, not with "is not a function".
    await expect(client['audit.verify']({})).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('cannot do audit.verify') })
  })
})
