import { describe, expect, it } from 'vitest'
import { resolveRegistryPath, userDataDir } from '../../../src/main/core/paths'

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
