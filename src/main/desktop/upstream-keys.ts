import { KeywardError } from '../../shared/errors'
import type { SafeStorageLike } from './password-store'

/** Where the encrypted blobs live: one small electron-store file of their own, apart from preferences. */
export interface UpstreamKeyBlobStore {
  get(key: 'upstreamKeys'): unknown
  set(key: 'upstreamKeys', value: Record<string, string>): void
}

/** Provider keys for the gateway, by resource id, kept by the desktop app on this computer only. */
export interface UpstreamKeyStore {
  /** How the keys are protected: the OS key store, Linux's weak basic_text fallback, or not at all. */
  storage(): 'os' | 'basic_text' | 'unavailable'
  /** Whether a key is kept for this resource (never the key). */
  has(resourceId: string): boolean
  /** Keeps (encrypted) or, with null, forgets a resource's key. Refused (VALIDATION) without secure storage. */
  set(resourceId: string, providerKey: string | null): void
  /** Every key that decrypts, by resource id: for the local server process only, never for the renderer. */
  decryptAll(): Record<string, string>
}

export const NO_SECURE_STORAGE_FOR_KEYS =
  'This computer offers no secure storage (the OS key store is unavailable), so Keyward will not keep the provider key. ' +
  'Give the key to the server as an environment variable instead (the upstream key variable).'

/**
 * Provider keys encrypted with the OS key store through safeStorage, as base64 blobs keyed by
 * resource id, in their own owner-only file. The same pattern as the SMTP password
 * (password-store.ts): never stored in plaintext; without encryption, keeping one is refused.
 */
export function safeStorageUpstreamKeys(
  safeStorage: SafeStorageLike,
  store: UpstreamKeyBlobStore,
  platform: NodeJS.Platform = process.platform
): UpstreamKeyStore {
  const storage = (): 'os' | 'basic_text' | 'unavailable' => {
    if (!safeStorage.isEncryptionAvailable()) return 'unavailable'
    if (platform === 'linux' && safeStorage.getSelectedStorageBackend?.() === 'basic_text') return 'basic_text'
    return 'os'
  }
  const blobs = (): Record<string, string> => {
    const raw = store.get('upstreamKeys')
    if (typeof raw !== 'object' || raw === null) return {}
    return Object.fromEntries(
      Object.entries(raw as Record<string, unknown>).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== ''
      )
    )
  }
  return {
    storage,
    has: (resourceId) => Object.prototype.hasOwnProperty.call(blobs(), resourceId),
    set(resourceId, providerKey) {
      const next = blobs()
      if (providerKey === null || providerKey === '') {
        if (!(resourceId in next)) return
        delete next[resourceId]
        store.set('upstreamKeys', next)
        return
      }
      if (storage() === 'unavailable') {
        throw new KeywardError('VALIDATION', NO_SECURE_STORAGE_FOR_KEYS, {
          providerKey: 'No secure storage on this computer: the provider key cannot be kept.'
        })
      }
      next[resourceId] = safeStorage.encryptString(providerKey).toString('base64')
      store.set('upstreamKeys', next)
    },
    decryptAll() {
      if (storage() === 'unavailable') return {}
      const out: Record<string, string> = {}
      for (const [resourceId, blob] of Object.entries(blobs())) {
        try {
          out[resourceId] = safeStorage.decryptString(Buffer.from(blob, 'base64'))
        } catch {
          // Encrypted under another OS key (new keyring, other user): as good as no key.
        }
      }
      return out
    }
  }
}

/** electron-store options for the provider-key file: owner-only, reset when corrupt. */
export function upstreamKeyStoreOptions() {
  return {
    name: 'upstream-keys',
    schema: { upstreamKeys: { type: 'object', additionalProperties: { type: 'string' } } },
    clearInvalidConfig: true,
    configFileMode: 0o600,
    accessPropertiesByDotNotation: false
  }
}
