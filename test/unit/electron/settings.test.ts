import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Conf from 'conf'
import { afterEach, describe, expect, it } from 'vitest'
import { KeywardError } from '../../../src/shared/errors'
import { DEFAULT_APP_SETTINGS } from '../../../src/shared/schemas'
import {
  memoryPreferenceStore,
  preferenceStoreOptions,
  type PreferenceStore
} from '../../../src/main/desktop/preferences'
import { createSettingsService } from '../../../src/main/desktop/app-settings'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** The very options electron-store gets, opened with conf (what electron-store extends) in a temp folder. */
function confStore(cwd?: string) {
  const dir = cwd ?? mkdtempSync(join(tmpdir(), 'keyward-prefs-'))
  if (!cwd) dirs.push(dir)
  const { name, ...options } = preferenceStoreOptions()
  const conf = new Conf({ ...options, configName: name, cwd: dir, projectVersion: '0.1.0' })
  return { conf, dir, file: join(dir, `${name}.json`), store: conf as unknown as PreferenceStore }
}

describe('settings service', () => {
  it('reads defaults, stores a patch, and notifies listeners with next and previous', () => {
    const store = memoryPreferenceStore()
    const settings = createSettingsService(store)
    const seen: unknown[] = []
    settings.onChange((next, previous) => seen.push({ next: next.theme, previous: previous.theme }))
    expect(settings.get()).toEqual(DEFAULT_APP_SETTINGS)
    expect(settings.set({ theme: 'light' })).toEqual({ ...DEFAULT_APP_SETTINGS, theme: 'light' })
    expect(seen).toEqual([{ next: 'light', previous: 'system' }])
    expect(store.data.settings).toEqual({ ...DEFAULT_APP_SETTINGS, theme: 'light' })
  })

  it('refuses an invalid patch with field messages and stores nothing', () => {
    const store = memoryPreferenceStore()
    const settings = createSettingsService(store)
    let error: unknown
    try {
      settings.set({ clipboardClearSeconds: -1, unknownThing: 1 })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(KeywardError)
    expect((error as KeywardError).code).toBe('VALIDATION')
    expect(Object.keys((error as KeywardError).fields ?? {})).toEqual(expect.arrayContaining(['clipboardClearSeconds']))
    expect(store.data.settings).toEqual(DEFAULT_APP_SETTINGS)
  })

  it('a bad stored field reads as its default without losing the others', () => {
    const store = memoryPreferenceStore({
      settings: { theme: 'dark', clipboardClearSeconds: 'soon', serverPort: 99999 }
    })
    expect(createSettingsService(store).get()).toEqual({ ...DEFAULT_APP_SETTINGS, theme: 'dark' })
  })

  it('a listener that throws does not undo the stored change', () => {
    const store = memoryPreferenceStore()
    const logged: string[] = []
    const settings = createSettingsService(store, (l) => logged.push(l))
    settings.onChange(() => {
      throw new Error('port in use')
    })
    expect(settings.set({ serverEnabled: true }).serverEnabled).toBe(true)
    expect(logged).toEqual(['keyward: applying settings failed: port in use'])
    expect(settings.get().serverEnabled).toBe(true)
  })
})

describe('preference file options (electron-store over conf)', () => {
  it('writes an owner-only file that holds the settings and the window state', () => {
    const { store, file } = confStore()
    const settings = createSettingsService(store)
    settings.set({ theme: 'dark' })
    store.set('window', { x: 10, y: 20, width: 1200, height: 800, maximized: false })
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600)
    const onDisk = JSON.parse(readFileSync(file, 'utf8'))
    expect(onDisk.settings.theme).toBe('dark')
    expect(onDisk.window).toEqual({ x: 10, y: 20, width: 1200, height: 800, maximized: false })
  })

  it('a corrupt file is reset to defaults instead of stopping the app', () => {
    const { dir, file } = confStore()
    writeFileSync(file, '{ this is not json')
    const { store } = confStore(dir)
    expect(createSettingsService(store).get()).toEqual(DEFAULT_APP_SETTINGS)
  })

  it('a file that breaks the schema is reset too', () => {
    const { dir, file } = confStore()
    writeFileSync(
      file,
      JSON.stringify({ settings: { theme: 'neon', clipboardClearSeconds: 30, serverEnabled: false, serverPort: 8787 } })
    )
    const { store, conf } = confStore(dir)
    expect(createSettingsService(store).get().theme).toBe('system')
    expect(conf.get('settings')).toEqual(DEFAULT_APP_SETTINGS)
  })

  it('a file written before a setting existed keeps its values (the new one reads as its default)', () => {
    const { dir, file } = confStore()
    // Keyward before the Gateway switch and the Language setting: no serverGateway, no language.
    writeFileSync(
      file,
      JSON.stringify({ settings: { theme: 'dark', clipboardClearSeconds: 10, serverEnabled: true, serverPort: 9000 } })
    )
    const { store } = confStore(dir)
    expect(createSettingsService(store).get()).toEqual({
      theme: 'dark',
      clipboardClearSeconds: 10,
      serverEnabled: true,
      serverPort: 9000,
      serverGateway: false,
      language: 'system',
      registry: { kind: 'local' }
    })
  })

  it('the schema refuses an invalid value at write time', () => {
    const { store } = confStore()
    expect(() => store.set('window', { width: 10, height: 10, maximized: false })).toThrow()
  })
})
