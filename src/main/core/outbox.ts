import type { ParsedInput } from '../../shared/contract'
import { KeywardError } from '../../shared/errors'
import type { OutboxStatus } from '../../shared/schemas'
import type { ApiKey, OutboxItem } from '../../shared/types'
import { composeKeyCreatedAlert } from './alert-message'
import type { AuditRecord } from './audit'
import { iso } from './clock'
import type { Core } from './context'

/** One row of the outbox table (migration 1). */
export interface OutboxRow {
  id: number
  kind: string
  recipient: string
  subject: string
  body_text: string
  body_html: string
  status: OutboxStatus
  attempts: number
  last_error: string | null
  next_attempt_at: number
  claimed_until: number | null
  message_id: string
  created_at: number
  sent_at: number | null
}

/**
 * A message this sender holds: it is 'sending' with a lease, and `attempt` (the attempts count the
 * claim set) identifies this claim, so a sender whose lease ran out cannot overwrite a newer one.
 */
export interface Claim {
  row: OutboxRow
  attempt: number
}

const INTERRUPTED = 'The previous attempt was interrupted (Keyward stopped while sending); it will be retried.'

export function toOutboxItem(row: OutboxRow, now: number): OutboxItem {
  // A claim whose lease ran out belongs to a sender that died: to the user it is simply pending again.
  const orphaned = row.status === 'sending' && (row.claimed_until ?? 0) <= now
  return {
    id: row.id,
    to: row.recipient,
    subject: row.subject,
    status: orphaned ? 'pending' : row.status,
    attempts: row.attempts,
    lastError: orphaned ? (row.last_error ?? INTERRUPTED) : row.last_error,
    createdAt: iso(row.created_at),
    sentAt: iso(row.sent_at),
    nextAttemptAt: row.status === 'pending' || orphaned ? iso(Math.max(row.next_attempt_at, orphaned ? now : 0)) : null
  }
}

/** Queues the "a key was created for you" alert, inside the creating transaction. */
export function enqueueKeyCreatedAlert(core: Core, key: ApiKey, actor: string, now: number): void {
  core.store
    .sql(
      `INSERT INTO outbox (kind, recipient, subject, body_text, body_html, next_attempt_at, message_id, created_at)
       VALUES ('key.created', ?, ?, ?, ?, ?, ?, ?)`
    )
    .run(...keyCreatedAlertValues(key, actor, now))
}

/**
 * The outbox row of a "key created" alert, on either engine: recipient, subject, text, html,
 * next_attempt_at, message_id, created_at (kind 'key.created').
 */
export function keyCreatedAlertValues(key: ApiKey, actor: string, now: number): unknown[] {
  const message = composeKeyCreatedAlert(key, actor, now)
  return [key.notifyEmail, message.subject, message.text, message.html, now, `<${key.id}.${now}@keyward.local>`, now]
}

/**
 * The email outbox in the registry file: alerts waiting, being sent (claimed with a lease), sent
 * or failed. Senders in several processes (the app, `keyward serve`, the CLI) share it safely.
 */
export class Outbox {
  constructor(private readonly core: Core) {}

  list(v: ParsedInput<'notify.outbox'>, now: number): { items: OutboxItem[] } {
    const { store } = this.core
    const rows = (
      v.status === undefined
        ? store.sql('SELECT * FROM outbox ORDER BY id DESC LIMIT ?').all(v.limit)
        : store.sql('SELECT * FROM outbox WHERE status = ? ORDER BY id DESC LIMIT ?').all(v.status, v.limit)
    ) as OutboxRow[]
    return { items: rows.map((r) => toOutboxItem(r, now)) }
  }

  /** Messages still to deliver: pending ones and those a sender holds right now. */
  countUndelivered(): number {
    return this.core.store.pluck("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')").get() as number
  }

  /**
   * Takes the next deliverable message: pending and due (or any pending one with `ignoreSchedule`),
   * or 'sending' with an expired lease. One IMMEDIATE transaction, so two senders on the same file
   * can never hold the same message.
   */
  claimNext(now: number, leaseMs: number, options: { ignoreSchedule: boolean; skip: readonly number[] }): Claim | null {
    const { store } = this.core
    return store.write(() => {
      const row = store
        .sql(
          `SELECT * FROM outbox
           WHERE ((status = 'pending' AND (? OR next_attempt_at <= ?)) OR (status = 'sending' AND coalesce(claimed_until, 0) <= ?))
             AND id NOT IN (SELECT value FROM json_each(?))
           ORDER BY next_attempt_at, id LIMIT 1`
        )
        .get(options.ignoreSchedule ? 1 : 0, now, now, JSON.stringify(options.skip)) as OutboxRow | undefined
      if (!row) return null
      const attempt = row.attempts + 1
      store
        .sql("UPDATE outbox SET status = 'sending', attempts = ?, claimed_until = ? WHERE id = ?")
        .run(attempt, now + leaseMs, row.id)
      return { row: { ...row, status: 'sending', attempts: attempt, claimed_until: now + leaseMs }, attempt }
    })
  }

