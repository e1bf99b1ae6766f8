import type { MenuItemConstructorOptions } from 'electron'
import { describe, expect, it } from 'vitest'
import { menuTemplate, type MenuActions } from '../../../src/main/desktop/menu'
import { NATIVE_WORDS, nativeLocale } from '../../../src/main/desktop/native-words'

function actions() {
  const calls: string[] = []
  const a: MenuActions = {
    newKey: () => calls.push('newKey'),
    backUp: () => calls.push('backUp'),
    restore: () => calls.push('restore'),
    exportKeys: () => calls.push('exportKeys'),
    importKeys: () => calls.push('importKeys'),
    scanFolder: () => calls.push('scanFolder'),
    setTheme: (t) => calls.push(`theme:${t}`),
    about: () => calls.push('about')
  }
  return { a, calls }
}

function items(template: MenuItemConstructorOptions[], label: string): MenuItemConstructorOptions[] {
  const menu = template.find((m) => m.label?.replace('&', '') === label)
  expect(menu, label).toBeTruthy()
  return menu!.submenu as MenuItemConstructorOptions[]
}

function flat(list: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return list.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flat(i.submenu) : [])])
}

describe('native menu', () => {
  it('File: New Key on Ctrl/Cmd+N sends the new-key action; Quit', () => {
    const { a, calls } = actions()
    const template = menuTemplate({ platform: 'linux', isDev: false, theme: 'system', actions: a })
    expect(template.map((m) => m.label)).toEqual(['&File', '&Edit', '&View', '&Help'])
    const file = items(template, 'File')
    const newKey = file.find((i) => i.id === 'new-key')!
    expect(newKey.accelerator).toBe('CmdOrCtrl+N')
    ;(newKey.click as () => void)()
    expect(calls).toEqual(['newKey'])
    expect(file.some((i) => i.role === 'quit')).toBe(true)
  })

  it('File: Back Up Registry…, Restore from Backup…, Import Keys… and Export Keys… call their actions', () => {
    const { a, calls } = actions()
    const file = items(menuTemplate({ platform: 'linux', isDev: false, theme: 'system', actions: a }), 'File')
    expect(file.map((i) => i.label ?? i.type ?? i.role)).toEqual([
      'New Key…',
      'Scan a Folder for Leaked Keys…',
      'separator',
      'Back Up Registry…',
      'Restore from Backup…',
      'Import Keys…',
      'Export Keys…',
      'separator',
      'Quit'
    ])
    ;(file.find((i) => i.id === 'backup-registry')!.click as () => void)()
    ;(file.find((i) => i.id === 'restore-registry')!.click as () => void)()
    ;(file.find((i) => i.id === 'import-keys')!.click as () => void)()
    ;(file.find((i) => i.id === 'export-keys')!.click as () => void)()
    expect(calls).toEqual(['backUp', 'restore', 'importKeys', 'exportKeys'])
  })

  it('Edit has the standard roles', () => {
    const { a } = actions()
    const roles = items(menuTemplate({ platform: 'win32', isDev: false, theme: 'system', actions: a }), 'Edit')
      .map((i) => i.role)
      .filter(Boolean)
    expect(roles).toEqual(['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll'])
  })

  it('View: theme radio with the current choice checked, zoom, and reload only in dev', () => {
    const { a, calls } = actions()
    const prod = flat(items(menuTemplate({ platform: 'linux', isDev: false, theme: 'dark', actions: a }), 'View'))
    const themes = prod.filter((i) => i.id?.startsWith('theme-'))
    expect(themes.map((t) => [t.label, t.type, t.checked])).toEqual([
      ['System', 'radio', false],
      ['Light', 'radio', false],
      ['Dark', 'radio', true]
    ])
    ;(themes[1]!.click as () => void)()
    expect(calls).toEqual(['theme:light'])
    const prodRoles = prod.map((i) => i.role).filter(Boolean)
    expect(prodRoles).toEqual(expect.arrayContaining(['resetZoom', 'zoomIn', 'zoomOut']))
    expect(prodRoles).not.toContain('reload')
    expect(prodRoles).not.toContain('toggleDevTools')
    const dev = flat(items(menuTemplate({ platform: 'linux', isDev: true, theme: 'dark', actions: a }), 'View')).map(
      (i) => i.role
    )
    expect(dev).toEqual(expect.arrayContaining(['reload', 'toggleDevTools']))
  })

  it('Help: About', () => {
    const { a, calls } = actions()
    const help = items(menuTemplate({ platform: 'linux', isDev: false, theme: 'system', actions: a }), 'Help')
    ;(help.find((i) => i.label === 'About Keyward')!.click as () => void)()
    expect(calls).toEqual(['about'])
  })

  it('macOS gets the app menu first and Close instead of Quit under File', () => {
    const { a } = actions()
    const template = menuTemplate({ platform: 'darwin', isDev: false, theme: 'system', actions: a })
    expect(template[0]!.label).toBe('Keyward')
    expect((template[0]!.submenu as MenuItemConstructorOptions[]).some((i) => i.role === 'quit')).toBe(true)
    expect(items(template, 'File').some((i) => i.role === 'close')).toBe(true)
  })

  it('speaks Arabic when the language is ar: every label of its own, roles left to the OS', () => {
    const { a, calls } = actions()
    const template = menuTemplate({ platform: 'linux', isDev: false, theme: 'light', language: 'ar', actions: a })
    expect(template.map((m) => m.label)).toEqual(['&ملف', '&تحرير', '&عرض', '&مساعدة'])
    const file = items(template, 'ملف')
    expect(file.map((i) => i.label ?? i.type)).toEqual([
      'مفتاح جديد…',
      'فحص مجلد بحثًا عن مفاتيح مسرّبة…',
      'separator',
      'نسخ السجل احتياطيًا…',
      'استعادة من نسخة احتياطية…',
      'استيراد المفاتيح…',
      'تصدير المفاتيح…',
      'separator',
      'إنهاء'
    ])
    const themes = flat(items(template, 'عرض')).filter((i) => i.id?.startsWith('theme-'))
    expect(themes.map((t) => [t.label, t.checked])).toEqual([
      ['النظام', false],
      ['فاتح', true],
      ['داكن', false]
    ])
    ;(file.find((i) => i.id === 'new-key')!.click as () => void)()
    expect(calls).toEqual(['newKey'])
    // Edit keeps its roles without labels: the OS names Copy, Paste... in its own language.
    expect(items(template, 'تحرير').every((i) => i.label === undefined)).toBe(true)
    // Every label set by the menu is Arabic: none is left in English.
    const english = new Set(Object.values(NATIVE_WORDS.en.menu).filter((s) => s !== 'Keyward'))
    expect(flat(template).filter((i) => i.label && english.has(i.label))).toEqual([])
  })

  it('the Arabic table has every label of the English one, each translated', () => {
    const { en, ar } = { en: NATIVE_WORDS.en.menu, ar: NATIVE_WORDS.ar.menu }
    expect(Object.keys(ar).sort()).toEqual(Object.keys(en).sort())
    for (const [k, v] of Object.entries(en)) expect(ar[k as keyof typeof ar], k).not.toBe(v)
  })

  it('English when the language is en, whatever the OS speaks', () => {
    const { a } = actions()
    const template = menuTemplate({
      platform: 'darwin',
      isDev: false,
      theme: 'system',
      language: 'en',
      systemLanguages: ['ar-EG'],
      actions: a
    })
    expect(template.map((m) => m.label)).toEqual(['Keyward', '&File', '&Edit', '&View', '&Help'])
    expect((template[0]!.submenu as MenuItemConstructorOptions[])[0]!.label).toBe('About Keyward')
  })

  it("'system' follows the OS's preferred languages: the first the app speaks, else English", () => {
    const { a } = actions()
    const top = (systemLanguages: string[], language?: 'system') =>
      menuTemplate({ platform: 'linux', isDev: false, theme: 'system', language, systemLanguages, actions: a }).map(
        (m) => m.label
      )
    expect(top(['ar-SA', 'en-US'], 'system')).toEqual(['&ملف', '&تحرير', '&عرض', '&مساعدة'])
    expect(top(['fr-FR', 'ar'], 'system')[0]).toBe('&ملف')
    expect(top(['en-GB', 'ar-SA'], 'system')[0]).toBe('&File')
    expect(top(['fr-FR', 'de'], 'system')[0]).toBe('&File')
    expect(top([], 'system')[0]).toBe('&File')
    expect(top(['ar_EG'])[0]).toBe('&ملف')
    expect(nativeLocale('ar', ['en-US'])).toBe('ar')
  })
})
