import { existsSync, readFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { KeywardError } from '../../../src/shared/errors'
import type { SmtpSettings } from '../../../src/shared/types'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { createNotifyHandlers } from '../../../src/main/notify/handlers'
import type { PasswordStore } from '../../../src/main/notify/types'
import { operationTable, dispatch } from '../../../src/main/transport/dispatch'
import type { HostHandlers } from '../../../src/main/core/operations'

const ctx = { actor: 'alice' }
const PASSWORD = 'Tr0ub4dor&3-smtp'

/** A store that keeps the password the way the app's does (here in memory, standing in for safeStorage). */
function keepingStore(storage: SmtpSettings['passwordStorage'] = 'os'): PasswordStore & { writes: (string | null)[] } {
  let value: string | null = null
  const writes: (string | null)[] = []
  return {
    writes,
    get: () => value,
    set: (next) => {
      writes.push(next)
      value = next
    },
    storage: () => storage
  }
}

describe('SMTP settings', () => {
  let t: TempRegistry
  beforeEach(() => {
    t = tempRegistry()
  })
  afterEach(() => t.close())

  const valid = {
    host: 'smtp.example.com',
    port: 587,
    security: 'starttls' as const,
    user: 'mailer',
    from: 'keyward@example.com'
  }

  it('are stored in the registry file (shared by app, CLI and server), never with the password', async () => {
    const passwords = keepingStore()
    const notify = createNotifyHandlers({ registry: t.registry, passwords, clock: () => t.clock.now })
    expect(await notify['notify.settings.get']({}, ctx)).toEqual({
      host: null,
      port: null,
      security: 'starttls',
      user: null,
      from: null,
      passwordSet: false,
      passwordStorage: 'os'
    })
    const saved = await notify['notify.settings.set']({ ...valid, password: PASSWORD }, ctx)
    expect(saved).toEqual({ ...valid, passwordSet: true, passwordStorage: 'os' })
    expect(passwords.writes).toEqual([PASSWORD])

    const stored = t.registry.db.prepare("SELECT value FROM registry_settings WHERE name = 'smtp'").get() as {
      value: string
    }
    expect(JSON.parse(stored.value)).toEqual(valid)
    t.registry.flushLastUsed()
    for (const file of [t.path, `${t.path}-wal`]) {
      if (existsSync(file)) expect(readFileSync(file).includes(Buffer.from(PASSWORD))).toBe(false)
    }

    // A second host (another process) reads the same settings.
    const other = createNotifyHandlers({ registry: t.registry, passwords: keepingStore('environment') })
    expect(await other['notify.settings.get']({}, ctx)).toMatchObject({
      host: 'smtp.example.com',
      passwordSet: false,
      passwordStorage: 'environment'
    })
  })

  it('audits what changed, the password only as passwordChanged, and nothing when nothing changed', async () => {
    const passwords = keepingStore()
    const notify = createNotifyHandlers({ registry: t.registry, passwords, clock: () => t.clock.now })
    await notify['notify.settings.set']({ ...valid, password: PASSWORD }, ctx)
    await notify['notify.settings.set']({ ...valid }, ctx) // password undefined = unchanged
    await notify['notify.settings.set']({ ...valid, port: 465, security: 'tls' }, { actor: 'bob' })
    await notify['notify.settings.set']({ ...valid, port: 465, security: 'tls', password: 'another' }, ctx)
    await notify['notify.settings.set']({ ...valid, port: 465, security: 'tls', user: null, password: null }, ctx)
    const entries = t.registry.listAudit({ action: 'notify.settings' }).items.reverse()
    expect(entries.map((e) => [e.actor, e.details])).toEqual([
      [
        'alice',
        {
          changes: {
            host: { from: null, to: 'smtp.example.com' },
            port: { from: null, to: 587 },
            security: { from: null, to: 'starttls' },
            user: { from: null, to: 'mailer' },
            from: { from: null, to: 'keyward@example.com' }
          },
          passwordChanged: true
        }
      ],
      [
        'bob',
        { changes: { port: { from: 587, to: 465 }, security: { from: 'starttls', to: 'tls' } }, passwordChanged: false }
      ],
      ['alice', { changes: {}, passwordChanged: true }],
      ['alice', { changes: { user: { from: 'mailer', to: null } }, passwordChanged: true }]
    ])
    expect(JSON.stringify(t.registry.listAudit({}).items)).not.toContain(PASSWORD)
    expect(JSON.stringify(t.registry.listAudit({}).items)).not.toContain('another')
    expect(passwords.get()).toBeNull()
    expect(t.registry.verifyAudit().ok).toBe(true)
  })

  it('refuses bad input naming the field, through the one dispatch path, and changes nothing', async () => {
    const notify = createNotifyHandlers({ registry: t.registry, passwords: keepingStore(), clock: () => t.clock.now })
    const table = operationTable(t.registry, notify as unknown as HostHandlers)
    const bad = await dispatch(
      table,
      'notify.settings.set',
      { ...valid, port: 0, from: 'nope', security: 'ssl' },
      ctx,
      () => undefined
    )
    expect(bad).toEqual({
      ok: false,
      error: {
        code: 'VALIDATION',
        message: expect.any(String),
        fields: {
          port: 'SMTP port must be 1 to 65535.',
          security: 'Security must be none, starttls or tls.',
          from: 'From must be one valid email address, like keyward@example.com.'
        }
      }
    })
    // Every transport goes through dispatch, which validates once; handlers receive the parsed value.
    expect((await dispatch(table, 'notify.settings.set', { ...valid, host: '  ' }, ctx, () => undefined)).ok).toBe(
      false
    )
    expect(t.registry.db.prepare("SELECT count(*) AS n FROM registry_settings WHERE name = 'smtp'").get()).toEqual({
      n: 0
    })
    expect(t.registry.listAudit({ action: 'notify.settings' }).total).toBe(0)
  })

  it('saves nothing when the host cannot store the password (no secure storage)', async () => {
    const refusing: PasswordStore = {
      get: () => null,
      set: () => {
        throw KeywardError.validation({ password: 'This computer offers no secure storage for the SMTP password.' })
      },
      storage: () => 'unavailable'
    }
    const notify = createNotifyHandlers({ registry: t.registry, passwords: refusing, clock: () => t.clock.now })
    expect(() => notify['notify.settings.set']({ ...valid, password: PASSWORD }, ctx)).toThrow(/no secure storage/)
    expect(await notify['notify.settings.get']({}, ctx)).toMatchObject({ host: null })
    expect(t.registry.listAudit({ action: 'notify.settings' }).total).toBe(0)
  })

  it('makes waiting alerts due at once when the settings change (a fixed relay is tried now)', async () => {
    const notify = createNotifyHandlers({ registry: t.registry, passwords: keepingStore(), clock: () => t.clock.now })
    t.registry.createKey({ name: 'Waiting', notifyEmail: 'a@example.com' }, 'alice')
    t.registry.db.prepare('UPDATE outbox SET next_attempt_at = ?, attempts = 4').run(t.clock.now + 3_600_000)
    t.clock.advance(1_000)
    await notify['notify.settings.set'](valid, ctx)
    expect((await notify['notify.outbox']({ limit: 200 }, ctx)).items[0]).toMatchObject({
      status: 'pending',
      attempts: 4,
      nextAttemptAt: new Date(t.clock.now).toISOString()
    })
  })
})
