import type { MenuItemConstructorOptions } from 'electron'
import type { AppSettings } from '../../shared/schemas'

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
  actions: MenuActions
}

const THEME_LABELS: Record<Theme, string> = { system: 'System', light: 'Light', dark: 'Dark' }

/** The native menu as data (Menu.buildFromTemplate takes it); a test pins items, roles and accelerators. */
export function menuTemplate({ platform, isDev, theme, actions }: MenuInput): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin'
  const template: MenuItemConstructorOptions[] = []
  if (mac) {
    template.push({
      label: 'Keyward',
      submenu: [
        { label: 'About Keyward', click: () => actions.about() },
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
    label: '&File',
    submenu: [
      { id: 'new-key', label: 'New Key…', accelerator: 'CmdOrCtrl+N', click: () => actions.newKey() },
      { id: 'scan-folder', label: 'Scan a Folder for Leaked Keys…', click: () => actions.scanFolder() },
      { type: 'separator' },
      { id: 'backup-registry', label: 'Back Up Registry…', click: () => actions.backUp() },
      { id: 'restore-registry', label: 'Restore from Backup…', click: () => actions.restore() },
      { id: 'import-keys', label: 'Import Keys…', click: () => actions.importKeys() },
      { id: 'export-keys', label: 'Export Keys…', click: () => actions.exportKeys() },
      { type: 'separator' },
      mac ? { role: 'close' } : { role: 'quit', label: 'Quit', accelerator: 'Ctrl+Q' }
    ]
  })
  template.push({
    label: '&Edit',
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
    label: '&View',
    submenu: [
      {
        label: 'Theme',
        submenu: (['system', 'light', 'dark'] as const).map((choice): MenuItemConstructorOptions => ({
          id: `theme-${choice}`,
          label: THEME_LABELS[choice],
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
    label: '&Help',
    role: 'help',
    submenu: [{ label: 'About Keyward', click: () => actions.about() }]
  })
  return template
}
