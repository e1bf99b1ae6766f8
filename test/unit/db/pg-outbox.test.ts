import { describe, expect, it } from 'vitest'
import { verifyPgAuditChain } from '../../../src/main/core/pg/audit'
import { PgOutbox } from '../../../src/main/core/pg/outbox'
import { PgSmtpConfig } from '../../../src/main/core/pg/smtp-config'
import type { Claim } from '../../../src/main/core/outbox'
import type { SmtpConfig } from '../../../src/main/core/smtp-config'
import type { PgRegistry } from '../../../src/main/db/pg/open'
import { KeywardError } from '../../../src/shared/errors'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { postgresAvailable } from '../../support/postgres'
import { postgresTwins } from '../../support/pg-twins'

const ACTOR = 'tester'
const LEASE = 120_000
const reason = postgresAvailable()

/** The KeywardError a call throws (sync or async), as the payload a transport would send. */
async function refusal(fn: () => unknown): Promise<unknown> {
  try {
    await fn()
  } catch (error) {
    if (error instanceof KeywardError) return { ...error.toPayload(), isKeywardError: true }
    throw error
  }
  throw new Error('expected the operation to be refused, but it succeeded')
}

const RELAY: SmtpConfig = {
  host: 'smtp.example.com',
  port: 587,
  security: 'starttls',
  user: 'mailer',
  from: 'kw@example.com'
}

