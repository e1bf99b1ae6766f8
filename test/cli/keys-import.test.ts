import { createHash, randomBytes } from 'node:crypto'
import { existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoSecretLeaked, tempCli } from './run'

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex')

/** Rows and audit entries straight from the registry file. */
function counts(db: string) {
  const raw = new Database(db, { readonly: true })
  try {
    const one = (sql: string) => raw.prepare(sql).pluck().get() as number
    return { keys: one('SELECT count(*) FROM api_keys'), audit: one('SELECT count(*) FROM audit_log') }
  } finally {
    raw.close()
  }
}

describe('keyward keys import', { timeout: 120_000 }, () => {
  const source = tempCli()
  const target = tempCli()
  const secrets: Record<string, string> = {}
  beforeAll(async () => {
    for (const t of [source, target]) await t.ok(['resources', 'add', '--model', 'gpt-4o', '--type', 'PYG'])
    for (const [name, ...flags] of [
      ['Alpha', '--department', 'Finance', '--resource', 'gpt-4o:PYG', '--notes', '=1+2'],
      ['Beta', '--requestor', '@ana']
    ] as const) {
      secrets[name] = (await source.ok(['keys', 'create', '--name', name, ...flags])).secret
    }
  }, 120_000)
  afterAll(() => {
    expectNoSecretLeaked()
    source.cleanup()
    target.cleanup()
  })

  it('round trip: export --with-hashes, import into a fresh registry, the old secrets verify there', async () => {
    for (const format of ['csv', 'json']) {
      const fresh = tempCli()
      try {
        await fresh.ok(['resources', 'add', '--model', 'gpt-4o', '--type', 'PYG'])
        const file = join(fresh.dir, `keys.${format}`)
        const exported = await source.cli(['keys', 'export', '--with-hashes', '--format', format, '--out', file])
        expect(exported.code, exported.stderr).toBe(0)
        const r = await fresh.cli(['--json', 'keys', 'import', file])
        expect(r.code, r.stderr).toBe(0)
        const doc = JSON.parse(r.stdout)
        expect(doc).toMatchObject({ created: 0, imported: 2, errors: [] })
        const verified = await fresh.cli(['--json', 'keys', 'verify', '--model', 'gpt-4o'], { input: secrets.Alpha })
        expect(JSON.parse(verified.stdout)).toMatchObject({
          valid: true,
          code: 'VALID',
          key: { name: 'Alpha', notes: '=1+2' }
        })
        const beta = await fresh.cli(['--json', 'keys', 'verify'], { input: secrets.Beta })
        expect(JSON.parse(beta.stdout)).toMatchObject({ valid: true, key: { name: 'Beta', requestor: '@ana' } })
      } finally {
        fresh.cleanup()
      }
    }
  })

  it("another system's SHA-256: that raw secret verifies, a random non-kw secret does not", async () => {
    const legacy = `sk-${randomBytes(24).toString('base64url')}`
    const file = join(target.dir, 'legacy.csv')
    writeFileSync(file, `name,sha256,hint,resources\nLegacy,${sha256(legacy)},sk-…${legacy.slice(-4)},gpt-4o:PYG\n`)
    const r = await target.ok(['keys', 'import', file])
    expect(r).toMatchObject({ created: 0, imported: 1, errors: [] })
    const ok = await target.cli(['--json', 'keys', 'verify', '--model', 'gpt-4o'], { input: legacy })
    expect(ok.code, ok.stderr).toBe(0)
    expect(JSON.parse(ok.stdout)).toMatchObject({ valid: true, key: { name: 'Legacy' } })
    const other = await target.cli(['--json', 'keys', 'verify'], {
      input: `sk-${randomBytes(24).toString('base64url')}`
    })
    expect(other.code).toBe(1)
    expect(JSON.parse(other.stdout)).toMatchObject({ valid: false, code: 'MALFORMED' })
  })

  it('new keys: secrets written once to a 0600 file that is never overwritten, with a warning; they verify', async () => {
    const file = join(target.dir, 'new.csv')
    writeFileSync(file, 'name,department\nFresh1,Ops\nFresh2,\n')
    const out = join(target.dir, 'secrets.csv')

    // Without --secrets-out the secrets would be lost: refused, nothing written.
    const before = counts(target.db)
    const refused = await target.fails(['keys', 'import', file])
    expect(refused.code).toBe(2)
    expect(refused.error.fields).toHaveProperty(['--secrets-out'])
    expect(counts(target.db)).toEqual(before)

    const r = await target.cli(['--json', 'keys', 'import', file, '--secrets-out', out])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('Warning')
    const doc = JSON.parse(r.stdout)
    expect(doc).toMatchObject({ created: 2, imported: 0, errors: [], secretsOut: out })
    expect(r.stdout).not.toMatch(/kw_[0-9A-Za-z]{49}/)
    expect(statSync(out).mode & 0o777).toBe(0o600)
    const lines = readFileSync(out, 'utf8').trim().split('\n')
    expect(lines[0]).toBe('id,name,secret')
    expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(['Fresh1', 'Fresh2'])
    for (const line of lines.slice(1)) {
      const secret = line.split(',')[2]!
      const v = await target.cli(['--json', 'keys', 'verify'], { input: secret })
      expect(JSON.parse(v.stdout)).toMatchObject({ valid: true, key: { name: line.split(',')[1] } })
    }

    // The same file again: refused before anything is imported, the file untouched.
    writeFileSync(file, 'name\nFresh3\n')
    const kept = readFileSync(out, 'utf8')
    const again = await target.fails(['keys', 'import', file, '--secrets-out', out])
    expect(again.code).toBe(2)
    expect(again.error.fields).toHaveProperty(['--secrets-out'])
    expect(readFileSync(out, 'utf8')).toBe(kept)

    // --secrets-out -: the secrets on stdout, as asked.
    const shown = await target.cli(['keys', 'import', file, '--secrets-out', '-'])
    expect(shown.code, shown.stderr).toBe(0)
    expect(shown.stdout).toMatch(/,Fresh3,kw_[0-9A-Za-z]{49}/)
  })

  it('a file with several bad rows reports each row and field, exits 2 and writes nothing (rows and audit counted)', async () => {
    const file = join(target.dir, 'bad.csv')
    writeFileSync(
      file,
      [
        'name,sha256,resources,expiresAt,notes',
        'Okay,,,,', // fine
        'Legacy,,,,', // 2: taken
        'has space,,,,', // 3
        `Twin,${'ab'.repeat(32)},,,`,
        'twin,,,,', // 5: duplicate in the file
        'Res,,nope:PYG,,', // 6
        'Hash,123,,,', // 7
        'Old,,,2001-01-01,', // 8
        'Calc,,,,@SUM(A1)' // 9
      ].join('\n')
    )
    const before = counts(target.db)
    const r = await target.cli(['--json', 'keys', 'import', file, '--secrets-out', join(target.dir, 'never.csv')])
    expect(r.code).toBe(2)
    const doc = JSON.parse(r.stdout)
    expect(doc).toMatchObject({ created: 0, imported: 0 })
    expect(doc.errors.map((e: { row: number; field: string }) => `${e.row}:${e.field}`)).toEqual([
      '2:name',
      '3:name',
      '5:name',
      '6:resources',
      '7:sha256',
      '8:expiresAt',
      '9:notes'
    ])
    expect(counts(target.db)).toEqual(before)
    expect(existsSync(join(target.dir, 'never.csv'))).toBe(false)

    const human = await target.cli(['keys', 'import', file, '--secrets-out', join(target.dir, 'never.csv')])
    expect(human.code).toBe(2)
    expect(human.stdout).toBe('')
    expect(human.stderr).toContain('nothing was written')
    expect(human.stderr).toContain('row 6, resources: No resource nope:PYG')
    expect(counts(target.db)).toEqual(before)

    // --skip-invalid: the good rows only; a new key among them still needs --secrets-out.
    const noOut = await target.fails(['keys', 'import', file, '--skip-invalid'])
    expect(noOut.error.fields).toHaveProperty(['--secrets-out'])
    expect(counts(target.db)).toEqual(before)
    const skipped = await target.cli([
      '--json',
      'keys',
      'import',
      file,
      '--skip-invalid',
      '--secrets-out',
      join(target.dir, 'skip-secrets.csv')
    ])
    expect(skipped.code, skipped.stderr).toBe(0)
    const skippedDoc = JSON.parse(skipped.stdout)
    expect(skippedDoc).toMatchObject({ created: 1, imported: 1 })
    expect(skippedDoc.errors).toHaveLength(7)
    expect(counts(target.db).keys).toBe(before.keys + 2)
  })

  it('--dry-run reports what would be imported and writes nothing; bad files are refused by name', async () => {
    const file = join(target.dir, 'dry.json')
    writeFileSync(file, JSON.stringify({ keys: [{ name: 'DryNew' }, { name: 'DryOld', sha256: 'cd'.repeat(32) }] }))
    const before = counts(target.db)
    const r = await target.ok(['keys', 'import', file, '--dry-run'])
    expect(r).toMatchObject({ created: 1, imported: 1, errors: [], dryRun: true })
    expect(counts(target.db)).toEqual(before)

    const latin1 = join(target.dir, 'latin1.csv')
    writeFileSync(latin1, Buffer.from([...Buffer.from('name,notes\nCafe,caf'), 0xe9, 0x0a]))
    const notUtf8 = await target.fails(['keys', 'import', latin1, '--dry-run'])
    expect(notUtf8.code).toBe(2)
    expect(notUtf8.error.message).toContain('UTF-8')

    // 200 MB (a sparse file: no disk used): refused by size before it is read.
    const huge = join(target.dir, 'huge.csv')
    writeFileSync(huge, 'name\n')
    truncateSync(huge, 200 * 1024 * 1024)
    const tooBig = await target.fails(['keys', 'import', huge, '--secrets-out', join(target.dir, 'huge-secrets.csv')])
    expect(tooBig.code).toBe(2)
    expect(tooBig.error.message).toContain('100 MB')
    expect(existsSync(join(target.dir, 'huge-secrets.csv'))).toBe(false)

    const columns = join(target.dir, 'columns.csv')
    writeFileSync(columns, 'name,colour\nA,red\n')
    const wrong = await target.cli(['--json', 'keys', 'import', columns, '--dry-run'])
    expect(wrong.code).toBe(2)
    expect(JSON.parse(wrong.stdout).errors).toEqual([expect.objectContaining({ row: 0, field: 'colour' })])
    expect(counts(target.db)).toEqual(before)
  })
})
