import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { POSTGRES_START_TIMEOUT, postgresAvailable, startPostgres, type StartedPostgres } from '../support/postgres'
import { freePort, startLoopbackSmtp, type LoopbackSmtp } from '../integration/notify/smtp-fixture'
import { cleanEnv, expectNoSecretLeaked, run, tempCli } from './run'

const reason = postgresAvailable()
const PASSWORD = 'correct-horse-battery'

describe.skipIf(reason)(
  `keyward notify on --db postgres:// prints what it prints on a file${reason ? ` (skipped: ${reason})` : ''}`,
  { timeout: 180_000 },
  () => {
    let pg: StartedPostgres
    let env: NodeJS.ProcessEnv
    let url: string
    let port: number
    const t = tempCli()
    const servers: LoopbackSmtp[] = []

    beforeAll(async () => {
      pg = await startPostgres()
      env = pg.env(cleanEnv())
      await t.ok(['keys', 'create', '--name', 'Web', '--notify', 'web@example.com'])
      await t.ok(['keys', 'create', '--name', 'Batch', '--notify', 'batch@example.com'])
      url = await pg.createDatabase()
      const copied = await run(['--json', 'migrate', '--from', t.db, '--to', url], { env })
      expect(copied.code, copied.stderr).toBe(0)
      port = await freePort()
    }, POSTGRES_START_TIMEOUT)
    afterEach(async () => {
      for (const s of servers.splice(0)) await s.close()
    })
    afterAll(() => {
      expectNoSecretLeaked()
      pg?.stop()
      t.cleanup()
    })

    const withPassword = () => ({ ...env, KEYWARD_SMTP_PASSWORD: PASSWORD })
    /** The same command on the file and on PostgreSQL: the same exit code and the same output on both streams. */
    async function same(args: readonly string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}) {
      const file = await run(['--db', t.db, ...args], { env, ...options })
      const there = await run(['--db', url, ...args], { env, ...options })
      // Two processes, two moments: times (sentAt, an audit entry's) are masked, and where the registry is.
      const masked = (text: string, db: string) =>
        text.replaceAll(db, '<registry>').replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>')
      expect(there.code, `${args.join(' ')}: ${there.stderr}`).toBe(file.code)
      expect(masked(there.stdout, url), args.join(' ')).toBe(masked(file.stdout, t.db))
      expect(masked(there.stderr, url), args.join(' ')).toBe(masked(file.stderr, t.db))
      return { file, pg: there }
    }

    it('settings, outbox, flush (down, then up), test, retry and discard: the same documents, exit codes and reasons', async () => {
      const settings = [
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
      ]
      await same(['--json', ...settings])
      const human = await same(['notify', 'settings'])
      expect(human.pg.stdout).toContain('SMTP settings in postgres://')
      await same(['--json', 'notify', 'outbox'])

      // Nothing listens yet: both keep the alerts and say why, with exit 1.
      const down = await same(['notify', 'flush'], { env: withPassword() })
      expect(down.pg.code).toBe(1)
      expect(down.pg.stdout).toContain(`Why: Nothing answered at 127.0.0.1:${port} (connection refused)`)
      const waiting = await same(['--json', 'notify', 'outbox'])
      // The relay is down for every message: the run stopped at the first one.
      expect(JSON.parse(waiting.pg.stdout).items).toEqual([
        expect.objectContaining({ id: 2, status: 'pending', attempts: 0, lastError: null }),
        expect.objectContaining({
          id: 1,
          status: 'pending',
          attempts: 1,
          lastError: expect.stringMatching(/^Nothing answered/)
        })
      ])
      // No password on a login: blocked before connecting.
      const blocked = await same(['--json', 'notify', 'flush'])
      expect(blocked.pg.code).toBe(1)

      const smtp = await startLoopbackSmtp({ port, login: { user: 'mailer', pass: PASSWORD } })
      servers.push(smtp)
      const test = await run(['--db', url, '--json', 'notify', 'test', '--to', 'me@example.com', '--password-stdin'], {
        env,
        input: `${PASSWORD}\n`
      })
      expect(test.code, test.stderr).toBe(0)
      expect(JSON.parse(test.stdout)).toMatchObject({ ok: true })
      expect(smtp.received.at(-1)).toMatchObject({ user: 'mailer', rcptTo: ['me@example.com'] })

      const up = await same(['--json', 'notify', 'flush'], { env: withPassword() })
      expect(JSON.parse(up.pg.stdout)).toEqual({ sent: 2, failed: 0, pending: 0 })
      // Each engine sent each alert once, with the Message-ID fixed when it was queued (copied by migrate).
      const ids = smtp.received.filter((m) => m.rcptTo[0] !== 'me@example.com').map((m) => m.parsed.messageId!)
      expect(ids).toHaveLength(4)
      expect(new Set(ids).size).toBe(2)
      await same(['--json', 'notify', 'flush'], { env: withPassword() })
      expect(smtp.received).toHaveLength(5)

      await same(['--json', 'notify', 'retry', '1'])
      await same(['--json', 'notify', 'retry', '99'])
      const discarded = await same(['--json', 'notify', 'discard', '2'])
      expect(JSON.parse(discarded.pg.stdout).discarded).toMatchObject({ id: 2, status: 'sent' })
      await same(['--json', 'notify', 'outbox', '--status', 'sent'])
      const audit = await same(['--json', 'audit', 'list', '--limit', '3'])
      expect((JSON.parse(audit.pg.stdout).items as { action: string }[]).map((e) => e.action)).toEqual([
        'notify.discard',
        'notify.settings',
        'key.create'
      ])
    })
  }
)
