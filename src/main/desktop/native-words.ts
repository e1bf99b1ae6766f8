import { coreTranslatorFor } from '../../shared/core-messages'
import type { Language } from '../../shared/schemas'

/**
 * The words of everything main shows itself: the native menu and the native dialogs (main cannot
 * load the renderer's vue-i18n). Both languages must have every entry: the Record over
 * NativeLocale and the NativeWords interface make a missing one a type error.
 */
export type NativeLocale = 'en' | 'ar'

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

export interface NativeWords {
  /** The menu's own words; roles' built-in items (Copy, Zoom In...) are translated by the OS. */
  menu: MenuLabels
  /**
   * A sentence the core wrote (in English, shared with the CLI) in this language, through the
   * catalog the window uses too (src/shared/core-messages).
   */
  core: (english: string) => string
  /** Words every message box uses. */
  box: {
    ok: string
    cancel: string
    /** The headline of a failure that is not a KeywardError (its English detail goes below). */
    somethingWentWrong: string
  }
  /** File ▸ Back Up Registry… */
  backup: {
    title: string
    button: string
    /** The file filters of the backup and restore dialogs. */
    filterBackup: string
    filterAll: string
    done: string
    backedUp: (keys: number, auditEntries: number) => string
    failed: string
  }
  /** File ▸ Restore from Backup… */
  restore: {
    title: string
    button: string
    question: (keys: number, file: string) => string
    /** The question's detail: where the current registry goes, and who loses access. */
    willKeep: (keptPath: string) => string
    confirm: string
    done: string
    restored: (keys: number, file: string) => string
    keptAt: (previousPath: string) => string
    failed: string
  }
  /** File ▸ Export Keys… and the screens' Export buttons. */
  export: {
    keysTitle: string
    auditTitle: string
    usageTitle: string
    button: string
    done: string
    exported: (keys: number, format: string) => string
    failed: string
  }
  /** File ▸ Import Keys… (the renderer's dialog asks main for the file). */
  import: {
    title: string
    button: string
    secretsTitle: string
  }
  /** The filter names of the save and open dialogs. */
  filters: {
    csv: string
    json: string
    jsonLines: string
    keys: string
  }
  /** The leak scan's folder dialog. */
  scan: {
    title: string
    button: string
  }
  /** The error box when the app cannot start (error details that follow stay as they come). */
  fatal: {
    couldNotStart: string
    noDriver: string
    driverNotFound: (path: string, packaged: boolean) => string
    cannotOpenRegistry: string
  }
}

/** Keeps a file name or path left to right inside a right-to-left sentence (FSI … PDI). */
export const isolate = (text: string): string => `\u2068${text}\u2069`

type PluralForm = Intl.LDMLPluralRule

/** A counted noun: the number formatted for the language, the form chosen by its plural rules. */
function counter<F extends PluralForm>(locale: NativeLocale, forms: Record<F, (n: string) => string>) {
  const rules = new Intl.PluralRules(locale)
  const numbers = new Intl.NumberFormat(locale)
  return (count: number): string => forms[rules.select(count) as F](numbers.format(count))
}

const enKeys = counter('en', { one: (n) => `${n} key`, other: (n) => `${n} keys` })
const enEntries = counter('en', { one: (n) => `${n} audit entry`, other: (n) => `${n} audit entries` })

// Arabic's six forms; each sentence puts the count where it is nominative (after a colon, or as a subject).
const arKeys = counter('ar', {
  zero: (n) => `${n} مفتاح`,
  one: () => 'مفتاح واحد',
  two: () => 'مفتاحان',
  few: (n) => `${n} مفاتيح`,
  many: (n) => `${n} مفتاحًا`,
  other: (n) => `${n} مفتاح`
})
const arEntries = counter('ar', {
  zero: (n) => `${n} قيد`,
  one: () => 'قيد واحد',
  two: () => 'قيدان',
  few: (n) => `${n} قيود`,
  many: (n) => `${n} قيدًا`,
  other: (n) => `${n} قيد`
})

