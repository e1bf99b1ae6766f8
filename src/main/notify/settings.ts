import { z } from 'zod'
import type { Input } from '../../shared/contract'
import { SMTP_SECURITY, SmtpSettingsInput } from '../../shared/schemas'
import type { SmtpSettings } from '../../shared/types'
import { parseInput, type Registry } from '../core/registry'
import type { Clock } from '../core/clock'
import type { PasswordStore } from './types'

/**
 * SMTP settings live in the registry file (registry_settings, one JSON value under 'smtp') so the
 * app, the CLI and `keyward serve` all send through the same relay. The password never goes there.
 */
export interface SmtpConfig {
  host: string
  port: number
  security: (typeof SMTP_SECURITY)[number]
  user: string | null
  from: string
}

const SETTING_NAME = 'smtp'

const StoredConfig = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  security: z.enum(SMTP_SECURITY),
  user: z.string().nullable(),
  from: z.string().min(1)
})

/** The stored settings, or null when email has not been set up (or the stored value is unreadable). */
export function readSmtpConfig(registry: Registry): SmtpConfig | null {
  const row = registry.db.prepare('SELECT value FROM registry_settings WHERE name = ?').get(SETTING_NAME) as { value: string } | undefined
  if (!row) return null
  try {
    const parsed = StoredConfig.safeParse(JSON.parse(row.value))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}

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
 * Replaces the settings (host, port and from are required; an absent user means no login) and
 * appends one audit entry naming what changed. The password goes to the host's PasswordStore and is
 * audited only as "passwordChanged". Pending alerts become due at once, so a fixed relay is tried now.
 */
export function saveSmtpSettings(
  registry: Registry,
  passwords: PasswordStore,
  input: Input<'notify.settings.set'>,
  actor: string,
  clock: Clock
): SmtpSettings {
  const v = parseInput(SmtpSettingsInput, input)
  const next: SmtpConfig = { host: v.host, port: v.port, security: v.security, user: v.user ? v.user : null, from: v.from }
  const passwordBefore = passwords.get()
  const passwordChanged = v.password !== undefined && (v.password || null) !== passwordBefore
  registry.write(() => {
    const before = readSmtpConfig(registry)
    const changes: Record<string, { from: unknown; to: unknown }> = {}
    for (const field of ['host', 'port', 'security', 'user', 'from'] as const) {
      if ((before?.[field] ?? null) !== next[field]) changes[field] = { from: before?.[field] ?? null, to: next[field] }
    }
    if (Object.keys(changes).length === 0 && !passwordChanged) return
    const now = clock()
    registry.db
      .prepare('INSERT INTO registry_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value')
      .run(SETTING_NAME, JSON.stringify(next))
    registry.db.prepare("UPDATE outbox SET next_attempt_at = ? WHERE status = 'pending' AND next_attempt_at > ?").run(now, now)
    registry.audit.append(now, {
      actor,
      action: 'notify.settings',
      targetId: null,
      targetName: 'SMTP settings',
      details: { changes, passwordChanged }
    })
    // Inside the transaction: if the password store throws (no secure storage), nothing is saved.
    if (passwordChanged) passwords.set(v.password || null)
  })
  return smtpSettingsView(readSmtpConfig(registry), passwords)
}
