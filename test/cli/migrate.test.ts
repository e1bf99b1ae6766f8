import Database from 'better-sqlite3'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { POSTGRES_START_TIMEOUT, postgresAvailable, startPostgres, type StartedPostgres } from '../support/postgres'
import { cleanEnv, expectNoSecretLeaked, run, tempCli } from './run'

/** Every table a registry holds, with the order that makes two copies comparable row for row. */
const TABLES: Record<string, string> = {
  registry_settings: 'name',
  departments: 'id',
  projects: 'id',
  resources: 'id',
  api_keys: 'pk',
  key_secrets: 'id',
  key_resources: 'key_pk, resource_id',
  key_tombstones: 'secret_hash',
  audit_log: 'seq',
  outbox: 'id',
  key_usage: 'key_pk, model, minute',
  resource_usage: 'resource_id, minute',
  tpm_window: 'resource_id, second'
}

function dump(path: string): Record<string, unknown[]> {
  const db = new Database(path, { readonly: true })
  try {
    return Object.fromEntries(
      Object.entries(TABLES).map(([table, order]) => [
        table,
        db.prepare(`SELECT * FROM ${table} ORDER BY ${order}`).all()
      ])
    )
  } finally {
    db.close()
  }
}

describe('keyward migrate without PostgreSQL', () => {
  it('backup and restore refuse a postgres:// --db before connecting, naming PostgreSQL’s own tools and keyward migrate', async () => {
    for (const args of [
      ['backup', '/tmp/keyward-never-written.sqlite3'],
      ['restore', '/tmp/keyward-never-read.sqlite3', '--yes']
    ]) {
      const r = await run(['--db', 'postgres://ana:s3cret@localhost:5432/keyward', '--json', ...args])
      expect(r.code).toBe(2)
      const { error } = JSON.parse(r.stderr)
      expect(Object.keys(error.fields)).toEqual(['--db'])
      expect(error.message).toMatch(/pg_dump/)
      expect(error.message).toMatch(/keyward migrate --from URL --to FILE/)
      expect(error.message).toMatch(/Nothing was changed/)
      expect(r.stderr).not.toContain('s3cret')
    }
  })

  it('refuses another scheme, a missing source and the source as its own target, naming the option (exit 2)', async () => {
    const t = tempCli()
    try {
      await t.ok(['resources', 'add', '--model', 'gpt-4o', '--type', 'PYG'])
      for (const [args, field] of [
        [['--from', t.db, '--to', 'mysql://root:pw@db/keys'], '--to'],
        [['--from', join(t.dir, 'missing.sqlite3'), '--to', join(t.dir, 'copy.sqlite3')], '--from'],
        [['--from', t.db, '--to', t.db], '--to']
      ] as const) {
        const r = await run(['--json', 'migrate', ...args])
        expect(r.code, r.stderr).toBe(2)
        expect(Object.keys(JSON.parse(r.stderr).error.fields)).toEqual([field])
        expect(r.stderr).not.toContain('pw@')
      }
      expect(existsSync(join(t.dir, 'copy.sqlite3'))).toBe(false)
    } finally {
      t.cleanup()
    }
  })
})

const reason = postgresAvailable()

