import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoSecretLeaked, run, tempCli } from './run'

describe('keyward audit export and audit verify --file', { timeout: 90_000 }, () => {
  const t = tempCli()
  let secret = ''
  beforeAll(async () => {
    await t.ok(['resources', 'add', '--model', 'gpt-4o', '--type', 'PYG'])
    secret = (await t.ok(['keys', 'create', '--name', 'one', '--resource', 'gpt-4o:PYG'])).secret
    await t.ok(['keys', 'rotate', 'one'])
    await t.ok(['keys', 'create', '--name', 'two'])
    await t.ok(['keys', 'delete', 'two', '--yes'])
  }, 90_000)
  afterAll(() => {
    expectNoSecretLeaked()
    t.cleanup()
  })

  it('exports JSON Lines to --out (mode 0600) and to stdout, never a secret; verify --file says ok (exit 0)', async () => {
    const out = join(t.dir, 'audit.jsonl')
    const written = await t.ok(['audit', 'export', '--out', out])
    expect(written).toEqual({ exported: out, entries: 5 })
    expect(statSync(out).mode & 0o777).toBe(0o600)
    const text = readFileSync(out, 'utf8')
    expect(text).not.toContain(secret)
    const lines = text.trimEnd().split('\n')
    expect(lines).toHaveLength(6)
    expect(lines.map((l) => JSON.parse(l).seq ?? 'end')).toEqual([1, 2, 3, 4, 5, 'end'])

    // stdout: the same lines (the end line's export time aside), with or without --json.
    for (const args of [
      ['audit', 'export'],
      ['--json', 'audit', 'export']
    ]) {
      const r = await t.cli(args)
      expect(r.code).toBe(0)
      expect(r.stderr).toBe('')
      const got = r.stdout.trimEnd().split('\n')
      expect(got.slice(0, 5)).toEqual(lines.slice(0, 5))
      expect({ ...JSON.parse(got[5]!), exportedAt: 0 }).toEqual({ ...JSON.parse(lines[5]!), exportedAt: 0 })
    }

    // Offline: no registry is opened (or created) to check a file.
    const nowhere = join(t.dir, 'no-registry-here', 'registry.sqlite3')
    const verified = await run(['--db', nowhere, '--json', 'audit', 'verify', '--file', out])
    expect(verified.code, verified.stderr).toBe(0)
    expect(JSON.parse(verified.stdout)).toEqual({ ok: true, entries: 5 })
    expect(existsSync(nowhere)).toBe(false)
    const human = await run(['--db', nowhere, 'audit', 'verify', '--file', out])
    expect(human.stdout).toMatch(/intact: 5 entries verified/)
  })

  it('replaces an existing --out file whole, still 0600', async () => {
    const out = join(t.dir, 'again.jsonl')
    writeFileSync(out, 'old contents that are much longer than nothing\n', { mode: 0o644 })
    await t.ok(['audit', 'export', '--out', out])
    expect(statSync(out).mode & 0o777).toBe(0o600)
    expect(readFileSync(out, 'utf8')).not.toContain('old contents')
  })

  it('a tampered export: exit 1 with {ok:false, entries, firstBadSeq, message}', async () => {
    const out = join(t.dir, 'tamper.jsonl')
    await t.ok(['audit', 'export', '--out', out])
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n')
    const cases: Record<string, { lines: string[]; firstBadSeq: number }> = {
      edited: {
        lines: lines.map((l, i) => (i === 1 ? l.replace('"actor":"', '"actor":"x') : l)),
        firstBadSeq: 2
      },
      removed: { lines: lines.filter((_, i) => i !== 2), firstBadSeq: 3 },
      reordered: { lines: [lines[0]!, lines[2]!, lines[1]!, ...lines.slice(3)], firstBadSeq: 2 },
      truncated: { lines: lines.slice(0, 4), firstBadSeq: 5 }
    }
    for (const [name, c] of Object.entries(cases)) {
      const file = join(t.dir, `${name}.jsonl`)
      writeFileSync(file, `${c.lines.join('\n')}\n`)
      const r = await t.cli(['--json', 'audit', 'verify', '--file', file])
      expect(r.code, name).toBe(1)
      const doc = JSON.parse(r.stdout)
      expect(Object.keys(doc), name).toEqual(['ok', 'entries', 'firstBadSeq', 'message'])
      expect(doc, name).toMatchObject({ ok: false, firstBadSeq: c.firstBadSeq })
      const text = await t.cli(['audit', 'verify', '--file', file])
      expect(text.code).toBe(1)
      expect(text.stdout).toMatch(new RegExp(`BROKEN at entry ${c.firstBadSeq}: `))
    }
  })

  it('a missing file is a usage error (exit 2) naming --file', async () => {
    const r = await t.fails(['audit', 'verify', '--file', join(t.dir, 'nope.jsonl')])
    expect(r.code).toBe(2)
    expect(r.error.fields).toHaveProperty('--file')
    const dir = await t.fails(['audit', 'export', '--out', join(t.dir, 'no-such-dir', 'a.jsonl')])
    expect(dir.code).toBe(2)
    expect(dir.error.fields).toHaveProperty('--out')
  })
})
