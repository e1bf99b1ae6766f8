import { afterAll, describe, expect, it } from 'vitest'
import { RESOURCE_FIELDS, expectNoSecretLeaked, tempCli } from './run'

/** `keyward resources …` and `keyward quota …` end to end, in one registry file. */
describe('keyward resources and quota', { timeout: 90_000 }, () => {
  const t = tempCli()
  afterAll(() => {
    expectNoSecretLeaked()
    t.cleanup()
  })

  it('adds TPM and PYG resources and prints {"resource": R} with exactly the documented fields', async () => {
    const tpm = await t.ok(['resources', 'add', '--model', 'gpt-4o', '--type', 'TPM', '--limit', '30000'])
    expect(Object.keys(tpm)).toEqual(['resource'])
    expect(Object.keys(tpm.resource)).toEqual(RESOURCE_FIELDS)
    expect(tpm.resource).toMatchObject({ model: 'gpt-4o', type: 'TPM', status: 'active', tpmLimit: 30000, keyCount: 0 })
    expect(tpm.resource.id).toMatch(/^r_/)

    // The type is taken in any case; --inactive adds it switched off.
    const pyg = await t.ok(['resources', 'add', '--model', 'gpt-4o', '--type', 'pyg', '--inactive'])
    expect(pyg.resource).toMatchObject({
      model: 'gpt-4o',
      type: 'PYG',
      status: 'inactive',
      tpmLimit: null,
      keyCount: 0
    })
  })

  it('enforces the TPM/PYG limit rule: TPM needs --limit, PYG refuses it (VALIDATION, exit 2, naming --limit)', async () => {
    const missing = await t.fails(['resources', 'add', '--model', 'o3', '--type', 'TPM'])
    expect(missing.code).toBe(2)
    expect(missing.error.code).toBe('VALIDATION')
    expect(Object.keys(missing.error.fields!)).toEqual(['--limit'])
    expect(missing.error.message).toMatch(/needs a TPM limit/)

    const refused = await t.fails(['resources', 'add', '--model', 'o3', '--type', 'PYG', '--limit', '10'])
    expect(refused.code).toBe(2)
    expect(refused.error.fields!['--limit']).toMatch(/takes no TPM limit/)

    const badType = await t.fails(['resources', 'add', '--model', 'o3', '--type', 'HOURLY'])
    expect(badType.code).toBe(2)
    expect(badType.error.fields!['--type']).toMatch(/TPM .* or PYG/)
  })

  it('parses numbers strictly and names the flag', async () => {
    for (const value of ['abc', '1.5', '1e3', '-5', '']) {
      const r = await t.fails(['resources', 'add', '--model', 'o3', '--type', 'TPM', '--limit', value])
      expect(r.code).toBe(2)
      expect(r.error.code).toBe('VALIDATION')
      expect(Object.keys(r.error.fields!)).toEqual(['--limit'])
    }
    const list = await t.ok(['resources', 'list'])
    expect(list.items.map((r: { model: string }) => r.model)).not.toContain('o3')
  })

  it('refuses a duplicate (model, type) with CONFLICT, exit 1', async () => {
    const r = await t.fails(['resources', 'add', '--model', 'gpt-4o', '--type', 'TPM', '--limit', '5'])
    expect(r.code).toBe(1)
    expect(r.error.code).toBe('CONFLICT')
  })

  it('lists resources as {"items": [R]}', async () => {
    const list = await t.ok(['resources', 'list'])
    expect(Object.keys(list)).toEqual(['items'])
    expect(list.items.map((r: { model: string; type: string }) => `${r.model}:${r.type}`)).toEqual([
      'gpt-4o:PYG',
      'gpt-4o:TPM'
    ])
    for (const r of list.items) expect(Object.keys(r)).toEqual(RESOURCE_FIELDS)
  })

  it('edits by MODEL:TYPE or id; --active and --inactive together are a usage error', async () => {
    const edited = await t.ok(['resources', 'edit', 'gpt-4o:PYG', '--active'])
    expect(edited.resource).toMatchObject({ type: 'PYG', status: 'active' })
    const byId = await t.ok(['resources', 'edit', edited.resource.id, '--inactive'])
    expect(byId.resource.status).toBe('inactive')
    const limit = await t.ok(['resources', 'edit', 'gpt-4o:TPM', '--limit', '40000'])
    expect(limit.resource.tpmLimit).toBe(40000)

    const both = await t.fails(['resources', 'edit', 'gpt-4o:TPM', '--active', '--inactive'])
    expect(both.code).toBe(2)
    expect(both.error.message).toMatch(/--active.*--inactive/)

    const pygLimit = await t.fails(['resources', 'edit', 'gpt-4o:PYG', '--limit', '100'])
    expect(pygLimit.code).toBe(2)
    expect(pygLimit.error.fields!['--limit']).toMatch(/PYG/)

    const missing = await t.fails(['resources', 'edit', 'nope:TPM', '--inactive'])
    expect(missing.code).toBe(1)
    expect(missing.error.code).toBe('NOT_FOUND')
    expect(Object.keys(missing.error.fields!)).toEqual(['RREF'])
  })

  it('shows and sets the TPM pool, refusing changes that break it with RULE_VIOLATION naming the balance', async () => {
    const none = await t.ok(['quota', 'show'])
    expect(none).toEqual({ tpmPool: null, assigned: 40000, remaining: null })

    const tooSmall = await t.fails(['quota', 'set', '--tpm', '39999'])
    expect(tooSmall.code).toBe(1)
    expect(tooSmall.error.code).toBe('RULE_VIOLATION')
    expect(Object.keys(tooSmall.error.fields!)).toEqual(['--tpm'])

    expect(await t.ok(['quota', 'set', '--tpm', '50000'])).toEqual({
      tpmPool: 50000,
      assigned: 40000,
      remaining: 10000
    })

    const over = await t.fails(['resources', 'add', '--model', 'o3', '--type', 'TPM', '--limit', '10001'])
    expect(over.code).toBe(1)
    expect(over.error.code).toBe('RULE_VIOLATION')
    expect(over.error.message).toMatch(/10000 TPM remain/)
    const raise = await t.fails(['resources', 'edit', 'gpt-4o:TPM', '--limit', '50001'])
    expect(raise.error.code).toBe('RULE_VIOLATION')

    const fits = await t.ok(['resources', 'add', '--model', 'o3', '--type', 'TPM', '--limit', '10000'])
    expect(fits.resource.tpmLimit).toBe(10000)
    expect(await t.ok(['quota', 'show'])).toEqual({ tpmPool: 50000, assigned: 50000, remaining: 0 })

    const bad = await t.fails(['quota', 'set', '--tpm', 'lots'])
    expect(bad.code).toBe(2)
    expect(Object.keys(bad.error.fields!)).toEqual(['--tpm'])
    const missing = await t.fails(['quota', 'set'])
    expect(missing.code).toBe(2)

    expect(await t.ok(['quota', 'set', '--tpm', 'none'])).toEqual({ tpmPool: null, assigned: 50000, remaining: null })
  })

  it('removes an unused resource as {"removed": R} and refuses one a key uses with CONFLICT', async () => {
    await t.ok(['keys', 'create', '--name', 'UsesO3', '--resource', 'o3:TPM'])
    const inUse = await t.fails(['resources', 'remove', 'o3:TPM'])
    expect(inUse.code).toBe(1)
    expect(inUse.error.code).toBe('CONFLICT')
    expect(inUse.error.message).toMatch(/assigned to 1 key/)

    const removed = await t.ok(['resources', 'remove', 'gpt-4o:PYG'])
    expect(Object.keys(removed)).toEqual(['removed'])
    expect(removed.removed).toMatchObject({ model: 'gpt-4o', type: 'PYG' })
    const list = await t.ok(['resources', 'list'])
    expect(list.items.map((r: { model: string; type: string }) => `${r.model}:${r.type}`)).toEqual([
      'gpt-4o:TPM',
      'o3:TPM'
    ])
  })

  it('prints a readable table and sentences without --json', async () => {
    const table = await t.cli(['resources', 'list'])
    expect(table.code).toBe(0)
    const lines = table.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^Model\s+Type\s+Status\s+TPM limit\s+Upstream\s+Keys\s+Id$/)
    expect(lines[1]).toMatch(/^gpt-4o\s+TPM\s+active\s+40000\s+-\s+0\s+r_\w+$/)
    expect(lines[2]).toMatch(/^o3\s+TPM\s+active\s+10000\s+-\s+1\s+r_\w+$/)
    // Columns line up: every row has "TPM" where the header has "Type".
    const typeAt = lines[0]!.indexOf('Type')
    for (const line of lines.slice(1)) expect(line.slice(typeAt, typeAt + 3)).toBe('TPM')

    const show = await t.cli(['quota', 'show'])
    expect(show.stdout).toMatch(/TPM pool:\s+none/)

    const error = await t.cli(['resources', 'add', '--model', 'x', '--type', 'PYG', '--limit', '3'])
    expect(error.code).toBe(2)
    expect(error.stdout).toBe('')
    expect(error.stderr).toMatch(/^keyward: --limit: A PYG \(pay-as-you-go\) resource takes no TPM limit/)
  })
})
