import { userInfo } from 'node:os'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoSecretLeaked, tempCli } from './run'

const ENTRY_FIELDS = ['seq', 'at', 'actor', 'action', 'targetId', 'targetName', 'details']

describe('keyward audit', { timeout: 90_000 }, () => {
  const t = tempCli()
  const secrets: string[] = []
  beforeAll(async () => {
    await t.ok(['--actor', 'ops-bot', 'resources', 'add', '--model', 'gpt-4o', '--type', 'PYG'])
    secrets.push((await t.ok(['keys', 'create', '--name', 'Kept', '--resource', 'gpt-4o:PYG'])).secret)
    await t.ok(['keys', 'edit', 'Kept', '--notes', 'hello'])
    secrets.push((await t.ok(['keys', 'rotate', 'Kept'])).secret)
    secrets.push((await t.ok(['keys', 'create', '--name', 'Doomed'])).secret)
    await t.ok(['--actor', 'ops-bot', 'keys', 'delete', 'Doomed', '--yes'])
  }, 90_000)
  afterAll(() => {
    expectNoSecretLeaked()
    t.cleanup()
  })

  it('lists entries newest first as {"items", "total"}, with the actor: --actor or the OS user', async () => {
    const list = await t.ok(['audit', 'list'])
    expect(Object.keys(list).sort()).toEqual(['items', 'total'])
    expect(list.total).toBe(6)
    expect(list.items.map((e: { seq: number }) => e.seq)).toEqual([6, 5, 4, 3, 2, 1])
    for (const e of list.items) expect(Object.keys(e)).toEqual(ENTRY_FIELDS)
    expect(list.items.map((e: { action: string }) => e.action)).toEqual([
      'key.delete',
      'key.create',
      'key.rotate',
      'key.edit',
      'key.create',
      'resource.add'
    ])
    expect(list.items[0]).toMatchObject({ actor: 'ops-bot', targetName: 'Doomed' })
    expect(list.items[5]).toMatchObject({ actor: 'ops-bot', targetName: 'gpt-4o:PYG' })
    expect(list.items[3]).toMatchObject({
      actor: userInfo().username,
      details: { changes: { notes: { from: null, to: 'hello' } } }
    })
    // The audit never holds a secret, only hints.
    const text = JSON.stringify(list)
    for (const secret of secrets) expect(text).not.toContain(secret)
  })

  it('filters by key (deleted keys too) and pages with a strict --limit', async () => {
    const kept = await t.ok(['audit', 'list', '--key', 'Kept'])
    expect(kept.items.map((e: { action: string }) => e.action)).toEqual(['key.rotate', 'key.edit', 'key.create'])
    const doomed = await t.ok(['audit', 'list', '--key', 'Doomed'])
    expect(doomed.items.map((e: { action: string }) => e.action)).toEqual(['key.delete', 'key.create'])
    const page = await t.ok(['audit', 'list', '--limit', '2', '--offset', '1'])
    expect(page.items.map((e: { seq: number }) => e.seq)).toEqual([5, 4])
    const never = await t.fails(['audit', 'list', '--key', 'Never'])
    expect(never.code).toBe(1)
    expect(never.error.code).toBe('NOT_FOUND')
    expect(Object.keys(never.error.fields!)).toEqual(['--key'])
    const bad = await t.fails(['audit', 'list', '--limit', '2.5'])
    expect(bad.code).toBe(2)
    expect(Object.keys(bad.error.fields!)).toEqual(['--limit'])
  })

  it('prints a readable table without --json', async () => {
    const r = await t.cli(['audit', 'list', '--key', 'Kept'])
    expect(r.code).toBe(0)
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^Seq\s+Time\s+Actor\s+Action\s+Target\s+Details$/)
    expect(lines[2]).toMatch(/^\s*3\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\s+\S+\s+key\.edit\s+Kept\s+notes: - → hello$/)
    expect(lines.at(-1)).toBe('Showing 1-3 of 3 entries, newest first.')
  })

  it('verifies the chain ({"ok", "entries"}, exit 0) and names the first broken entry after tampering (exit 1)', async () => {
    expect(await t.ok(['audit', 'verify'])).toEqual({ ok: true, entries: 6 })
    expect((await t.cli(['audit', 'verify'])).stdout).toBe('Audit chain intact: 6 entries verified.\n')

    const db = new Database(t.db)
    try {
      db.prepare("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3").run()
    } finally {
      db.close()
    }
    const broken = await t.cli(['--json', 'audit', 'verify'])
    expect(broken.code).toBe(1)
    expect(broken.stderr).toBe('')
    expect(JSON.parse(broken.stdout)).toEqual({ ok: false, entries: 6, brokenAt: 3 })
    const text = await t.cli(['audit', 'verify'])
    expect(text.code).toBe(1)
    expect(text.stdout).toMatch(/^Audit chain BROKEN at entry 3 \(of 6 entries\)/)
  })
})

