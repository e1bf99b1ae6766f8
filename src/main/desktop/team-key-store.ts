import { KeywardError } from '../../shared/errors'
import { secureStorageKind, type SafeStorageLike } from './password-store'

/** Where the encrypted admin key lives (a small electron-store file of its own, apart from preferences). */
export interface TeamKeyBlobStore {
  get(key: 'teamAdminKey'): unknown
  set(key: 'teamAdminKey', value: string): void
  delete(key: 'teamAdminKey'): void
}

/** The team server's administrator key, kept by the OS keychain; it never leaves main. */
export interface TeamKeyStore {
  storage(): 'os' | 'basic_text' | 'unavailable'
  /** The kept key, or null (none, or encrypted under another OS key). */
  get(): string | null
  /** Keeps a key (refused without secure storage), or forgets it (null). */
  set(key: string | null): void
}

export const NO_SECURE_STORAGE_FOR_ADMIN_KEY =
  'This computer offers no secure storage (the OS key store is unavailable), so Keyward will not keep the administrator key. ' +
  'Use the team server from the CLI or its web console, or set up the OS key store and try again.'

/**
 * The administrator key of the team server, encrypted with Electron's safeStorage (macOS
 * Keychain, Windows DPAPI, Secret Service / KWallet on Linux) and kept as base64 in its own file,
 * like the SMTP password (./password-store.ts). Never stored in plaintext: without encryption,
 * keeping it is refused.
 */
export function safeStorageTeamKey(
  safeStorage: SafeStorageLike,
  store: TeamKeyBlobStore,
  platform: NodeJS.Platform = process.platform
): TeamKeyStore {
  const storage = () => secureStorageKind(safeStorage, platform)
  return {
    storage,
    get() {
      const blob = store.get('teamAdminKey')
      if (typeof blob !== 'string' || blob === '' || storage() === 'unavailable') return null
      try {
        return safeStorage.decryptString(Buffer.from(blob, 'base64'))
      } catch {
        return null
      }
    },
    set(key) {
      if (key === null || key === '') {
        store.delete('teamAdminKey')
        return
      }
      if (storage() === 'unavailable')
        throw new KeywardError('VALIDATION', NO_SECURE_STORAGE_FOR_ADMIN_KEY, {
          adminKey: 'No secure storage on this computer: the administrator key cannot be kept.'
        })
      store.set('teamAdminKey', safeStorage.encryptString(key).toString('base64'))
    }
  }
}

/** electron-store options for the admin key's file: owner-only, reset when corrupt. */
export function teamKeyStoreOptions() {
  return {
    name: 'team-server-key',
    schema: { teamAdminKey: { type: 'string' } },
    clearInvalidConfig: true,
    configFileMode: 0o600,
    accessPropertiesByDotNotation: false
  }
}
