import { createHash } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { admin, serverOnTempRegistry, type ServerHarness } from './harness'

let h: ServerHarness
let adminSecret: string
let standardSecret: string
const ACTOR = 'test'

beforeEach(async () => {
  h = await serverOnTempRegistry()
  adminSecret = h.registry.createKey({ name: 'Ops', kind: 'admin' }, ACTOR).secret
  standardSecret = h.registry.createKey({ name: 'Gateway1', department: 'Research' }, ACTOR).secret
})
afterEach(async () => {
  await h.stop()
})

describe('keys.export over the admin API (POST /v1/admin/rpc/keys.export)', () => {
  const rpc = (json: unknown, secret = adminSecret) => admin(h.url, secret, 'POST', '/rpc/keys.export', json)

  it('answers the export text for an admin key, never a secret; a standard key is refused', async () => {
    const r = await rpc({ format: 'json', filters: { departments: ['Research'] } })
    expect(r.status).toBe(200)
    expect(r.body.result).toMatchObject({ count: 1, sensitive: false })
    expect(JSON.parse(r.body.result.text).keys.map((k: { name: string }) => k.name)).toEqual(['Gateway1'])
    expect(r.body.result.text).not.toContain(standardSecret)
    expect(r.body.result.text).not.toContain(adminSecret)
    expect((await rpc({}, standardSecret)).status).toBe(403)
    const bad = await rpc({ format: 'xml' })
    expect(bad.status).toBe(400)
    expect(bad.body.error.fields).toHaveProperty(['format'])
  })

  it('with hashes: allowed for an admin key, sensitive, and audited with the admin key as actor', async () => {
    const r = await rpc({ format: 'csv', withHashes: true, filters: { search: 'Gateway1' } })
    expect(r.status).toBe(200)
    expect(r.body.result.sensitive).toBe(true)
    const hash = createHash('sha256').update(standardSecret).digest('hex')
    expect(r.body.result.text).toContain(hash)
    expect(r.body.result.text).not.toContain(standardSecret)
    const entry = h.registry.listAudit({ action: 'keys.export' }).items[0]!
    expect(entry).toMatchObject({ actor: 'admin-key:Ops', details: { withHashes: true, format: 'csv', count: 1 } })
  })
})
