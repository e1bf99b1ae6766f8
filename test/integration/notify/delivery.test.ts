import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { createNotifyHandlers } from '../../../src/main/notify/handlers'
import { processPasswordStore, type PasswordStore } from '../../../src/main/notify/types'
import { backoffDelay, flushOutbox, startOutboxSender, type SenderOptions } from '../../../src/main/notify/sender'
import type { OutboxRow } from '../../../src/main/core/outbox'
import { openRegistryDatabase } from '../../../src/main/db/open'
import { Registry } from '../../../src/main/core/registry'
import { freePort, startLoopbackSmtp, until, type LoopbackSmtp } from './smtp-fixture'

const ctx = { actor: 'alice' }

function row(t: TempRegistry, id = 1): OutboxRow {
  return t.registry.db.prepare('SELECT * FROM outbox WHERE id = ?').get(id) as OutboxRow
}

describe('outbox delivery against a real SMTP server', () => {
  let t: TempRegistry
  let passwords: PasswordStore
  const servers: LoopbackSmtp[] = []
  const extraRegistries: Registry[] = []

  async function smtpServer(options: Parameters<typeof startLoopbackSmtp>[0] = {}): Promise<LoopbackSmtp> {
    const server = await startLoopbackSmtp(options)
    servers.push(server)
    return server
  }
  function sender(extra: Partial<SenderOptions> = {}): SenderOptions {
    return { registry: t.registry, passwords, clock: () => t.clock.now, ...extra }
  }
  async function configure(port: number, user: string | null = null) {
    await createNotifyHandlers({ registry: t.registry, passwords, clock: () => t.clock.now })['notify.settings.set'](
      { host: '127.0.0.1', port, security: 'none', user, from: 'keyward@example.com' },
      ctx
    )
  }

  beforeEach(() => {
    t = tempRegistry()
    passwords = processPasswordStore(null)
  })
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close()
    for (const r of extraRegistries.splice(0)) r.close()
    t.close()
  })

  it("records a refused login with the server's words, retries with backoff, and fails after the permanent-attempt limit", async () => {
    const smtp = await smtpServer({ login: { user: 'mailer', pass: 'right-password' } })
    passwords = processPasswordStore('wrong-password')
    await configure(smtp.port, 'mailer')
    t.registry.createKey({ name: 'K1', notifyEmail: 'sec@example.com' }, 'alice')

    const first = await flushOutbox(sender(), { ignoreSchedule: true })
    expect(first).toMatchObject({ sent: 0, failed: 0, pending: 1 })
    let r = row(t)
    expect(r.status).toBe('pending')
    expect(r.attempts).toBe(1)
    expect(r.last_error).toMatch(
      /^The SMTP server refused the login \(535 .*Invalid username or password\): check the user name and password\.$/
    )
    expect(r.last_error).not.toContain('wrong-password')
    expect(r.next_attempt_at).toBe(t.clock.now + backoffDelay(1))

    // Not due yet: a scheduled run leaves it alone.
    expect(await flushOutbox(sender())).toMatchObject({ sent: 0, pending: 1 })
    expect(row(t).attempts).toBe(1)

    // Due after the backoff: attempt 2, then 3 gives up (535 is a permanent answer).
    t.clock.advance(backoffDelay(1))
    await flushOutbox(sender())
    expect(row(t)).toMatchObject({ status: 'pending', attempts: 2, next_attempt_at: t.clock.now + backoffDelay(2) })
    t.clock.advance(backoffDelay(2))
    const third = await flushOutbox(sender())
    expect(third).toMatchObject({ sent: 0, failed: 1, pending: 0 })
    r = row(t)
    expect(r.status).toBe('failed')
    expect(r.attempts).toBe(3)
    expect(r.last_error).toMatch(/refused the login \(535.*Gave up after 3 attempts; use Retry once it is fixed\.$/)
    expect(smtp.received).toHaveLength(0)

    // A failed message is not picked up again, even by "flush now".
    t.clock.advance(backoffDelay(10))
    expect(await flushOutbox(sender(), { ignoreSchedule: true })).toMatchObject({ sent: 0, failed: 0, pending: 0 })

    // Fix the password, "Retry now": delivered once.
    passwords.set('right-password')
    const notify = createNotifyHandlers({ registry: t.registry, passwords, clock: () => t.clock.now })
    const { item } = await notify['notify.retry']({ id: 1 }, ctx)
    expect(item).toMatchObject({ status: 'pending', attempts: 0 })
    expect(await notify['notify.flush']({}, ctx)).toEqual({ sent: 1, failed: 0, pending: 0 })
    expect(smtp.received).toHaveLength(1)
    expect(smtp.received[0]!.user).toBe('mailer')
    expect(row(t)).toMatchObject({ status: 'sent', attempts: 1, last_error: null })
    await expect(Promise.resolve().then(() => notify['notify.retry']({ id: 1 }, ctx))).rejects.toThrow(
      /already delivered/
    )
    expect(t.registry.listAudit({ action: 'notify.retry' }).items).toHaveLength(1)
  })

  it('server down → pending with a clear reason → server up → delivered exactly once', async () => {
    const port = await freePort()
    await configure(port)
    t.registry.createKey({ name: 'Offline1', notifyEmail: 'a@example.com' }, 'alice')
    t.registry.createKey({ name: 'Offline2', notifyEmail: 'b@example.com' }, 'alice')

    const down = await flushOutbox(sender(), { ignoreSchedule: true })
    expect(down).toMatchObject({ sent: 0, failed: 0, pending: 2 })
    expect(down.lastError).toBe(
      `Nothing answered at 127.0.0.1:${port} (connection refused): check the host and port, and that the mail server is running.`
    )
    // The server being down stops the run: the second message is left untouched, not burnt.
    expect(row(t, 1)).toMatchObject({ status: 'pending', attempts: 1 })
    expect(row(t, 2)).toMatchObject({ status: 'pending', attempts: 0 })

    const smtp = await smtpServer({ port })
    t.clock.advance(backoffDelay(1))
    expect(await flushOutbox(sender())).toEqual({ sent: 2, failed: 0, pending: 0 })
    expect(await flushOutbox(sender(), { ignoreSchedule: true })).toEqual({ sent: 0, failed: 0, pending: 0 })
    t.clock.advance(backoffDelay(20))
    expect(await flushOutbox(sender(), { ignoreSchedule: true })).toEqual({ sent: 0, failed: 0, pending: 0 })
    expect(smtp.received.map((m) => m.rcptTo[0]).sort()).toEqual(['a@example.com', 'b@example.com'])
    expect(row(t, 1)).toMatchObject({ status: 'sent', attempts: 2, last_error: null })
  })

  it('a temporary 4xx answer is retried without limit; a 5xx rejection of the message gives up after the limit', async () => {
    let answer: Error | undefined = Object.assign(new Error('Mailbox busy, try later'), { responseCode: 451 })
    const smtp = await smtpServer({ beforeAccept: () => answer })
    await configure(smtp.port)
    t.registry.createKey({ name: 'Busy', notifyEmail: 'a@example.com' }, 'alice')
    for (let i = 1; i <= 5; i++) {
      await flushOutbox(sender(), { ignoreSchedule: true })
      expect(row(t)).toMatchObject({ status: 'pending', attempts: i })
    }
    expect(row(t).last_error).toBe(
      'The SMTP server asked to try again later (451 Mailbox busy, try later); Keyward will retry.'
    )
    answer = Object.assign(new Error('Message rejected as spam'), { responseCode: 554 })
    const result = await flushOutbox(sender({ maxPermanentAttempts: 6 }), { ignoreSchedule: true })
    expect(result).toMatchObject({ failed: 1, pending: 0 })
    expect(row(t)).toMatchObject({ status: 'failed', attempts: 6 })
    expect(row(t).last_error).toMatch(
      /^The SMTP server rejected the message \(554 Message rejected as spam\)\. Gave up after 6 attempts/
    )
    expect(smtp.received).toHaveLength(0)
  })

  it('waits for pending mail when email is not set up, and says why', async () => {
    t.registry.createKey({ name: 'Early', notifyEmail: 'a@example.com' }, 'alice')
    const report = await flushOutbox(sender(), { ignoreSchedule: true })
    expect(report).toMatchObject({ sent: 0, failed: 0, pending: 1 })
    expect(report.blocked).toMatch(/^Email is not set up yet/)
    expect(row(t)).toMatchObject({ status: 'pending', attempts: 0 })
    expect(row(t).last_error).toMatch(/^Email is not set up yet/)

    const smtp = await smtpServer({ login: { user: 'u', pass: 'p' } })
    await configure(smtp.port, 'u')
    const noPassword = await flushOutbox(sender(), { ignoreSchedule: true })
    expect(noPassword.blocked).toBe(
      'The SMTP login "u" needs a password: set KEYWARD_SMTP_PASSWORD or pass --password-stdin.'
    )
    passwords.set('p')
    expect(await flushOutbox(sender(), { ignoreSchedule: true })).toEqual({ sent: 1, failed: 0, pending: 0 })
  })

  it('never lets a second sender take a message another one holds, and delivers it once', async () => {
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    const smtp = await smtpServer({ beforeAccept: () => held })
    await configure(smtp.port)
    t.registry.createKey({ name: 'Shared', notifyEmail: 'a@example.com' }, 'alice')

    // Sender B: its own connection to the same file, as `keyward serve` next to the app.
    const other = new Registry(openRegistryDatabase(t.path), { clock: () => t.clock.now })
    extraRegistries.push(other)

    const a = flushOutbox(sender(), { ignoreSchedule: true })
    await smtp.waitForData(1)
    expect(row(t)).toMatchObject({ status: 'sending', attempts: 1 })
    const b = await flushOutbox({ registry: other, passwords, clock: () => t.clock.now }, { ignoreSchedule: true })
    expect(b).toEqual({ sent: 0, failed: 0, pending: 1 })
    release()
    expect(await a).toEqual({ sent: 1, failed: 0, pending: 0 })
    expect(
      await flushOutbox({ registry: other, passwords, clock: () => t.clock.now }, { ignoreSchedule: true })
    ).toEqual({ sent: 0, failed: 0, pending: 0 })
    expect(smtp.received).toHaveLength(1)
    expect(smtp.dataArrived).toBe(1)
  })

  it('keeps renewing its lease while a slow server holds the answer, so nobody takes the message over', async () => {
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    const smtp = await smtpServer({ beforeAccept: () => held })
    await configure(smtp.port)
    t.registry.createKey({ name: 'Slow', notifyEmail: 'a@example.com' }, 'alice')
    const leaseMs = 4_000
    const a = flushOutbox(sender({ leaseMs }), { ignoreSchedule: true })
    await smtp.waitForData(1)
    const firstLease = row(t).claimed_until!
    expect(firstLease).toBe(t.clock.now + leaseMs)
    t.clock.advance(3_000)
    await until(() => row(t).claimed_until! > firstLease, 'the lease to be renewed')
    t.clock.advance(2_000) // past the first lease, inside the renewed one
    const other = new Registry(openRegistryDatabase(t.path), { clock: () => t.clock.now })
    extraRegistries.push(other)
    expect(
      await flushOutbox({ registry: other, passwords, clock: () => t.clock.now, leaseMs }, { ignoreSchedule: true })
    ).toEqual({ sent: 0, failed: 0, pending: 1 })
    release()
    expect(await a).toEqual({ sent: 1, failed: 0, pending: 0 })
    expect(smtp.dataArrived).toBe(1)
  })

  it('takes over a message whose sender died (lease expired), and not before', async () => {
    const smtp = await smtpServer()
    await configure(smtp.port)
    t.registry.createKey({ name: 'Orphan', notifyEmail: 'a@example.com' }, 'alice')
    // A sender claims the message and dies before sending anything.
    const claim = t.registry.outbox.claimNext(t.clock.now, 60_000, { ignoreSchedule: true, skip: [] })
    expect(claim?.attempt).toBe(1)

    expect(await flushOutbox(sender(), { ignoreSchedule: true })).toEqual({ sent: 0, failed: 0, pending: 1 })
    const notify = createNotifyHandlers({ registry: t.registry, passwords, clock: () => t.clock.now })
    expect((await notify['notify.outbox']({ limit: 200 }, ctx)).items[0]).toMatchObject({ status: 'sending' })
    await expect(Promise.resolve().then(() => notify['notify.discard']({ id: 1 }, ctx))).rejects.toThrow(
      /being sent right now/
    )

    t.clock.advance(60_000)
    expect((await notify['notify.outbox']({ limit: 200 }, ctx)).items[0]).toMatchObject({
      status: 'pending',
      lastError: expect.stringMatching(/interrupted/)
    })
    expect(await flushOutbox(sender())).toEqual({ sent: 1, failed: 0, pending: 0 })
    expect(row(t)).toMatchObject({ status: 'sent', attempts: 2 })
    expect(smtp.received).toHaveLength(1)
  })

  it('the one window SMTP cannot close: accepted by the server but not yet marked sent → re-sent with the SAME Message-ID', async () => {
    // Another process holds the registry's write lock at the moment the server accepts, so the
    // sender cannot record "sent" (as if it crashed right then).
    const blocker = openRegistryDatabase(t.path)
    const smtp = await smtpServer({
      beforeAccept: () => {
        if (smtp.dataArrived === 1) blocker.exec('BEGIN IMMEDIATE')
      }
    })
    await configure(smtp.port)
    t.registry.createKey({ name: 'Window', notifyEmail: 'a@example.com' }, 'alice')
    const impatient = new Registry(openRegistryDatabase(t.path, { busyTimeoutMs: 50 }), { clock: () => t.clock.now })
    extraRegistries.push(impatient)

    await expect(
      flushOutbox({ registry: impatient, passwords, clock: () => t.clock.now }, { ignoreSchedule: true })
    ).rejects.toThrow(/busy/)
    blocker.exec('ROLLBACK')
    blocker.close()
    expect(smtp.received).toHaveLength(1)
    expect(row(t)).toMatchObject({ status: 'sending', attempts: 1 })

    t.clock.advance(120_000)
    expect(await flushOutbox(sender())).toEqual({ sent: 1, failed: 0, pending: 0 })
    expect(smtp.received).toHaveLength(2)
    expect(smtp.received[1]!.parsed.messageId).toBe(smtp.received[0]!.parsed.messageId)
    expect(smtp.received[0]!.parsed.messageId).toBe(row(t).message_id)
    expect(row(t)).toMatchObject({ status: 'sent', attempts: 2 })
  })

  it('discard removes a waiting alert for good and leaves an audit entry', async () => {
    t.registry.createKey({ name: 'Drop', notifyEmail: 'a@example.com' }, 'alice')
    const notify = createNotifyHandlers({ registry: t.registry, passwords, clock: () => t.clock.now })
    const { discarded } = await notify['notify.discard']({ id: 1 }, ctx)
    expect(discarded).toMatchObject({ id: 1, to: 'a@example.com', status: 'pending' })
    expect((await notify['notify.outbox']({ limit: 200 }, ctx)).items).toEqual([])
    await expect(Promise.resolve().then(() => notify['notify.discard']({ id: 1 }, ctx))).rejects.toMatchObject({
      code: 'NOT_FOUND'
    })
    const audit = t.registry.listAudit({ action: 'notify.discard' }).items
    expect(audit[0]).toMatchObject({
      actor: 'alice',
      targetId: '1',
      details: { to: 'a@example.com', status: 'pending' }
    })
  })

  it('the background sender delivers mail left from before it started, and new alerts as they come', async () => {
    const smtp = await smtpServer()
    await configure(smtp.port)
    t.registry.createKey({ name: 'Before', notifyEmail: 'a@example.com' }, 'alice')
    const background = startOutboxSender({ ...sender(), intervalMs: 20 })
    try {
      await smtp.waitForReceived(1)
      t.registry.createKey({ name: 'After', notifyEmail: 'b@example.com' }, 'alice')
      await smtp.waitForReceived(2)
      expect(await background.flushNow()).toEqual({ sent: 0, failed: 0, pending: 0 })
    } finally {
      await background.stop()
    }
    expect(smtp.received.map((m) => m.parsed.subject)).toEqual([
      'Keyward: API key "Before" was created',
      'Keyward: API key "After" was created'
    ])
    await expect(background.flushNow()).rejects.toThrow(/stopped/)
  })
})