describe.skipIf(reason)(
  `keyward migrate with PostgreSQL${reason ? ` (skipped: ${reason})` : ''}`,
  { timeout: 180_000 },
  () => {
    let pg: StartedPostgres
    const t = tempCli()
    const secrets: Record<string, string> = {}
    let env: NodeJS.ProcessEnv

    beforeAll(async () => {
      pg = await startPostgres()
      env = pg.env(cleanEnv())
      await t.ok(['resources', 'add', '--model', 'gpt-4o', '--type', 'TPM', '--limit', '5000'])
      await t.ok(['resources', 'add', '--model', 'o3', '--type', 'PYG'])
      await t.ok(['resources', 'add', '--model', 'gpt-4o', '--type', 'PYG'])
      await t.ok(['quota', 'set', '--tpm', '100000'])
      for (const name of ['alpha', 'beta', 'gamma'])
        secrets[name] = (
          await t.ok([
            'keys',
            'create',
            '--name',
            name,
            '--resource',
            'gpt-4o:TPM',
            '--department',
            'Finance',
            '--notify',
            `${name}@example.com`
          ])
        ).secret
      secrets.admin = (await t.ok(['keys', 'create', '--name', 'boss', '--admin'])).secret
      await t.ok(['keys', 'delete', 'gamma', '--yes'])
      // Usage and the gateway's window, as a server would have written them.
      const db = new Database(t.db)
      db.prepare(
        "INSERT INTO key_usage SELECT pk, 'gpt-4o', 29000000, 3, 100, 50 FROM api_keys WHERE name = 'alpha'"
      ).run()
      db.prepare(
        "INSERT INTO resource_usage SELECT id, 29000000, 150 FROM resources WHERE model = 'gpt-4o' AND type = 'TPM'"
      ).run()
      db.prepare(
        "INSERT INTO tpm_window SELECT id, 1740000000, 150 FROM resources WHERE model = 'gpt-4o' AND type = 'TPM'"
      ).run()
      db.close()
    }, POSTGRES_START_TIMEOUT)
    afterAll(() => {
      expectNoSecretLeaked()
      pg?.stop()
      t.cleanup()
    })

    it('copies SQLite → PostgreSQL → SQLite row for row: the old secrets verify on the copy, the deleted one is REVOKED, the chain is the same', async () => {
      const there = await pg.createDatabase()
      const back = join(t.dir, 'back.sqlite3')
      const toPg = await run(['--json', 'migrate', '--from', t.db, '--to', there], { env })
      expect(toPg.code, toPg.stderr).toBe(0)
      expect(toPg.stderr).toBe('')
      const doc = JSON.parse(toPg.stdout)
      expect(doc).toMatchObject({ from: t.db, to: there, engines: { from: 'sqlite', to: 'postgres' }, keys: 3 })
      expect(doc.audit).toEqual({ ok: true, entries: doc.auditEntries })
      expect(doc.rows).toMatchObject({ key_tombstones: 1, key_usage: 1, resource_usage: 1, tpm_window: 1, outbox: 3 })

      const fromPg = await run(['migrate', '--from', there, '--to', back], { env })
      expect(fromPg.code, fromPg.stderr).toBe(0)
      expect(fromPg.stdout).toMatch(
        /^Copied 3 keys, 3 resources and \d+ audit entries from postgres:\/\/.* to .*back\.sqlite3\.\nAudit chain intact on the target: \d+ entries verified\.\n$/
      )

      expect(dump(back)).toEqual(dump(t.db))
      const verify = (secret: string) =>
        run(['--db', back, '--json', 'keys', 'verify', '--model', 'gpt-4o'], { input: secret })
      expect(JSON.parse((await verify(secrets.alpha!)).stdout).code).toBe('VALID')
      expect(JSON.parse((await verify(secrets.gamma!)).stdout).code).toBe('REVOKED')
      const audit = await run(['--db', back, '--json', 'audit', 'verify'])
      expect(JSON.parse(audit.stdout)).toMatchObject({ ok: true, entries: doc.auditEntries })
      // The copy goes on as a registry: new ids continue after the copied ones (no collision).
      expect((await run(['--db', back, '--json', 'keys', 'create', '--name', 'delta'])).code).toBe(0)

      // On PostgreSQL the rules still hold on the copied rows: a second model for alpha is refused.
      const client = new Client({ connectionString: pg.urlWithPassword(there) })
      await client.connect()
      try {
        const insert = client.query(
          "INSERT INTO key_resources (key_pk, resource_id, model) SELECT k.pk, r.id, r.model FROM api_keys k, resources r WHERE k.name = 'alpha' AND r.model = 'gpt-4o' AND r.type = 'PYG'"
        )
        await expect(insert).rejects.toMatchObject({ code: '23505' })
        // Identity sequences continue after the copied ids.
        const next = await client.query(
          "INSERT INTO departments (name) VALUES ('Legal') RETURNING id, (SELECT max(id) FROM departments) AS before"
        )
        expect(Number(next.rows[0].id)).toBeGreaterThan(Number(next.rows[0].before))
      } finally {
        await client.end()
      }
    })

    it('refuses a non-empty target (exit 2, naming --to) and leaves it as it was; a PostgreSQL target is written whole or not at all', async () => {
      const there = await pg.createDatabase()
      expect((await run(['--json', 'migrate', '--from', t.db, '--to', there], { env })).code).toBe(0)
      for (const target of [there, t.db]) {
        const from = target === t.db ? there : t.db
        const r = await run(['--json', 'migrate', '--from', from, '--to', target], { env })
        expect(r.code, r.stderr).toBe(2)
        expect(r.stdout).toBe('')
        const { error } = JSON.parse(r.stderr)
        expect(Object.keys(error.fields)).toEqual(['--to'])
        expect(error.message).toMatch(/is not empty .*copies only into an empty registry/)
        expect(error.message).not.toContain(pg.password)
      }
      const audit = await run(['--db', t.db, '--json', 'audit', 'verify'])
      expect(JSON.parse(audit.stdout).ok).toBe(true)

      // A source whose chain was cut: the copy is refused after the check, and the target stays empty.
      const cut = join(t.dir, 'cut.sqlite3')
      expect((await run(['migrate', '--from', t.db, '--to', cut])).code).toBe(0)
      const db = new Database(cut)
      db.prepare('DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)').run()
      db.close()
      const empty = await pg.createDatabase()
      const r = await run(['--json', 'migrate', '--from', cut, '--to', empty], { env })
      expect(r.code).toBe(1)
      expect(JSON.parse(r.stderr).error.message).toMatch(
        /audit chain on .* is broken at entry \d+.*Nothing was written to --to/
      )
      const client = new Client({ connectionString: pg.urlWithPassword(empty) })
      await client.connect()
      try {
        expect((await client.query('SELECT count(*)::int AS n FROM api_keys')).rows[0].n).toBe(0)
        expect((await client.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n).toBe(0)
      } finally {
        await client.end()
      }
      // A file target that this run created is removed again.
      const file = join(t.dir, 'never.sqlite3')
      expect((await run(['--json', 'migrate', '--from', cut, '--to', file])).code).toBe(1)
      expect(existsSync(file)).toBe(false)
    })

    it('finds the password in ~/.pgpass; without one it says where to give it, never showing a password', async () => {
      const home = mkdtempSync(join(tmpdir(), 'keyward-home-'))
      try {
        const there = await pg.createDatabase()
        const bare = cleanEnv({ HOME: home })
        delete bare.PGPASSWORD
        delete bare.PGPASSFILE
        const missing = await run(['--json', 'migrate', '--from', t.db, '--to', there], { env: bare })
        expect(missing.code).toBe(1)
        expect(JSON.parse(missing.stderr).error.message).toMatch(
          /refused the login to the PostgreSQL registry at postgres:\/\/.*PGPASSWORD or in ~\/\.pgpass/
        )
        const wrong = there.replace(`${pg.user}@`, `${pg.user}:not-the-s3cret@`)
        const bad = await run(['--json', 'migrate', '--from', t.db, '--to', wrong], { env: bare })
        expect(bad.code).toBe(1)
        expect(bad.stderr).not.toContain('not-the-s3cret')
        expect(bad.stderr).toContain(there)

        writeFileSync(join(home, '.pgpass'), `127.0.0.1:${pg.port}:*:${pg.user}:${pg.password}\n`, { mode: 0o600 })
        const viaFile = await run(['--json', 'migrate', '--from', t.db, '--to', there], { env: bare })
        expect(viaFile.code, viaFile.stderr).toBe(0)
        // node-postgres's own .pgpass reading (deprecated in pg 8) is not used: no warning on stderr.
        expect(viaFile.stderr).toBe('')
      } finally {
        rmSync(home, { recursive: true, force: true })
      }
    })

    it('shows progress on stderr for a large registry (not with --json)', async () => {
      const big = tempCli()
      try {
        await big.ok(['seed-demo', '--keys', '2500'])
        const there = await pg.createDatabase()
        const r = await run(['migrate', '--from', big.db, '--to', there], { env })
        expect(r.code, r.stderr).toBe(0)
        expect(r.stderr).toMatch(/^keyward migrate: api_keys 2000 of 2500 rows$/m)
        expect(r.stderr).toMatch(/^keyward migrate: api_keys 2500 of 2500 rows$/m)
        const back = join(big.dir, 'back.sqlite3')
        const json = await run(['--json', 'migrate', '--from', there, '--to', back], { env })
        expect(json.code, json.stderr).toBe(0)
        expect(json.stderr).toBe('')
        expect(JSON.parse(json.stdout)).toMatchObject({ keys: 2500, audit: { ok: true } })
        expect(dump(back)).toEqual(dump(big.db))
      } finally {
        big.cleanup()
      }
    })
  }
)
