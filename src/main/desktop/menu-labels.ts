import type { Language } from '../../shared/schemas'

/** The languages the native menu speaks (main cannot load the renderer's vue-i18n). */
export type MenuLocale = 'en' | 'ar'

export interface MenuLabels {
  file: string
  edit: string
  view: string
  help: string
  about: string
  newKey: string
  scanFolder: string
  backUp: string
  restore: string
  importKeys: string
  exportKeys: string
  quit: string
  theme: string
  themeSystem: string
  themeLight: string
  themeDark: string
}

/** The menu's own words; roles' built-in items (Copy, Zoom In...) are translated by the OS. */
export const MENU_LABELS: Record<MenuLocale, MenuLabels> = {
  en: {
    file: '&File',
    edit: '&Edit',
    view: '&View',
    help: '&Help',
    about: 'About Keyward',
    newKey: 'New Key…',
    scanFolder: 'Scan a Folder for Leaked Keys…',
    backUp: 'Back Up Registry…',
    restore: 'Restore from Backup…',
    importKeys: 'Import Keys…',
    exportKeys: 'Export Keys…',
    quit: 'Quit',
    theme: 'Theme',
    themeSystem: 'System',
    themeLight: 'Light',
    themeDark: 'Dark'
  },
  ar: {
    file: '&ملف',
    edit: '&تحرير',
    view: '&عرض',
    help: '&مساعدة',
    about: 'حول Keyward',
    newKey: 'مفتاح جديد…',
    scanFolder: 'فحص مجلد بحثًا عن مفاتيح مسرّبة…',
    backUp: 'نسخ السجل احتياطيًا…',
    restore: 'استعادة من نسخة احتياطية…',
    importKeys: 'استيراد المفاتيح…',
    exportKeys: 'تصدير المفاتيح…',
    quit: 'إنهاء',
    theme: 'السمة',
    themeSystem: 'النظام',
    themeLight: 'فاتح',
    themeDark: 'داكن'
  }
}

/**
 * The menu's language: the setting, or for 'system' the first of the OS's preferred languages
 * (Electron's app.getPreferredSystemLanguages(), else app.getLocale()) that the menu speaks; else English.
 */
export function menuLocale(setting: Language | undefined, systemLanguages: readonly string[]): MenuLocale {
  if (setting === 'en' || setting === 'ar') return setting
  for (const tag of systemLanguages) {
    const base = tag.toLowerCase().split(/[-_]/)[0]
    if (base === 'en' || base === 'ar') return base
  }
  return 'en'
}
