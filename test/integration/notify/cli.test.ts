import { readFileSync, existsSync } from 'node:fs'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { cleanEnv, expectNoSecretLeaked, tempCli } from '../../cli/run'
import { freePort, makeSelfSignedCert, startLoopbackSmtp, type LoopbackSmtp, type TestCert } from './smtp-fixture'

const OUTBOX_FIELDS = ['id', 'to', 'subject', 'status', 'attempts', 'lastError', 'createdAt', 'sentAt']
const PASSWORD = 'correct-horse-battery'

/** `keyward notify …` as a user runs it: real child processes on one registry file, a real SMTP server. */
describe('keyward notify (CLI)', () => {
  const t = tempCli()
  const servers: LoopbackSmtp[] = []
  let cert: TestCert
  beforeAll(() => {
    cert = makeSelfSignedCert()
  })
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close()
  })
  afterAll(() => {
    expectNoSecretLeaked()
    cert.dispose()
    t.cleanup()
  })
  const withPassword = (password = PASSWORD, extra: NodeJS.ProcessEnv = {}) => ({
    env: cleanEnv({ KEYWARD_SMTP_PASSWORD: password, ...extra })
  })

  it('shows that email is not set up, then saves settings; flags left out keep their value', async () => {
    const empty = await t.ok(['notify', 'settings'])
    expect(empty).toEqual({
      host: null,
      port: null,
      security: 'starttls',
      user: null,
      from: null,
      passwordSet: false,
      passwordStorage: 'unavailable'
    })
    const human = await t.cli(['notify', 'settings'])
    expect(human.stdout).toContain('Email is not set up.')

    const port = await freePort()
    const saved = await t.ok([
      'notify',
      'settings',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--security',
      'none',
      '--user',
      'mailer',
      '--from',
      'keyward@example.com'
    ])
    expect(saved).toEqual({
      host: '127.0.0.1',
      port,
      security: 'none',
      user: 'mailer',
      from: 'keyward@example.com',
      passwordSet: false,
      passwordStorage: 'unavailable'
    })
    const again = await t.ok(['notify', 'settings', '--from', 'alerts@example.com'], withPassword())
    expect(again).toMatchObject({
      host: '127.0.0.1',
      port,
      user: 'mailer',
      from: 'alerts@example.com',
      passwordSet: true,
      passwordStorage: 'environment'
    })

    const shown = await t.cli(['notify', 'settings'], withPassword())
    expect(shown.stdout).toMatch(/Host:\s+127\.0\.0\.1/)
    expect(shown.stdout).toContain('the CLI never stores it')
    expect(shown.stdout).not.toContain(PASSWORD)
  })

  it('refuses bad settings naming the flag, and changes nothing', async () => {
    const bad = await t.fails(['notify', 'settings', '--from', 'not-an-address'])
    expect(bad.code).toBe(2)
    expect(bad.error.fields).toEqual({ '--from': 'From must be one valid email address, like keyward@example.com.' })
    const port = await t.fails(['notify', 'settings', '--port', '70000'])
    expect(Object.keys(port.error.fields!)).toEqual(['--port'])
    const security = await t.fails(['notify', 'settings', '--security', 'ssl'])
    expect(security.error.message).toMatch(/none, starttls, tls/)
    expect((await t.ok(['notify', 'settings'])).from).toBe('alerts@example.com')
  })

  it('audits every settings change, never with the password; the password is not in the registry file', async () => {
    const audit = await t.ok(['audit', 'list', '--action', 'notify.settings'])
    expect(audit.items).toHaveLength(2)
    expect(audit.items[0].details).toEqual({
      changes: { from: { from: 'keyward@example.com', to: 'alerts@example.com' } },
      passwordChanged: false
    })
    expect(audit.items[1].details.changes).toMatchObject({
      host: { from: null, to: '127.0.0.1' },
      user: { from: null, to: 'mailer' }
    })
    for (const file of [t.db, `${t.db}-wal`]) {
      if (existsSync(file)) expect(readFileSync(file).includes(Buffer.from(PASSWORD))).toBe(false)
    }
  })

  it('keeps an alert pending while the server is down, then flush delivers it once (outbox document shape)', async () => {
    const port = (await t.ok(['notify', 'settings'])).port as number
    const created = await t.ok([
      'keys',
      'create',
      '--name',
      'CliAlert',
      '--notify',
      'owner@example.com',
      '--department',
      'Finance'
    ])
    const secret = created.secret as string

    const outbox = await t.ok(['notify', 'outbox'])
    expect(Object.keys(outbox)).toEqual(['items'])
    expect(Object.keys(outbox.items[0])).toEqual(OUTBOX_FIELDS)
    expect(outbox.items[0]).toMatchObject({
      id: 1,
      to: 'owner@example.com',
      subject: 'Keyward: API key "CliAlert" was created',
      status: 'pending',
      attempts: 0,
      sentAt: null
    })

    // Down: exit 1, the counts on stdout, the reason in words in the outbox.
    const down = await t.cli(['--json', 'notify', 'flush'], withPassword())
    expect(down.code).toBe(1)
    expect(JSON.parse(down.stdout)).toEqual({ sent: 0, failed: 0, pending: 1 })
    const waiting = (await t.ok(['notify', 'outbox'])).items[0]
    expect(waiting).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: `Nothing answered at 127.0.0.1:${port} (connection refused): check the host and port, and that the mail server is running.`
    })
    const human = await t.cli(['notify', 'flush'], withPassword())
    expect(human.stdout).toMatch(/^Sent 0, failed 0, 1 message still pending\.\nWhy: Nothing answered at/)

    const smtp = await startLoopbackSmtp({ port, login: { user: 'mailer', pass: PASSWORD } })
    servers.push(smtp)
    expect(await t.ok(['notify', 'flush'], withPassword())).toEqual({ sent: 1, failed: 0, pending: 0 })
    expect(await t.ok(['notify', 'flush'], withPassword())).toEqual({ sent: 0, failed: 0, pending: 0 })
    expect(smtp.received).toHaveLength(1)
    expect(smtp.received[0]!.parsed.text).toContain('Department: Finance')
    expect(smtp.received[0]!.raw.toString('latin1')).not.toContain(secret)
    const sent = (await t.ok(['notify', 'outbox', '--status', 'sent'])).items
    expect(sent).toHaveLength(1)
    expect(sent[0]).toMatchObject({ id: 1, status: 'sent', attempts: 3, lastError: null })
    expect(sent[0].sentAt).toMatch(/^\d{4}-\d{2}-\d{2}T/)
  })

  it('takes the password from --password-stdin, and reports a refused login in words', async () => {
    const port = (await t.ok(['notify', 'settings'])).port as number
    const smtp = await startLoopbackSmtp({ port, login: { user: 'mailer', pass: PASSWORD } })
    servers.push(smtp)

    const good = await t.ok(['notify', 'test', '--to', 'me@example.com', '--password-stdin'], {
      input: `${PASSWORD}\n`,
      env: cleanEnv()
    })
    expect(good.ok).toBe(true)
    expect(good.message).toMatch(
      new RegExp(
        `^The SMTP server at 127\\.0\\.0\\.1:${port} accepted the message for me@example\\.com\\. It answered: "250 `
      )
    )
    expect(smtp.received[0]).toMatchObject({ user: 'mailer', rcptTo: ['me@example.com'] })

    const wrong = await t.cli(['--json', 'notify', 'test', '--to', 'me@example.com'], withPassword('nope-wrong'))
    expect(wrong.code).toBe(1)
    const doc = JSON.parse(wrong.stdout)
    expect(doc.ok).toBe(false)
    expect(doc.message).toMatch(/^The SMTP server refused the login \(535 .*\): check the user name and password\.$/)
    const human = await t.cli(['notify', 'test', '--to', 'me@example.com'], withPassword('nope-wrong'))
    expect(human.stdout).toMatch(/^Not sent\. The SMTP server refused the login/)

    const none = await t.cli(['--json', 'notify', 'test', '--to', 'me@example.com'], { env: cleanEnv() })
    expect(JSON.parse(none.stdout)).toEqual({
      ok: false,
      message: 'The SMTP login "mailer" needs a password: set KEYWARD_SMTP_PASSWORD or pass --password-stdin.'
    })

    const empty = await t.fails(['notify', 'test', '--to', 'me@example.com', '--password-stdin'], {
      input: '',
      env: cleanEnv()
    })
    expect(Object.keys(empty.error.fields!)).toEqual(['--password-stdin'])
    const badTo = await t.fails(['notify', 'test', '--to', 'nobody'], withPassword())
    expect(Object.keys(badTo.error.fields!)).toEqual(['--to'])
    expect(smtp.received).toHaveLength(1)
  })

  it('retry puts a failed alert back in line; discard removes one; both name a missing ID', async () => {
    const port = (await t.ok(['notify', 'settings'])).port as number
    const smtp = await startLoopbackSmtp({
      port,
      login: { user: 'mailer', pass: PASSWORD },
      beforeAccept: (raw) =>
        raw.toString().includes('Rejected1')
          ? Object.assign(new Error('Policy says no'), { responseCode: 550 })
          : undefined
    })
    servers.push(smtp)
    await t.ok(['keys', 'create', '--name', 'Rejected1', '--notify', 'a@example.com'])
    for (let i = 0; i < 3; i++) await t.cli(['notify', 'flush'], withPassword())
    const failed = (await t.ok(['notify', 'outbox', '--status', 'failed'])).items
    expect(failed).toHaveLength(1)
    expect(failed[0]).toMatchObject({ status: 'failed', attempts: 3 })
    expect(failed[0].lastError).toMatch(
      /^The SMTP server rejected the message \(550 Policy says no\)\. Gave up after 3 attempts/
    )
    const flushFailed = await t.cli(['notify', 'flush'], withPassword())
    expect(flushFailed.code).toBe(0)

    const retried = await t.ok(['notify', 'retry', String(failed[0].id)])
    expect(Object.keys(retried)).toEqual(['item'])
    expect(retried.item).toMatchObject({ id: failed[0].id, status: 'pending', attempts: 0 })
    const discarded = await t.ok(['notify', 'discard', String(failed[0].id)])
    expect(discarded.discarded).toMatchObject({ id: failed[0].id, to: 'a@example.com', status: 'pending' })
    expect((await t.ok(['notify', 'outbox'])).items.map((i: { id: number }) => i.id)).not.toContain(failed[0].id)

    const missing = await t.fails(['notify', 'retry', '999'])
    expect(missing).toMatchObject({ code: 1, error: { code: 'NOT_FOUND', fields: { ID: 'No outbox message 999.' } } })
    const notNumber = await t.fails(['notify', 'discard', 'abc'])
    expect(notNumber.code).toBe(2)
    expect(Object.keys(notNumber.error.fields!)).toEqual(['ID'])
    const sentOne = await t.fails(['notify', 'retry', '1'])
    expect(sentOne.error).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/already delivered/) })
    expect(smtp.received).toHaveLength(0)
  })

  it('sends over TLS to a server whose certificate the user trusts through NODE_EXTRA_CA_CERTS', async () => {
    const smtp = await startLoopbackSmtp({ cert, secure: true, login: { user: 'mailer', pass: PASSWORD } })
    servers.push(smtp)
    await t.ok(['notify', 'settings', '--port', String(smtp.port), '--security', 'tls'])
    const untrusted = await t.cli(['--json', 'notify', 'test', '--to', 'me@example.com'], withPassword())
    expect(JSON.parse(untrusted.stdout).message).toMatch(/certificate is self-signed/)
    const trusted = await t.ok(
      ['notify', 'test', '--to', 'me@example.com'],
      withPassword(PASSWORD, { NODE_EXTRA_CA_CERTS: cert.certPath })
    )
    expect(trusted.ok).toBe(true)
    expect(smtp.received[0]).toMatchObject({ secure: true })
  })
})
