import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { createNotifyHandlers } from '../../../src/main/notify/handlers'
import { processPasswordStore } from '../../../src/main/notify/types'
import { flushOutbox } from '../../../src/main/notify/sender'
import { makeSelfSignedCert, startLoopbackSmtp, type LoopbackSmtp, type TestCert } from './smtp-fixture'

const ctx = { actor: 'alice' }

describe('security modes: none, STARTTLS and TLS with a self-signed certificate', () => {
  let cert: TestCert
  let t: TempRegistry
  let smtp: LoopbackSmtp | undefined

  beforeAll(() => {
    cert = makeSelfSignedCert()
  })
  afterAll(() => cert.dispose())
  beforeEach(() => {
    t = tempRegistry()
  })
  afterEach(async () => {
    await smtp?.close()
    smtp = undefined
    t.close()
  })

  function handlers(trust: boolean) {
    return createNotifyHandlers({
      registry: t.registry,
      passwords: processPasswordStore('s3cret-pass'),
      clock: () => t.clock.now,
      smtp: trust ? { tls: { ca: cert.cert } } : undefined
    })
  }

  async function setUp(security: 'none' | 'starttls' | 'tls', port: number) {
    await handlers(true)['notify.settings.set'](
      { host: '127.0.0.1', port, security, user: 'mailer', from: 'keyward@example.com' },
      ctx
    )
  }

  it('STARTTLS: upgrades before logging in and sends over the encrypted session', async () => {
    smtp = await startLoopbackSmtp({ cert, login: { user: 'mailer', pass: 's3cret-pass' } })
    await setUp('starttls', smtp.port)
    t.registry.createKey({ name: 'Tls1', notifyEmail: 'a@example.com' }, 'alice')
    expect(await handlers(true)['notify.flush']({}, ctx)).toEqual({ sent: 1, failed: 0, pending: 0 })
    expect(smtp.received[0]).toMatchObject({ secure: true, user: 'mailer' })
  })

  it('TLS: encrypted from the first byte', async () => {
    smtp = await startLoopbackSmtp({ cert, secure: true, login: { user: 'mailer', pass: 's3cret-pass' } })
    await setUp('tls', smtp.port)
    t.registry.createKey({ name: 'Tls2', notifyEmail: 'a@example.com' }, 'alice')
    expect(await handlers(true)['notify.flush']({}, ctx)).toEqual({ sent: 1, failed: 0, pending: 0 })
    expect(smtp.received[0]).toMatchObject({ secure: true, user: 'mailer' })
  })

  it('an untrusted (self-signed) certificate stops the send, and the outbox says so', async () => {
    smtp = await startLoopbackSmtp({ cert, secure: true })
    await setUp('tls', smtp.port)
    t.registry.createKey({ name: 'Tls3', notifyEmail: 'a@example.com' }, 'alice')
    const report = await flushOutbox(
      { registry: t.registry, passwords: processPasswordStore('x'), clock: () => t.clock.now },
      { ignoreSchedule: true }
    )
    expect(report).toMatchObject({ sent: 0, pending: 1 })
    expect(report.lastError).toBe(
      `The SMTP server's certificate is self-signed, so Keyward did not send anything to 127.0.0.1:${smtp.port}: ask your mail administrator for a trusted certificate, or install its CA on this computer.`
    )
    expect(smtp.dataArrived).toBe(0)
  })

  it('STARTTLS refuses to send in clear text when the server does not offer it', async () => {
    smtp = await startLoopbackSmtp({ starttls: false, login: { user: 'mailer', pass: 's3cret-pass' } })
    await setUp('starttls', smtp.port)
    const result = await handlers(true)['notify.test']({ to: 'a@example.com' }, ctx)
    expect(result.ok).toBe(false)
    expect(result.message).toMatch(
      new RegExp(
        `^The SMTP server at 127\\.0\\.0\\.1:${smtp.port} did not upgrade the connection with STARTTLS.*nothing was sent in clear text`
      )
    )
    expect(smtp.dataArrived).toBe(0)
  })

  it('TLS against a plain-text port explains the mismatch', async () => {
    smtp = await startLoopbackSmtp({ starttls: false })
    await setUp('tls', smtp.port)
    const result = await handlers(true)['notify.test']({ to: 'a@example.com' }, ctx)
    expect(result.ok).toBe(false)
    expect(result.message).toBe(
      `The server at 127.0.0.1:${smtp.port} does not speak TLS from the first byte: choose STARTTLS (usually port 587) or check the port (465 is the usual TLS port).`
    )
  })

  it('none: stays in plain text even when the server offers STARTTLS', async () => {
    smtp = await startLoopbackSmtp({ cert, login: { user: 'mailer', pass: 's3cret-pass' } })
    await setUp('none', smtp.port)
    const result = await handlers(false)['notify.test']({ to: 'a@example.com' }, ctx)
    expect(result).toEqual({
      ok: true,
      message: expect.stringMatching(
        new RegExp(
          `^The SMTP server at 127\\.0\\.0\\.1:${smtp.port} accepted the message for a@example\\.com\\. It answered: "250 `
        )
      )
    })
    expect(smtp.received[0]).toMatchObject({ secure: false, user: 'mailer' })
    expect(smtp.received[0]!.parsed.subject).toBe('Keyward test email')
  })
})
