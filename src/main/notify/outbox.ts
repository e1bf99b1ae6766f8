import type { Input } from '../../shared/contract'
import { KeywardError } from '../../shared/errors'
import { OutboxIdInput, OutboxListInput } from '../../shared/schemas'
import type { OutboxItem } from '../../shared/types'
import { iso } from '../core/clock'
import { parseInput, type Registry } from '../core/registry'

/** One row of the outbox table (migration 1). */
export interface OutboxRow {
  id: number
  kind: string
  recipient: string
  subject: string
  body_text: string
  body_html: string
  status: 'pending' | 'sending' | 'sent' | 'failed'
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

export function listOutbox(registry: Registry, input: Input<'notify.outbox'>, now: number): { items: OutboxItem[] } {
  const v = parseInput(OutboxListInput, input)
  const rows = (
    v.status === undefined
      ? registry.db.prepare('SELECT * FROM outbox ORDER BY id DESC LIMIT ?').all(v.limit)
      : registry.db.prepare('SELECT * FROM outbox WHERE status = ? ORDER BY id DESC LIMIT ?').all(v.status, v.limit)
  ) as OutboxRow[]
  return { items: rows.map((r) => toOutboxItem(r, now)) }
}

/** Messages still to deliver: pending ones and those a sender holds right now. */
export function countUndelivered(registry: Registry): number {
  return (registry.db.prepare("SELECT count(*) AS n FROM outbox WHERE status IN ('pending', 'sending')").get() as { n: number }).n
}

/**
 * Takes the next deliverable message: pending and due (or any pending one with `ignoreSchedule`),
 * or 'sending' with an expired lease. One IMMEDIATE transaction, so two senders on the same file
 * (the app and `keyward serve`) can never hold the same message.
 */
export function claimNext(registry: Registry, now: number, leaseMs: number, options: { ignoreSchedule: boolean; skip: readonly number[] }): Claim | null {
  return registry.write(() => {
    const row = registry.db
      .prepare(
        `SELECT * FROM outbox
         WHERE ((status = 'pending' AND (? OR next_attempt_at <= ?)) OR (status = 'sending' AND coalesce(claimed_until, 0) <= ?))
           AND id NOT IN (SELECT value FROM json_each(?))
         ORDER BY next_attempt_at, id LIMIT 1`
      )
      .get(options.ignoreSchedule ? 1 : 0, now, now, JSON.stringify(options.skip)) as OutboxRow | undefined
    if (!row) return null
    const attempt = row.attempts + 1
    registry.db.prepare("UPDATE outbox SET status = 'sending', attempts = ?, claimed_until = ? WHERE id = ?").run(attempt, now + leaseMs, row.id)
    return { row: { ...row, status: 'sending', attempts: attempt, claimed_until: now + leaseMs }, attempt }
  })
}

/** Extends a live claim; false when it is no longer ours. */
export function renewClaim(registry: Registry, claim: Claim, until: number): boolean {
  const { changes } = registry.db
    .prepare("UPDATE outbox SET claimed_until = ? WHERE id = ? AND status = 'sending' AND attempts = ?")
    .run(until, claim.row.id, claim.attempt)
  return changes === 1
}

export function markSent(registry: Registry, claim: Claim, now: number): boolean {
  return registry.write(() => {
    const { changes } = registry.db
      .prepare("UPDATE outbox SET status = 'sent', sent_at = ?, claimed_until = NULL, last_error = NULL WHERE id = ? AND status = 'sending' AND attempts = ?")
      .run(now, claim.row.id, claim.attempt)
    return changes === 1
  })
}

/** Back to pending with a later attempt time, or 'failed' for good. */
export function markAttemptFailed(registry: Registry, claim: Claim, outcome: { error: string; failed: boolean; nextAttemptAt: number }): boolean {
  return registry.write(() => {
    const { changes } = registry.db
      .prepare(
        `UPDATE outbox SET status = ?, last_error = ?, next_attempt_at = ?, claimed_until = NULL
         WHERE id = ? AND status = 'sending' AND attempts = ?`
      )
      .run(outcome.failed ? 'failed' : 'pending', outcome.error, outcome.nextAttemptAt, claim.row.id, claim.attempt)
    return changes === 1
  })
}

/** Leaves a note on waiting messages when nothing can be tried (no settings, no password). */
export function noteBlocked(registry: Registry, reason: string): void {
  registry.write(() => {
    registry.db.prepare("UPDATE outbox SET last_error = ? WHERE status = 'pending' AND last_error IS NOT ?").run(reason, reason)
  })
}

function rowOrThrow(registry: Registry, id: number): OutboxRow {
  const row = registry.db.prepare('SELECT * FROM outbox WHERE id = ?').get(id) as OutboxRow | undefined
  if (!row) throw new KeywardError('NOT_FOUND', `No outbox message ${id}. List them with "keyward notify outbox" or the Outbox screen.`, { id: `No outbox message ${id}.` })
  return row
}

function refuseWhileSending(row: OutboxRow, now: number, what: string): void {
  if (row.status === 'sending' && (row.claimed_until ?? 0) > now) {
    throw new KeywardError('CONFLICT', `Message ${row.id} is being sent right now, so it cannot be ${what}. Wait a moment and look at the outbox again.`)
  }
}

/** "Retry now": a failed or waiting message becomes due at once, with a fresh count of attempts. */
export function retryMessage(registry: Registry, input: Input<'notify.retry'>, actor: string, now: number): { item: OutboxItem } {
  const v = parseInput(OutboxIdInput, input)
  return registry.write(() => {
    const row = rowOrThrow(registry, v.id)
    if (row.status === 'sent') {
      throw new KeywardError('CONFLICT', `Message ${row.id} was already delivered at ${iso(row.sent_at)}; it is not sent twice.`)
    }
    refuseWhileSending(row, now, 'retried')
    registry.db.prepare("UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, claimed_until = NULL WHERE id = ?").run(now, row.id)
    registry.audit.append(now, {
      actor,
      action: 'notify.retry',
      targetId: String(row.id),
      targetName: row.subject,
      details: { to: row.recipient, status: { from: row.status, to: 'pending' }, attempts: row.attempts }
    })
    return { item: toOutboxItem(rowOrThrow(registry, row.id), now) }
  })
}

/** Removes a message from the outbox; an alert still waiting will never be sent. */
export function discardMessage(registry: Registry, input: Input<'notify.discard'>, actor: string, now: number): { discarded: OutboxItem } {
  const v = parseInput(OutboxIdInput, input)
  return registry.write(() => {
    const row = rowOrThrow(registry, v.id)
    refuseWhileSending(row, now, 'discarded')
    registry.db.prepare('DELETE FROM outbox WHERE id = ?').run(row.id)
    registry.audit.append(now, {
      actor,
      action: 'notify.discard',
      targetId: String(row.id),
      targetName: row.subject,
      details: { to: row.recipient, status: row.status, attempts: row.attempts }
    })
    return { discarded: toOutboxItem(row, now) }
  })
}
