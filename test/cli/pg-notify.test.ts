import { afterEach, describe, expect, it } from 'vitest'
import { postgresAvailable } from '../support/postgres'
import { cliTwins } from './pg-twins'
import { freePort, startLoopbackSmtp, type LoopbackSmtp } from '../integration/notify/smtp-fixture'
import { run } from './run'

const reason = postgresAvailable()
const PASSWORD = 'correct-horse-battery'

describe.skipIf(reason)(
  `keyward notify on --db postgres:// prints what it prints on a file${reason ? ` (skipped: ${reason})` : ''}`,
  { timeout: 180_000 },
  () => {
    let port: number
    const servers: LoopbackSmtp[] = []

    const twins = cliTwins(async (t) => {
      await t.ok(['keys', 'create', '--name', 'Web', '--notify', 'web@example.com'])
      await t.ok(['keys', 'create', '--name', 'Batch', '--notify', 'batch@example.com'])
      port = await freePort()
    })
    const { t } = twins
    afterEach(async () => {
      for (const s of servers.splice(0)) await s.close()
    })

    const withPassword = () => ({ ...twins.env, KEYWARD_SMTP_PASSWORD: PASSWORD })
    /** The same command on the file and on PostgreSQL: the same exit code and the same output on both streams. */
    async function same(args: readonly string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}) {
      const file = await run(['--db', t.db, ...args], { env: twins.env, ...options })
      const there = await run(['--db', twins.url, ...args], { env: twins.env, ...options })
      // Two processes, two moments: times (sentAt, an audit entry's) are masked, and where the registry is.
      const masked = (text: string, db: string) =>
        text.replaceAll(db, '<registry>').replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>')
      expect(there.code, `${args.join(' ')}: ${there.stderr}`).toBe(file.code)
      expect(masked(there.stdout, twins.url), args.join(' ')).toBe(masked(file.stdout, t.db))
      expect(masked(there.stderr, twins.url), args.join(' ')).toBe(masked(file.stderr, t.db))
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
      const test = await run(
        ['--db', twins.url, '--json', 'notify', 'test', '--to', 'me@example.com', '--password-stdin'],
        {
          env: twins.env,
          input: `${PASSWORD}\n`
        }
      )
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
