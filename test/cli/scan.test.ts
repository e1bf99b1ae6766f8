import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateSecret, secretHint } from '../../src/main/core/secrets'
import { expectNoSecretLeaked, tempCli } from './run'

const TOKEN = /kwa?_[0-9A-Za-z]{49}/

/** `keyward scan`: the real CLI bundle on a real tree, exit codes 0/1/2, and --disable/--delete with their audit entries. */
describe('keyward scan', { timeout: 90_000 }, () => {
  const t = tempCli()
  const secrets: Record<string, string> = {}
  const tree = join(t.dir, 'repo')
  const clean = join(t.dir, 'clean')

  beforeAll(async () => {
    for (const name of ['Leaky', 'Spare', 'Hidden'])
      secrets[name] = (await t.ok(['keys', 'create', '--name', name])).secret
    secrets.Stray = generateSecret('standard', randomBytes)
    mkdirSync(join(tree, 'src'), { recursive: true })
    mkdirSync(clean)
    writeFileSync(join(tree, 'src', 'settings.py'), `import os\n\nAPI_KEY = "${secrets.Leaky}"\n`)
    writeFileSync(join(tree, 'README.md'), `Try it with ${secrets.Stray}\r\nor not.\r\n`)
    writeFileSync(join(tree, '.gitignore'), '.env\n')
    writeFileSync(join(tree, '.env'), `KEY=${secrets.Hidden}\n`)
    writeFileSync(join(clean, 'a.txt'), `no keys here, only kw_ and a ${secrets.Spare!.slice(0, -1)}Q-ish look-alike\n`)
  })
  afterAll(() => {
    expectNoSecretLeaked()
    t.cleanup()
  })

  it('exit 0 and an empty list when no key is found', async () => {
    const r = await t.cli(['--json', 'scan', clean])
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
    expect(JSON.parse(r.stdout)).toEqual({
      findings: [],
      files: 1,
      bytes: readFileSync(join(clean, 'a.txt')).length,
      unreadable: []
    })
  })

  it('exit 1 with file, line, key, status and hint for each token found; ignored files skipped', async () => {
    const r = await t.cli(['--json', 'scan', tree])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe('')
    const doc = JSON.parse(r.stdout)
    expect(doc.files).toBe(3)
    expect(doc.findings).toEqual([
      {
        file: join(tree, 'README.md'),
        line: 1,
        keyId: null,
        name: null,
        status: 'unknown',
        hint: secretHint(secrets.Stray!)
      },
      {
        file: join(tree, 'src', 'settings.py'),
        line: 3,
        keyId: expect.stringMatching(/^k_/),
        name: 'Leaky',
        status: 'active',
        hint: secretHint(secrets.Leaky!)
      }
    ])
    expect(r.stdout).not.toMatch(TOKEN)
  })

  it('--all reads the .gitignored file; the text table shows hints, never a token', async () => {
    const r = await t.cli(['scan', '--all', tree])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('Hidden')
    expect(r.stdout).toContain(secretHint(secrets.Hidden!))
    expect(r.stdout).toMatch(/3 keys found in 3 files/)
    expect(r.stdout).not.toMatch(TOKEN)
  })

  it('exit 2 for usage errors: a missing path (named), both --disable and --delete, no path', async () => {
    const missing = join(t.dir, 'nowhere')
    const gone = await t.fails(['scan', tree, missing])
    expect(gone.code).toBe(2)
    expect(gone.error.message).toContain(missing)
    const both = await t.fails(['scan', tree, '--disable', '--delete'])
    expect(both.code).toBe(2)
    expect(both.error.message).toMatch(/--disable or --delete/)
    const none = await t.cli(['scan'])
    expect(none.code).toBe(2)
    // Nothing was acted on.
    expect((await t.ok(['keys', 'show', 'Leaky'])).key.status).toBe('active')
  })

  it('--disable disables the matched keys with an audit entry naming FILE:LINE, never the secret', async () => {
    const r = await t.cli(['--json', 'scan', tree, '--disable'])
    expect(r.code).toBe(1)
    const doc = JSON.parse(r.stdout)
    expect(doc.acted).toEqual({ action: 'disable', keys: [{ id: expect.any(String), name: 'Leaky', changed: true }] })
    expect((await t.ok(['keys', 'show', 'Leaky'])).key.status).toBe('disabled')
    const audit = await t.ok(['audit', 'list', '--key', 'Leaky', '--action', 'key.disable'])
    expect(audit.items[0].details.reason).toBe(`leaked: ${join(tree, 'src', 'settings.py')}:3`)
    // The second run finds it disabled and changes nothing.
    const again = JSON.parse((await t.cli(['--json', 'scan', tree, '--disable'])).stdout)
    expect(again.findings[1].status).toBe('disabled')
    expect(again.acted.keys).toEqual([{ id: expect.any(String), name: 'Leaky', changed: false }])
  })

  it('--delete deletes them; a later scan reports the token as deleted; the DB file holds no secret', async () => {
    const r = await t.cli(['scan', '--all', tree, '--delete'])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/Deleted 2 keys: Hidden, Leaky\./)
    const after = JSON.parse((await t.cli(['--json', 'scan', '--all', tree])).stdout)
    expect(after.findings.map((f: { name: string; status: string }) => [f.name, f.status])).toEqual([
      ['Hidden', 'deleted'],
      [null, 'unknown'],
      ['Leaky', 'deleted']
    ])
    const entries = (await t.ok(['audit', 'list', '--action', 'key.delete'])).items
    expect(
      entries.map((e: { targetName: string; details: { reason: string } }) => [e.targetName, e.details.reason])
    ).toEqual([
      ['Leaky', `leaked: ${join(tree, 'src', 'settings.py')}:3`],
      ['Hidden', `leaked: ${join(tree, '.env')}:1`]
    ])
    expect((await t.ok(['keys', 'show', 'Spare'])).key.status).toBe('active')
    const audit = JSON.stringify((await t.ok(['audit', 'list', '--limit', '1000'])).items)
    const files = ['', '-wal'].map((s) => {
      try {
        return readFileSync(t.db + s)
      } catch {
        return Buffer.alloc(0)
      }
    })
    for (const secret of Object.values(secrets)) {
      expect(audit).not.toContain(secret)
      for (const bytes of files) expect(bytes.includes(Buffer.from(secret))).toBe(false)
    }
  })
})
