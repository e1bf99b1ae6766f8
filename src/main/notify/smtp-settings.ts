import type { ParsedInput } from '../../shared/contract'
import type { SmtpSettings } from '../../shared/types'
import type { Clock } from '../core/clock'
import type { SmtpConfig } from '../core/smtp-config'
import { andThen, type Answer, type SmtpSettingsStore } from './stores'
import type { PasswordStore } from './types'

export type { SmtpConfig }

/** What the Settings screen and `keyward notify settings` show: the stored settings and where the password is. */
export function smtpSettingsView(config: SmtpConfig | null, passwords: PasswordStore): SmtpSettings {
  return {
    host: config?.host ?? null,
    port: config?.port ?? null,
    security: config?.security ?? 'starttls',
    user: config?.user ?? null,
    from: config?.from ?? null,
    passwordSet: passwords.get() != null,
    passwordStorage: passwords.storage()
  }
}

/**
 * Replaces the settings (host, port and from are required; an absent user means no login). The
 * password goes to the host's PasswordStore, inside the registry's transaction: if the store throws
 * (no secure storage), nothing is saved. The registry (a file or PostgreSQL) audits it only as "passwordChanged".
 */
export function saveSmtpSettings(
  settings: SmtpSettingsStore,
  passwords: PasswordStore,
  v: ParsedInput<'notify.settings.set'>,
  actor: string,
  clock: Clock
): Answer<SmtpSettings> {
  const next: SmtpConfig = {
    host: v.host,
    port: v.port,
    security: v.security,
    user: v.user ? v.user : null,
    from: v.from
  }
  const changed = v.password !== undefined && (v.password || null) !== passwords.get()
  return andThen(settings.save(next, actor, { changed, apply: () => passwords.set(v.password || null) }, clock), () =>
    andThen(settings.read(), (config) => smtpSettingsView(config, passwords))
  )
}
