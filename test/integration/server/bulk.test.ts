import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { admin, serverOnTempRegistry, type ServerHarness } from './harness'

let h: ServerHarness
let adminSecret: string
const secrets = new Map<string, string>()
const ACTOR = 'test'

beforeEach(async () => {
  h = await serverOnTempRegistry()
  h.registry.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 1000 }, ACTOR)
  h.registry.addResource({ model: 'gpt-4o', type: 'PYG' }, ACTOR)
  adminSecret = h.registry.createKey({ name: 'Ops', kind: 'admin' }, ACTOR).secret
  for (const [name, department, resources] of [
    ['Gateway1', 'Research', ['gpt-4o:TPM']],
    ['Gateway2', 'Research', []],
    ['Billing', 'Finance', []]
  ] as const) {
    secrets.set(name, h.registry.createKey({ name, department, resources: [...resources] }, ACTOR).secret)
  }
})
afterEach(async () => {
  await h.stop()
})

describe('admin API: POST /v1/admin/rpc/keys.bulk', () => {
  const rpc = (json: unknown) => admin(h.url, adminSecret, 'POST', '/rpc/keys.bulk', json)

  it('disables the keys the filters select, audited per key as the admin key; the secrets stop verifying', async () => {
    const dry = await rpc({ action: 'disable', filters: { departments: ['Research'] }, dryRun: true })
    expect(dry.status).toBe(200)
    expect(dry.body.result).toMatchObject({ matched: 2, changed: 2 })
    expect(h.registry.resolveKey('Gateway1').status).toBe('active')

    const done = await rpc({ action: 'disable', filters: { departments: ['Research'] } })
    expect(done.status).toBe(200)
    expect(done.body.result).toEqual({
      matched: 2,
      changed: 2,
      keys: [
        { id: h.registry.resolveKey('Gateway1').id, name: 'Gateway1' },
        { id: h.registry.resolveKey('Gateway2').id, name: 'Gateway2' }
      ]
    })
    expect(h.registry.verify({ secret: secrets.get('Gateway1')! }).code).toBe('DISABLED')
    expect(h.registry.verify({ secret: secrets.get('Billing')! }).code).toBe('VALID')
    const entries = h.registry.listAudit({ action: 'key.disable' }).items
    expect(entries.map((e) => [e.targetName, e.actor]).sort()).toEqual([
      ['Gateway1', 'admin-key:Ops'],
      ['Gateway2', 'admin-key:Ops']
    ])
  })

  it('a rule violation is 4xx naming the key, and nothing changes; bad input names the field', async () => {
    // The admin key's lastUsedAt may be flushed meanwhile, so compare the audit log and the keys, not the file.
    const audit = h.registry.listAudit({ limit: 1 }).total
    const refused = await rpc({ action: 'assign', filters: {}, resources: ['gpt-4o:PYG'] })
    expect(refused.body.error.code).toBe('RULE_VIOLATION')
    expect(refused.body.error.message).toContain('Gateway1 (holds gpt-4o:TPM)')
    expect(refused.body.error.message).toContain('Ops (an administrator key)')
    const invalid = await rpc({ action: 'disable', filters: { department: 'Research' } })
    expect(invalid.status).toBe(400)
    expect(invalid.body.error.fields.filters).toMatch(/Unknown filter department/)
    expect(h.registry.listAudit({ limit: 1 }).total).toBe(audit)
    expect(h.registry.resolveKey('Gateway2').resources).toEqual([])
  })
})
