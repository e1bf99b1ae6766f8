import type { MenuItemConstructorOptions } from 'electron'
import { describe, expect, it } from 'vitest'
import { folderPicker, type OpenDialogLike } from '../../../src/main/desktop/folder-picker'
import { NATIVE_WORDS } from '../../../src/main/desktop/native-words'
import { menuTemplate } from '../../../src/main/desktop/menu'
import type { NotifyHandlers } from '../../../src/main/notify/handlers'
import { serverHostHandlers } from '../../../src/main/server/host'
import { isMenuCommand } from '../../../src/shared/ipc'
import { KeywardError } from '../../../src/shared/errors'

/** Where the leak scan is offered: the app (menu item, native folder dialog), never `keyward serve`. */
describe('leak scan hosts', () => {
  it('keyward serve refuses scan.run and scan.pickFolder: its files are not the caller’s to read', async () => {
    const host = serverHostHandlers({} as NotifyHandlers)
    for (const name of ['scan.run', 'scan.pickFolder'] as const) {
      let error: unknown
      try {
        await (host[name] as (input: unknown, ctx: { actor: string }) => unknown)({ paths: ['/etc'] }, { actor: 'a' })
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(KeywardError)
      expect((error as KeywardError).code).toBe('NOT_FOUND')
    }
  })

  it('the folder picker asks over the app window, answers the folder, or null when cancelled or windowless', async () => {
    const asked: unknown[] = []
    let answer = { canceled: false, filePaths: ['/home/me/repo'] }
    const dialog: OpenDialogLike<string> = {
      showOpenDialog: async (window, options) => {
        asked.push([window, options.properties])
        return answer
      }
    }
    let window: string | null = 'main-window'
    const pick = folderPicker(
      dialog,
      () => window,
      () => NATIVE_WORDS.en
    )
    expect(await pick()).toBe('/home/me/repo')
    expect(asked).toEqual([['main-window', ['openDirectory', 'dontAddToRecent']]])
    answer = { canceled: true, filePaths: [] }
    expect(await pick()).toBeNull()
    window = null
    expect(await pick()).toBeNull()
    expect(asked).toHaveLength(2)
  })

  it('File ▸ Scan a Folder… sends scan-folder, a command the preload lets through', () => {
    const calls: string[] = []
    const template = menuTemplate({
      platform: 'linux',
      isDev: false,
      theme: 'system',
      actions: {
        newKey: () => calls.push('newKey'),
        scanFolder: () => calls.push('scanFolder'),
        backUp: () => undefined,
        restore: () => undefined,
        exportKeys: () => undefined,
        importKeys: () => undefined,
        setTheme: () => undefined,
        about: () => undefined
      }
    })
    const file = template.find((m) => m.label === '&File')!.submenu as MenuItemConstructorOptions[]
    const item = file.find((i) => i.id === 'scan-folder')!
    expect(item.label).toMatch(/^Scan a Folder/)
    ;(item.click as () => void)()
    expect(calls).toEqual(['scanFolder'])
    expect(isMenuCommand('scan-folder')).toBe(true)
  })
})
