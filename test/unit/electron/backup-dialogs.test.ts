import Database from 'better-sqlite3'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createBackupDialogs, type DialogLike } from '../../../src/main/desktop/backup-dialogs'
import { NATIVE_WORDS, nativeWords } from '../../../src/main/desktop/native-words'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { fileState } from '../core/support'

let temp: TempRegistry | undefined
afterEach(() => {
  temp?.close()
  temp = undefined
})

/** Electron's dialog as a script: each call is recorded and answered from the queue. */
function fakeDialog(answers: { save?: string; open?: string; confirm?: boolean }) {
  const calls: { kind: string; parent: unknown; options: Record<string, any> }[] = []
  const record =
    (kind: string, answer: () => unknown) =>
    (...args: unknown[]): Promise<any> => {
      const [parent, options] = args.length === 2 ? args : [undefined, args[0]]
      calls.push({ kind, parent, options: options as Record<string, any> })
      return Promise.resolve(answer())
    }
  const dialog = {
    showSaveDialog: record('save', () =>
      answers.save ? { canceled: false, filePath: answers.save } : { canceled: true }
    ),
    showOpenDialog: record('open', () =>
      answers.open ? { canceled: false, filePaths: [answers.open] } : { canceled: true, filePaths: [] }
    ),
    showMessageBox: record('message', () => ({ response: answers.confirm ? 0 : 1 }))
  } as unknown as DialogLike
  return { dialog, calls }
}

const WINDOW = { id: 'main-window' }
const english = () => NATIVE_WORDS.en

function setup() {
  temp = tempRegistry()
  temp.registry.createKey({ name: 'alpha' }, 'tester')
  temp.registry.createKey({ name: 'beta' }, 'tester')
  return temp
}

describe('File > Back Up Registry… / Restore from Backup…', () => {
  it('backs up to the file chosen in the save dialog and says where', async () => {
    const { path, dir } = setup()
    const file = join(dir, 'chosen.sqlite3')
    writeFileSync(file, 'the save dialog asked before replacing this')
    const { dialog, calls } = fakeDialog({ save: file })
    const dialogs = createBackupDialogs({
      dialog,
      window: () => WINDOW,
      registryPath: path,
      words: english,
      actor: 'desk'
    })
    await dialogs.backUp()
    expect(calls.map((c) => c.kind)).toEqual(['save', 'message'])
    expect(calls[0]!.parent).toBe(WINDOW)
    expect(calls[0]!.options.defaultPath).toMatch(/^keyward-backup-\d{4}-\d{2}-\d{2}\.sqlite3$/)
    expect(calls[1]!.options).toMatchObject({
      type: 'info',
      message: 'Backed up 2 keys and 2 audit entries.',
      detail: file
    })
    const db = new Database(file, { readonly: true })
    expect(db.prepare('SELECT count(*) FROM api_keys').pluck().get()).toBe(2)
    db.close()
  })

  it('a cancelled save dialog does nothing; without a window the dialogs have no parent', async () => {
    const { path } = setup()
    const { dialog, calls } = fakeDialog({})
    await createBackupDialogs({
      dialog,
      window: () => null,
      registryPath: path,
      words: english,
      actor: 'desk'
    }).backUp()
    expect(calls).toHaveLength(1)
    expect(calls[0]!.parent).toBeUndefined()
  })

  it('restore: checks the file, asks with the path of the kept copy, restores, and reloads the page', async () => {
    const { path, dir, registry } = setup()
    const file = join(dir, 'backup.sqlite3')
    await createBackupDialogs({
      dialog: fakeDialog({ save: file }).dialog,
      window: () => WINDOW,
      registryPath: path,
      words: english,
      actor: 'desk'
    }).backUp()
    registry.deleteKey({ key: 'alpha' }, 'tester')
    const events: string[] = []
    const { dialog, calls } = fakeDialog({ open: file, confirm: true })
    const at = Date.parse('2026-07-01T08:00:00Z')
    await createBackupDialogs({
      dialog,
      window: () => WINDOW,
      registryPath: path,
      words: english,
      actor: 'desk',
      now: () => at,
      beforeRestore: () => events.push('flush'),
      afterRestore: () => events.push('reload')
    }).restore()
    const kept = `${path}.before-restore-20260701T080000Z.sqlite3`
    expect(calls.map((c) => c.kind)).toEqual(['open', 'message', 'message'])
    expect(calls[1]!.options).toMatchObject({ type: 'warning', buttons: ['Restore', 'Cancel'], cancelId: 1 })
    expect(calls[1]!.options.message).toContain('2 keys in backup.sqlite3')
    expect(calls[1]!.options.detail).toContain(kept)
    expect(calls[2]!.options).toMatchObject({ type: 'info', message: 'Restored 2 keys from backup.sqlite3.' })
    expect(events).toEqual(['flush', 'reload'])
    expect(existsSync(kept)).toBe(true)
    expect(registry.findKey('alpha')).toBeDefined()
    expect(registry.listAudit({ limit: 1 }).items[0]).toMatchObject({ action: 'registry.restore', actor: 'desk' })
  })

  it('restore: Cancel in the confirmation, or an unusable file, changes nothing', async () => {
    const { path, dir } = setup()
    const file = join(dir, 'backup.sqlite3')
    await createBackupDialogs({
      dialog: fakeDialog({ save: file }).dialog,
      window: () => WINDOW,
      registryPath: path,
      words: english,
      actor: 'desk'
    }).backUp()
    const state = fileState(path)
    const cancelled = fakeDialog({ open: file, confirm: false })
    await createBackupDialogs({
      dialog: cancelled.dialog,
      window: () => WINDOW,
      registryPath: path,
      words: english,
      actor: 'd'
    }).restore()
    expect(cancelled.calls.map((c) => c.kind)).toEqual(['open', 'message'])
    expect(fileState(path)).toBe(state)

    const junk = join(dir, 'junk.sqlite3')
    writeFileSync(junk, Buffer.alloc(4096, 1))
    const refused = fakeDialog({ open: junk, confirm: true })
    await createBackupDialogs({
      dialog: refused.dialog,
      window: () => WINDOW,
      registryPath: path,
      words: english,
      actor: 'd'
    }).restore()
    // No question: the error straight away, in words.
    expect(refused.calls.map((c) => c.kind)).toEqual(['open', 'message'])
    expect(refused.calls[1]!.options).toMatchObject({ type: 'error', title: 'Restore failed' })
    expect(refused.calls[1]!.options.message).toMatch(/not an SQLite database.*Nothing was changed\./)
    expect(fileState(path)).toBe(state)
  })
})

