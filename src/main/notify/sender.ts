import type { FlushResult, TestEmailResult } from '../../shared/types'
import { systemClock, type Clock } from '../core/clock'
import type { Claim } from '../core/outbox'
import type { SmtpConfig } from '../core/smtp-config'
import {
  createSmtpTransport,
  describeSmtpError,
  describeSmtpSuccess,
  type SmtpConnectOptions,
  type SmtpTransporter
} from './smtp'
import { notifyStores, type NotifySource, type OutboxStore } from './stores'
import type { PasswordStore } from './types'

/**
 * What a sender reads and writes (a registry file, or a team registry's outbox and settings: the
 * same sender runs on both engines), how it logs in, and its tuning.
 */
export type SenderOptions = NotifySource & SenderConnection & SenderTuning

export interface SenderConnection {
  passwords: PasswordStore
  clock?: Clock
  /** TLS trust and timeouts for the SMTP connection. */
  smtp?: SmtpConnectOptions
}

export interface SenderTuning {
  /** How long a claim holds a message before another sender may take it over (renewed while sending). */
  leaseMs?: number
  /** Attempts a message may be refused with a permanent (5xx) answer before it is marked failed. */
  maxPermanentAttempts?: number
  /** First retry delay; it doubles per attempt up to `backoffCapMs`. */
  backoffBaseMs?: number
  backoffCapMs?: number
  /** Where a background sender reports trouble it cannot return to anyone (never a secret). */
  log?: (line: string) => void
}

export const DEFAULT_LEASE_MS = 120_000
export const DEFAULT_MAX_PERMANENT_ATTEMPTS = 3
export const DEFAULT_BACKOFF_BASE_MS = 30_000
export const DEFAULT_BACKOFF_CAP_MS = 3_600_000
/** At most this many messages per flush, so one call never runs unbounded. */
const BATCH_LIMIT = 500

export interface FlushReport extends FlushResult {
  /** Why nothing could be tried (email not set up, no password), in words. */
  blocked?: string
  /** The failure that stopped this flush early, in words. */
  lastError?: string
}

/** Delay before attempt n+1 after n attempts: base·2^(n-1), capped. */
export function backoffDelay(
  attempts: number,
  baseMs = DEFAULT_BACKOFF_BASE_MS,
  capMs = DEFAULT_BACKOFF_CAP_MS
): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, Math.min(attempts - 1, 30)))
}

/** What stops any sending before a connection is tried, in words; null when ready. */
export function notReadyReason(config: SmtpConfig | null, passwords: PasswordStore): string | null {
  if (!config) {
    return 'Email is not set up yet: enter the SMTP server in Settings, or run "keyward notify settings --host H --port P --from ADDR".'
  }
  if (config.user && passwords.get() == null) {
    return passwords.storage() === 'environment' || passwords.storage() === 'unavailable'
      ? `The SMTP login "${config.user}" needs a password: set KEYWARD_SMTP_PASSWORD or pass --password-stdin.`
      : `The SMTP login "${config.user}" needs a password: enter it in Settings.`
  }
  return null
}

/**
 * Delivers what is due: each message is claimed (status 'sending' with a lease: an IMMEDIATE
 * transaction on a file, one UPDATE … FOR UPDATE SKIP LOCKED on PostgreSQL), sent with its stable
 * Message-ID, then marked sent only if the claim is still ours.
 * `ignoreSchedule` also takes pending messages whose backoff has not run out ("flush now").
 */
export async function flushOutbox(
  options: SenderOptions,
  flushOptions: { ignoreSchedule?: boolean } = {}
): Promise<FlushReport> {
  const { passwords } = options
  const { outbox, settings } = notifyStores(options)
  const clock = options.clock ?? systemClock
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS
  const config = await settings.read()
  const blocked = notReadyReason(config, passwords)
  if (blocked || !config) {
    const pending = await outbox.countUndelivered()
    if (pending > 0) await outbox.noteBlocked(blocked!)
    return { sent: 0, failed: 0, pending, blocked: blocked! }
  }
  const password = passwords.get()
  const transport = createSmtpTransport(config, password, options.smtp)
  const tried: number[] = []
  let sent = 0
  let failed = 0
  let lastError: string | undefined
  try {
    while (tried.length < BATCH_LIMIT) {
      const claim = await outbox.claimNext(clock(), leaseMs, {
        ignoreSchedule: flushOptions.ignoreSchedule ?? false,
        skip: tried
      })
      if (!claim) break
      tried.push(claim.row.id)
      const outcome = await deliver(transport, outbox, claim, config, password, options, clock)
      if (outcome === 'sent') {
        sent++
        continue
      }
      lastError = outcome.message
      if (outcome.failed) failed++
      // Down, login refused, TLS broken: every other message would fail the same way, so leave them untouched.
      if (outcome.serverWide) break
    }
  } finally {
    transport.close()
  }
  const pending = await outbox.countUndelivered()
  return lastError === undefined ? { sent, failed, pending } : { sent, failed, pending, lastError }
}

