import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { Registry } from '../../../src/main/core/registry'
import { openRegistryDatabase } from '../../../src/main/db/open'
import { KeywardError } from '../../../src/shared/errors'
import { TestRegistry, tempRegistry, type TempRegistry } from '../../helpers/registry'

const ROOT = resolve(__dirname, '../../..')
const WRITER = resolve(__dirname, 'concurrent-writer.ts')
const COUNT = 60

let t: TempRegistry
afterEach(() => t?.close())

interface Writer {
  child: ChildProcessWithoutNullStreams
  ready: Promise<void>
  done: Promise<{ created: number; errors: string[] }>
  stderr: () => string
}

/** Starts a writer process; resolves `ready` when it has opened the registry. */
function startWriter(path: string, prefix: string): Writer {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, path, prefix, String(COUNT)], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '' }
  })
  let out = ''
  let err = ''
  child.stderr.on('data', (d) => (err += d))
  let onReady!: () => void
  const ready = new Promise<void>((r) => (onReady = r))
  const done = new Promise<{ created: number; errors: string[] }>((resolveDone, reject) => {
    child.stdout.on('data', (d) => {
      out += d
      if (out.startsWith('ready\n')) onReady()
    })
    child.on('error', reject)
    child.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? ''
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`writer ${prefix} exited ${code}: ${err || out}`))
      else resolveDone(JSON.parse(last))
    })
  })
  return { child, ready, done, stderr: () => err }
}

describe('two processes writing to one registry at once', () => {
  it('both succeed, interleaved, with no "database is locked" reaching either, and the audit chain holds', async () => {
    t = tempRegistry()
    t.registry.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 1000 }, 'setup')
    t.registry.addResource({ model: 'o3', type: 'PYG' }, 'setup')
    const a = startWriter(t.path, 'alpha')
    const b = startWriter(t.path, 'beta')
    await Promise.all([a.ready, b.ready])
    // Both start together; the test's own connection keeps reading meanwhile.
    a.child.stdin.end('go\n')
    b.child.stdin.end('go\n')
    let reads = 0
    const reading = (async () => {
      let finished = false
      void Promise.allSettled([a.done, b.done]).then(() => (finished = true))
      while (!finished) {
        t.registry.listKeys({ departments: ['Shared'], limit: 10 })
        reads++
        await new Promise((r) => setTimeout(r, 2))
      }
    })()
    const [ra, rb] = await Promise.all([a.done, b.done])
    await reading
    expect(ra.errors).toEqual([])
    expect(rb.errors).toEqual([])
    expect(a.stderr() + b.stderr()).not.toMatch(/locked|busy/i)
    expect([ra.created, rb.created]).toEqual([COUNT, COUNT])
    expect(reads).toBeGreaterThan(0)

    expect(t.registry.listKeys({ departments: ['Shared'], limit: 1 }).total).toBe(2 * COUNT)
    for (const prefix of ['alpha', 'beta']) {
      const keys = t.registry.listKeys({ search: prefix, limit: 1000 }).items
      expect(keys).toHaveLength(COUNT)
      for (const k of keys) {
        expect(k.notes).toBe(`edited by ${prefix}`)
        expect(k.resources.map((r) => r.model)).toEqual(['gpt-4o', 'o3'])
        expect(k.lastUsedAt).not.toBeNull()
      }
    }
    // One chain, every change in it once, from both writers taking turns.
    expect(t.registry.verifyAudit()).toEqual({ ok: true, entries: 2 + 2 * COUNT * 3 })
    const actors = t.registry.db
      .prepare("SELECT actor FROM audit_log WHERE actor != 'setup' ORDER BY seq")
      .pluck()
      .all() as string[]
    const switches = actors.filter((actor, i) => i > 0 && actor !== actors[i - 1]).length
    expect(switches, 'the writers never overlapped').toBeGreaterThan(1)
  }, 120_000)
})

describe('a write lock held longer than the busy timeout', () => {
  it('becomes a CONFLICT the user can act on, changes nothing, and does not stop verification', () => {
    t = tempRegistry()
    const { secret } = t.registry.createKey({ name: 'a' }, 'setup')
    const impatient = new Registry(openRegistryDatabase(t.path, { busyTimeoutMs: 100 }), { lastUsedFlushMs: 0 })
    const holder = new Database(t.path)
    try {
      holder.exec('BEGIN IMMEDIATE')
      let caught: unknown
      try {
        impatient.createKey({ name: 'b' }, 'tester')
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(KeywardError)
      expect((caught as KeywardError).code).toBe('CONFLICT')
      expect((caught as KeywardError).message).toBe(
        'The registry is busy with another change (another window, CLI or server). Nothing was changed; try again.'
      )
      expect((caught as KeywardError).message).not.toMatch(/locked/i)
      // Readers are never blocked in WAL mode; the lastUsedAt write waits for a later chance.
      expect(impatient.verify({ secret }).code).toBe('VALID')
      holder.exec('ROLLBACK')
      expect(impatient.createKey({ name: 'b' }, 'tester').key.name).toBe('b')
      expect(impatient.listKeys().total).toBe(2)
    } finally {
      holder.close()
      impatient.close()
    }
    expect(t.registry.getKey({ key: 'a' }).key.lastUsedAt).not.toBeNull()
  })

  it('closing while another process holds the lock still closes, without an error', () => {
    t = tempRegistry()
    const { secret } = t.registry.createKey({ name: 'a' }, 'setup')
    const impatient = TestRegistry.open(t.path, { open: { busyTimeoutMs: 50 }, lastUsedFlushMs: 60_000 })
    const holder = new Database(t.path)
    try {
      impatient.flushLastUsed()
      expect(impatient.verify({ secret }).code).toBe('VALID')
      holder.exec('BEGIN IMMEDIATE')
      expect(() => impatient.close()).not.toThrow()
      expect(impatient.db.open).toBe(false)
    } finally {
      holder.close()
    }
  })
})
