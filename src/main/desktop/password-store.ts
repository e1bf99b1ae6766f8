import { KeywardError } from '../../shared/errors'
import type { PasswordStore } from '../notify/types'

/** The part of Electron's safeStorage this adapter uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean
  encryptString(plainText: string): Buffer
  decryptString(encrypted: Buffer): string
  /** Linux only in Electron; other platforms always use the OS key store. */
  getSelectedStorageBackend?(): string
}

/** Where the encrypted blob lives (a small electron-store file of its own, apart from preferences). */
export interface BlobStore {
  get(key: 'smtpPassword'): unknown
  set(key: 'smtpPassword', value: string): void
  delete(key: 'smtpPassword'): void
}

export const NO_SECURE_STORAGE_MESSAGE =
  'This computer offers no secure storage for the SMTP password (the OS key store is unavailable), so Keyward will not save it. ' +
  'Leave the password empty, or run `keyward notify flush` with KEYWARD_SMTP_PASSWORD set.'

/** What the OS key store offers: real encryption, Linux's basic_text obfuscation, or nothing. */
export function secureStorageKind(
  safeStorage: SafeStorageLike,
  platform: NodeJS.Platform = process.platform
): 'os' | 'basic_text' | 'unavailable' {
  if (!safeStorage.isEncryptionAvailable()) return 'unavailable'
  if (platform === 'linux' && safeStorage.getSelectedStorageBackend?.() === 'basic_text') return 'basic_text'
  return 'os'
}

/**
 * The SMTP password, encrypted with the OS key store through safeStorage and kept as base64 in its
 * own file. Never stored in plaintext: without encryption, saving is refused. On Linux's
 * basic_text backend (no keyring) the password is only obfuscated, and `storage()` says so,
 * so the Settings screen can warn.
 */
export function safeStoragePasswordStore(
  safeStorage: SafeStorageLike,
  store: BlobStore,
  platform: NodeJS.Platform = process.platform
): PasswordStore {
  const storage = () => secureStorageKind(safeStorage, platform)
  return {
    storage,
    get() {
      const blob = store.get('smtpPassword')
      if (typeof blob !== 'string' || blob === '' || storage() === 'unavailable') return null
      try {
        return safeStorage.decryptString(Buffer.from(blob, 'base64'))
      } catch {
        // Encrypted under another OS key (new keyring, other user): as good as no password.
        return null
      }
    },
    set(password) {
      if (password === null || password === '') {
        store.delete('smtpPassword')
        return
      }
      if (storage() === 'unavailable') {
        throw new KeywardError('VALIDATION', NO_SECURE_STORAGE_MESSAGE, {
          password: 'No secure storage on this computer: the password cannot be saved.'
        })
      }
      store.set('smtpPassword', safeStorage.encryptString(password).toString('base64'))
    }
  }
}

/** electron-store options for the password file: owner-only, reset when corrupt. */
export function passwordStoreOptions() {
  return {
    name: 'smtp-password',
    schema: { smtpPassword: { type: 'string' } },
    clearInvalidConfig: true,
    configFileMode: 0o600,
    accessPropertiesByDotNotation: false
  }
}
