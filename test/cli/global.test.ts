import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { cleanEnv, expectNoSecretLeaked, run, tempCli } from './run'

/** Global options, where the registry lives, help, usage errors and unexpected failures. */
describe('keyward (global behaviour)', { timeout: 90_000 }, () => {
  const t = tempCli()
  afterAll(() => {
    expectNoSecretLeaked()
    t.cleanup()
  })

  it('--help lists every command group and exits 0; a group without a command is a usage error (2)', async () => {
    const help = await run(['--help'])
    expect(help.code).toBe(0)
    for (const word of [
      '--db <path>',
      '--json',
      '--actor <name>',
      'resources',
      'quota',
      'keys',
      'audit',
      'seed-demo',
      'KREF',
      'RREF'
    ]) {
      expect(help.stdout).toContain(word)
    }
    const keysHelp = await run(['keys', '--help'])
    expect(keysHelp.code).toBe(0)
    for (const sub of [
      'create',
      'list',
      'show',
      'edit',
      'assign',
      'unassign',
      'set-resources',
      'disable',
      'enable',
      'rotate',
      'delete',
      'verify'
    ]) {
      expect(keysHelp.stdout).toMatch(new RegExp(`^  ${sub}\\b`, 'm'))
    }
    const version = await run(['--version'])
    expect(version.code).toBe(0)
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)

    const bare = await run(['keys'])
    expect(bare.code).toBe(2)
    expect(bare.stdout).toBe('')
    expect(bare.stderr).toContain('Usage: keyward keys')
    const bareJson = await run(['--json', 'keys'])
    expect(bareJson.code).toBe(2)
    expect(JSON.parse(bareJson.stderr)).toEqual({
      error: { code: 'VALIDATION', message: 'Missing command: see "keyward keys --help".' }
    })
  })

  it('turns commander usage errors into VALIDATION, exit 2, as JSON with --json and one line without', async () => {
    const unknown = await t.fails(['frobnicate'])
    expect(unknown.code).toBe(2)
    expect(unknown.error).toEqual({
      code: 'VALIDATION',
      message: expect.stringMatching(/^Unknown command 'frobnicate'/)
    })
    const typo = await t.fails(['keys', 'lst'])
    expect(typo.error.message).toMatch(/Did you mean list\?/)
    const option = await t.cli(['keys', 'list', '--colour'])
    expect(option.code).toBe(2)
    expect(option.stdout).toBe('')
    expect(option.stderr).toBe(`keyward: Unknown option '--colour'. See "keyward keys list --help".\n`)
  })

  it('accepts global options after the command, and --json prints exactly one document', async () => {
    const r = await t.cli(['keys', 'list', '--json'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({ items: [], total: 0 })
    const human = await t.cli(['keys', 'list'])
    expect(human.stdout).toBe('No keys match.\n')
  })

  it('uses KEYWARD_DB when there is no --db, and --db wins over it', async () => {
    const envDb = join(t.dir, 'from-env.sqlite3')
    const env = cleanEnv({ KEYWARD_DB: envDb })
    const added = await run(['--json', 'resources', 'add', '--model', 'env-model', '--type', 'PYG'], { env })
    expect(added.code).toBe(0)
    expect(existsSync(envDb)).toBe(true)
    const viaEnv = JSON.parse((await run(['--json', 'resources', 'list'], { env })).stdout)
    expect(viaEnv.items.map((r: { model: string }) => r.model)).toEqual(['env-model'])
    const viaFlag = JSON.parse((await run(['--db', t.db, '--json', 'resources', 'list'], { env })).stdout)
    expect(viaFlag.items).toEqual([])
  })

  it('a URL in --db or KEYWARD_DB is refused (exit 2) before anything is created, without repeating it', async () => {
    const cwd = join(t.dir, 'url-cwd')
    mkdirSync(cwd)
    for (const [args, env, field] of [
      [['--db', 'postgres://ana:s3cret@localhost:5432/keyward'], cleanEnv(), '--db'],
      [[], cleanEnv({ KEYWARD_DB: 'postgresql://ana:s3cret@db/keyward' }), 'KEYWARD_DB'],
      [['--db', 'sqlite://registry.sqlite3'], cleanEnv(), '--db']
    ] as const) {
      const r = await run([...args, '--json', 'backup', 'copy.sqlite3'], { env, cwd })
      expect(r.code).toBe(2)
      expect(r.stdout).toBe('')
      const { error } = JSON.parse(r.stderr)
      expect(error.code).toBe('VALIDATION')
      expect(Object.keys(error.fields)).toEqual([field])
      expect(error.message).toMatch(/Give the path of a registry file|pg_dump/)
      expect(r.stderr).not.toContain('s3cret')
    }
    expect(readdirSync(cwd)).toEqual([])
  })

  it("defaults to the desktop app's registry in the user-data folder (Linux: ~/.config/Keyward/registry.sqlite3)", async () => {
    const home = join(t.dir, 'home')
    mkdirSync(home)
    const env = cleanEnv({ HOME: home })
    delete env.XDG_CONFIG_HOME
    const r = await run(['--json', 'quota', 'show'], { env })
    expect(r.code).toBe(0)
    expect(existsSync(join(home, '.config', 'Keyward', 'registry.sqlite3'))).toBe(true)
    const xdg = join(t.dir, 'xdg')
    expect((await run(['--json', 'quota', 'show'], { env: { ...env, XDG_CONFIG_HOME: xdg } })).code).toBe(0)
    expect(existsSync(join(xdg, 'Keyward', 'registry.sqlite3'))).toBe(true)
  })

  it('explains a file that is not a registry in one line (exit 1)', async () => {
    const junk = join(t.dir, 'junk.sqlite3')
    writeFileSync(junk, 'this is not a database, just text long enough to fill a header page'.repeat(100))
    const r = await run(['--db', junk, 'keys', 'list'])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/^keyward: .*junk\.sqlite3 is not a Keyward registry.*KEYWARD_DB\.\n$/)
    const json = await run(['--db', junk, '--json', 'keys', 'list'])
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stderr).error.code).toBe('INTERNAL')
  })

  it('reports an unexpected failure in one line, without a stack or the raw error text, unless KEYWARD_DEBUG=1', async () => {
    const damaged = join(t.dir, 'damaged.sqlite3')
    expect((await run(['--db', damaged, '--json', 'keys', 'list'])).code).toBe(0)
    const db = new Database(damaged)
    // A table every key query joins: the list fails with a raw SQLite error the CLI has no words for.
    db.exec('DROP TABLE projects')
    db.close()
    const r = await run(['--db', damaged, 'keys', 'list'])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/^keyward: Something went wrong inside Keyward\..*\(SqliteError SQLITE_ERROR\)\n$/)
    expect(r.stderr).not.toMatch(/audit_log|no such table/)
    const json = await run(['--db', damaged, '--json', 'keys', 'list'])
    expect(json.code).toBe(1)
    expect(json.stdout).toBe('')
    expect(JSON.parse(json.stderr).error.code).toBe('INTERNAL')
    const debug = await run(['--db', damaged, 'keys', 'list'], { env: cleanEnv({ KEYWARD_DEBUG: '1' }) })
    expect(debug.code).toBe(1)
    expect(debug.stderr).toMatch(/no such table: projects\n\s+at /)
  })

  it('refuses a registry written by a newer Keyward, leaving it untouched (exit 1)', async () => {
    const newer = join(t.dir, 'newer.sqlite3')
    const db = new Database(newer)
    db.pragma('user_version = 999')
    db.close()
    const r = await run(['--db', newer, '--json', 'keys', 'list'])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    const error = JSON.parse(r.stderr).error
    expect(error.code).toBe('INTERNAL')
    expect(error.message).toMatch(/newer version of Keyward/)
    const after = new Database(newer, { readonly: true })
    expect(after.pragma('user_version', { simple: true })).toBe(999)
    after.close()
  })
})
