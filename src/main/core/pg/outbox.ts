import type { Pool } from 'pg'
import type { ParsedInput } from '../../../shared/contract'
import type { OutboxItem } from '../../../shared/types'
import {
  discardAuditRecord,
  outboxMessageNotFound,
  refuseRetry,
  refuseWhileSending,
  retryAuditRecord,
  toOutboxItem,
  type Claim,
  type OutboxRow
} from '../outbox'
import { appendPgAudit } from './audit'
import { inTransaction } from './transaction'

type Queryable = Pick<Pool, 'query'>

/**
 * The email outbox of a team registry: the file's Outbox (core/outbox.ts) on PostgreSQL, with the
 * same items, refusals and audit entries. Any number of senders on any number of nodes share it:
 * a claim is one statement that picks the next due message with FOR UPDATE SKIP LOCKED and marks it
 * 'sending' with a lease, so two senders never hold one message, and a sender never waits on a row
 * another one is claiming. Every later write names the claim (id, 'sending', attempts), so a sender
 * whose lease ran out cannot record over the newer claim.
 *
 * The pool must come from openPgRegistry, which reads BIGINT columns (epoch ms) as numbers.
 */
export class PgOutbox {
  constructor(private readonly pool: Pool) {}

  async list(v: ParsedInput<'notify.outbox'>, now: number): Promise<{ items: OutboxItem[] }> {
    const { rows } =
      v.status === undefined
        ? await this.pool.query<OutboxRow>('SELECT * FROM outbox ORDER BY id DESC LIMIT $1', [v.limit])
        : await this.pool.query<OutboxRow>('SELECT * FROM outbox WHERE status = $1 ORDER BY id DESC LIMIT $2', [
            v.status,
            v.limit
          ])
    return { items: rows.map((r) => toOutboxItem(r, now)) }
  }

  /** Messages still to deliver: pending ones and those a sender holds right now. */
  async countUndelivered(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM outbox WHERE status IN ('pending', 'sending')"
    )
    return rows[0]!.n
  }

  /**
   * Takes the next deliverable message (pending and due, any pending one with `ignoreSchedule`, or
   * 'sending' with an expired lease) in one statement. SKIP LOCKED passes over a row another sender
   * is claiming at this moment; the outer UPDATE re-checks nothing it needs to, since the row stays
   * locked from the subquery's pick to the commit of this statement.
   */
  async claimNext(
    now: number,
    leaseMs: number,
    options: { ignoreSchedule: boolean; skip: readonly number[] }
  ): Promise<Claim | null> {
    const { rows } = await this.pool.query<OutboxRow>(
      `UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_until = $3
       WHERE id = (
         SELECT id FROM outbox
         WHERE ((status = 'pending' AND ($1::boolean OR next_attempt_at <= $2))
             OR (status = 'sending' AND coalesce(claimed_until, 0) <= $2))
           AND id <> ALL($4::bigint[])
         ORDER BY next_attempt_at, id LIMIT 1
         FOR UPDATE SKIP LOCKED
       )
       RETURNING *`,
      [options.ignoreSchedule, now, now + leaseMs, options.skip]
    )
    const row = rows[0]
    return row ? { row, attempt: row.attempts } : null
  }

  /** Extends a live claim; false when it is no longer ours. */
  async renewClaim(claim: Claim, until: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      "UPDATE outbox SET claimed_until = $1 WHERE id = $2 AND status = 'sending' AND attempts = $3",
      [until, claim.row.id, claim.attempt]
    )
    return rowCount === 1
  }

  async markSent(claim: Claim, now: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE outbox SET status = 'sent', sent_at = $1, claimed_until = NULL, last_error = NULL
       WHERE id = $2 AND status = 'sending' AND attempts = $3`,
      [now, claim.row.id, claim.attempt]
    )
    return rowCount === 1
  }

  /** Back to pending with a later attempt time, or 'failed' for good. */
  async markAttemptFailed(
    claim: Claim,
    outcome: { error: string; failed: boolean; nextAttemptAt: number }
  ): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE outbox SET status = $1, last_error = $2, next_attempt_at = $3, claimed_until = NULL
       WHERE id = $4 AND status = 'sending' AND attempts = $5`,
      [outcome.failed ? 'failed' : 'pending', outcome.error, outcome.nextAttemptAt, claim.row.id, claim.attempt]
    )
    return rowCount === 1
  }

  /** Leaves a note on waiting messages when nothing can be tried (no settings, no password). */
  async noteBlocked(reason: string): Promise<void> {
    await this.pool.query(
      "UPDATE outbox SET last_error = $1 WHERE status = 'pending' AND last_error IS DISTINCT FROM $1",
      [reason]
    )
  }

  /**
   * "Retry now": a failed or waiting message becomes due at once, with a fresh count of attempts.
   * The row is locked first, so a sender claiming it at the same moment either claimed it before
   * (then this refuses: it is being sent) or skips it until this commits.
   */
  retry(v: ParsedInput<'notify.retry'>, actor: string, now: number): Promise<{ item: OutboxItem }> {
    return inTransaction(this.pool, async (client) => {
      const row = await lockedRow(client, v.id)
      refuseRetry(row, now)
      const { rows } = await client.query<OutboxRow>(
        `UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $1, claimed_until = NULL
         WHERE id = $2 RETURNING *`,
        [now, row.id]
      )
      await appendPgAudit(client, now, [{ ...retryAuditRecord(row), actor }])
      return { item: toOutboxItem(rows[0]!, now) }
    })
  }

  /** Removes a message from the outbox; an alert still waiting will never be sent. */
  discard(v: ParsedInput<'notify.discard'>, actor: string, now: number): Promise<{ discarded: OutboxItem }> {
    return inTransaction(this.pool, async (client) => {
      const row = await lockedRow(client, v.id)
      refuseWhileSending(row, now, 'discarded')
      await client.query('DELETE FROM outbox WHERE id = $1', [row.id])
      await appendPgAudit(client, now, [{ ...discardAuditRecord(row), actor }])
      return { discarded: toOutboxItem(row, now) }
    })
  }
}

/** Every pending message becomes due now (the SMTP settings changed: try the fixed relay at once). */
export async function makePgPendingDue(client: Queryable, now: number): Promise<void> {
  await client.query("UPDATE outbox SET next_attempt_at = $1 WHERE status = 'pending' AND next_attempt_at > $1", [now])
}

async function lockedRow(client: Queryable, id: number): Promise<OutboxRow> {
  const row = (await client.query<OutboxRow>('SELECT * FROM outbox WHERE id = $1 FOR UPDATE', [id])).rows[0]
  if (!row) throw outboxMessageNotFound(id)
  return row
}
