import { describe, expect, it } from 'vitest'
import { resolveRegistry, resolveRegistryPath, userDataDir } from '../../../src/main/core/paths'
import { KeywardError } from '../../../src/shared/errors'

describe('where the registry file lives', () => {
  it('defaults to the desktop app’s user-data folder on each platform', () => {
    expect(resolveRegistryPath(undefined, {}, 'linux')).toMatch(/\/\.config\/Keyward\/registry\.sqlite3$/)
    expect(resolveRegistryPath(undefined, { XDG_CONFIG_HOME: '/xdg' }, 'linux')).toBe('/xdg/Keyward/registry.sqlite3')
    expect(userDataDir('darwin', {}, '/Users/ana')).toBe('/Users/ana/Library/Application Support/Keyward')
    expect(userDataDir('win32', { APPDATA: 'C:\\Users\\ana\\AppData\\Roaming' }, 'C:\\Users\\ana')).toBe(
      'C:\\Users\\ana\\AppData\\Roaming\\Keyward'
    )
    expect(resolveRegistryPath(undefined, { APPDATA: 'C:\\Users\\ana\\AppData\\Roaming' }, 'win32')).toBe(
      'C:\\Users\\ana\\AppData\\Roaming\\Keyward\\registry.sqlite3'
    )
  })

  it('is overridden by --db, then by KEYWARD_DB', () => {
    expect(resolveRegistryPath('/tmp/a.sqlite3', { KEYWARD_DB: '/tmp/b.sqlite3' }, 'linux')).toBe('/tmp/a.sqlite3')
    expect(resolveRegistryPath(undefined, { KEYWARD_DB: '/tmp/b.sqlite3' }, 'linux')).toBe('/tmp/b.sqlite3')
    expect(resolveRegistryPath('  ', { KEYWARD_DB: '  ' }, 'linux')).toMatch(/Keyward\/registry\.sqlite3$/)
  })
})

describe('a URL in --db or KEYWARD_DB', () => {
  it('is refused before anything is created, naming the option, never repeating the URL (it may hold a password)', () => {
    for (const [explicit, env, field] of [
      ['postgres://ana:s3cret@db.example:5432/keyward', {}, '--db'],
      ['postgresql://ana@db/keyward', {}, '--db'],
      [undefined, { KEYWARD_DB: 'POSTGRES://ana:s3cret@db/keyward' }, 'KEYWARD_DB'],
      ['mysql://root:pw@db/keys', {}, '--db'],
      ['https://example.com/registry.sqlite3', {}, '--db']
    ] as const) {
      let error: unknown
      try {
        resolveRegistryPath(explicit, env, 'linux')
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(KeywardError)
      const e = error as KeywardError
      expect(e.code).toBe('VALIDATION')
      expect(Object.keys(e.fields ?? {})).toEqual([field])
      expect(e.message).toMatch(/Give the path of a registry file|needs a registry file for now/)
      expect(e.message).not.toContain('s3cret')
      expect(e.message).not.toContain('pw@')
    }
  })

  it('names PostgreSQL for postgres:// and postgresql:// (any case), and refuses every other scheme', () => {
    expect(resolveRegistry('postgres://ana@db/keyward', {}, 'linux')).toEqual({
      engine: 'postgres',
      url: 'postgres://ana@db/keyward',
      field: '--db'
    })
    expect(resolveRegistry(undefined, { KEYWARD_DB: ' POSTGRESQL://ana@db/k ' }, 'linux')).toEqual({
      engine: 'postgres',
      url: 'POSTGRESQL://ana@db/k',
      field: 'KEYWARD_DB'
    })
    expect(resolveRegistry('./a.sqlite3', {}, 'linux')).toEqual({ engine: 'sqlite', path: './a.sqlite3' })
    expect(() => resolveRegistry('mysql://root:pw@db/keys', {}, 'linux')).toThrow(/mysql:\/\/ URL, not a file path/)
  })

  it('paths that merely contain a colon are still paths', () => {
    expect(resolveRegistryPath('C:\\Keyward\\registry.sqlite3', {}, 'win32')).toBe('C:\\Keyward\\registry.sqlite3')
    expect(resolveRegistryPath('./postgres:backup.sqlite3', {}, 'linux')).toBe('./postgres:backup.sqlite3')
    expect(resolveRegistryPath('file.sqlite3', {}, 'linux')).toBe('file.sqlite3')
  })
})