describe('keyward seed-demo', { timeout: 90_000 }, () => {
  const a = tempCli()
  const b = tempCli()
  const c = tempCli()
  afterAll(() => {
    expectNoSecretLeaked()
    for (const t of [a, b, c]) t.cleanup()
  })

  /** Everything about the keys except what depends on the moment of seeding and the discarded secrets. */
  const stable = (items: Record<string, unknown>[]) =>
    items.map(({ createdAt: _c, updatedAt: _u, expiresAt: _e, lastUsedAt: _l, hint: _h, ...rest }) => rest)

  it('fills a registry and is deterministic for a seed', async () => {
    const first = await a.ok(['seed-demo', '--keys', '60', '--seed', 'demo-7'])
    expect(Object.keys(first).sort()).toEqual(['departments', 'keys', 'projects', 'resources'])
    expect(first.keys).toBe(60)
    expect(first.resources).toBeGreaterThanOrEqual(10)
    expect(first.departments).toBeGreaterThan(1)
    expect(first.projects).toBeGreaterThan(1)
    const second = await b.ok(['seed-demo', '--keys', '60', '--seed', 'demo-7'])
    expect(second).toEqual(first)

    const listA = await a.ok(['keys', 'list', '--limit', '1000'])
    const listB = await b.ok(['keys', 'list', '--limit', '1000'])
    expect(listA.total).toBe(60)
    expect(stable(listB.items)).toEqual(stable(listA.items))
    expect(await b.ok(['resources', 'list'])).toEqual(await a.ok(['resources', 'list']))
    const types = new Set((await a.ok(['resources', 'list'])).items.map((r: { type: string }) => r.type))
    expect([...types].sort()).toEqual(['PYG', 'TPM'])

    const other = await c.ok(['seed-demo', '--keys', '60', '--seed', 'demo-8'])
    expect(other.keys).toBe(60)
    const listC = await c.ok(['keys', 'list', '--limit', '1000'])
    expect(listC.items.map((k: { name: string }) => k.name)).not.toEqual(
      listA.items.map((k: { name: string }) => k.name)
    )

    expect(await a.ok(['audit', 'verify'])).toMatchObject({ ok: true })
  })

  it('parses --keys strictly and requires it', async () => {
    for (const args of [['--keys', 'many'], ['--keys', '1.5'], []]) {
      const r = await a.fails(['seed-demo', ...args])
      expect(r.code).toBe(2)
      expect(r.error.code).toBe('VALIDATION')
      expect(r.error.message).toMatch(/--keys/)
    }
  })

  it('reports what it did in a sentence without --json', async () => {
    const r = await a.cli(['seed-demo', '--keys', '3', '--seed', 'x'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(
      /^Seeded .*registry\.sqlite3 with \d+ resources, 3 keys, \d+ departments and \d+ projects \(seed "x", [\d.]+s\)\./
    )
    expect((await a.ok(['keys', 'list'])).total).toBe(63)
  })
})
