import Database from 'better-sqlite3'
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { backupRegistry, inspectBackup, keptCopyPath, restoreRegistry } from '../../../src/main/core/backup'
import { MIGRATIONS } from '../../../src/main/db/migrations'
import { latestSchemaVersion, openRegistryDatabase } from '../../../src/main/db/open'
import { KeywardError } from '../../../src/shared/errors'
import { tempRegistry, TestRegistry, type TempRegistry } from '../../helpers/registry'
import { ACTOR, fileState, logicalState } from './support'

let temp: TempRegistry | undefined
afterEach(() => {
  temp?.close()
  temp = undefined
})

function setup() {
  temp = tempRegistry()
  const { registry } = temp
  registry.addResource({ model: 'gpt-4o', type: 'PYG' }, ACTOR)
  const secrets: Record<string, string> = {}
  for (const name of ['alpha', 'beta', 'gamma'])
    secrets[name] = registry.createKey({ name, resources: ['gpt-4o:PYG'] }, ACTOR).secret
  return { ...temp, secrets }
}

async function refusedAsync(fn: () => Promise<unknown>): Promise<KeywardError> {
  try {
    await fn()
  } catch (error) {
    if (error instanceof KeywardError) return error
    throw error
  }
  throw new Error('expected a refusal')
}

function integrity(path: string): string {
  const db = new Database(path, { readonly: true })
  try {
    return db.pragma('integrity_check', { simple: true }) as string
  } finally {
    db.close()
  }
}

describe('backupRegistry', () => {
  it('writes a checked, self-contained copy with the counts, and never a temp file left behind', async () => {
    const { registry, path, dir } = setup()
    const file = join(dir, 'backup.sqlite3')
    const result = await backupRegistry(path, file)
    expect(result).toEqual({ backup: file, bytes: statSync(file).size, keys: 3, auditEntries: 4 })
    expect(integrity(file)).toBe('ok')
    // One file: rollback journaling, no -wal needed to read it.
    const copy = new Database(file, { readonly: true })
    expect(copy.pragma('journal_mode', { simple: true })).toBe('delete')
    copy.close()
    expect(existsSync(`${file}-wal`)).toBe(false)
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
    // The copy is the registry: the same logical rows.
    const reopened = TestRegistry.open(file)
    expect(logicalState(reopened)).toBe(logicalState(registry))
    reopened.close()
  })

  it('refuses to replace an existing file unless forced, and never backs up onto the registry itself', async () => {
    const { path, dir } = setup()
    const file = join(dir, 'exists.sqlite3')
    writeFileSync(file, 'precious')
    const error = await refusedAsync(() => backupRegistry(path, file))
    expect(error.code).toBe('VALIDATION')
    expect(error.fields).toHaveProperty('FILE')
    expect(error.message).toMatch(/already exists.*--force/)
    expect(readFileSync(file, 'utf8')).toBe('precious')
    const forced = await backupRegistry(path, file, { force: true })
    expect(forced.keys).toBe(3)
    expect(integrity(file)).toBe('ok')
    expect((await refusedAsync(() => backupRegistry(path, path, { force: true }))).code).toBe('VALIDATION')
    expect((await refusedAsync(() => backupRegistry(path, `${path}-wal`, { force: true }))).code).toBe('VALIDATION')
    const missingDir = await refusedAsync(() => backupRegistry(path, join(dir, 'nope', 'b.sqlite3')))
    expect(missingDir.message).toMatch(/does not exist/)
  })
})

