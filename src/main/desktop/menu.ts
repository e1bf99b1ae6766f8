import type { MenuItemConstructorOptions } from 'electron'
import type { AppSettings } from '../../shared/schemas'
import { nativeWords, type MenuLabels } from './native-words'

type Theme = AppSettings['theme']

export interface MenuActions {
  newKey(): void
  backUp(): void
  restore(): void
  /** Saves every key (never a secret) as CSV or JSON. */
  exportKeys(): void
  /** Opens the import dialog, which asks for the file. */
  importKeys(): void
  /** Opens the leak scan's screen, which asks for the folder. */
  scanFolder(): void
  setTheme(theme: Theme): void
  about(): void
}

export interface MenuInput {
  platform: NodeJS.Platform
  isDev: boolean
  theme: Theme
  /** The Language setting; absent or 'system' follows systemLanguages. */
  language?: AppSettings['language']
  /** The OS's preferred languages, most preferred first (BCP 47 tags). */
  systemLanguages?: readonly string[]
  actions: MenuActions
}

const THEME_LABELS: Record<Theme, keyof MenuLabels> = { system: 'themeSystem', light: 'themeLight', dark: 'themeDark' }

/** The native menu as data (Menu.buildFromTemplate takes it); a test pins items, roles and accelerators. */
export function menuTemplate({
  platform,
  isDev,
  theme,
  language,
  systemLanguages = [],
  actions
}: MenuInput): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin'
  const l = nativeWords(language, systemLanguages).menu
  const template: MenuItemConstructorOptions[] = []
  if (mac) {
    template.push({
      label: 'Keyward',
      submenu: [
        { label: l.about, click: () => actions.about() },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' }
      ]
    })
  }
  template.push({
    label: l.file,
    submenu: [
      { id: 'new-key', label: l.newKey, accelerator: 'CmdOrCtrl+N', click: () => actions.newKey() },
      { id: 'scan-folder', label: l.scanFolder, click: () => actions.scanFolder() },
      { type: 'separator' },
      { id: 'backup-registry', label: l.backUp, click: () => actions.backUp() },
      { id: 'restore-registry', label: l.restore, click: () => actions.restore() },
      { id: 'import-keys', label: l.importKeys, click: () => actions.importKeys() },
      { id: 'export-keys', label: l.exportKeys, click: () => actions.exportKeys() },
      { type: 'separator' },
      mac ? { role: 'close' } : { role: 'quit', label: l.quit, accelerator: 'Ctrl+Q' }
    ]
  })
  template.push({
    label: l.edit,
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'selectAll' }
    ]
  })
  template.push({
    label: l.view,
    submenu: [
      {
        label: l.theme,
        submenu: (['system', 'light', 'dark'] as const).map((choice): MenuItemConstructorOptions => ({
          id: `theme-${choice}`,
          label: l[THEME_LABELS[choice]],
          type: 'radio',
          checked: theme === choice,
          click: () => actions.setTheme(choice)
        }))
      },
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
      ...(isDev
        ? ([
            { type: 'separator' },
            { role: 'reload' },
            { role: 'forceReload' },
            { role: 'toggleDevTools' }
          ] as MenuItemConstructorOptions[])
        : [])
    ]
  })
  template.push({
    label: l.help,
    role: 'help',
    submenu: [{ label: l.about, click: () => actions.about() }]
  })
  return template
}
