import type { Pool } from 'pg'
import { systemClock, type Clock } from '../clock'
import { parseSmtpConfig, SMTP_SETTING_NAME, smtpSettingsAuditRecord, type SmtpConfig } from '../smtp-config'
import { appendPgAudit } from './audit'
import { makePgPendingDue } from './outbox'
import { inTransaction } from './transaction'

type Queryable = Pick<Pool, 'query'>

/**
 * The SMTP settings of a team registry: the file's SmtpConfigStore on PostgreSQL (registry_settings,
 * one JSON value under 'smtp'), with the same audit entry. Every node sends through them; the
 * password is never stored here (each node has its own, KEYWARD_SMTP_PASSWORD).
 */
export class PgSmtpConfig {
  constructor(
    private readonly pool: Pool,
    private readonly clock: Clock = systemClock
  ) {}

  read(): Promise<SmtpConfig | null> {
    return readPgSmtpConfig(this.pool, false)
  }

  /**
   * Replaces the settings and appends one audit entry naming what changed. A transaction-scoped
   * advisory lock is taken before the settings are read, so two nodes saving at once take turns and
   * each entry names what its save changed. Pending alerts become due at once. Locks in order: the
   * settings', the pending outbox rows, the chain head (last, as every change does).
   */
  save(
    next: SmtpConfig,
    actor: string,
    password: { changed: boolean; apply: () => void },
    clock: Clock = this.clock
  ): Promise<void> {
    return inTransaction(this.pool, async (client) => {
      const record = smtpSettingsAuditRecord(await readPgSmtpConfig(client, true), next, password.changed)
      if (!record) return
      const now = clock()
      await client.query(
        'INSERT INTO registry_settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
        [SMTP_SETTING_NAME, JSON.stringify(next)]
      )
      await makePgPendingDue(client, now)
      await appendPgAudit(client, now, [{ ...record, actor }])
      if (password.changed) password.apply()
    })
  }
}

// The settings row is absent until email is first set up, so it cannot serve as the lock.
const LOCK_SETTINGS = "SELECT pg_advisory_xact_lock(hashtext('keyward smtp settings'))"

async function readPgSmtpConfig(client: Queryable, lock: boolean): Promise<SmtpConfig | null> {
  if (lock) await client.query(LOCK_SETTINGS)
  const { rows } = await client.query<{ value: string }>('SELECT value FROM registry_settings WHERE name = $1', [
    SMTP_SETTING_NAME
  ])
  return parseSmtpConfig(rows[0]?.value)
}
