import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { admin, serverOnTempRegistry, type ServerHarness } from './harness'

/** Resource upstreams (issue 10) over the admin API: REST and RPC both go through dispatch. */
let h: ServerHarness
let adminSecret: string
const CREDENTIAL = 'sk-proj-NEVER-IN-THE-REGISTRY-0123456789abcdef'

beforeEach(async () => {
  h = await serverOnTempRegistry()
  adminSecret = h.registry.createKey({ name: 'Ops', kind: 'admin' }, 'test').secret
})
afterEach(async () => {
  await h.stop()
})

describe('resource upstreams over the admin API', () => {
  it('resources.add with upstream fields round-trips (RPC and REST), and an edit removes it', async () => {
    const added = await admin(h.url, adminSecret, 'POST', '/rpc/resources.add', {
      model: 'gpt-4o',
      type: 'PYG',
      upstreamUrl: 'https://example-resource.openai.azure.com/openai/v1/',
      upstreamModel: 'gpt-4o-2024-08-06',
      upstreamKeyEnv: 'AZURE_OPENAI_API_KEY'
    })
    expect(added.status, added.text).toBe(200)
    const upstream = {
      url: 'https://example-resource.openai.azure.com/openai/v1',
      model: 'gpt-4o-2024-08-06',
      keyEnv: 'AZURE_OPENAI_API_KEY'
    }
    expect(added.body.result.resource.upstream).toEqual(upstream)

    const listed = await admin(h.url, adminSecret, 'GET', '/resources')
    expect(listed.body.items[0].upstream).toEqual(upstream)
    // The server's own registry connection reads the same thing (what the gateway will use).
    expect(h.registry.findResource('gpt-4o:PYG')?.upstream).toEqual(upstream)

    const rest = await admin(h.url, adminSecret, 'POST', '/resources', {
      model: 'llama-3',
      type: 'TPM',
      tpmLimit: 5000,
      upstreamUrl: 'http://127.0.0.1:8000/v1'
    })
    expect(rest.status, rest.text).toBe(201)
    expect(rest.body.resource.upstream).toEqual({ url: 'http://127.0.0.1:8000/v1', model: null, keyEnv: null })

    const removed = await admin(h.url, adminSecret, 'PATCH', '/resources/gpt-4o:PYG', { upstreamUrl: '' })
    expect(removed.status, removed.text).toBe(200)
    expect(removed.body.resource.upstream).toBeNull()
  })

  it('a bad upstream URL is a 400 naming upstreamUrl, without repeating a credential, and adds nothing', async () => {
    for (const upstreamUrl of [
      `https://apikey:${CREDENTIAL}@api.openai.com/v1`,
      `https://api.openai.com/v1?api-key=${CREDENTIAL}`,
      'file:///etc/passwd',
      'not a url'
    ]) {
      const r = await admin(h.url, adminSecret, 'POST', '/rpc/resources.add', {
        model: 'gpt-4o',
        type: 'PYG',
        upstreamUrl
      })
      expect(r.status, upstreamUrl).toBe(400)
      expect(r.body.error.code).toBe('VALIDATION')
      expect(Object.keys(r.body.error.fields)).toEqual(['upstreamUrl'])
      expect(r.body.error.message).toContain('upstreamUrl')
      expect(r.text).not.toContain(CREDENTIAL)
    }
    const keyEnv = await admin(h.url, adminSecret, 'POST', '/rpc/resources.add', {
      model: 'gpt-4o',
      type: 'PYG',
      upstreamUrl: 'https://api.openai.com/v1',
      upstreamKeyEnv: CREDENTIAL
    })
    expect(keyEnv.status).toBe(400)
    expect(Object.keys(keyEnv.body.error.fields)).toEqual(['upstreamKeyEnv'])
    expect(keyEnv.text).not.toContain(CREDENTIAL)
    expect((await admin(h.url, adminSecret, 'GET', '/resources')).body.items).toEqual([])
  })
})
