import type { ParsedInput } from '../../shared/contract'
import type { OutboxItem } from '../../shared/types'
import type { Clock } from '../core/clock'
import type { Claim } from '../core/outbox'
import type { Registry } from '../core/registry'
import type { SmtpConfig } from '../core/smtp-config'

/** A file answers at once, PostgreSQL with a promise: the sender and the handlers await either. */
export type Answer<T> = T | Promise<T>

/**
 * The outbox as the sender and the notify operations use it: a file's `Outbox` (core/outbox.ts)
 * or a team registry's `PgOutbox` (core/pg/outbox.ts), with the same answers and errors.
 */
export interface OutboxStore {
  list(v: ParsedInput<'notify.outbox'>, now: number): Answer<{ items: OutboxItem[] }>
  countUndelivered(): Answer<number>
  claimNext(
    now: number,
    leaseMs: number,
    options: { ignoreSchedule: boolean; skip: readonly number[] }
  ): Answer<Claim | null>
  renewClaim(claim: Claim, until: number): Answer<boolean>
  markSent(claim: Claim, now: number): Answer<boolean>
  markAttemptFailed(claim: Claim, outcome: { error: string; failed: boolean; nextAttemptAt: number }): Answer<boolean>
  noteBlocked(reason: string): Answer<void>
  retry(v: ParsedInput<'notify.retry'>, actor: string, now: number): Answer<{ item: OutboxItem }>
  discard(v: ParsedInput<'notify.discard'>, actor: string, now: number): Answer<{ discarded: OutboxItem }>
}

/** The SMTP settings in the registry: a file's `SmtpConfigStore` or a team registry's `PgSmtpConfig`. */
export interface SmtpSettingsStore {
  read(): Answer<SmtpConfig | null>
  /** `password.apply` runs inside the change's transaction: if it throws, nothing is saved. */
  save(next: SmtpConfig, actor: string, password: { changed: boolean; apply: () => void }, clock?: Clock): Answer<void>
}

export interface NotifyStores {
  outbox: OutboxStore
  settings: SmtpSettingsStore
}

/** Where the email side reads and writes: a registry file, or the stores of another engine. */
export type NotifySource = { registry: Registry } | NotifyStores

export function notifyStores(source: NotifySource): NotifyStores {
  if ('registry' in source && source.registry)
    return { outbox: source.registry.outbox, settings: source.registry.smtpConfig }
  const { outbox, settings } = source as NotifyStores
  return { outbox, settings }
}

/** `next` applied to an answer: at once when it came at once (a file keeps its synchronous answers and throws). */
export function andThen<T, U>(answer: Answer<T>, next: (value: T) => Answer<U>): Answer<U> {
  return answer instanceof Promise ? answer.then(next) : next(answer)
}
