import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Registry } from '../../src/main/core/registry'
import { generateSecret } from '../../src/main/core/secrets'
import { openRegistryDatabase } from '../../src/main/db/open'
import { KEY_FIELDS, expectNoSecretLeaked, tempCli } from './run'

/**
 * `keyward keys verify` reads the secret from stdin and answers one code per case. Each code is
 * provoked for real: by CLI commands, or (for a key that has since expired, and a TPM window
 * that is used up) by the core writing to the same file with its own clock.
 */
describe('keyward keys verify', { timeout: 90_000 }, () => {
  const t = tempCli()
  const secrets: Record<string, string> = {}
  const create = async (name: string, ...flags: string[]) => {
    const created = await t.ok(['keys', 'create', '--name', name, ...flags])
    secrets[name] = created.secret
    return created
  }
  const verify = async (secret: string, ...flags: string[]) => {
    const r = await t.cli(['--json', 'keys', 'verify', ...flags], { input: `${secret}\n` })
    expect(r.stderr).toBe('')
    return {
      exit: r.code,
      doc: JSON.parse(r.stdout) as { valid: boolean; code: string; key?: { name: string; lastUsedAt: string | null } }
    }
  }

  beforeAll(async () => {
    await t.ok(['resources', 'add', '--model', 'gpt-4o', '--type', 'TPM', '--limit', '100000'])
    await t.ok(['resources', 'add', '--model', 'claude', '--type', 'PYG'])
    await t.ok(['resources', 'add', '--model', 'mistral', '--type', 'PYG'])
    await t.ok(['resources', 'add', '--model', 'o3', '--type', 'TPM', '--limit', '10'])
    await create('Good', '--resource', 'gpt-4o:TPM', '--resource', 'claude:PYG')
    await create('Bound', '--app-id', 'billing-bot', '--resource', 'claude:PYG')
    await create('Off', '--resource', 'claude:PYG')
    await t.ok(['keys', 'disable', 'Off'])
    await create('Gone')
    await t.ok(['keys', 'delete', 'Gone', '--yes'])
    await create('Rotated')
    secrets.RotatedNew = (await t.ok(['keys', 'rotate', 'Rotated'])).secret
    await create('Graced')
    secrets.GracedNew = (await t.ok(['keys', 'rotate', 'Graced', '--grace', '1h'])).secret
    await create('Dormant', '--resource', 'mistral:PYG')
    await t.ok(['resources', 'edit', 'mistral:PYG', '--inactive'])
    await create('Busy', '--resource', 'o3:TPM')

    // Written by the core itself on the same file: a key created two days ago that expired
    // yesterday, and o3's TPM window used up for this minute and the next.
    const now = Date.now()
    const past = new Registry(openRegistryDatabase(t.db), { clock: () => now - 2 * 86_400_000 })
    try {
      secrets.Old = past.createKey({ name: 'Old', expiresAt: new Date(now - 86_400_000).toISOString() }, 'test').secret
    } finally {
      past.close()
    }
    const live = new Registry(openRegistryDatabase(t.db))
    try {
      for (const at of [now, now + 60_000])
        live.recordUsage({ key: secrets.Busy!, model: 'o3', promptTokens: 10, completionTokens: 0 }, at)
    } finally {
      live.close()
    }
  }, 90_000)
  afterAll(() => {
    expectNoSecretLeaked()
    t.cleanup()
  })

  it('VALID: exit 0, {"valid": true, "code", "key": K}, and lastUsedAt recorded', async () => {
    const { exit, doc } = await verify(secrets.Good!)
    expect(exit).toBe(0)
    expect(Object.keys(doc)).toEqual(['valid', 'code', 'key'])
    expect(doc).toMatchObject({ valid: true, code: 'VALID', key: { name: 'Good' } })
    expect(Object.keys(doc.key!)).toEqual(KEY_FIELDS)
    expect((await verify(secrets.Good!, '--model', 'gpt-4o')).doc.code).toBe('VALID')
    expect((await verify(secrets.Good!, '--model', 'claude')).doc.code).toBe('VALID')
    const shown = await t.ok(['keys', 'show', 'Good'])
    expect(shown.key.lastUsedAt).not.toBeNull()
  })

  it('accepts the secret with or without a trailing newline (LF or CRLF)', async () => {
    for (const input of [secrets.Good!, `${secrets.Good}\r\n`]) {
      const r = await t.cli(['--json', 'keys', 'verify'], { input })
      expect(r.code).toBe(0)
      expect(JSON.parse(r.stdout).code).toBe('VALID')
    }
  })

  it('MALFORMED: bad format or checksum, answered without the key and without echoing the input', async () => {
    const good = secrets.Good!
    const typo = `${good.slice(0, 10)}${good[10] === 'A' ? 'B' : 'A'}${good.slice(11)}`
    for (const input of ['kw_short', typo, 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789', ` ${good}`]) {
      const r = await t.cli(['--json', 'keys', 'verify'], { input: `${input}\n` })
      expect(r.code).toBe(1)
      expect(JSON.parse(r.stdout)).toEqual({ valid: false, code: 'MALFORMED' })
      expect(r.stdout + r.stderr).not.toContain(input.trim())
    }
  })

  it('NOT_FOUND: a well-formed secret this registry never issued', async () => {
    const { exit, doc } = await verify(generateSecret('standard', randomBytes))
    expect(exit).toBe(1)
    expect(doc).toEqual({ valid: false, code: 'NOT_FOUND' })
  })

  it('REVOKED: a deleted key, and a secret replaced by rotation without grace', async () => {
    expect(await verify(secrets.Gone!)).toEqual({ exit: 1, doc: { valid: false, code: 'REVOKED' } })
    const old = await verify(secrets.Rotated!)
    expect(old.exit).toBe(1)
    expect(old.doc).toMatchObject({ valid: false, code: 'REVOKED', key: { name: 'Rotated' } })
    expect((await verify(secrets.RotatedNew!)).doc.code).toBe('VALID')
  })

  it('a rotated secret within its grace window still verifies, as does the new one', async () => {
    expect((await verify(secrets.Graced!)).doc.code).toBe('VALID')
    expect((await verify(secrets.GracedNew!)).doc.code).toBe('VALID')
  })

  it('DISABLED, and VALID again once enabled', async () => {
    expect(await verify(secrets.Off!)).toMatchObject({
      exit: 1,
      doc: { valid: false, code: 'DISABLED', key: { name: 'Off' } }
    })
    await t.ok(['keys', 'enable', 'Off'])
    expect((await verify(secrets.Off!)).doc.code).toBe('VALID')
  })

  it('EXPIRED', async () => {
    expect(await verify(secrets.Old!)).toMatchObject({
      exit: 1,
      doc: { valid: false, code: 'EXPIRED', key: { name: 'Old' } }
    })
  })

  it('APP_MISMATCH unless --app-name matches exactly (case-sensitive)', async () => {
    expect((await verify(secrets.Bound!)).doc.code).toBe('APP_MISMATCH')
    expect((await verify(secrets.Bound!, '--app-name', 'Billing-Bot')).doc.code).toBe('APP_MISMATCH')
    expect((await verify(secrets.Bound!, '--app-name', 'billing-bot')).exit).toBe(0)
  })

  it('MODEL_NOT_ASSIGNED, RESOURCE_INACTIVE and RATE_LIMITED for a model', async () => {
    expect(await verify(secrets.Good!, '--model', 'mistral')).toMatchObject({
      exit: 1,
      doc: { code: 'MODEL_NOT_ASSIGNED' }
    })
    expect(await verify(secrets.Dormant!, '--model', 'mistral')).toMatchObject({
      exit: 1,
      doc: { code: 'RESOURCE_INACTIVE' }
    })
    // Without a model the key itself is fine.
    expect((await verify(secrets.Dormant!)).doc.code).toBe('VALID')
    const limited = await verify(secrets.Busy!, '--model', 'o3')
    expect(limited.exit).toBe(1)
    expect(limited.doc).toMatchObject({ valid: false, code: 'RATE_LIMITED', key: { name: 'Busy' } })
    expect((limited.doc as { retryAfter?: number }).retryAfter).toBeGreaterThan(0)
  })

  it('reads the secret only from stdin: empty stdin and an argument are usage errors (exit 2)', async () => {
    for (const input of ['', '\n']) {
      const r = await t.fails(['keys', 'verify'], { input })
      expect(r.code).toBe(2)
      expect(r.error.code).toBe('VALIDATION')
      expect(r.error.message).toMatch(/No key on stdin/)
    }
    const arg = await t.cli(['--json', 'keys', 'verify', secrets.Good!])
    expect(arg.code).toBe(2)
    expect(arg.stdout).toBe('')
    expect(arg.stderr).not.toContain(secrets.Good!)
    const long = await t.fails(['keys', 'verify'], { input: 'x'.repeat(500) })
    expect(long.code).toBe(2)
    expect(long.error.message).not.toContain('xxxx')
  })

  it('never echoes a secret typed where a command belongs', async () => {
    for (const args of [[secrets.Good!], ['keys', secrets.Good!], ['keys', 'show', secrets.Good!]]) {
      const json = await t.cli(['--json', ...args])
      expect(json.code).not.toBe(0)
      expect(json.stderr).not.toContain(secrets.Good!)
      const text = await t.cli(args)
      expect(text.stderr).not.toContain(secrets.Good!)
      expect(text.stderr).toMatch(/^keyward: /)
    }
  })

  it('says in words what a code means without --json', async () => {
    const ok = await t.cli(['keys', 'verify', '--model', 'claude'], { input: `${secrets.Good}\n` })
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatch(/^VALID: the key is valid \(key Good, k_\w+\)\.\n$/)
    const off = await t.cli(['keys', 'verify'], { input: `${secrets.Gone}\n` })
    expect(off.code).toBe(1)
    expect(off.stdout).toMatch(/^REVOKED: the key was deleted/)
    expect(off.stderr).toBe('')
  })
})
