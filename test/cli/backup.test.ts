import Database from 'better-sqlite3'
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { Agent } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveChild, timedRequest, type ServeChild } from '../reliability/support'
import { fileState } from '../unit/core/support'
import { expectNoSecretLeaked, run, tempCli } from './run'

function integrity(path: string): string {
  const db = new Database(path, { readonly: true })
  try {
    return db.pragma('integrity_check', { simple: true }) as string
  } finally {
    db.close()
  }
}

function usageRows(path: string): number {
  const db = new Database(path, { readonly: true })
  try {
    return db.prepare('SELECT coalesce(sum(requests), 0) FROM key_usage').pluck().get() as number
  } finally {
    db.close()
  }
}

describe('keyward backup and restore', { timeout: 180_000 }, () => {
  const t = tempCli()
  const secrets: Record<string, string> = {}
  beforeAll(async () => {
    await t.ok(['resources', 'add', '--model', 'gpt-4o', '--type', 'PYG'])
    for (const name of ['alpha', 'beta', 'gamma'])
      secrets[name] = (await t.ok(['keys', 'create', '--name', name, '--resource', 'gpt-4o:PYG'])).secret
  }, 90_000)
  afterAll(() => {
    expectNoSecretLeaked()
    t.cleanup()
  })

  it('backs up while a server verifies keys and writes usage: each backup is whole, consistent and its chain verifies', async () => {
    // Enough pages that a backup is not a single read.
    await t.ok(['seed-demo', '--keys', '3000'])
    const server: ServeChild = await serveChild(t.db)
    const agent = new Agent({ keepAlive: true, maxSockets: 4 })
    let running = true
    let recorded = 0
    const failures: string[] = []
    const load = (async () => {
      while (running) {
        const verify = await timedRequest(agent, `${server.url}/v1/keys/verify`, {
          method: 'POST',
          json: { key: secrets.alpha, model: 'gpt-4o' }
        })
        if (verify.status !== 200 || JSON.parse(verify.body).code !== 'VALID') failures.push(`verify ${verify.body}`)
        const usage = await timedRequest(agent, `${server.url}/v1/usage`, {
          method: 'POST',
          json: { key: secrets.alpha, model: 'gpt-4o', promptTokens: 3, completionTokens: 4 }
        })
        if (usage.status === 200) recorded++
        else failures.push(`usage ${usage.status} ${usage.body}`)
      }
    })()
    try {
      // Backups until one ran while usage was being written (recorded moved between its start and end).
      let overlapped = 0
      for (let i = 0; i < 30 && overlapped < 1; i++) {
        const file = join(t.dir, `under-load-${i}.sqlite3`)
        const before = recorded
        const result = await t.ok(['backup', file])
        if (recorded > before) overlapped++
        expect(Object.keys(result)).toEqual(['backup', 'bytes', 'keys', 'auditEntries'])
        expect(result).toMatchObject({ backup: file, keys: 3003 })
        expect(integrity(file)).toBe('ok')
        // The usage in the backup is a state the registry was in: between the writes acknowledged
        // before the backup started and those acknowledged after it ended.
        const rows = usageRows(file)
        expect(rows).toBeGreaterThanOrEqual(before)
        expect(rows).toBeLessThanOrEqual(recorded)
        const audit = await run(['--db', file, '--json', 'audit', 'verify'])
        expect(audit.code, audit.stderr).toBe(0)
        expect(JSON.parse(audit.stdout)).toEqual({ ok: true, entries: result.auditEntries })
      }
      expect(overlapped, 'no backup overlapped with usage writes').toBeGreaterThan(0)
    } finally {
      running = false
      await load
      agent.destroy()
      server.proc.kill('SIGTERM')
      await server.exited
    }
    expect(failures).toEqual([])
    expect(recorded).toBeGreaterThan(0)
    expect(integrity(t.db)).toBe('ok')
    expect(await t.ok(['audit', 'verify'])).toMatchObject({ ok: true })
  })

  it('refuses to replace an existing FILE (exit 2) unless --force', async () => {
    const file = join(t.dir, 'exists.bin')
    writeFileSync(file, 'keep me')
    const refused = await t.fails(['backup', file])
    expect(refused.code).toBe(2)
    expect(refused.error.code).toBe('VALIDATION')
    expect(refused.error.message).toMatch(/already exists.*--force/)
    expect(readFileSync(file, 'utf8')).toBe('keep me')
    const text = await t.cli(['backup', file])
    expect(text.code).toBe(2)
    expect(text.stderr).toMatch(/already exists/)
    const forced = await t.ok(['backup', file, '--force'])
    expect(forced.backup).toBe(file)
    expect(integrity(file)).toBe('ok')
  })

  it('restore round trip: deleted keys verify again with their old secrets; the replaced registry is kept', async () => {
    const file = join(t.dir, 'round-trip.sqlite3')
    const backedUp = await t.ok(['backup', file])
    await t.ok(['keys', 'delete', 'alpha', '--yes'])
    await t.ok(['keys', 'delete', 'beta', '--yes'])
    const revoked = await t.cli(['--json', 'keys', 'verify', '--model', 'gpt-4o'], { input: `${secrets.alpha}\n` })
    expect(revoked.code).toBe(1)

    // Without --yes: a usage error that says what would be replaced, and nothing changes.
    const state = fileState(t.db)
    const noYes = await t.fails(['restore', file])
    expect(noYes.code).toBe(2)
    expect(noYes.error.message).toContain(t.db)
    expect(noYes.error.message).toContain(file)
    expect(noYes.error.message).toMatch(/--yes/)
    expect(fileState(t.db)).toBe(state)

    const restored = await t.ok(['restore', file, '--yes'])
    expect(Object.keys(restored)).toEqual(['restored', 'previous', 'keys'])
    expect(restored).toMatchObject({ restored: file, keys: backedUp.keys })
    expect(restored.previous).toMatch(/registry\.sqlite3\.before-restore-\d{8}T\d{6}Z\.sqlite3$/)
    expect(existsSync(restored.previous)).toBe(true)
    for (const name of ['alpha', 'beta', 'gamma']) {
      const verified = await t.cli(['--json', 'keys', 'verify', '--model', 'gpt-4o'], { input: `${secrets[name]}\n` })
      expect(verified.code, name).toBe(0)
      expect(JSON.parse(verified.stdout).code).toBe('VALID')
    }
    expect(integrity(t.db)).toBe('ok')
    const audit = await t.ok(['audit', 'list', '--limit', '1'])
    expect(audit.items[0]).toMatchObject({ action: 'registry.restore', details: { from: file, keys: backedUp.keys } })
    expect(await t.ok(['audit', 'verify'])).toEqual({ ok: true, entries: backedUp.auditEntries + 1 })
    // The kept copy still has the deletions.
    const kept = await run(['--db', restored.previous, '--json', 'keys', 'show', 'alpha'])
    expect(kept.code).toBe(1)
  })

  it('restores under a running server: its open connection serves the restored keys at once, and writes on', async () => {
    const file = join(t.dir, 'under-server.sqlite3')
    await t.ok(['backup', file, '--force'])
    await t.ok(['keys', 'delete', 'gamma', '--yes'])
    const server: ServeChild = await serveChild(t.db)
    const agent = new Agent({ keepAlive: true })
    const verify = async () =>
      JSON.parse(
        (
          await timedRequest(agent, `${server.url}/v1/keys/verify`, {
            method: 'POST',
            json: { key: secrets.gamma, model: 'gpt-4o' }
          })
        ).body
      ).code as string
    try {
      expect(await verify()).toBe('REVOKED')
      await t.ok(['restore', file, '--yes'])
      expect(await verify()).toBe('VALID')
      const usage = await timedRequest(agent, `${server.url}/v1/usage`, {
        method: 'POST',
        json: { key: secrets.gamma, model: 'gpt-4o', promptTokens: 1, completionTokens: 1 }
      })
      expect(usage.status, usage.body).toBe(200)
    } finally {
      agent.destroy()
      server.proc.kill('SIGTERM')
      await server.exited
    }
    expect(integrity(t.db)).toBe('ok')
    expect(await t.ok(['audit', 'verify'])).toMatchObject({ ok: true })
  })

  it('restore refuses a damaged backup with exit 2 and a clear message; the registry is unchanged', async () => {
    const good = join(t.dir, 'good.sqlite3')
    await t.ok(['backup', good, '--force'])
    const bad = join(t.dir, 'tampered.sqlite3')
    copyFileSync(good, bad)
    const db = new Database(bad)
    db.prepare("UPDATE audit_log SET details = '{}' WHERE seq = 1").run()
    db.close()
    const state = fileState(t.db)
    const refused = await t.fails(['restore', bad, '--yes'])
    expect(refused.code).toBe(2)
    expect(refused.error.message).toMatch(/^FILE: The audit chain in .* is broken at entry 1 .*Nothing was changed\.$/)
    expect(fileState(t.db)).toBe(state)
    const text = await t.cli(['restore', join(t.dir, 'missing.sqlite3'), '--yes'])
    expect(text.code).toBe(2)
    expect(text.stderr).toMatch(/does not exist/)
    expect(fileState(t.db)).toBe(state)
  })
})
