import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { migrateRegistry } from '../../../src/main/core/migrate'
import { PgOutbox } from '../../../src/main/core/pg/outbox'
import { PgSmtpConfig } from '../../../src/main/core/pg/smtp-config'
import { openPgRegistry, type PgRegistry } from '../../../src/main/db/pg/open'
import { startPgServer, type RunningPgServer } from '../../../src/main/server/pg-server'
import { flushOutbox } from '../../../src/main/notify/sender'
import { processPasswordStore } from '../../../src/main/notify/types'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { POSTGRES_START_TIMEOUT, postgresAvailable, startPostgres, type StartedPostgres } from '../../support/postgres'
import { request } from '../server/harness'
import { startLoopbackSmtp, type LoopbackSmtp } from './smtp-fixture'

/**
 * Email on a team registry: several senders (nodes) share one outbox in PostgreSQL and every
 * alert reaches a real SMTP server on loopback exactly once; a node's background sender delivers
 * the alert of a key created through its admin API, without the key's secret.
 */
const reason = postgresAvailable()
const RELAY = { security: 'none' as const, user: null, from: 'keyward@example.com' }

describe.skipIf(reason)(
  `email alerts on PostgreSQL${reason ? ` (skipped: ${reason})` : ''}`,
  { timeout: 120_000 },
  () => {
    let cluster: StartedPostgres
    const pools: PgRegistry[] = []
    const temps: TempRegistry[] = []
    const servers: LoopbackSmtp[] = []
    const nodes: RunningPgServer[] = []

    beforeAll(async () => {
      cluster = await startPostgres()
    }, POSTGRES_START_TIMEOUT)
    afterEach(async () => {
      for (const n of nodes.splice(0)) await n.close()
      for (const p of pools.splice(0)) await p.close()
      for (const s of servers.splice(0)) await s.close()
      for (const t of temps.splice(0)) t.close()
    })
    afterAll(() => cluster?.stop())

    /** A registry built by the core (`build`), copied to a fresh database; its URL. */
    async function database(build: (t: TempRegistry) => void): Promise<string> {
      const t = tempRegistry()
      temps.push(t)
      build(t)
      const url = await cluster.createDatabase()
      await migrateRegistry(t.path, url, { env: cluster.env() })
      return url
    }
    async function pool(url: string): Promise<PgRegistry> {
      const pg = await openPgRegistry(url, { env: cluster.env(), max: 2 })
      pools.push(pg)
      return pg
    }

    it('three senders on separate connections flush one outbox of 30 alerts at once: each delivered exactly once', async () => {
      const url = await database((t) => {
        for (let i = 1; i <= 30; i++)
          t.registry.createKey({ name: `K${i}`, notifyEmail: `owner${i}@example.com` }, 'alice')
      })
      // The first three messages are held until three have arrived: three senders provably in flight at once.
      let release!: () => void
      const allInFlight = new Promise<void>((resolve) => (release = resolve))
      const smtp = await startLoopbackSmtp({
        beforeAccept: async () => {
          if (smtp.dataArrived >= 3) release()
          await allInFlight
        }
      })
      servers.push(smtp)
      const senders = await Promise.all([pool(url), pool(url), pool(url)])
      await new PgSmtpConfig(senders[0]!.pool).save({ ...RELAY, host: '127.0.0.1', port: smtp.port }, 'alice', {
        changed: false,
        apply: () => undefined
      })

      const passwords = processPasswordStore(null)
      const reports = await Promise.all(
        senders.map((pg) =>
          flushOutbox(
            { outbox: new PgOutbox(pg.pool), settings: new PgSmtpConfig(pg.pool), passwords },
            { ignoreSchedule: true }
          )
        )
      )

      const ids = smtp.received.map((m) => m.parsed.messageId)
      expect(ids).toHaveLength(30)
      expect(new Set(ids).size).toBe(30)
      const { rows } = await senders[0]!.pool.query<{ message_id: string; status: string; attempts: number }>(
        'SELECT message_id, status, attempts FROM outbox ORDER BY id'
      )
      expect(new Set(ids)).toEqual(new Set(rows.map((r) => r.message_id)))
      expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true)
      // Every sender took part, and together they sent each message once.
      expect(reports.map((r) => r.sent).reduce((a, b) => a + b)).toBe(30)
      for (const r of reports) {
        expect(r.sent).toBeGreaterThan(0)
        expect(r.failed).toBe(0)
        expect(r.lastError).toBeUndefined()
      }
      // (A sender that finished first counted what the others still held as pending.)
      expect(await new PgOutbox(senders[0]!.pool).countUndelivered()).toBe(0)
    })

    it("a node's background sender delivers the alert of a key created through its admin API, never its secret", async () => {
      let adminSecret = ''
      const url = await database((t) => {
        adminSecret = t.registry.createKey({ name: 'Ops', kind: 'admin' }, 'alice').secret
      })
      const smtp = await startLoopbackSmtp()
      servers.push(smtp)
      const node = await startPgServer({
        url,
        env: cluster.env(),
        port: 0,
        outboxIntervalMs: 50,
        smtpPassword: null,
        log: () => {}
      })
      nodes.push(node)
      const call = (operation: string, json: unknown) =>
        request(`${node.url}/v1/admin/rpc/${operation}`, {
          method: 'POST',
          json,
          headers: { authorization: `Bearer ${adminSecret}` }
        })

      const settings = await call('notify.settings.set', { ...RELAY, user: '', host: '127.0.0.1', port: smtp.port })
      expect(settings.status).toBe(200)
      expect(settings.body.result).toMatchObject({ host: '127.0.0.1', port: smtp.port, passwordSet: false })
      const created = await request(`${node.url}/v1/admin/keys`, {
        method: 'POST',
        json: { name: 'PaymentsBot', notifyEmail: 'security@example.com', requestor: 'Bob Builder' },
        headers: { authorization: `Bearer ${adminSecret}` }
      })
      expect(created.status).toBe(201)
      const secret = created.body.secret as string
      expect(secret).toMatch(/^kw_/)

      // Nobody flushes: the node's timer sends it.
      const [mail] = await smtp.waitForReceived(1, 30_000)
      expect(mail!.rcptTo).toEqual(['security@example.com'])
      expect(mail!.parsed.subject).toBe('Keyward: API key "PaymentsBot" was created')
      expect(mail!.parsed.messageId).toMatch(/^<k_.+@keyward\.local>$/)
      expect(mail!.raw.toString('latin1')).not.toContain(secret)
      expect(mail!.raw.toString('latin1')).not.toContain(secret.slice(3, 20))

      const direct = await pool(url)
      const sentRow = async () =>
        (
          await direct.pool.query<{ status: string }>(
            "SELECT status FROM outbox WHERE recipient = 'security@example.com'"
          )
        ).rows[0]?.status
      for (let i = 0; (await sentRow()) !== 'sent'; i++) {
        if (i > 2000) throw new Error('the alert was never recorded as sent')
        await new Promise((r) => setTimeout(r, 10))
      }
      const outbox = await call('notify.outbox', {})
      expect(outbox.body.result.items).toEqual([
        expect.objectContaining({ to: 'security@example.com', status: 'sent', attempts: 1, lastError: null })
      ])
      // One delivery only, even with the timer running on.
      const flushed = await call('notify.flush', {})
      expect(flushed.body.result).toEqual({ sent: 0, failed: 0, pending: 0 })
      expect(smtp.received).toHaveLength(1)
    })
  }
)
