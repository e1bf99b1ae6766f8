import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoSecretLeaked, tempCli } from './run'

interface Bulk {
  matched: number
  changed: number
  keys: { id: string; name: string }[]
}

const names = (doc: Bulk) => doc.keys.map((k) => k.name)

/** `keyward keys bulk …` end to end, in one registry file. */
describe('keyward keys bulk', { timeout: 90_000 }, () => {
  const t = tempCli()
  const secrets = new Map<string, string>()
  beforeAll(async () => {
    await t.ok(['resources', 'add', '--model', 'gpt-4o', '--type', 'TPM', '--limit', '1000'])
    await t.ok(['resources', 'add', '--model', 'gpt-4o', '--type', 'PYG'])
    for (const [name, ...flags] of [
      ['Alpha', '--department', 'Finance', '--resource', 'gpt-4o:TPM'],
      ['Bravo', '--department', 'Finance'],
      ['Charlie', '--department', 'Legal'],
      ['Delta', '--department', 'Legal', '--environment', 'prod']
    ]) {
      const created = await t.ok<{ secret: string }>(['keys', 'create', '--name', name!, ...flags])
      secrets.set(name!, created.secret)
    }
  }, 90_000)
  afterAll(() => {
    expectNoSecretLeaked()
    t.cleanup()
  })

  it('--dry-run prints {"matched","changed","keys"} and changes nothing', async () => {
    const doc = await t.ok<Bulk>(['keys', 'bulk', 'disable', '--department', 'Finance', '--dry-run'])
    expect(Object.keys(doc)).toEqual(['matched', 'changed', 'keys'])
    expect(doc).toMatchObject({ matched: 2, changed: 2 })
    expect(names(doc)).toEqual(['Alpha', 'Bravo'])
    expect(Object.keys(doc.keys[0]!)).toEqual(['id', 'name'])
    const list = await t.ok<{ items: { status: string }[] }>(['keys', 'list', '--status', 'disabled'])
    expect(list.items).toEqual([])
  })

  it('disables the keys the filters select; a second run matches them but changes none', async () => {
    const doc = await t.ok<Bulk>(['keys', 'bulk', 'disable', '--department', 'Finance'])
    expect(doc).toMatchObject({ matched: 2, changed: 2 })
    const again = await t.ok<Bulk>(['keys', 'bulk', 'disable', '--department', 'Finance'])
    expect(again).toEqual({ matched: 2, changed: 0, keys: [] })
    const listed = await t.ok<{ items: { name: string }[] }>(['keys', 'list', '--status', 'disabled'])
    expect(listed.items.map((k) => k.name)).toEqual(['Alpha', 'Bravo'])
    const enabled = await t.ok<Bulk>(['keys', 'bulk', 'enable', '--status', 'disabled'])
    expect(names(enabled)).toEqual(['Alpha', 'Bravo'])
  })

  it('assign names the violating key, exits 1 and changes nothing', async () => {
    const r = await t.fails(['keys', 'bulk', 'assign', '--department', 'Finance', '--resource', 'gpt-4o:PYG'])
    expect(r.code).toBe(1)
    expect(r.error.code).toBe('RULE_VIOLATION')
    expect(r.error.message).toContain('Alpha')
    const bravo = await t.ok<{ key: { resources: unknown[] } }>(['keys', 'show', 'Bravo'])
    expect(bravo.key.resources).toEqual([])
    const ok = await t.ok<Bulk>(['keys', 'bulk', 'assign', '--department', 'Legal', '--resource', 'gpt-4o:PYG'])
    expect(names(ok)).toEqual(['Charlie', 'Delta'])
    const holding = await t.ok<Bulk>([
      'keys',
      'bulk',
      'unassign',
      '--holding',
      'gpt-4o:PYG',
      '--resource',
      'gpt-4o:PYG'
    ])
    expect(names(holding)).toEqual(['Charlie', 'Delta'])
  })

  it('set takes --set FIELD=VALUE; an empty value clears', async () => {
    const doc = await t.ok<Bulk>([
      'keys',
      'bulk',
      'set',
      '--department',
      'Legal',
      '--set',
      'project=Atlas',
      '--set',
      'environment=',
      '--set',
      'expires=30d'
    ])
    expect(names(doc)).toEqual(['Charlie', 'Delta'])
    const delta = await t.ok<{ key: { project: string; environment: string | null; expiresAt: string } }>([
      'keys',
      'show',
      'Delta'
    ])
    expect(delta.key.project).toBe('Atlas')
    expect(delta.key.environment).toBeNull()
    expect(Date.parse(delta.key.expiresAt)).toBeGreaterThan(Date.now() + 29 * 86_400_000)
    const never = await t.ok<Bulk>(['keys', 'bulk', 'set', '--department', 'Legal', '--set', 'expires=never'])
    expect(never.changed).toBe(2)
  })

  it('usage errors exit 2 naming the flag, and change nothing', async () => {
    const noYes = await t.fails(['keys', 'bulk', 'delete', '--department', 'Legal'])
    expect(noYes.code).toBe(2)
    expect(noYes.error.fields).toHaveProperty(['--yes'])
    const noResource = await t.fails(['keys', 'bulk', 'assign'])
    expect(noResource.code).toBe(2)
    expect(noResource.error.fields).toHaveProperty(['--resource'])
    const badSet = await t.fails(['keys', 'bulk', 'set', '--set', 'owner=me'])
    expect(badSet.code).toBe(2)
    expect(badSet.error.fields).toHaveProperty(['--set'])
    const pastDate = await t.fails(['keys', 'bulk', 'set', '--set', 'expires=2020-01-01'])
    expect(pastDate.code).toBe(2)
    expect(pastDate.error.fields).toHaveProperty(['--set expires'])
    const badStatus = await t.fails(['keys', 'bulk', 'disable', '--status', 'sleepy'])
    expect(badStatus.code).toBe(2)
    expect(badStatus.error.fields).toHaveProperty(['--status'])
    const badAction = await t.fails(['keys', 'bulk', 'explode'])
    expect(badAction.code).toBe(2)
    const total = await t.ok<{ total: number }>(['keys', 'list'])
    expect(total.total).toBe(4)
  })

  it('delete --yes deletes the selected keys; their secrets verify REVOKED', async () => {
    const dry = await t.ok<Bulk>(['keys', 'bulk', 'delete', '--department', 'Finance', '--dry-run'])
    expect(names(dry)).toEqual(['Alpha', 'Bravo'])
    const doc = await t.ok<Bulk>(['keys', 'bulk', 'delete', '--department', 'Finance', '--yes'])
    expect(doc).toMatchObject({ matched: 2, changed: 2 })
    const r = await t.cli(['--json', 'keys', 'verify'], { input: secrets.get('Alpha')! })
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout).code).toBe('REVOKED')
    const audit = await t.ok<{ items: { action: string; targetName: string }[] }>(['audit', 'list', '--limit', '2'])
    expect(audit.items.map((e) => [e.action, e.targetName]).sort()).toEqual([
      ['key.delete', 'Alpha'],
      ['key.delete', 'Bravo']
    ])
  })

  it('prints a summary naming the keys without --json', async () => {
    const r = await t.cli(['keys', 'bulk', 'disable', '--dry-run'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('2 keys matched; 2 would be disabled.')
    expect(r.stdout).toContain('Charlie')
    expect(r.stdout).toContain('Dry run: nothing was changed.')
  })
})
