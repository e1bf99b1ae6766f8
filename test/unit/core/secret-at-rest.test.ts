import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { TestRegistry, tempRegistry, type TempRegistry } from '../../helpers/registry'
import { ACTOR } from './support'

let t: TempRegistry
afterEach(() => t.close())

/** The raw bytes of the database, its WAL and its shared-memory index, as an attacker copying them would see. */
function rawFiles(path: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {}
  for (const suffix of ['', '-wal', '-shm'])
    if (existsSync(path + suffix)) out[suffix || 'db'] = readFileSync(path + suffix)
  return out
}

/** 10-character pieces of the secret every 4 characters, as UTF-8 and UTF-16: any stored run of 13+ characters contains one. */
function needles(secret: string): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i + 10 <= secret.length; i += 4) {
    const piece = secret.slice(i, i + 10)
    out.push(Buffer.from(piece, 'utf8'), Buffer.from(piece, 'utf16le'))
  }
  return out
}

function expectAbsent(files: Record<string, Buffer>, secrets: string[]): void {
  for (const [name, bytes] of Object.entries(files)) {
    for (const secret of secrets) {
      for (const needle of needles(secret)) {
        if (bytes.includes(needle))
          throw new Error(`a piece of a secret (${needle.toString('utf8').length} bytes) is in the ${name} file`)
      }
    }
  }
}

describe('secrets at rest', () => {
  it('the plaintext secret is in none of the database, -wal and -shm files after creates and rotations', () => {
    t = tempRegistry()
    t.registry.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 100 }, ACTOR)
    const secrets: string[] = []
    for (let i = 0; i < 20; i++) {
      secrets.push(
        t.registry.createKey(
          {
            name: `k${i}`,
            kind: i % 5 === 0 ? 'admin' : 'standard',
            resources: i % 5 === 0 ? [] : ['gpt-4o:TPM'],
            notifyEmail: 'a@example.com'
          },
          ACTOR
        ).secret
      )
    }
    for (let i = 1; i < 20; i += 3) secrets.push(t.registry.rotateKey({ key: `k${i}`, graceSeconds: 30 }, ACTOR).secret)
    t.registry.deleteKey({ key: 'k2' }, ACTOR)
    // Verification keeps nothing of the secret either.
    for (const s of secrets) t.registry.verify({ secret: s, model: 'gpt-4o' })
    t.registry.flushLastUsed()

    const live = rawFiles(t.path)
    expect(Object.keys(live).sort()).toEqual(['-shm', '-wal', 'db'])
    expect(live['-wal']!.length).toBeGreaterThan(0)
    // The check is real: the hints ARE on disk, so the search would find stored text.
    const hint = t.registry.getKey({ key: 'k1' }).key.hint
    expect(live['-wal']!.includes(Buffer.from(hint)) || live.db!.includes(Buffer.from(hint))).toBe(true)
    expectAbsent(live, secrets)

    // Checkpointed into the main file and closed: still absent.
    t.registry.db.pragma('wal_checkpoint(TRUNCATE)')
    t.registry.close()
    expectAbsent(rawFiles(t.path), secrets)
  })

  it('stores each secret only as its SHA-256 and a hint', () => {
    t = tempRegistry()
    const { secret, key } = t.registry.createKey({ name: 'a' }, ACTOR)
    const reg = TestRegistry.open(t.path)
    try {
      const row = reg.db.prepare('SELECT secret_hash, hint FROM key_secrets').get() as {
        secret_hash: Buffer
        hint: string
      }
      expect(row.hint).toBe(key.hint)
      expect(row.secret_hash.toString('hex')).toBe(createHash('sha256').update(secret).digest('hex'))
      const columns = reg.db.prepare("SELECT name FROM pragma_table_info('key_secrets')").pluck().all()
      expect(columns).toEqual(['id', 'key_pk', 'secret_hash', 'hint', 'created_at', 'retires_at', 'format'])
    } finally {
      reg.db.close()
    }
  })
})
