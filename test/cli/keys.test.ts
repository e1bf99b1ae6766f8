import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ISO_UTC, KEY_FIELDS, SECRET_FORMAT, expectNoSecretLeaked, tempCli } from './run'

interface Key {
  id: string
  name: string
  status: string
  resources: { id: string; model: string; type: string; status: string }[]
  [field: string]: unknown
}

const labels = (key: Key) => key.resources.map((r) => `${r.model}:${r.type}`)

/** `keyward keys …` end to end, in one registry file. */
describe('keyward keys', { timeout: 90_000 }, () => {
  const t = tempCli()
  beforeAll(async () => {
    await t.ok(['resources', 'add', '--model', 'gpt-4o', '--type', 'TPM', '--limit', '1000'])
    await t.ok(['resources', 'add', '--model', 'gpt-4o', '--type', 'PYG'])
    await t.ok(['resources', 'add', '--model', 'claude', '--type', 'PYG'])
  }, 90_000)
  afterAll(() => {
    expectNoSecretLeaked()
    t.cleanup()
  })

  it('creates a key: {"key": K, "secret"} with every documented field, the secret once', async () => {
    const before = Date.now()
    const created = await t.ok([
      'keys',
      'create',
      '--name',
      'Alpha1',
      '--resource',
      'gpt-4o:TPM',
      '--resource',
      'claude:PYG',
      '--department',
      'Research',
      '--project',
      'Atlas',
      '--environment',
      'production',
      '--requestor',
      'Ana',
      '--app-id',
      'alpha-app',
      '--justification',
      'Chat assistant',
      '--notes',
      'first key',
      '--notify',
      'ana@example.com',
      '--expires',
      '30d'
    ])
    expect(Object.keys(created)).toEqual(['key', 'secret'])
    expect(created.secret).toMatch(SECRET_FORMAT)
    const key = created.key as Key
    expect(Object.keys(key)).toEqual(KEY_FIELDS)
    expect(key).toMatchObject({
      name: 'Alpha1',
      kind: 'standard',
      status: 'active',
      department: 'Research',
      project: 'Atlas',
      environment: 'production',
      requestor: 'Ana',
      appId: 'alpha-app',
      justification: 'Chat assistant',
      notes: 'first key',
      notifyEmail: 'ana@example.com',
      lastUsedAt: null
    })
    expect(labels(key)).toEqual(['claude:PYG', 'gpt-4o:TPM'])
    expect(Object.keys(key.resources[0]!)).toEqual(['id', 'model', 'type', 'status'])
    expect(key.hint).toBe(`${created.secret.slice(0, 7)}…${created.secret.slice(-4)}`)
    for (const f of ['createdAt', 'updatedAt', 'expiresAt']) expect(key[f]).toMatch(ISO_UTC)
    // --expires 30d: thirty days from when the command ran.
    const expires = Date.parse(key.expiresAt as string)
    expect(expires - before).toBeGreaterThanOrEqual(30 * 86_400_000)
    expect(expires - Date.now()).toBeLessThanOrEqual(30 * 86_400_000)

    // The secret is shown once: show and list never carry it.
    const shown = await t.cli(['--json', 'keys', 'show', 'Alpha1'])
    expect(shown.stdout).not.toContain(created.secret)
  })

  it('creates an admin key (kwa_) and refuses resources on it with RULE_VIOLATION', async () => {
    const admin = await t.ok(['keys', 'create', '--name', 'Ops', '--admin', '--expires', '2099-12-31'])
    expect(admin.secret).toMatch(/^kwa_[0-9A-Za-z]{49}$/)
    expect(admin.key).toMatchObject({ kind: 'admin', resources: [], expiresAt: '2099-12-31T23:59:59.999Z' })
    const refused = await t.fails(['keys', 'create', '--name', 'Ops2', '--admin', '--resource', 'claude:PYG'])
    expect(refused.code).toBe(1)
    expect(refused.error.code).toBe('RULE_VIOLATION')
  })

  it('refuses bad input with VALIDATION naming the flag, exit 2, and creates nothing', async () => {
    const cases: [string[], string][] = [
      [['--name', 'bad name!'], '--name'],
      [['--name', ''], '--name'],
      [['--name', 'Fine', '--notify', 'not-an-email'], '--notify'],
      [['--name', 'Fine', '--app-id', ' padded '], '--app-id'],
      [['--name', 'Fine', '--expires', '2001-01-01'], '--expires'],
      [['--name', 'Fine', '--expires', 'soon'], '--expires'],
      [['--name', 'Fine', '--expires', '0d'], '--expires']
    ]
    for (const [flags, flag] of cases) {
      const r = await t.fails(['keys', 'create', ...flags])
      expect(r.code, flags.join(' ')).toBe(2)
      expect(r.error.code).toBe('VALIDATION')
      expect(Object.keys(r.error.fields!), flags.join(' ')).toEqual([flag])
    }
    expect((await t.fails(['keys', 'create', '--name', 'bad name!'])).error.message).toMatch(/Remove: space, "!"/)
    const missing = await t.fails(['keys', 'create'])
    expect(missing.code).toBe(2)
    expect(missing.error.message).toMatch(/--name/)
    const unknown = await t.fails(['keys', 'create', '--name', 'Fine', '--colour', 'red'])
    expect(unknown.code).toBe(2)
    expect(unknown.error.message).toMatch(/unknown option '--colour'/i)

    const list = await t.ok(['keys', 'list'])
    expect(list.items.map((k: Key) => k.name)).toEqual(['Alpha1', 'Ops'])
  })

  it('refuses a duplicate name (ignoring case) with CONFLICT and an unknown resource with NOT_FOUND', async () => {
    const dup = await t.fails(['keys', 'create', '--name', 'ALPHA1'])
    expect(dup.code).toBe(1)
    expect(dup.error.code).toBe('CONFLICT')
    expect(Object.keys(dup.error.fields!)).toEqual(['--name'])
    const nf = await t.fails(['keys', 'create', '--name', 'Beta', '--resource', 'nope:TPM'])
    expect(nf.error.code).toBe('NOT_FOUND')
    expect(nf.code).toBe(1)
  })

  it('enforces the TPM/PYG rule on create, assign and set-resources (RULE_VIOLATION, nothing changed)', async () => {
    const both = await t.fails([
      'keys',
      'create',
      '--name',
      'Beta',
      '--resource',
      'gpt-4o:TPM',
      '--resource',
      'gpt-4o:PYG'
    ])
    expect(both.code).toBe(1)
    expect(both.error.code).toBe('RULE_VIOLATION')
    expect(both.error.message).toMatch(/gpt-4o under both TPM and PYG/)

    const assign = await t.fails(['keys', 'assign', 'Alpha1', '--resource', 'gpt-4o:PYG'])
    expect(assign.error.code).toBe('RULE_VIOLATION')
    const set = await t.fails([
      'keys',
      'set-resources',
      'Alpha1',
      '--resource',
      'gpt-4o:PYG',
      '--resource',
      'gpt-4o:TPM'
    ])
    expect(set.error.code).toBe('RULE_VIOLATION')

    const unchanged = await t.ok(['keys', 'show', 'Alpha1'])
    expect(labels(unchanged.key)).toEqual(['claude:PYG', 'gpt-4o:TPM'])
  })

  it('assigns, unassigns and replaces resources, answering {"key": K}', async () => {
    const un = await t.ok(['keys', 'unassign', 'Alpha1', '--resource', 'gpt-4o:TPM'])
    expect(Object.keys(un)).toEqual(['key'])
    expect(labels(un.key)).toEqual(['claude:PYG'])
    // Now the model is free under PYG.
    const as = await t.ok(['keys', 'assign', 'Alpha1', '--resource', 'gpt-4o:PYG'])
    expect(labels(as.key)).toEqual(['claude:PYG', 'gpt-4o:PYG'])
    const set = await t.ok(['keys', 'set-resources', as.key.id, '--resource', 'gpt-4o:TPM'])
    expect(labels(set.key)).toEqual(['gpt-4o:TPM'])
    const none = await t.ok(['keys', 'set-resources', 'Alpha1'])
    expect(none.key.resources).toEqual([])
    const back = await t.ok(['keys', 'set-resources', 'Alpha1', '--resource', 'gpt-4o:TPM', '--resource', 'claude:PYG'])
    expect(labels(back.key)).toEqual(['claude:PYG', 'gpt-4o:TPM'])

    const noFlag = await t.fails(['keys', 'assign', 'Alpha1'])
    expect(noFlag.code).toBe(2)
    expect(Object.keys(noFlag.error.fields!)).toEqual(['--resource'])
  })

  it('edits details; an empty value clears an optional field; --expires never removes the date', async () => {
    const edited = await t.ok([
      'keys',
      'edit',
      'Alpha1',
      '--notes',
      '',
      '--app-id',
      '',
      '--department',
      'Sales',
      '--expires',
      'never'
    ])
    expect(Object.keys(edited)).toEqual(['key'])
    expect(edited.key).toMatchObject({
      name: 'Alpha1',
      notes: null,
      appId: null,
      department: 'Sales',
      expiresAt: null,
      project: 'Atlas'
    })

    const renamed = await t.ok(['keys', 'edit', 'alpha1', '--name', 'Alpha2', '--expires', '2099-01-31T12:00:00Z'])
    expect(renamed.key).toMatchObject({ name: 'Alpha2', expiresAt: '2099-01-31T12:00:00.000Z' })

    const nothing = await t.fails(['keys', 'edit', 'Alpha2'])
    expect(nothing.code).toBe(2)
    expect(nothing.error.message).toMatch(/Nothing to change/)
    const badName = await t.fails(['keys', 'edit', 'Alpha2', '--name', ''])
    expect(badName.code).toBe(2)
    expect(Object.keys(badName.error.fields!)).toEqual(['--name'])
    const nf = await t.fails(['keys', 'edit', 'Nobody', '--notes', 'x'])
    expect(nf.code).toBe(1)
    expect(nf.error.code).toBe('NOT_FOUND')
    expect(Object.keys(nf.error.fields!)).toEqual(['KREF'])
  })

  it('disables and enables a key', async () => {
    const off = await t.ok(['keys', 'disable', 'Alpha2'])
    expect(Object.keys(off)).toEqual(['key'])
    expect(off.key.status).toBe('disabled')
    expect((await t.ok(['keys', 'list', '--status', 'disabled'])).items.map((k: Key) => k.name)).toEqual(['Alpha2'])
    const on = await t.ok(['keys', 'enable', 'Alpha2'])
    expect(on.key.status).toBe('active')
  })

  it('lists with filters, sort, paging and a total', async () => {
    for (const [name, dept, env] of [
      ['Gamma', 'Sales', 'dev'],
      ['Delta', 'Legal', 'production'],
      ['Epsilon', 'Legal', 'dev']
    ] as const) {
      await t.ok([
        'keys',
        'create',
        '--name',
        name,
        '--department',
        dept,
        '--environment',
        env,
        '--notes',
        `note for ${name}`,
        '--resource',
        'claude:PYG'
      ])
    }
    const all = await t.ok(['keys', 'list'])
    expect(Object.keys(all)).toEqual(['items', 'total'])
    expect(all.total).toBe(5)
    expect(all.items.map((k: Key) => k.name)).toEqual(['Alpha2', 'Delta', 'Epsilon', 'Gamma', 'Ops'])
    for (const k of all.items) expect(Object.keys(k)).toEqual(KEY_FIELDS)

    const names = async (args: string[]) => ((await t.ok(['keys', 'list', ...args])).items as Key[]).map((k) => k.name)
    expect(await names(['--department', 'Legal'])).toEqual(['Delta', 'Epsilon'])
    expect(await names(['--department', 'Legal', '--department', 'Sales'])).toEqual([
      'Alpha2',
      'Delta',
      'Epsilon',
      'Gamma'
    ])
    expect(await names(['--environment', 'dev'])).toEqual(['Epsilon', 'Gamma'])
    expect(await names(['--resource', 'gpt-4o:TPM'])).toEqual(['Alpha2'])
    expect(await names(['--search', 'for Eps'])).toEqual(['Epsilon'])
    expect(await names(['--expiring-within', '36500'])).toEqual(['Alpha2', 'Ops'])
    expect(await names(['--sort', 'name', '--desc', '--limit', '2'])).toEqual(['Ops', 'Gamma'])
    expect(await names(['--sort', 'createdAt', '--limit', '2', '--offset', '1'])).toEqual(['Ops', 'Gamma'])
    const page = await t.ok(['keys', 'list', '--limit', '2', '--offset', '4'])
    expect(page.total).toBe(5)
    expect(page.items).toHaveLength(1)

    for (const [flag, value] of [
      ['--limit', 'abc'],
      ['--limit', '1.5'],
      ['--limit', '0'],
      ['--limit', '1001'],
      ['--offset', '-1'],
      ['--expiring-within', 'x']
    ]) {
      const r = await t.fails(['keys', 'list', flag!, value!])
      expect(r.code, `${flag} ${value}`).toBe(2)
      expect(Object.keys(r.error.fields!)).toEqual([flag])
    }
    const sort = await t.fails(['keys', 'list', '--sort', 'colour'])
    expect(sort.code).toBe(2)
    expect(Object.keys(sort.error.fields!)).toEqual(['--sort'])
    const status = await t.fails(['keys', 'list', '--status', 'sleeping'])
    expect(Object.keys(status.error.fields!)).toEqual(['--status'])
  })

  it('rotates a key: a new secret, same id and resources; --grace parses durations strictly', async () => {
    const before = await t.ok(['keys', 'show', 'Gamma'])
    const rotated = await t.ok(['keys', 'rotate', 'Gamma', '--grace', '24h'])
    expect(Object.keys(rotated)).toEqual(['key', 'secret'])
    expect(rotated.secret).toMatch(SECRET_FORMAT)
    expect(rotated.key.id).toBe(before.key.id)
    expect(rotated.key.resources).toEqual(before.key.resources)
    expect(rotated.key.hint).not.toBe(before.key.hint)
    const entry = (await t.ok(['audit', 'list', '--key', 'Gamma', '--limit', '1'])).items[0]
    expect(entry).toMatchObject({ action: 'key.rotate', details: { graceSeconds: 86400 } })

    for (const grace of ['30m', '7d', '90s', '0'])
      expect((await t.ok(['keys', 'rotate', 'Gamma', '--grace', grace])).secret).toMatch(SECRET_FORMAT)
    const bad = await t.fails(['keys', 'rotate', 'Gamma', '--grace', '1 week'])
    expect(bad.code).toBe(2)
    expect(Object.keys(bad.error.fields!)).toEqual(['--grace'])
    const tooLong = await t.fails(['keys', 'rotate', 'Gamma', '--grace', '400d'])
    expect(tooLong.code).toBe(2)
    expect(Object.keys(tooLong.error.fields!)).toEqual(['--grace'])
  })

  it('deletes only with --yes and answers {"deleted": {"id","name"}}', async () => {
    const noYes = await t.fails(['keys', 'delete', 'Delta'])
    expect(noYes.code).toBe(2)
    expect(noYes.error.message).toMatch(/add --yes/)
    expect((await t.ok(['keys', 'show', 'Delta'])).key.name).toBe('Delta')

    const id = (await t.ok(['keys', 'show', 'Delta'])).key.id
    const deleted = await t.ok(['keys', 'delete', 'Delta', '--yes'])
    expect(deleted).toEqual({ deleted: { id, name: 'Delta' } })
    const gone = await t.fails(['keys', 'show', 'Delta'])
    expect(gone.code).toBe(1)
    expect(gone.error.code).toBe('NOT_FOUND')
    const missingArg = await t.fails(['keys', 'delete'])
    expect(missingArg.code).toBe(2)
  })

  it('prints keys as a readable table and a created secret with a "shown once" warning', async () => {
    const created = await t.cli([
      'keys',
      'create',
      '--name',
      'Zeta',
      '--resource',
      'claude:PYG',
      '--department',
      'Legal'
    ])
    expect(created.code).toBe(0)
    expect(created.stderr).toBe('')
    const secret = created.stdout.match(/kw_[0-9A-Za-z]{49}/)?.[0]
    expect(secret).toBeDefined()
    expect(created.stdout).toMatch(/^Created key Zeta \(k_\w+\)\./)
    expect(created.stdout).toContain('shown once — store it now')

    const list = await t.cli(['keys', 'list', '--department', 'Legal'])
    expect(list.code).toBe(0)
    const lines = list.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(
      /^Name\s+Key hint\s+Resources\s+Department\s+Project\s+Environment\s+Status\s+Expires\s+Last used$/
    )
    expect(lines[1]).toMatch(/^Epsilon\s+kw_\w{4}…\w{4}\s+claude:PYG\s+Legal\s+-\s+dev\s+active\s+-\s+-$/)
    expect(lines[2]).toMatch(/^Zeta\s+kw_\w{4}…\w{4}\s+claude:PYG\s+Legal\s+/)
    expect(lines.at(-1)).toBe('Showing 1-2 of 2 keys.')
    const statusAt = lines[0]!.indexOf('Status')
    expect(lines[1]!.slice(statusAt, statusAt + 6)).toBe('active')
    expect(lines[2]!.slice(statusAt, statusAt + 6)).toBe('active')
    expect(list.stdout).not.toContain(secret)

    const show = await t.cli(['keys', 'show', 'Zeta'])
    expect(show.stdout).toMatch(/^Name:\s+Zeta$/m)
    expect(show.stdout).toMatch(/^Resources:\s+claude:PYG$/m)
    expect(show.stdout).not.toContain(secret)

    const rotated = await t.cli(['keys', 'rotate', 'Zeta', '--grace', '90m'])
    expect(rotated.stdout).toContain('shown once — store it now')
    expect(rotated.stdout).toMatch(/previous secret keeps verifying for 1h 30m/)

    const empty = await t.cli(['keys', 'list', '--department', 'Nobody'])
    expect(empty.stdout.trim()).toBe('No keys match.')
  })
})