  /** Extends a live claim; false when it is no longer ours. */
  renewClaim(claim: Claim, until: number): boolean {
    const { changes } = this.core.store
      .sql("UPDATE outbox SET claimed_until = ? WHERE id = ? AND status = 'sending' AND attempts = ?")
      .run(until, claim.row.id, claim.attempt)
    return changes === 1
  }

  markSent(claim: Claim, now: number): boolean {
    const { store } = this.core
    return store.write(() => {
      const { changes } = store
        .sql(
          "UPDATE outbox SET status = 'sent', sent_at = ?, claimed_until = NULL, last_error = NULL WHERE id = ? AND status = 'sending' AND attempts = ?"
        )
        .run(now, claim.row.id, claim.attempt)
      return changes === 1
    })
  }

  /** Back to pending with a later attempt time, or 'failed' for good. */
  markAttemptFailed(claim: Claim, outcome: { error: string; failed: boolean; nextAttemptAt: number }): boolean {
    const { store } = this.core
    return store.write(() => {
      const { changes } = store
        .sql(
          `UPDATE outbox SET status = ?, last_error = ?, next_attempt_at = ?, claimed_until = NULL
           WHERE id = ? AND status = 'sending' AND attempts = ?`
        )
        .run(outcome.failed ? 'failed' : 'pending', outcome.error, outcome.nextAttemptAt, claim.row.id, claim.attempt)
      return changes === 1
    })
  }

  /** Leaves a note on waiting messages when nothing can be tried (no settings, no password). */
  noteBlocked(reason: string): void {
    const { store } = this.core
    store.write(() => {
      store.sql("UPDATE outbox SET last_error = ? WHERE status = 'pending' AND last_error IS NOT ?").run(reason, reason)
    })
  }

  /** "Retry now": a failed or waiting message becomes due at once, with a fresh count of attempts. */
  retry(v: ParsedInput<'notify.retry'>, actor: string, now: number): { item: OutboxItem } {
    const { store, audit } = this.core
    return store.write(() => {
      const row = this.rowOrThrow(v.id)
      refuseRetry(row, now)
      store
        .sql(
          "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, claimed_until = NULL WHERE id = ?"
        )
        .run(now, row.id)
      audit.append(now, { ...retryAuditRecord(row), actor })
      return { item: toOutboxItem(this.rowOrThrow(row.id), now) }
    })
  }

  /** Removes a message from the outbox; an alert still waiting will never be sent. */
  discard(v: ParsedInput<'notify.discard'>, actor: string, now: number): { discarded: OutboxItem } {
    const { store, audit } = this.core
    return store.write(() => {
      const row = this.rowOrThrow(v.id)
      refuseWhileSending(row, now, 'discarded')
      store.sql('DELETE FROM outbox WHERE id = ?').run(row.id)
      audit.append(now, { ...discardAuditRecord(row), actor })
      return { discarded: toOutboxItem(row, now) }
    })
  }

  /** Every pending message becomes due now (the SMTP settings changed: try the fixed relay at once). */
  makePendingDue(now: number): void {
    this.core.store
      .sql("UPDATE outbox SET next_attempt_at = ? WHERE status = 'pending' AND next_attempt_at > ?")
      .run(now, now)
  }

  private rowOrThrow(id: number): OutboxRow {
    const row = this.core.store.sql('SELECT * FROM outbox WHERE id = ?').get(id) as OutboxRow | undefined
    if (!row) throw outboxMessageNotFound(id)
    return row
  }
}

/*
 * The rules and records of retry and discard, shared by both engines (core/pg/outbox.ts): the
 * same refusals and the same audit entries whichever database holds the outbox.
 */

export function outboxMessageNotFound(id: number): KeywardError {
  return new KeywardError(
    'NOT_FOUND',
    `No outbox message ${id}. List them with "keyward notify outbox" or the Outbox screen.`,
    { id: `No outbox message ${id}.` }
  )
}

/** A sent message is never sent twice; one a sender holds right now waits for it. */
export function refuseRetry(row: OutboxRow, now: number): void {
  if (row.status === 'sent') {
    throw new KeywardError(
      'CONFLICT',
      `Message ${row.id} was already delivered at ${iso(row.sent_at)}; it is not sent twice.`
    )
  }
  refuseWhileSending(row, now, 'retried')
}

export function refuseWhileSending(row: OutboxRow, now: number, what: string): void {
  if (row.status === 'sending' && (row.claimed_until ?? 0) > now) {
    throw new KeywardError(
      'CONFLICT',
      `Message ${row.id} is being sent right now, so it cannot be ${what}. Wait a moment and look at the outbox again.`
    )
  }
}

/** The audit entry of "retry" (the row as it was before), without its actor. */
export function retryAuditRecord(row: OutboxRow): Omit<AuditRecord, 'actor'> {
  return {
    action: 'notify.retry',
    targetId: String(row.id),
    targetName: row.subject,
    details: { to: row.recipient, status: { from: row.status, to: 'pending' }, attempts: row.attempts }
  }
}

/** The audit entry of "discard" (the row removed), without its actor. */
export function discardAuditRecord(row: OutboxRow): Omit<AuditRecord, 'actor'> {
  return {
    action: 'notify.discard',
    targetId: String(row.id),
    targetName: row.subject,
    details: { to: row.recipient, status: row.status, attempts: row.attempts }
  }
}
