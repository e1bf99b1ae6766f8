import { createServer, type Server, type Socket } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { createNotifyHandlers } from '../../../src/main/notify/handlers'
import { processPasswordStore } from '../../../src/main/notify/types'
import { describeSmtpError } from '../../../src/main/notify/smtp'
import type { SmtpConfig } from '../../../src/main/core/smtp-config'
import { startLoopbackSmtp, type LoopbackSmtp } from './smtp-fixture'

const ctx = { actor: 'alice' }

describe('SMTP failures in words a user understands', () => {
  let t: TempRegistry
  let smtp: LoopbackSmtp | undefined
  let silent: Server | undefined
  const sockets: Socket[] = []
  beforeEach(() => {
    t = tempRegistry()
  })
  afterEach(async () => {
    await smtp?.close()
    smtp = undefined
    sockets.splice(0).forEach((s) => s.destroy())
    await new Promise<void>((resolve) => (silent ? silent.close(() => resolve()) : resolve()))
    silent = undefined
    t.close()
  })

  it('a server that accepts the connection but never greets: "did not answer in time"', async () => {
    silent = createServer((socket) => sockets.push(socket))
    await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', () => resolve()))
    const port = (silent.address() as { port: number }).port
    const notify = createNotifyHandlers({
      registry: t.registry,
      passwords: processPasswordStore(null),
      smtp: { greetingTimeoutMs: 300 }
    })
    await notify['notify.settings.set']({ host: '127.0.0.1', port, security: 'none', from: 'keyward@example.com' }, ctx)
    const result = await notify['notify.test']({ to: 'a@example.com' }, ctx)
    expect(result).toEqual({
      ok: false,
      message: `The SMTP server at 127.0.0.1:${port} did not answer in time: check the host and port (465 is usually TLS, 587 STARTTLS, 25 none), and any firewall.`
    })
  })

  it('a relay that demands a login when none is configured, and one that refuses the sender', async () => {
    smtp = await startLoopbackSmtp({ login: { user: 'u', pass: 'p' } })
    const notify = createNotifyHandlers({ registry: t.registry, passwords: processPasswordStore(null) })
    await notify['notify.settings.set'](
      { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'keyward@example.com' },
      ctx
    )
    const noLogin = await notify['notify.test']({ to: 'a@example.com' }, ctx)
    expect(noLogin.ok).toBe(false)
    expect(noLogin.message).toMatch(
      new RegExp(
        `^The SMTP server at 127\\.0\\.0\\.1:${smtp.port} requires a login \\(530 .*\\): set a user name and password\\.$`
      )
    )
  })

  it('names DNS, certificate-name and recipient problems (errors as nodemailer reports them)', () => {
    const config: SmtpConfig = {
      host: 'smtp.example.invalid',
      port: 587,
      security: 'starttls',
      user: 'u',
      from: 'k@example.com'
    }
    expect(
      describeSmtpError(
        Object.assign(new Error('getaddrinfo ENOTFOUND smtp.example.invalid'), { code: 'EDNS' }),
        config
      )
    ).toEqual({
      message:
        'The SMTP host "smtp.example.invalid" could not be found: check the host name and your network connection.',
      permanent: false,
      serverWide: true
    })
    const altname = Object.assign(new Error("Hostname/IP does not match certificate's altnames"), { code: 'ESOCKET' })
    expect(describeSmtpError(altname, config).message).toBe(
      'The SMTP server\'s certificate is not for "smtp.example.invalid": use the host name written on the certificate.'
    )
    const rcpt = Object.assign(new Error("Can't send mail - all recipients were rejected: 550 5.1.1 No such user"), {
      code: 'EENVELOPE',
      command: 'RCPT TO',
      response: '550 5.1.1 No such user',
      responseCode: 550
    })
    expect(describeSmtpError(rcpt, config)).toEqual({
      message: 'The SMTP server refused the recipient (550 5.1.1 No such user): check the address.',
      permanent: true,
      serverWide: false
    })
    // A server that echoes the password back never gets it into the outbox.
    const echo = Object.assign(new Error('Invalid login: 535 bad password hunter22'), {
      code: 'EAUTH',
      response: '535 bad password hunter22',
      responseCode: 535
    })
    expect(describeSmtpError(echo, config, 'hunter22').message).toBe(
      'The SMTP server refused the login (535 bad password •••): check the user name and password.'
    )
  })
})