async function deliver(
  transport: SmtpTransporter,
  outbox: OutboxStore,
  claim: Claim,
  config: SmtpConfig,
  password: string | null,
  options: SenderOptions,
  clock: Clock
): Promise<'sent' | { message: string; failed: boolean; serverWide: boolean }> {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS
  // Keep the lease alive while this process works, so a slow server never looks like a dead sender.
  const heartbeat = setInterval(
    () => {
      // The registry is busy or out of reach: the next beat tries again, and the lease has room for several misses.
      void (async () => outbox.renewClaim(claim, clock() + leaseMs))().catch(() => undefined)
    },
    Math.max(1_000, Math.floor(leaseMs / 4))
  )
  heartbeat.unref()
  let failure
  try {
    await transport.sendMail({
      from: config.from,
      to: claim.row.recipient,
      subject: claim.row.subject,
      text: claim.row.body_text,
      html: claim.row.body_html,
      // The same Message-ID on every attempt: a copy re-sent after a crash can be recognised downstream.
      messageId: claim.row.message_id,
      headers: { 'Auto-Submitted': 'auto-generated', 'X-Keyward-Alert': claim.row.kind }
    })
  } catch (error) {
    failure = describeSmtpError(error, config, password)
  } finally {
    clearInterval(heartbeat)
  }
  if (!failure) {
    if (!(await markSentPatiently(outbox, claim, clock))) {
      options.log?.(
        `keyward: outbox message ${claim.row.id} was delivered, but another sender had taken it over meanwhile.`
      )
    }
    return 'sent'
  }
  const givesUp = failure.permanent && claim.attempt >= (options.maxPermanentAttempts ?? DEFAULT_MAX_PERMANENT_ATTEMPTS)
  const nextAttemptAt = clock() + backoffDelay(claim.attempt, options.backoffBaseMs, options.backoffCapMs)
  const message = givesUp
    ? `${failure.message} Gave up after ${claim.attempt} attempts; use Retry once it is fixed.`
    : failure.message
  await outbox.markAttemptFailed(claim, { error: message, failed: givesUp, nextAttemptAt })
  return { message, failed: givesUp, serverWide: failure.serverWide }
}

/**
 * The server has the message: recording that is what keeps it from going out twice, so a busy file
 * is tried a few more times (well inside the lease) before giving up and leaving the claim to expire.
 */
async function markSentPatiently(outbox: OutboxStore, claim: Claim, clock: Clock): Promise<boolean> {
  for (const pauseMs of [100, 200, 400]) {
    try {
      return await outbox.markSent(claim, clock())
    } catch {
      await new Promise((resolve) => setTimeout(resolve, pauseMs))
    }
  }
  return outbox.markSent(claim, clock())
}

/** "Send test email": straight through the relay (not the outbox), reporting the server's answer. */
export async function sendTestEmail(options: SenderOptions, to: string): Promise<TestEmailResult> {
  const config = await notifyStores(options).settings.read()
  const blocked = notReadyReason(config, options.passwords)
  if (blocked || !config) return { ok: false, message: blocked! }
  const password = options.passwords.get()
  const transport = createSmtpTransport(config, password, options.smtp)
  try {
    const info = await transport.sendMail({
      from: config.from,
      to,
      subject: 'Keyward test email',
      text: `This is a test from Keyward. Alerts about new API keys will be sent through ${config.host}:${config.port} from ${config.from}.`,
      html: `<p>This is a test from Keyward. Alerts about new API keys will be sent through ${escapeHtml(`${config.host}:${config.port}`)} from ${escapeHtml(config.from)}.</p>`,
      headers: { 'Auto-Submitted': 'auto-generated', 'X-Keyward-Alert': 'test' }
    })
    return { ok: true, message: describeSmtpSuccess(info.response, config, to) }
  } catch (error) {
    return { ok: false, message: describeSmtpError(error, config, password).message }
  } finally {
    transport.close()
  }
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

export interface OutboxSender {
  /** Delivers everything pending now, backoff or not; waits for a run already in progress first. */
  flushNow(): Promise<FlushResult>
  /** Stops the timer and waits for the current run; close the registry only after this resolves. */
  stop(): Promise<void>
}

/**
 * The background sender for the app's main process and `keyward serve`: one run at start (mail
 * left pending by an earlier session goes out), then one every `intervalMs`. Runs never overlap
 * within a process; claims keep several processes apart.
 */
export function startOutboxSender(options: SenderOptions & { intervalMs: number }): OutboxSender {
  const log = options.log ?? ((line: string) => console.error(line))
  let chain: Promise<unknown> = Promise.resolve()
  let stopped = false
  const run = (ignoreSchedule: boolean): Promise<FlushReport> => {
    const next = chain.then(() => flushOutbox(options, { ignoreSchedule }))
    chain = next.catch(() => undefined)
    return next
  }
  const tick = () => {
    if (stopped) return
    run(false).catch((error: unknown) =>
      log(`keyward: the email outbox could not be processed: ${(error as Error)?.message ?? String(error)}`)
    )
  }
  const timer = setInterval(tick, Math.max(10, options.intervalMs))
  timer.unref()
  setImmediate(tick)
  return {
    async flushNow() {
      if (stopped) throw new Error('The outbox sender has been stopped.')
      const { sent, failed, pending } = await run(true)
      return { sent, failed, pending }
    },
    async stop() {
      stopped = true
      clearInterval(timer)
      await chain
    }
  }
}
