import { z } from 'zod'
import { SMTP_SECURITY } from '../../shared/schemas'
import type { AuditRecord } from './audit'
import type { Core } from './context'
import type { Outbox } from './outbox'

/**
 * SMTP settings live in the registry file (registry_settings, one JSON value under 'smtp') so the
 * app, the CLI and `keyward serve` all send through the same relay. The password never goes there:
 * each host keeps it in its own PasswordStore (src/main/notify).
 */
export interface SmtpConfig {
  host: string
  port: number
  security: (typeof SMTP_SECURITY)[number]
  user: string | null
  from: string
}

export const SMTP_SETTING_NAME = 'smtp'
const FIELDS = ['host', 'port', 'security', 'user', 'from'] as const

const StoredConfig = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  security: z.enum(SMTP_SECURITY),
  user: z.string().nullable(),
  from: z.string().min(1)
})

export class SmtpConfigStore {
  constructor(
    private readonly core: Core,
    private readonly outbox: Outbox
  ) {}

  /** The stored settings, or null when email has not been set up (or the stored value is unreadable). */
  read(): SmtpConfig | null {
    const value = this.core.store.pluck('SELECT value FROM registry_settings WHERE name = ?').get(SMTP_SETTING_NAME) as
      string | undefined
    return parseSmtpConfig(value)
  }

  /**
   * Replaces the settings and appends one audit entry naming what changed (the password only as
   * "passwordChanged"). Pending alerts become due at once, so a fixed relay is tried now.
   * `password.apply` runs inside the transaction: if it throws (no secure storage), nothing is saved.
   */
  save(
    next: SmtpConfig,
    actor: string,
    password: { changed: boolean; apply: () => void },
    clock = this.core.clock
  ): void {
    const { store, audit } = this.core
    store.write(() => {
      const record = smtpSettingsAuditRecord(this.read(), next, password.changed)
      if (!record) return
      const now = clock()
      store
        .sql(
          'INSERT INTO registry_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'
        )
        .run(SMTP_SETTING_NAME, JSON.stringify(next))
      this.outbox.makePendingDue(now)
      audit.append(now, { ...record, actor })
      if (password.changed) password.apply()
    })
  }
}

/** A stored value as settings; null when absent or unreadable (email then counts as not set up). */
export function parseSmtpConfig(value: string | undefined | null): SmtpConfig | null {
  if (value === undefined || value === null) return null
  try {
    const parsed = StoredConfig.safeParse(JSON.parse(value))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}

/**
 * The audit entry of a settings change, on either engine (core/pg/smtp-config.ts): each field that
 * changed, before → after, and the password only as "passwordChanged". null when nothing changed
 * (then nothing is written).
 */
export function smtpSettingsAuditRecord(
  before: SmtpConfig | null,
  next: SmtpConfig,
  passwordChanged: boolean
): Omit<AuditRecord, 'actor'> | null {
  const changes: Record<string, { from: unknown; to: unknown }> = {}
  for (const field of FIELDS) {
    if ((before?.[field] ?? null) !== next[field]) changes[field] = { from: before?.[field] ?? null, to: next[field] }
  }
  if (Object.keys(changes).length === 0 && !passwordChanged) return null
  return {
    action: 'notify.settings',
    targetId: null,
    targetName: 'SMTP settings',
    details: { changes, passwordChanged }
  }
}
