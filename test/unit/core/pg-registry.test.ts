import Database from 'better-sqlite3'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appendPgAuditEntries, verifyPgAuditChain } from '../../../src/main/core/pg/audit'
import { entryHash, GENESIS } from '../../../src/main/core/audit'
import { migrate } from '../../../src/main/db/open'
import { findPassword, parsePgUrl, redactUrl } from '../../../src/main/db/pg/connection'
import { PG_MIGRATIONS } from '../../../src/main/db/pg/migrations'
import { latestPgSchemaVersion, openPgRegistry, type PgRegistry } from '../../../src/main/db/pg/open'
import { KeywardError } from '../../../src/shared/errors'
import { POSTGRES_START_TIMEOUT, postgresAvailable, startPostgres, type StartedPostgres } from '../../support/postgres'

describe('PostgreSQL URLs and passwords (no server needed)', () => {
  it('shows a URL without its password, and refuses a URL without a database naming the field', () => {
    expect(redactUrl('postgres://ana:s3cret@db.example:5433/keyward')).toBe('postgres://ana@db.example:5433/keyward')
    expect(redactUrl('postgresql://ana@db/k')).toBe('postgresql://ana@db/k')
    expect(redactUrl('postgres://ana:s3cret@[::1')).not.toContain('s3cret')
    const error = (() => {
      try {
        parsePgUrl('postgres://ana:s3cret@db.example:5432/', '--to')
      } catch (e) {
        return e as KeywardError
      }
    })()
    expect(error).toBeInstanceOf(KeywardError)
    expect(Object.keys(error!.fields ?? {})).toEqual(['--to'])
    expect(error!.message).not.toContain('s3cret')
  })

  it('takes the password from the URL, else PGPASSWORD, else a private ~/.pgpass line that matches', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyward-pgpass-'))
    try {
      const target = parsePgUrl('postgres://ana@127.0.0.1:5999/reg', '--db')
      const withUrl = parsePgUrl('postgres://ana:from%3Aurl@127.0.0.1:5999/reg', '--db')
      expect(findPassword(withUrl, { PGPASSWORD: 'env', HOME: dir })).toBe('from:url')
      expect(findPassword(target, { PGPASSWORD: 'env', HOME: dir })).toBe('env')
      expect(findPassword(target, { HOME: dir })).toBeUndefined()
      const pgpass = join(dir, '.pgpass')
      writeFileSync(pgpass, '# comment\nother:5999:reg:ana:no\n127.0.0.1:5999:*:ana:pa\\:ss:word\n', { mode: 0o600 })
      expect(findPassword(target, { HOME: dir })).toBe('pa:ss:word')
      // libpq ignores a .pgpass that others may read; so do we.
      writeFileSync(pgpass, '*:*:*:*:open\n')
      chmodSync(pgpass, 0o644)
      expect(findPassword(target, { HOME: dir })).toBeUndefined()
      writeFileSync(join(dir, 'elsewhere'), '*:*:*:*:viaPGPASSFILE\n', { mode: 0o600 })
      expect(findPassword(target, { HOME: dir, PGPASSFILE: join(dir, 'elsewhere') })).toBe('viaPGPASSFILE')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

const reason = postgresAvailable()

describe.skipIf(reason)(
  `a registry on PostgreSQL${reason ? ` (skipped: ${reason})` : ''}`,
  { timeout: 120_000 },
  () => {
    let server: StartedPostgres
    let registry: PgRegistry
    const homes: string[] = []
    /** An environment where only what a test gives supplies the password. */
    const bareEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
      const home = mkdtempSync(join(tmpdir(), 'keyward-home-'))
      homes.push(home)
      return { HOME: home, ...extra }
    }

    beforeAll(async () => {
      server = await startPostgres()
      registry = await openPgRegistry(server.url, { env: bareEnv({ PGPASSWORD: server.password }) })
    }, POSTGRES_START_TIMEOUT)
    afterAll(async () => {
      await registry?.close()
      server?.stop()
      for (const home of homes) rmSync(home, { recursive: true, force: true })
    })

    it('has the same tables and columns as the SQLite schema at the same version', async () => {
      const sqlite = new Database(':memory:')
      try {
        migrate(sqlite)
        const tables = (
          sqlite
            .prepare(
              "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'api_keys_fts%' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
            .pluck()
            .all() as string[]
        ).filter((t) => t !== 'schema_migrations')
        for (const table of tables) {
          const want = (sqlite.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name)
          const have = await registry.pool.query<{ column_name: string }>(
            'SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position',
            [table]
          )
          expect(
            have.rows.map((r) => r.column_name),
            table
          ).toEqual(want)
        }
        const versions = await registry.pool.query<{ version: number }>(
          'SELECT version FROM schema_migrations ORDER BY version'
        )
        expect(versions.rows.map((r) => r.version)).toEqual(PG_MIGRATIONS.map((m) => m.version))
        expect(sqlite.pragma('user_version', { simple: true })).toBe(latestPgSchemaVersion())
      } finally {
        sqlite.close()
      }
    })

    it('enforces the rules in the database: one model per key, no resources on admin keys, names unique ignoring ASCII case', async () => {
      const q = (sql: string, params: unknown[] = []) => registry.pool.query(sql, params)
      const code = async (sql: string, params: unknown[] = []) => {
        try {
          await q(sql, params)
          return 'ok'
        } catch (error) {
          return String((error as { code?: string }).code)
        }
      }
      await q(
        "INSERT INTO resources (id, model, type, tpm_limit, created_at, updated_at) VALUES ('r_tpm', 'gpt-4o', 'TPM', 1000, 1, 1), ('r_pyg', 'gpt-4o', 'PYG', NULL, 1, 1)"
      )
      expect(
        await code(
          "INSERT INTO resources (id, model, type, tpm_limit, created_at, updated_at) VALUES ('r_bad', 'o3', 'PYG', 5, 1, 1)"
        )
      ).toBe('23514')
      await q(
        "INSERT INTO api_keys (pk, id, name, kind, hint, created_by, created_at, updated_at) VALUES (1, 'k_1', 'Alpha', 'standard', 'h', 't', 1, 1), (2, 'k_2', 'Boss', 'admin', 'h', 't', 1, 1)"
      )
      await q("INSERT INTO key_resources (key_pk, resource_id, model) VALUES (1, 'r_tpm', 'gpt-4o')")
      // gpt-4o under PYG as well: refused (23505 unique_violation on (key_pk, model)).
      expect(await code("INSERT INTO key_resources (key_pk, resource_id, model) VALUES (1, 'r_pyg', 'gpt-4o')")).toBe(
        '23505'
      )
      // A model that is not the resource's own: refused by the composite foreign key.
      expect(await code("INSERT INTO key_resources (key_pk, resource_id, model) VALUES (1, 'r_pyg', 'o3')")).toBe(
        '23503'
      )
      // An admin key takes no resources (the trigger).
      expect(await code("INSERT INTO key_resources (key_pk, resource_id, model) VALUES (2, 'r_pyg', 'gpt-4o')")).toBe(
        '23514'
      )
      expect(
        await code(
          "INSERT INTO api_keys (id, name, kind, hint, created_by, created_at, updated_at) VALUES ('k_3', 'ALPHA', 'standard', 'h', 't', 1, 1)"
        )
      ).toBe('23505')
      // SQLite's NOCASE folds ASCII only: departments that differ in other letters stay apart, as there.
      await q("INSERT INTO departments (name) VALUES ('Ärzte'), ('ärzte')")
      expect(await code("INSERT INTO departments (name) VALUES ('ÄRZTE'), ('finance'), ('FINANCE')")).toBe('23505')
      // Deleting a key cascades its secrets and assignments; its tombstone is its own row.
      const hash = Buffer.alloc(32, 7)
      await q("INSERT INTO key_secrets (key_pk, secret_hash, hint, created_at) VALUES (1, $1, 'h', 1)", [hash])
      expect(
        await code("INSERT INTO key_secrets (key_pk, secret_hash, hint, created_at) VALUES (1, $1, 'h', 1)", [
          Buffer.alloc(31)
        ])
      ).toBe('23514')
      await q(
        "INSERT INTO key_tombstones (secret_hash, key_id, name, deleted_at, deleted_by) VALUES ($1, 'k_1', 'Alpha', 2, 't')",
        [hash]
      )
      await q('DELETE FROM api_keys WHERE pk = 1')
      expect((await q('SELECT count(*)::int AS n FROM key_resources')).rows[0].n).toBe(0)
      expect((await q('SELECT count(*)::int AS n FROM key_secrets')).rows[0].n).toBe(0)
      expect((await q('SELECT key_id FROM key_tombstones WHERE secret_hash = $1', [hash])).rows).toEqual([
        { key_id: 'k_1' }
      ])
      // Times come back as numbers, as on SQLite.
      expect((await q("SELECT created_at FROM resources WHERE id = 'r_tpm'")).rows[0].created_at).toBe(1)
    })

    it('refuses a schema newer than the program before writing anything, naming both versions', async () => {
      const url = await server.createDatabase()
      const env = bareEnv({ PGPASSWORD: server.password })
      const newer = [...PG_MIGRATIONS, { version: 99, name: 'future', sql: 'CREATE TABLE future_table (x int)' }]
      const future = await openPgRegistry(url, { env, migrations: newer })
      await future.close()
      const admin = new Client({ connectionString: server.urlWithPassword(url) })
      await admin.connect()
      const snapshot = async () =>
        JSON.stringify([
          (await admin.query('SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1')).rows,
          (await admin.query('SELECT * FROM schema_migrations ORDER BY version')).rows,
          (await admin.query('SELECT * FROM audit_head')).rows
        ])
      try {
        const before = await snapshot()
        const error = await openPgRegistry(url, { env }).then(
          () => undefined,
          (e: unknown) => e as KeywardError
        )
        expect(error).toBeInstanceOf(KeywardError)
        expect(error!.message).toMatch(/newer version of Keyward \(schema 99; this version knows up to 6\)/)
        expect(error!.message).toContain(url)
        expect(await snapshot()).toBe(before)
      } finally {
        await admin.end()
      }
    })

    it('finds the password in PGPASSWORD or ~/.pgpass (node-postgres is not left to read them), and a missing one is named without leaking', async () => {
      const viaEnv = await openPgRegistry(server.url, { env: bareEnv({ PGPASSWORD: server.password }) })
      await viaEnv.close()
      const env = bareEnv()
      writeFileSync(join(env.HOME!, '.pgpass'), `127.0.0.1:${server.port}:*:${server.user}:${server.password}\n`, {
        mode: 0o600
      })
      const viaFile = await openPgRegistry(server.url, { env })
      expect((await viaFile.pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
      await viaFile.close()
      const viaUrl = await openPgRegistry(server.urlWithPassword(), { env: bareEnv() })
      expect(viaUrl.url).toBe(server.url)
      await viaUrl.close()
      for (const [url, env] of [
        [server.url, bareEnv()],
        [server.url.replace(`${server.user}@`, `${server.user}:wrong-s3cret@`), bareEnv()]
      ] as const) {
        const error = await openPgRegistry(url, { env, field: '--to' }).then(
          () => undefined,
          (e: unknown) => e as KeywardError
        )
        expect(error).toBeInstanceOf(KeywardError)
        expect(error!.message).toMatch(/refused the login .*PGPASSWORD or in ~\/\.pgpass/)
        expect(error!.message).toContain(server.url)
        expect(error!.message).not.toContain('wrong-s3cret')
        expect(error!.message).not.toContain(server.password)
      }
    })

    it('keeps one intact chain with 8 concurrent writers (50 entries each, separate connections), and notices truncation and tampering', async () => {
      const url = await server.createDatabase()
      const env = bareEnv({ PGPASSWORD: server.password })
      const writers = await Promise.all(Array.from({ length: 8 }, () => openPgRegistry(url, { env, max: 1 })))
      try {
        await Promise.all(
          writers.map(async (writer, w) => {
            for (let i = 0; i < 50; i++)
              await appendPgAuditEntries(writer.pool, 1_700_000_000_000 + i, [
                {
                  actor: `writer-${w}`,
                  action: 'test.append',
                  targetId: null,
                  targetName: `entry ${i}`,
                  details: { w, i }
                }
              ])
          })
        )
        const pool = writers[0]!.pool
        expect(await verifyPgAuditChain(pool)).toEqual({ ok: true, entries: 400 })
        const rows = (await pool.query('SELECT * FROM audit_log ORDER BY seq')).rows
        expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1))
        // Every writer's 50 entries are there, in its own order; the hashes are core/audit.ts's.
        for (let w = 0; w < 8; w++) {
          const mine = rows.filter((r) => r.actor === `writer-${w}`).map((r) => JSON.parse(r.details).i)
          expect(mine).toEqual(Array.from({ length: 50 }, (_, i) => i))
        }
        let prev = GENESIS
        for (const r of rows) {
          expect(r.hash).toBe(entryHash(prev, r))
          prev = r.hash
        }
        // Cutting the last rows off is noticed through the head.
        await pool.query('DELETE FROM audit_log WHERE seq > 397')
        expect(await verifyPgAuditChain(pool)).toEqual({ ok: false, entries: 397, brokenAt: 398 })
        // Editing an entry in the middle names it.
        await pool.query("UPDATE audit_log SET actor = 'mallory' WHERE seq = 200")
        expect(await verifyPgAuditChain(pool)).toMatchObject({ ok: false, brokenAt: 200 })
      } finally {
        await Promise.all(writers.map((w) => w.close()))
      }
    })
  }
)
