import { describe, expect, it } from 'vitest'
import { NATIVE_WORDS, nativeLocale, nativeWords, type NativeWords } from '../../../src/main/desktop/native-words'

const FSI = '\u2068'
const PDI = '\u2069'
const ar = NATIVE_WORDS.ar
const en = NATIVE_WORDS.en
const arNumber = (n: number) => new Intl.NumberFormat('ar').format(n)
const enNumber = (n: number) => new Intl.NumberFormat('en').format(n)

/** Sample arguments for every sentence that is a function; a new one without a sample fails the completeness test. */
const SAMPLES: Record<string, unknown[]> = {
  'backup.backedUp': [3, 11],
  core: ['The registry was not replaced.'],
  'restore.question': [3, 'nightly.sqlite3'],
  'restore.willKeep': ['/home/me/registry.sqlite3.before-restore.sqlite3'],
  'restore.restored': [3, 'nightly.sqlite3'],
  'restore.keptAt': ['/home/me/registry.sqlite3.before-restore.sqlite3'],
  'export.exported': [3, 'CSV'],
  'fatal.driverNotFound': ['/opt/Keyward/better_sqlite3.node', true]
}

/** Every entry of a table as [path, text]: strings as they are, sentences called with their samples. */
function entries(words: NativeWords): [string, string][] {
  const out: [string, string][] = []
  const walk = (node: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(node)) {
      const path = prefix ? `${prefix}.${k}` : k
      if (typeof v === 'string') out.push([path, v])
      else if (typeof v === 'function') {
        expect(SAMPLES, `a sample for ${path}`).toHaveProperty([path])
        out.push([path, (v as (...a: unknown[]) => string)(...SAMPLES[path]!)])
      } else walk(v as Record<string, unknown>, path)
    }
  }
  walk(words as unknown as Record<string, unknown>, '')
  return out
}

/** Text with nothing but brand and technical tokens (and punctuation): the same in every language. */
const brandOnly = (text: string) => !/\p{L}/u.test(text.replace(/Keyward|JSON Lines|JSON|CSV|SQLite/g, ''))

describe("main's native words", () => {
  it('Arabic has every entry of English, none empty, each translated (brand-only tokens excepted)', () => {
    const english = new Map(entries(en))
    const arabic = new Map(entries(ar))
    expect([...arabic.keys()].sort()).toEqual([...english.keys()].sort())
    const kept: string[] = []
    for (const [path, text] of arabic) {
      expect(text.trim(), path).not.toBe('')
      if (brandOnly(english.get(path)!)) {
        kept.push(path)
        continue
      }
      expect(text, path).not.toBe(english.get(path))
      expect(text, path).toMatch(/[\u0600-\u06FF]/)
    }
    // Only the plain brand names may stay as they are.
    expect(kept.sort()).toEqual(['filters.json', 'filters.jsonLines'])
    expect(Object.keys(SAMPLES).every((path) => english.has(path))).toBe(true)
  })

  it('Arabic counts take the form Intl.PluralRules chooses, with the digits of Intl.NumberFormat', () => {
    const backedUp = (n: number) => ar.backup.backedUp(n, 1)
    expect(backedUp(0)).toBe(`تم النسخ الاحتياطي: ${arNumber(0)} مفتاح وقيد واحد في سجل التدقيق.`)
    expect(backedUp(1)).toBe('تم النسخ الاحتياطي: مفتاح واحد وقيد واحد في سجل التدقيق.')
    expect(backedUp(2)).toBe('تم النسخ الاحتياطي: مفتاحان وقيد واحد في سجل التدقيق.')
    expect(backedUp(3)).toBe(`تم النسخ الاحتياطي: ${arNumber(3)} مفاتيح وقيد واحد في سجل التدقيق.`)
    expect(backedUp(11)).toBe(`تم النسخ الاحتياطي: ${arNumber(11)} مفتاحًا وقيد واحد في سجل التدقيق.`)
    expect(backedUp(100)).toBe(`تم النسخ الاحتياطي: ${arNumber(100)} مفتاح وقيد واحد في سجل التدقيق.`)
    // 100,000 has its thousands separator, as Intl writes it for Arabic.
    expect(backedUp(100_000)).toContain(`${arNumber(100_000)} مفتاح `)
    const withEntries = (n: number) => ar.backup.backedUp(2, n)
    expect([0, 1, 2, 3, 11, 100].map(withEntries)).toEqual(
      [
        `${arNumber(0)} قيد`,
        'قيد واحد',
        'قيدان',
        `${arNumber(3)} قيود`,
        `${arNumber(11)} قيدًا`,
        `${arNumber(100)} قيد`
      ].map((counted) => `تم النسخ الاحتياطي: مفتاحان و${counted} في سجل التدقيق.`)
    )
    expect(ar.export.exported(2, 'CSV')).toBe('تم التصدير بتنسيق CSV: مفتاحان.')
    expect(ar.export.exported(103, 'CSV')).toBe(`تم التصدير بتنسيق CSV: ${arNumber(103)} مفاتيح.`)
  })

  it('English counts: one and other, thousands separated', () => {
    expect(en.backup.backedUp(1, 1)).toBe('Backed up 1 key and 1 audit entry.')
    expect(en.backup.backedUp(100_000, 2)).toBe(`Backed up ${enNumber(100_000)} keys and 2 audit entries.`)
    expect(en.export.exported(0, 'JSON')).toBe('Exported 0 keys as JSON.')
  })

  it('file names and paths in Arabic sentences are isolated so they stay left to right; English needs no marks', () => {
    const file = 'keyward-backup-2026-11-30.sqlite3'
    const path = '/home/me/.config/Keyward/registry.sqlite3'
    expect(ar.restore.question(3, file)).toContain(`${FSI}${file}${PDI}`)
    expect(ar.restore.restored(3, file)).toContain(`${FSI}${file}${PDI}`)
    expect(ar.restore.willKeep(path)).toContain(`${FSI}${path}${PDI}`)
    expect(ar.restore.keptAt(path)).toContain(`${FSI}${path}${PDI}`)
    expect(ar.fatal.driverNotFound(path, false)).toContain(`${FSI}${path}${PDI}`)
    for (const [p, text] of entries(en)) expect(text, p).not.toMatch(/[\u2066-\u2069]/)
  })

  it("the language: the setting, else the OS's first language main speaks, else English", () => {
    expect(nativeLocale('ar', ['en-US'])).toBe('ar')
    expect(nativeLocale('en', ['ar-EG'])).toBe('en')
    expect(nativeLocale('system', ['ar-EG', 'en-US'])).toBe('ar')
    expect(nativeLocale(undefined, ['fr-FR', 'ar_SA'])).toBe('ar')
    expect(nativeLocale('system', ['fr-FR', 'de'])).toBe('en')
    expect(nativeWords('system', ['ar-EG', 'en-US'])).toBe(ar)
    expect(nativeWords('system', [])).toBe(en)
  })
})