describe.skipIf(reason)(
  `the email outbox and SMTP settings on PostgreSQL answer and record what SQLite does${reason ? ` (skipped: ${reason})` : ''}`,
  { timeout: 120_000 },
  () => {
    const twins = postgresTwins()

    /** Five alerts queued by the core (keys with a Notify address), one key without; copied to PostgreSQL. */
    async function twin(): Promise<{ t: TempRegistry; pg: PgRegistry; outbox: PgOutbox; settings: PgSmtpConfig }> {
      const t = tempRegistry()
      for (let i = 1; i <= 5; i++) {
        t.registry.createKey({ name: `K${i}`, notifyEmail: `owner${i}@example.com` }, ACTOR)
        t.clock.advance(1000)
      }
      t.registry.createKey({ name: 'Quiet' }, ACTOR)
      const pg = await twins.copy(t)
      return { t, pg, outbox: new PgOutbox(pg.pool), settings: new PgSmtpConfig(pg.pool, () => t.clock.now) }
    }

    async function expectSameState(t: TempRegistry, pg: PgRegistry): Promise<void> {
      for (const [onSqlite, onPg] of [
        ['SELECT * FROM outbox ORDER BY id', 'SELECT * FROM outbox ORDER BY id'],
        // The SMTP settings' row (the file keeps its chain head there too; PostgreSQL in audit_head).
        ["SELECT * FROM registry_settings WHERE name = 'smtp'", "SELECT * FROM registry_settings WHERE name = 'smtp'"],
        ['SELECT * FROM audit_log ORDER BY seq', 'SELECT * FROM audit_log ORDER BY seq']
      ] as const) {
        const want = t.registry.db.prepare(onSqlite).all()
        expect((await pg.pool.query(onPg)).rows, onPg).toEqual(want)
      }
      expect(await verifyPgAuditChain(pg.pool)).toEqual(t.registry.verifyAudit())
      expect((await verifyPgAuditChain(pg.pool)).ok).toBe(true)
    }

    it('lists, claims, renews, records sent and failed attempts, notes a block: the same answers and rows', async () => {
      const { t, pg, outbox } = await twin()
      const file = t.registry.outbox
      const now = () => t.clock.now
      for (const v of [
        { limit: 200 },
        { limit: 2 },
        { status: 'pending' as const, limit: 200 },
        { status: 'sent' as const, limit: 200 }
      ])
        expect(await outbox.list(v, now()), JSON.stringify(v)).toEqual(file.list(v, now()))
      expect(await outbox.countUndelivered()).toBe(file.countUndelivered())
      expect(await outbox.countUndelivered()).toBe(5)

      // Claims in due order, skipping those this run has tried; a later one is not due before its time.
      const claims: [Claim, Claim][] = []
      for (const skip of [[], [1], [1, 2]]) {
        const want = file.claimNext(now(), LEASE, { ignoreSchedule: false, skip })!
        const got = (await outbox.claimNext(now(), LEASE, { ignoreSchedule: false, skip }))!
        expect(got, `skip ${skip.join(',')}`).toEqual(want)
        claims.push([want, got])
      }
      expect(claims.map(([c]) => c.row.id)).toEqual([1, 2, 3])
      // Message 5 was queued after this time, so only 4 is due; held ones are not taken again.
      t.clock.advance(-2000)
      expect(await outbox.claimNext(now(), LEASE, { ignoreSchedule: false, skip: [] })).toEqual(
        file.claimNext(now(), LEASE, { ignoreSchedule: false, skip: [] })
      )
      t.clock.advance(2000)
      expect(await outbox.claimNext(now(), LEASE, { ignoreSchedule: true, skip: [4] })).toEqual(
        file.claimNext(now(), LEASE, { ignoreSchedule: true, skip: [4] })
      )
      expect(await outbox.claimNext(now(), LEASE, { ignoreSchedule: true, skip: [] })).toEqual(
        file.claimNext(now(), LEASE, { ignoreSchedule: true, skip: [] })
      )
      expect(await outbox.list({ limit: 200 }, now())).toEqual(file.list({ limit: 200 }, now()))

      const [[w1, g1], [w2, g2], [w3, g3]] = claims as [[Claim, Claim], [Claim, Claim], [Claim, Claim]]
      t.clock.advance(30_000)
      expect(await outbox.renewClaim(g1, now() + LEASE)).toBe(file.renewClaim(w1, now() + LEASE))
      expect(await outbox.markSent(g1, now())).toBe(file.markSent(w1, now()))
      expect(await outbox.markSent(g1, now())).toBe(false) // no longer ours: already recorded
      expect(file.markSent(w1, now())).toBe(false)
      const failure = {
        error: 'The SMTP server asked to try again later (421 busy).',
        failed: false,
        nextAttemptAt: now() + 30_000
      }
      expect(await outbox.markAttemptFailed(g2, failure)).toBe(file.markAttemptFailed(w2, failure))
      const givesUp = {
        error: 'The SMTP server refused the recipient (550 no such user).',
        failed: true,
        nextAttemptAt: now() + 60_000
      }
      expect(await outbox.markAttemptFailed(g3, givesUp)).toBe(file.markAttemptFailed(w3, givesUp))
      expect(await outbox.renewClaim(g3, now() + LEASE)).toBe(false)

      // A lease that ran out: the message is pending to the user, and the next claim takes it over.
      t.clock.advance(LEASE + 1)
      expect(await outbox.list({ limit: 200 }, now())).toEqual(file.list({ limit: 200 }, now()))
      const takeover = file.claimNext(now(), LEASE, { ignoreSchedule: false, skip: [] })
      expect(await outbox.claimNext(now(), LEASE, { ignoreSchedule: false, skip: [] })).toEqual(takeover)
      expect(takeover!.attempt).toBe(2)

      await outbox.noteBlocked('Email is not set up yet.')
      file.noteBlocked('Email is not set up yet.')
      expect(await outbox.countUndelivered()).toBe(file.countUndelivered())
      await expectSameState(t, pg)
    })

    it('retries and discards with the same answers, refusals and audit entries', async () => {
      const { t, pg, outbox } = await twin()
      const file = t.registry.outbox
      const now = () => t.clock.now
      const both = async (what: string, onSqlite: () => unknown, onPg: () => Promise<unknown>) => {
        t.clock.advance(1000)
        expect(await onPg(), what).toEqual(onSqlite())
      }
      // 1 sent, 2 failed for good, 3 held by a live sender, 4 and 5 pending.
      const claim = async (id: number) => {
        const skip = [1, 2, 3, 4, 5].filter((n) => n !== id)
        return [
          file.claimNext(now(), LEASE, { ignoreSchedule: true, skip })!,
          (await outbox.claimNext(now(), LEASE, { ignoreSchedule: true, skip }))!
        ] as const
      }
      const [s1, p1] = await claim(1)
      file.markSent(s1, now())
      await outbox.markSent(p1, now())
      const [s2, p2] = await claim(2)
      const gaveUp = { error: 'refused for good', failed: true, nextAttemptAt: now() }
      file.markAttemptFailed(s2, gaveUp)
      await outbox.markAttemptFailed(p2, gaveUp)
      await claim(3)

      for (const [what, onSqlite, onPg] of [
        ['retry a sent one', () => file.retry({ id: 1 }, ACTOR, now()), () => outbox.retry({ id: 1 }, ACTOR, now())],
        [
          'retry one being sent',
          () => file.retry({ id: 3 }, ACTOR, now()),
          () => outbox.retry({ id: 3 }, ACTOR, now())
        ],
        [
          'retry a missing one',
          () => file.retry({ id: 99 }, ACTOR, now()),
          () => outbox.retry({ id: 99 }, ACTOR, now())
        ],
        [
          'discard one being sent',
          () => file.discard({ id: 3 }, ACTOR, now()),
          () => outbox.discard({ id: 3 }, ACTOR, now())
        ],
        [
          'discard a missing one',
          () => file.discard({ id: 99 }, ACTOR, now()),
          () => outbox.discard({ id: 99 }, ACTOR, now())
        ]
      ] as const) {
        expect(await refusal(onPg), what).toEqual(await refusal(onSqlite))
      }
      expect((await refusal(() => outbox.retry({ id: 1 }, ACTOR, now()))) as { code: string }).toMatchObject({
        code: 'CONFLICT'
      })
      expect((await refusal(() => outbox.discard({ id: 99 }, ACTOR, now()))) as { code: string }).toMatchObject({
        code: 'NOT_FOUND',
        fields: { id: 'No outbox message 99.' }
      })

      await both(
        'retry a failed one',
        () => file.retry({ id: 2 }, ACTOR, now()),
        () => outbox.retry({ id: 2 }, ACTOR, now())
      )
      await both(
        'retry a pending one',
        () => file.retry({ id: 4 }, ACTOR, now()),
        () => outbox.retry({ id: 4 }, ACTOR, now())
      )
      await both(
        'discard a sent one',
        () => file.discard({ id: 1 }, ACTOR, now()),
        () => outbox.discard({ id: 1 }, ACTOR, now())
      )
      await both(
        'discard a pending one',
        () => file.discard({ id: 5 }, ACTOR, now()),
        () => outbox.discard({ id: 5 }, ACTOR, now())
      )
      // Once the holder's lease runs out, its message may be retried.
      t.clock.advance(LEASE)
      await both(
        'retry an orphaned one',
        () => file.retry({ id: 3 }, ACTOR, now()),
        () => outbox.retry({ id: 3 }, ACTOR, now())
      )
      const actions = t.registry.listAudit({ limit: 5 }).items.map((e) => e.action)
      expect(actions).toEqual(['notify.retry', 'notify.discard', 'notify.discard', 'notify.retry', 'notify.retry'])
      await expectSameState(t, pg)
    })

    it('saves and reads the SMTP settings with the same audit entries, making pending alerts due', async () => {
      const { t, pg, settings } = await twin()
      const file = t.registry.smtpConfig
      expect(await settings.read()).toEqual(file.read())
      expect(await settings.read()).toBeNull()
      // Alert 5 waits for a later attempt: saving the settings makes it due at once, on both.
      const later = t.clock.now + 3_600_000
      t.registry.db.prepare('UPDATE outbox SET next_attempt_at = ? WHERE id = 5').run(later)
      await pg.pool.query('UPDATE outbox SET next_attempt_at = $1 WHERE id = 5', [later])

      const applied: string[] = []
      const steps: [string, SmtpConfig, boolean][] = [
        ['first setup', RELAY, true],
        ['no change', RELAY, false],
        ['port and security', { ...RELAY, port: 465, security: 'tls' }, false],
        ['the password only', { ...RELAY, port: 465, security: 'tls' }, true],
        ['no login', { ...RELAY, user: null, from: 'alerts@example.com' }, false]
      ]
      for (const [what, next, changed] of steps) {
        t.clock.advance(1000)
        file.save(next, ACTOR, { changed, apply: () => applied.push(`file ${what}`) })
        await settings.save(next, ACTOR, { changed, apply: () => applied.push(`pg ${what}`) })
        expect(await settings.read(), what).toEqual(file.read())
      }
      expect(applied).toEqual(['file first setup', 'pg first setup', 'file the password only', 'pg the password only'])
      // A password store that refuses (no secure storage): nothing is saved, nothing audited.
      const entries = t.registry.listAudit({ limit: 1 }).total
      const refuse = () => {
        throw KeywardError.validation({ password: 'No secure storage.' })
      }
      expect(
        await refusal(() => settings.save({ ...RELAY, port: 2525 }, ACTOR, { changed: true, apply: refuse }))
      ).toEqual(await refusal(() => file.save({ ...RELAY, port: 2525 }, ACTOR, { changed: true, apply: refuse })))
      expect(t.registry.listAudit({ limit: 1 }).total).toBe(entries)
      const details = t.registry
        .listAudit({ limit: 10 })
        .items.filter((e) => e.action === 'notify.settings')
        .map((e) => e.details)
      expect(details).toHaveLength(4)
      expect(details[1]).toEqual({ changes: {}, passwordChanged: true })
      await expectSameState(t, pg)
    })

    it('two nodes saving the settings at once take turns: each entry names what its own save changed', async () => {
      const { t, pg } = await twin()
      const savers = Array.from({ length: 6 }, () => new PgSmtpConfig(pg.pool, () => t.clock.now))
      await Promise.all(
        savers.map((s, i) =>
          s.save({ ...RELAY, port: 2000 + i }, `node${i}`, { changed: false, apply: () => undefined })
        )
      )
      const { rows } = await pg.pool.query<{ details: string }>(
        "SELECT details FROM audit_log WHERE action = 'notify.settings' ORDER BY seq"
      )
      expect(rows).toHaveLength(6)
      // Each save saw the one before it: the "from" of every entry is the "to" of the previous one.
      const ports = rows.map(
        (r) => (JSON.parse(r.details) as { changes: { port: { from: unknown; to: unknown } } }).changes.port
      )
      expect(ports[0]!.from).toBeNull()
      for (let i = 1; i < ports.length; i++) expect(ports[i]!.from).toBe(ports[i - 1]!.to)
      expect((await verifyPgAuditChain(pg.pool)).ok).toBe(true)
    })
  }
)
