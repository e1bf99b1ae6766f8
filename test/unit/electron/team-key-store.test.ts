import { describe, expect, it } from 'vitest'
import { KeywardError } from '../../../src/shared/errors'
import {
  safeStorageTeamKey,
  teamKeyStoreOptions,
  type TeamKeyBlobStore
} from '../../../src/main/desktop/team-key-store'
import { fakeSafeStorage } from './fakes'

const KEY = 'kwa_AdminAdminAdminAdminAdminAdminAdminAdminAdmin01'

function blobs() {
  const data: Record<string, string> = {}
  const store: TeamKeyBlobStore = {
    get: (k) => data[k],
    set: (k, v) => void (data[k] = v),
    delete: (k) => void delete data[k]
  }
  return { data, store }
}

describe('the team server admin key in the keychain', () => {
  it('keeps it encrypted, gives it back, and forgets it', () => {
    const { data, store } = blobs()
    const keys = safeStorageTeamKey(fakeSafeStorage(), store, 'linux')
    expect(keys.get()).toBeNull()
    keys.set(KEY)
    expect(Object.keys(data)).toEqual(['teamAdminKey'])
    expect(data.teamAdminKey).not.toContain(KEY)
    expect(Buffer.from(data.teamAdminKey!, 'base64').toString()).not.toContain(KEY)
    expect(keys.get()).toBe(KEY)
    keys.set(null)
    expect(data).toEqual({})
    expect(keys.get()).toBeNull()
  })

  it('refuses to keep it without secure storage, naming the field, and says when Linux only obfuscates', () => {
    const { data, store } = blobs()
    const none = safeStorageTeamKey(fakeSafeStorage({ available: false }), store, 'linux')
    expect(none.storage()).toBe('unavailable')
    const error = (() => {
      try {
        none.set(KEY)
      } catch (e) {
        return e as KeywardError
      }
    })()
    expect(error).toBeInstanceOf(KeywardError)
    expect(error!.fields).toHaveProperty('adminKey')
    expect(error!.message).not.toContain(KEY)
    expect(data).toEqual({})
    expect(safeStorageTeamKey(fakeSafeStorage({ backend: 'basic_text' }), store, 'linux').storage()).toBe('basic_text')
    expect(safeStorageTeamKey(fakeSafeStorage({ backend: 'basic_text' }), store, 'darwin').storage()).toBe('os')
  })

  it('a blob the OS key store cannot decrypt reads as no key', () => {
    const { data, store } = blobs()
    data.teamAdminKey = Buffer.from('garbage').toString('base64')
    expect(safeStorageTeamKey(fakeSafeStorage(), store, 'linux').get()).toBeNull()
  })

  it('its own owner-only file, apart from the preferences', () => {
    expect(teamKeyStoreOptions()).toMatchObject({
      name: 'team-server-key',
      configFileMode: 0o600,
      clearInvalidConfig: true
    })
  })
})
