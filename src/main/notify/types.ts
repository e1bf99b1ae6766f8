import type { SmtpSettings } from '../../shared/types'

/**
 * Where the SMTP password comes from. The desktop app keeps it encrypted with Electron's
 * safeStorage; the CLI and `keyward serve` read KEYWARD_SMTP_PASSWORD or stdin and store nothing.
 */
export interface PasswordStore {
  get(): string | null
  /** null removes it. Hosts that cannot store a password throw a VALIDATION KeywardError. */
  set(password: string | null): void
  storage(): SmtpSettings['passwordStorage']
}

/** A password given for this process only (environment or stdin); never written anywhere. */
export function processPasswordStore(password: string | null | undefined): PasswordStore {
  let current = password ?? null
  return {
    get: () => current,
    set: (next) => {
      current = next
    },
    storage: () => (current == null ? 'unavailable' : 'environment')
  }
}
