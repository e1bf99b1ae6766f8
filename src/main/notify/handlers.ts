import type { FlushResult } from '../../shared/types'
import { systemClock, type Clock } from '../core/clock'
import type { HostHandlers } from '../core/operations'
import type { Registry } from '../core/registry'
import { flushOutbox, sendTestEmail, type SenderOptions } from './sender'
import { saveSmtpSettings, smtpSettingsView } from './smtp-settings'
import type { SmtpConnectOptions } from './smtp'
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

export interface NotifyHandlerDeps {
  registry: Registry
  passwords: PasswordStore
  clock?: Clock
  /** TLS trust and timeouts for the SMTP connection (tests trust their self-signed certificate here). */
  smtp?: SmtpConnectOptions
  /** A running background sender's flushNow, so "flush" and the timer never overlap in one process. */
  flush?: () => Promise<FlushResult>
  /** Sender tuning (lease, backoff, attempts) when no background sender is given. */
  sender?: Omit<SenderOptions, 'registry' | 'passwords' | 'clock' | 'smtp'>
}

/**
 * The email operations of the contract for one host (the app, `keyward serve`, the CLI). The host
 * decides where the SMTP password lives by the PasswordStore it passes; settings are in the registry.
 */
export function createNotifyHandlers({
  registry,
  passwords,
  clock = systemClock,
  smtp,
  flush,
  sender
}: NotifyHandlerDeps): NotifyHandlers {
  const senderOptions: SenderOptions = { ...sender, registry, passwords, clock, smtp }
  return {
    'notify.settings.get': () => smtpSettingsView(registry.smtpConfig.read(), passwords),
    'notify.settings.set': (input, ctx) => saveSmtpSettings(registry, passwords, input, ctx.actor, clock),
    'notify.outbox': (input) => registry.outbox.list(input, clock()),
    'notify.retry': (input, ctx) => registry.outbox.retry(input, ctx.actor, clock()),
    'notify.discard': (input, ctx) => registry.outbox.discard(input, ctx.actor, clock()),
    'notify.flush': async () => {
      if (flush) return flush()
      const { sent, failed, pending } = await flushOutbox(senderOptions, { ignoreSchedule: true })
      return { sent, failed, pending }
    },
    'notify.test': (input) => sendTestEmail(senderOptions, input.to)
  }
}