describe('restoreRegistry', () => {
  it('round trip: deleted keys verify again with their old secrets; the replaced registry is kept; open connections see it', async () => {
    const { registry, path, dir, secrets, clock } = setup()
    const file = join(dir, 'backup.sqlite3')
    await backupRegistry(path, file)
    registry.deleteKey({ key: 'alpha' }, ACTOR)
    registry.deleteKey({ key: 'beta' }, ACTOR)
    registry.createKey({ name: 'after' }, ACTOR)
    expect(registry.verify({ secret: secrets.alpha!, model: 'gpt-4o' }).code).toBe('REVOKED')
    const before = logicalState(registry)

    clock.advance(60_000)
    const result = await restoreRegistry(path, file, { actor: 'restorer', now: clock.now })
    expect(result).toEqual({ restored: file, previous: keptCopyPathLike(path), keys: 3 })
    expect(result.previous).toMatch(/registry\.sqlite3\.before-restore-20260601T120\d{3}Z\.sqlite3$/)

    // `registry` is a connection opened before the restore and still open: it reads the new contents.
    for (const name of ['alpha', 'beta', 'gamma'])
      expect(registry.verify({ secret: secrets[name]!, model: 'gpt-4o' }).code, name).toBe('VALID')
    expect(registry.findKey('after')).toBeUndefined()
    expect(registry.listKeys().total).toBe(3)
    expect(registry.db.pragma('integrity_check', { simple: true })).toBe('ok')
    expect(integrity(path)).toBe('ok')
    // The chain goes on with one entry saying where the contents came from.
    expect(registry.verifyAudit()).toEqual({ ok: true, entries: 5 })
    const last = registry.listAudit({ limit: 1 }).items[0]!
    expect(last).toMatchObject({
      action: 'registry.restore',
      actor: 'restorer',
      details: { from: file, keys: 3, previous: result.previous }
    })
    // And the connection writes on.
    registry.createKey({ name: 'delta' }, ACTOR)
    expect(registry.verifyAudit()).toEqual({ ok: true, entries: 6 })

    // The kept copy is the registry as it was just before.
    const kept = TestRegistry.open(result.previous!)
    expect(logicalState(kept)).toBe(before)
    kept.close()
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('a second, independent connection that read before the restore reads the restored data after it', async () => {
    const { registry, path, dir, secrets } = setup()
    const file = join(dir, 'backup.sqlite3')
    await backupRegistry(path, file)
    registry.deleteKey({ key: 'gamma' }, ACTOR)
    const other = TestRegistry.open(path)
    expect(other.listKeys().total).toBe(2)
    await restoreRegistry(path, file, { actor: ACTOR })
    expect(other.listKeys().total).toBe(3)
    expect(other.verify({ secret: secrets.gamma!, model: 'gpt-4o' }).code).toBe('VALID')
    expect(other.db.pragma('integrity_check', { simple: true })).toBe('ok')
    other.close()
  })

  it('brings an older schema up to this version', async () => {
    temp = tempRegistry()
    const secret = temp.registry.createKey({ name: 'legacy' }, ACTOR).secret
    // A registry at schema 2 holding that key: the tables it shares with today's, copied row for row.
    const old = join(temp.dir, 'old.sqlite3')
    const oldDb = openRegistryDatabase(old, { migrations: MIGRATIONS.filter((m) => m.version <= 2) })
    oldDb.exec(`ATTACH '${temp.path}' AS c;
      INSERT INTO api_keys SELECT * FROM c.api_keys;
      INSERT INTO key_secrets SELECT id, key_pk, secret_hash, hint, created_at, retires_at FROM c.key_secrets;
      INSERT INTO audit_log SELECT * FROM c.audit_log;
      INSERT INTO registry_settings SELECT * FROM c.registry_settings WHERE name = 'audit_head';
      DETACH c;`)
    oldDb.close()
    temp.registry.deleteKey({ key: 'legacy' }, ACTOR)
    const file = join(temp.dir, 'old-backup.sqlite3')
    await backupRegistry(old, file)
    expect(inspectBackup(file).schemaVersion).toBe(2)

    const result = await restoreRegistry(temp.path, file, { actor: ACTOR })
    expect(result.keys).toBe(1)
    expect(temp.registry.db.pragma('user_version', { simple: true })).toBe(latestSchemaVersion())
    expect(temp.registry.verify({ secret }).code).toBe('VALID')
    expect(temp.registry.verifyAudit()).toEqual({ ok: true, entries: 2 })
    expect(integrity(temp.path)).toBe('ok')
  })

  it('restores into a path where no registry exists yet, with nothing to keep', async () => {
    const { path, dir } = setup()
    const file = join(dir, 'backup.sqlite3')
    await backupRegistry(path, file)
    const fresh = join(dir, 'fresh.sqlite3')
    const result = await restoreRegistry(fresh, file, { actor: ACTOR })
    expect(result).toEqual({ restored: file, previous: null, keys: 3 })
    const opened = TestRegistry.open(fresh)
    expect(opened.listKeys().total).toBe(3)
    expect(opened.verifyAudit().ok).toBe(true)
    opened.close()
  })

  describe('refuses an unusable file, naming the problem, and changes nothing', () => {
    async function expectRefusedUnchanged(file: string, pattern: RegExp) {
      const { registry, path, dir } = temp!
      const files = fileState(path)
      const rows = logicalState(registry)
      const before = readdirSync(dir).sort()
      const error = await refusedAsync(() => restoreRegistry(path, file, { actor: ACTOR }))
      expect(error.code).toBe('VALIDATION')
      expect(error.fields).toHaveProperty('FILE')
      expect(error.message).toMatch(/^FILE: .* Nothing was changed\.$/)
      expect(error.message).toMatch(pattern)
      expect(fileState(path)).toBe(files)
      expect(logicalState(registry)).toBe(rows)
      // No kept copy, no staging file: a refused restore leaves the folder as it was (the file's own -shm aside).
      expect(
        readdirSync(dir)
          .filter((f) => !f.startsWith(file.split('/').at(-1)!))
          .sort()
      ).toEqual(before.filter((f) => !f.startsWith(file.split('/').at(-1)!)))
      return error
    }

    async function aBackup(): Promise<string> {
      const { path, dir } = temp!
      const file = join(dir, 'good.sqlite3')
      if (!existsSync(file)) await backupRegistry(path, file)
      return file
    }

    it('a damaged file (bytes flipped in a copy)', async () => {
      setup()
      const good = await aBackup()
      const bad = join(temp!.dir, 'damaged.sqlite3')
      copyFileSync(good, bad)
      const bytes = readFileSync(bad)
      const pageSize = bytes.readUInt16BE(16)
      // Scribble over the middle of every page after the first: b-tree pages no longer parse.
      for (let page = 1; page * pageSize < bytes.length; page++)
        for (let i = 100; i < 400; i++) bytes[page * pageSize + i] ^= 0x5a
      writeFileSync(bad, bytes)
      await expectRefusedUnchanged(bad, /damaged/)
    })

    it('a file that is not SQLite at all', async () => {
      setup()
      const junk = join(temp!.dir, 'junk.sqlite3')
      writeFileSync(junk, Buffer.alloc(8192, 7))
      await expectRefusedUnchanged(junk, /not an SQLite database/)
    })

    it('an SQLite file that is not a Keyward registry', async () => {
      setup()
      const other = join(temp!.dir, 'other.sqlite3')
      const db = new Database(other)
      db.exec('CREATE TABLE notes (body TEXT)')
      db.pragma('user_version = 1')
      db.close()
      await expectRefusedUnchanged(other, /not a Keyward registry: .*(missing|which Keyward does not create)/)
      const none = join(temp!.dir, 'none.sqlite3')
      new Database(none).exec('CREATE TABLE t (x)')
      await expectRefusedUnchanged(none, /not a Keyward registry: it has no Keyward schema version/)
    })

    it('a registry with something added to its schema (a trigger)', async () => {
      setup()
      const file = join(temp!.dir, 'trigger.sqlite3')
      copyFileSync(await aBackup(), file)
      const db = new Database(file)
      db.exec("CREATE TRIGGER sneaky AFTER INSERT ON api_keys BEGIN UPDATE api_keys SET notes = 'x'; END")
      db.close()
      await expectRefusedUnchanged(file, /trigger sneaky, which Keyward does not create/)
    })

    it('a newer schema', async () => {
      setup()
      const file = join(temp!.dir, 'newer.sqlite3')
      copyFileSync(await aBackup(), file)
      const db = new Database(file)
      db.pragma(`user_version = ${latestSchemaVersion() + 7}`)
      db.close()
      await expectRefusedUnchanged(file, /newer version of Keyward \(schema \d+; this version knows up to \d+\)/)
    })

    it('a broken audit chain', async () => {
      setup()
      const file = join(temp!.dir, 'tampered.sqlite3')
      copyFileSync(await aBackup(), file)
      const db = new Database(file)
      db.prepare("UPDATE audit_log SET actor = 'someone else' WHERE seq = 2").run()
      db.close()
      await expectRefusedUnchanged(file, /audit chain .* is broken at entry 2 \(of 4\)/)
    })

    it('a file that does not exist, or the registry itself', async () => {
      setup()
      await expectRefusedUnchanged(join(temp!.dir, 'missing.sqlite3'), /does not exist/)
      const error = await refusedAsync(() => restoreRegistry(temp!.path, temp!.path, { actor: ACTOR }))
      expect(error.message).toMatch(/registry itself/)
    })
  })
})

function keptCopyPathLike(path: string) {
  return expect.stringMatching(new RegExp(`^${path.replace(/[.]/g, '\\.')}\\.before-restore-\\d{8}T\\d{6}Z\\.sqlite3$`))
}

describe('keptCopyPath', () => {
  it('names the copy after the registry and the UTC time, and never an existing file', () => {
    temp = tempRegistry()
    const at = Date.parse('2026-06-01T12:34:56.789Z')
    const first = keptCopyPath(temp.path, at)
    expect(first).toBe(`${temp.path}.before-restore-20260601T123456Z.sqlite3`)
    writeFileSync(first, '')
    expect(keptCopyPath(temp.path, at)).toBe(`${temp.path}.before-restore-20260601T123456Z-2.sqlite3`)
  })
})
