import type { FlushResult } from '../../shared/types'
import { systemClock, type Clock } from '../core/clock'
import type { HostHandlers } from '../core/operations'
import { flushOutbox, sendTestEmail, type SenderOptions, type SenderTuning } from './sender'
import { saveSmtpSettings, smtpSettingsView } from './smtp-settings'
import type { SmtpConnectOptions } from './smtp'
import { andThen, notifyStores, type NotifySource } from './stores'
import type { PasswordStore } from './types'

export type NotifyOperationName =
  | 'notify.settings.get'
  | 'notify.settings.set'
  | 'notify.outbox'
  | 'notify.retry'
  | 'notify.discard'
  | 'notify.flush'
  | 'notify.test'

export type NotifyHandlers = Pick<HostHandlers, NotifyOperationName>

/** `registry` (a file), or `outbox` and `settings` (PostgreSQL: core/pg/outbox.ts, core/pg/smtp-config.ts). */
export type NotifyHandlerDeps = NotifySource & NotifyHandlerOptions

export interface NotifyHandlerOptions {
  passwords: PasswordStore
  clock?: Clock
  /** TLS trust and timeouts for the SMTP connection (tests trust their self-signed certificate here). */
  smtp?: SmtpConnectOptions
  /** A running background sender's flushNow, so "flush" and the timer never overlap in one process. */
  flush?: () => Promise<FlushResult>
  /** Sender tuning (lease, backoff, attempts) when no background sender is given. */
  sender?: SenderTuning
}

/**
 * The email operations of the contract for one host (the app, `keyward serve`, the CLI). The host
 * decides where the SMTP password lives by the PasswordStore it passes; settings are in the registry.
 */
export function createNotifyHandlers(deps: NotifyHandlerDeps): NotifyHandlers {
  const { passwords, clock = systemClock, smtp, flush, sender } = deps
  const { outbox, settings } = notifyStores(deps)
  const senderOptions: SenderOptions = { ...sender, outbox, settings, passwords, clock, smtp }
  return {
    'notify.settings.get': () => andThen(settings.read(), (config) => smtpSettingsView(config, passwords)),
    'notify.settings.set': (input, ctx) => saveSmtpSettings(settings, passwords, input, ctx.actor, clock),
    'notify.outbox': (input) => outbox.list(input, clock()),
    'notify.retry': (input, ctx) => outbox.retry(input, ctx.actor, clock()),
    'notify.discard': (input, ctx) => outbox.discard(input, ctx.actor, clock()),
    'notify.flush': async () => {
      if (flush) return flush()
      const { sent, failed, pending } = await flushOutbox(senderOptions, { ignoreSchedule: true })
      return { sent, failed, pending }
    },
    'notify.test': (input) => sendTestEmail(senderOptions, input.to)
  }
}