describe('Back Up / Restore speak the app’s language', () => {
  const FSI = '\u2068'
  const PDI = '\u2069'

  it('in Arabic: titles, buttons, filters and counted sentences; a language change applies to the next dialog', async () => {
    const { path, dir } = setup()
    const file = join(dir, 'nightly.sqlite3')
    let language: 'ar' | 'en' = 'ar'
    const { dialog, calls } = fakeDialog({ save: file })
    const dialogs = createBackupDialogs({
      dialog,
      window: () => WINDOW,
      registryPath: path,
      words: () => nativeWords(language, ['en-US']),
      actor: 'desk'
    })
    await dialogs.backUp()
    expect(calls[0]!.options).toMatchObject({
      title: 'نسخ السجل احتياطيًا',
      buttonLabel: 'نسخ احتياطي',
      filters: [{ name: 'نسخة Keyward احتياطية' }, { name: 'كل الملفات' }]
    })
    // Two keys and their two audit entries: Arabic's dual forms.
    expect(calls[1]!.options).toMatchObject({
      type: 'info',
      title: 'اكتمل النسخ الاحتياطي',
      message: 'تم النسخ الاحتياطي: مفتاحان وقيدان في سجل التدقيق.',
      buttons: ['حسنًا'],
      detail: file
    })

    language = 'en'
    await dialogs.backUp()
    expect(calls[2]!.options).toMatchObject({ title: 'Back up registry', buttonLabel: 'Back Up' })
    expect(calls[3]!.options).toMatchObject({
      title: 'Backup complete',
      message: 'Backed up 2 keys and 2 audit entries.',
      buttons: ['OK']
    })
  })

  it("'system' with an Arabic OS: the restore question, its kept path isolated, the result and a failure box in Arabic", async () => {
    const { path, dir, registry } = setup()
    for (let i = 0; i < 9; i++) registry.createKey({ name: `k${i}` }, 'tester')
    const file = join(dir, 'eleven.sqlite3')
    const words = () => nativeWords('system', ['ar-EG', 'en-US'])
    await createBackupDialogs({
      dialog: fakeDialog({ save: file }).dialog,
      window: () => WINDOW,
      registryPath: path,
      words,
      actor: 'desk'
    }).backUp()
    const at = Date.parse('2026-07-01T08:00:00Z')
    const { dialog, calls } = fakeDialog({ open: file, confirm: true })
    await createBackupDialogs({
      dialog,
      window: () => WINDOW,
      registryPath: path,
      words,
      actor: 'desk',
      now: () => at
    }).restore()
    const kept = `${path}.before-restore-20260701T080000Z.sqlite3`
    const eleven = `${new Intl.NumberFormat('ar').format(11)} مفتاحًا`
    expect(calls[0]!.options).toMatchObject({
      title: 'الاستعادة من نسخة احتياطية',
      buttonLabel: 'اختيار النسخة الاحتياطية'
    })
    expect(calls[1]!.options).toMatchObject({ type: 'warning', buttons: ['استعادة', 'إلغاء'], cancelId: 1 })
    expect(calls[1]!.options.message).toBe(
      `هل تريد استبدال كل المفاتيح والموارد وقيود سجل التدقيق الحالية بمحتوى ${FSI}eleven.sqlite3${PDI}؟ ` +
        `في هذه النسخة الاحتياطية ${eleven}.`
    )
    expect(calls[1]!.options.detail).toContain(`${FSI}${kept}${PDI}`)
    expect(calls[2]!.options).toMatchObject({
      title: 'تمت استعادة السجل',
      message: `تمت الاستعادة من ${FSI}eleven.sqlite3${PDI}: ${eleven}.`,
      detail: `احتُفظ بالسجل كما كان في:\n${FSI}${kept}${PDI}`,
      buttons: ['حسنًا']
    })

    const junk = join(dir, 'junk.sqlite3')
    writeFileSync(junk, Buffer.alloc(4096, 1))
    const refused = fakeDialog({ open: junk, confirm: true })
    await createBackupDialogs({
      dialog: refused.dialog,
      window: () => WINDOW,
      registryPath: path,
      words,
      actor: 'd'
    }).restore()
    // The box is Arabic, and so is the core's reason (English for the CLI), through the same
    // catalog as the window; the file's path stays whole and left to right inside it.
    expect(refused.calls[1]!.options).toMatchObject({ type: 'error', title: 'فشلت الاستعادة', buttons: ['حسنًا'] })
    const reason = refused.calls[1]!.options.message
    expect(reason).toMatch(/[\u0600-\u06FF]/)
    expect(reason).not.toMatch(/not an SQLite database/)
    expect(reason).toContain(`${FSI}${junk}${PDI}`)
  })
})