export const NATIVE_WORDS: Record<NativeLocale, NativeWords> = {
  en: {
    core: (english) => english,
    menu: {
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
    box: { ok: 'OK', cancel: 'Cancel', somethingWentWrong: 'Something went wrong.' },
    backup: {
      title: 'Back up registry',
      button: 'Back Up',
      filterBackup: 'Keyward backup',
      filterAll: 'All files',
      done: 'Backup complete',
      backedUp: (keys, entries) => `Backed up ${enKeys(keys)} and ${enEntries(entries)}.`,
      failed: 'Backup failed'
    },
    restore: {
      title: 'Restore from backup',
      button: 'Choose Backup',
      question: (keys, file) => `Replace every key, resource and audit entry with the ${enKeys(keys)} in ${file}?`,
      willKeep: (kept) =>
        `The current registry will be kept at:\n${kept}\n\n` +
        'Clients using keys created since that backup will be refused.',
      confirm: 'Restore',
      done: 'Registry restored',
      restored: (keys, file) => `Restored ${enKeys(keys)} from ${file}.`,
      keptAt: (previous) => `The registry as it was is kept at:\n${previous}`,
      failed: 'Restore failed'
    },
    export: {
      keysTitle: 'Export keys',
      auditTitle: 'Export the audit log',
      usageTitle: 'Export usage',
      button: 'Export',
      done: 'Export complete',
      exported: (keys, format) => `Exported ${enKeys(keys)} as ${format}.`,
      failed: 'Export failed'
    },
    import: { title: 'Import keys', button: 'Import', secretsTitle: 'Save the new keys’ secrets' },
    filters: { csv: 'CSV (spreadsheets)', json: 'JSON', jsonLines: 'JSON Lines', keys: 'Keys (CSV or JSON)' },
    scan: { title: 'Scan a folder for leaked keys', button: 'Scan' },
    fatal: {
      couldNotStart: 'Keyward could not start',
      noDriver: 'Keyward is missing its database driver',
      driverNotFound: (path, packaged) =>
        `The Electron build of better-sqlite3 was not found at ${path}. ` +
        (packaged ? 'Reinstall Keyward.' : 'Start the app with "npm start", which builds it.'),
      cannotOpenRegistry: 'Keyward cannot open its registry'
    }
  },
  ar: {
    core: (english) => coreTranslatorFor('ar')?.message(english) ?? english,
    menu: {
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
    },
    box: { ok: 'حسنًا', cancel: 'إلغاء', somethingWentWrong: 'حدث خطأ ما.' },
    backup: {
      title: 'نسخ السجل احتياطيًا',
      button: 'نسخ احتياطي',
      filterBackup: 'نسخة Keyward احتياطية',
      filterAll: 'كل الملفات',
      done: 'اكتمل النسخ الاحتياطي',
      backedUp: (keys, entries) => `تم النسخ الاحتياطي: ${arKeys(keys)} و${arEntries(entries)} في سجل التدقيق.`,
      failed: 'فشل النسخ الاحتياطي'
    },
    restore: {
      title: 'الاستعادة من نسخة احتياطية',
      button: 'اختيار النسخة الاحتياطية',
      question: (keys, file) =>
        `هل تريد استبدال كل المفاتيح والموارد وقيود سجل التدقيق الحالية بمحتوى ${isolate(file)}؟ ` +
        `في هذه النسخة الاحتياطية ${arKeys(keys)}.`,
      willKeep: (kept) =>
        `سيُحتفظ بالسجل الحالي في:\n${isolate(kept)}\n\n` +
        'ستُرفض طلبات العملاء الذين يستخدمون مفاتيح أُنشئت بعد تلك النسخة الاحتياطية.',
      confirm: 'استعادة',
      done: 'تمت استعادة السجل',
      restored: (keys, file) => `تمت الاستعادة من ${isolate(file)}: ${arKeys(keys)}.`,
      keptAt: (previous) => `احتُفظ بالسجل كما كان في:\n${isolate(previous)}`,
      failed: 'فشلت الاستعادة'
    },
    export: {
      keysTitle: 'تصدير المفاتيح',
      auditTitle: 'تصدير سجل التدقيق',
      usageTitle: 'تصدير الاستخدام',
      button: 'تصدير',
      done: 'اكتمل التصدير',
      exported: (keys, format) => `تم التصدير بتنسيق ${format}: ${arKeys(keys)}.`,
      failed: 'فشل التصدير'
    },
    import: { title: 'استيراد المفاتيح', button: 'استيراد', secretsTitle: 'حفظ أسرار المفاتيح الجديدة' },
    filters: {
      csv: 'CSV (جداول البيانات)',
      json: 'JSON',
      jsonLines: 'JSON Lines',
      keys: 'المفاتيح (CSV أو JSON)'
    },
    scan: { title: 'فحص مجلد بحثًا عن مفاتيح مسرّبة', button: 'فحص' },
    fatal: {
      couldNotStart: 'تعذّر تشغيل Keyward',
      noDriver: 'لا يجد Keyward برنامج تشغيل قاعدة بياناته',
      driverNotFound: (path, packaged) =>
        `لم يُعثر على نسخة better-sqlite3 المبنية لـ Electron في ${isolate(path)}. ` +
        (packaged ? 'أعد تثبيت Keyward.' : `شغّل التطبيق بالأمر ${isolate('npm start')} الذي يبنيها.`),
      cannotOpenRegistry: 'تعذّر على Keyward فتح سجله'
    }
  }
}

/**
 * The language of main's menu and dialogs: the setting, or for 'system' (or none) the first of the
 * OS's preferred languages (Electron's app.getPreferredSystemLanguages(), then app.getLocale())
 * that main speaks; else English.
 */
export function nativeLocale(setting: Language | undefined, systemLanguages: readonly string[]): NativeLocale {
  if (setting === 'en' || setting === 'ar') return setting
  for (const tag of systemLanguages) {
    const base = tag.toLowerCase().split(/[-_]/)[0]
    if (base === 'en' || base === 'ar') return base
  }
  return 'en'
}

/** Main's words in the language of the setting (see nativeLocale). */
export function nativeWords(setting: Language | undefined, systemLanguages: readonly string[]): NativeWords {
  return NATIVE_WORDS[nativeLocale(setting, systemLanguages)]
}
