import { describe, expect, it } from 'vitest'
import { KeywardError } from '../../../src/shared/errors'
import {
  passwordStoreOptions,
  safeStoragePasswordStore,
  type BlobStore,
  type SafeStorageLike
} from '../../../src/main/desktop/password-store'

/** safeStorage that "encrypts" by reversing and tagging, so a test can tell ciphertext from plaintext. */
function fakeSafeStorage(options: { available?: boolean; backend?: string } = {}) {
  return {
    isEncryptionAvailable: () => options.available ?? true,
    encryptString: (text: string) => Buffer.from(`enc:${[...text].reverse().join('')}`),
    decryptString: (data: Buffer) => {
      const text = data.toString()
      if (!text.startsWith('enc:'))
        throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.')
      return [...text.slice(4)].reverse().join('')
    },
    getSelectedStorageBackend: () => options.backend ?? 'gnome_libsecret'
  } satisfies SafeStorageLike
}

function memoryBlobs() {
  const data = new Map<string, string>()
  const store: BlobStore & { data: Map<string, string> } = {
    data,
    get: (k) => data.get(k),
    set: (k, v) => void data.set(k, v),
    delete: (k) => void data.delete(k)
  }
  return store
}

describe('safeStorage password store', () => {
  it('keeps only ciphertext, and gives the password back', () => {
    const blobs = memoryBlobs()
    const store = safeStoragePasswordStore(fakeSafeStorage(), blobs, 'linux')
    expect(store.get()).toBeNull()
    store.set('hunter2')
    expect([...blobs.data.values()].join()).not.toContain('hunter2')
    expect(Buffer.from(blobs.data.get('smtpPassword')!, 'base64').toString()).toMatch(/^enc:/)
    expect(store.get()).toBe('hunter2')
    expect(store.storage()).toBe('os')
  })

  it('null or empty removes it', () => {
    const blobs = memoryBlobs()
    const store = safeStoragePasswordStore(fakeSafeStorage(), blobs, 'darwin')
    store.set('x')
    store.set(null)
    expect(blobs.data.size).toBe(0)
    expect(store.get()).toBeNull()
  })

  it("reports Linux's basic_text backend so Settings can warn", () => {
    expect(safeStoragePasswordStore(fakeSafeStorage({ backend: 'basic_text' }), memoryBlobs(), 'linux').storage()).toBe(
      'basic_text'
    )
    expect(safeStoragePasswordStore(fakeSafeStorage({ backend: 'kwallet5' }), memoryBlobs(), 'linux').storage()).toBe(
      'os'
    )
    // The backend query is Linux-only in Electron; elsewhere the OS store is used.
    expect(safeStoragePasswordStore(fakeSafeStorage({ backend: 'basic_text' }), memoryBlobs(), 'win32').storage()).toBe(
      'os'
    )
  })

  it('without encryption: unavailable, and saving is refused rather than stored in plaintext', () => {
    const blobs = memoryBlobs()
    const store = safeStoragePasswordStore(fakeSafeStorage({ available: false }), blobs, 'linux')
    expect(store.storage()).toBe('unavailable')
    let error: unknown
    try {
      store.set('hunter2')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(KeywardError)
    expect((error as KeywardError).code).toBe('VALIDATION')
    expect((error as KeywardError).fields?.password).toBeTruthy()
    expect(blobs.data.size).toBe(0)
  })

  it('a blob the OS key can no longer decrypt reads as no password', () => {
    const blobs = memoryBlobs()
    blobs.set('smtpPassword', Buffer.from('garbage').toString('base64'))
    expect(safeStoragePasswordStore(fakeSafeStorage(), blobs, 'linux').get()).toBeNull()
  })

  it('its file is owner-only and apart from the preferences', () => {
    expect(passwordStoreOptions()).toMatchObject({
      name: 'smtp-password',
      configFileMode: 0o600,
      clearInvalidConfig: true
    })
  })
})
