import { createHash, randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { importChunking } from '../../../src/main/core/import'
import { admin, request, serverOnTempRegistry, type ServerHarness } from './harness'

let h: ServerHarness
let adminSecret: string
let standardSecret: string
const ACTOR = 'test'
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex')

beforeEach(async () => {
  h = await serverOnTempRegistry()
  h.registry.addResource({ model: 'gpt-4o', type: 'PYG' }, ACTOR)
  adminSecret = h.registry.createKey({ name: 'Ops', kind: 'admin' }, ACTOR).secret
  standardSecret = h.registry.createKey({ name: 'Gateway1' }, ACTOR).secret
})
afterEach(async () => {
  importChunking.ms = 200
  importChunking.checkEvery = 64
  await h.stop()
})

describe('keys.import over the admin API (POST /v1/admin/rpc/keys.import)', () => {
  const rpc = (json: unknown, secret = adminSecret) => admin(h.url, secret, 'POST', '/rpc/keys.import', json)

  it('answers verifications between the chunks of a large import (proven by order, not time)', async () => {
    // Chunks of 64 rows (not ~200 ms): many chunks, the same code path.
    importChunking.ms = 0
    importChunking.checkEvery = 64
    const secrets = Array.from({ length: 2000 }, (_, i) => `legacy-${i}-${randomBytes(12).toString('hex')}`)
    const text = `name,sha256,hint\n${secrets.map((x, i) => `Legacy${i},${sha256(x)},leg…${i}`).join('\n')}\n`
    const verify = async (secret: string) =>
      (await request(`${h.url}/v1/keys/verify`, { headers: { authorization: `Bearer ${secret}` } })).body.code as string
    const first = secrets[0]!
    const last = secrets.at(-1)!
    let answer: Awaited<ReturnType<typeof rpc>> | undefined
    const running = rpc({ text }).then((a) => (answer = a))
    const seen: [string, string][] = []
    while (answer === undefined) {
      const a = await verify(first)
      const b = await verify(last)
      if (answer === undefined) seen.push([a, b])
    }
    await running
    expect(answer!.status, answer!.text).toBe(200)
    expect(answer!.body.result).toMatchObject({ created: 0, imported: 2000, errors: [] })
    // A client saw the first rows imported and the last not yet: no single transaction shows that.
    expect(seen.some(([a, b]) => a === 'VALID' && b !== 'VALID')).toBe(true)
    expect([await verify(first), await verify(last)]).toEqual(['VALID', 'VALID'])
  })

  it("imports another system's hashes for an admin key; the server's verifier then accepts that secret", async () => {
    const legacy = `sk-${randomBytes(24).toString('base64url')}`
    const text = `name,sha256,hint,resources\nLegacy,${sha256(legacy)},sk-…abcd,gpt-4o:PYG\nBrandNew,,,\n`
    expect((await rpc({ text }, standardSecret)).status).toBe(403)

    const r = await rpc({ text })
    expect(r.status).toBe(200)
    expect(r.body.result).toMatchObject({ created: 1, imported: 1, errors: [] })
    const fresh = r.body.result.keys.find((k: { name: string }) => k.name === 'BrandNew')
    expect(fresh.secret).toMatch(/^kw_[0-9A-Za-z]{49}$/)

    const verify = (secret: string) =>
      request(`${h.url}/v1/keys/verify`, { headers: { authorization: `Bearer ${secret}`, 'x-model': 'gpt-4o' } })
    const ok = await verify(legacy)
    expect(ok.status).toBe(200)
    expect(ok.body).toMatchObject({ valid: true, code: 'VALID', name: 'Legacy' })
    const stranger = await verify(`sk-${randomBytes(24).toString('base64url')}`)
    expect(stranger.body).toMatchObject({ valid: false, code: 'MALFORMED' })
    expect((await verify(fresh.secret)).body).toMatchObject({ valid: false, code: 'MODEL_NOT_ASSIGNED' })
    const audit = h.registry.listAudit({ action: 'key.create' }).items.filter((e) => e.actor === 'admin-key:Ops')
    expect(audit.map((e) => [e.targetName, (e.details as { imported: string }).imported]).sort()).toEqual([
      ['BrandNew', 'new'],
      ['Legacy', 'sha256']
    ])
  })

  it('a refused import answers the report and writes nothing; a bad input names the field', async () => {
    const before = h.registry.listKeys({}).total
    const r = await rpc({ text: 'name,sha256\nGateway1,\nBad Name,zz\n' })
    expect(r.status).toBe(200)
    expect(r.body.result).toMatchObject({ created: 0, imported: 0 })
    expect(r.body.result.errors.map((e: { row: number; field: string }) => `${e.row}:${e.field}`)).toEqual([
      '1:name',
      '2:name',
      '2:sha256'
    ])
    expect(h.registry.listKeys({}).total).toBe(before)
    const bad = await rpc({ text: 'name\nA\n', format: 'xml' })
    expect(bad.status).toBe(400)
    expect(bad.body.error.fields).toHaveProperty(['format'])
  })
})
