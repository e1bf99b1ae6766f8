import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import { afterEach, describe, expect, it } from 'vitest'
import type { DialogLike } from '../../../src/main/desktop/backup-dialogs'
import { createKeyExportDialog } from '../../../src/main/desktop/export-dialog'
import { NATIVE_WORDS, nativeWords } from '../../../src/main/desktop/native-words'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'

let temp: TempRegistry | undefined
afterEach(() => {
  temp?.close()
  temp = undefined
})

/** Electron's dialog as a script: each call recorded, the save dialog answered with `save` (or cancelled). */
function fakeDialog(save?: string) {
  const calls: { kind: string; parent: unknown; options: Record<string, any> }[] = []
  const record =
    (kind: string, answer: () => unknown) =>
    (...args: unknown[]): Promise<any> => {
      const [parent, options] = args.length === 2 ? args : [undefined, args[0]]
      calls.push({ kind, parent, options: options as Record<string, any> })
      return Promise.resolve(answer())
    }
  const dialog = {
    showSaveDialog: record('save', () => (save ? { canceled: false, filePath: save } : { canceled: true })),
    showOpenDialog: record('open', () => ({ canceled: true, filePaths: [] })),
    showMessageBox: record('message', () => ({ response: 0 }))
  } as unknown as DialogLike
  return { dialog, calls }
}

const WINDOW = { id: 'main-window' }
const english = () => NATIVE_WORDS.en

function setup() {
  temp = tempRegistry()
  const secrets = [
    temp.registry.createKey({ name: 'alpha', notes: '=1+1' }, 'tester').secret,
    temp.registry.createKey({ name: 'beta' }, 'tester').secret
  ]
  return { ...temp, secrets }
}

describe('File > Export Keys…', () => {
  it('writes every key as CSV (mode 0600, replacing the file) to the chosen path and says how many', async () => {
    const { dir, registry, secrets } = setup()
    const file = join(dir, 'keys.csv')
    writeFileSync(file, 'the save dialog asked before replacing this', { mode: 0o644 })
    const { dialog, calls } = fakeDialog(file)
    await createKeyExportDialog({ dialog, window: () => WINDOW, registry, words: english, actor: 'desk' }).exportKeys()
    expect(calls.map((c) => c.kind)).toEqual(['save', 'message'])
    expect(calls[0]!.parent).toBe(WINDOW)
    expect(calls[0]!.options.defaultPath).toMatch(/^keyward-keys-\d{4}-\d{2}-\d{2}\.csv$/)
    expect(calls[1]!.options).toMatchObject({ type: 'info', message: 'Exported 2 keys as CSV.', detail: file })
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const text = readFileSync(file, 'utf8')
    const rows = parse(text, { columns: true }) as Record<string, string>[]
    expect(rows.map((r) => [r.name, r.notes])).toEqual([
      ['alpha', "'=1+1"],
      ['beta', '']
    ])
    for (const s of secrets) expect(text).not.toContain(s)
    expect(text).not.toContain('secretHashes')
  })

  it('a .json path gets JSON; a cancelled dialog writes nothing', async () => {
    const { dir, registry } = setup()
    const file = join(dir, 'keys.json')
    await createKeyExportDialog({
      dialog: fakeDialog(file).dialog,
      window: () => null,
      registry,
      words: english,
      actor: 'desk'
    }).exportKeys()
    expect(JSON.parse(readFileSync(file, 'utf8')).keys.map((k: { name: string }) => k.name)).toEqual(['alpha', 'beta'])

    const { dialog, calls } = fakeDialog(undefined)
    await createKeyExportDialog({ dialog, window: () => null, registry, words: english, actor: 'desk' }).exportKeys()
    expect(calls.map((c) => c.kind)).toEqual(['save'])
  })

  it('a failure is shown in an error box, and no file is left behind', async () => {
    const { dir, registry } = setup()
    const file = join(dir, 'missing-folder', 'keys.csv')
    const { dialog, calls } = fakeDialog(file)
    await createKeyExportDialog({ dialog, window: () => WINDOW, registry, words: english, actor: 'desk' }).exportKeys()
    expect(calls[1]!.options).toMatchObject({ type: 'error', title: 'Export failed' })
    expect(calls[1]!.options.message).toMatch(/^The folder .* does not exist/)
    expect(existsSync(file)).toBe(false)
  })
})

describe('File > Export Keys… speaks the app’s language', () => {
  it('in Arabic: the save dialog, the count (plural form, Intl digits) and the file; English again at once', async () => {
    const { dir, registry } = setup()
    registry.createKey({ name: 'gamma' }, 'tester')
    const file = join(dir, 'keys.json')
    let language: 'ar' | 'en' = 'ar'
    const { dialog, calls } = fakeDialog(file)
    const exporter = createKeyExportDialog({
      dialog,
      window: () => WINDOW,
      registry,
      words: () => nativeWords(language, []),
      actor: 'desk'
    })
    await exporter.exportKeys()
    expect(calls[0]!.options).toMatchObject({
      title: 'تصدير المفاتيح',
      buttonLabel: 'تصدير',
      filters: [{ name: 'CSV (جداول البيانات)', extensions: ['csv'] }, { name: 'JSON' }]
    })
    expect(calls[1]!.options).toMatchObject({
      type: 'info',
      title: 'اكتمل التصدير',
      message: `تم التصدير بتنسيق JSON: ${new Intl.NumberFormat('ar').format(3)} مفاتيح.`,
      buttons: ['حسنًا'],
      detail: file
    })
    language = 'en'
    await exporter.exportKeys()
    expect(calls[2]!.options).toMatchObject({ title: 'Export keys', buttonLabel: 'Export' })
    expect(calls[3]!.options).toMatchObject({ title: 'Export complete', message: 'Exported 3 keys as JSON.' })
  })

  it("'system' with an Arabic OS: a failure's box in Arabic, 'Something went wrong.' too; Node's reason below it", async () => {
    const { dir } = setup()
    const words = () => nativeWords('system', ['ar-EG', 'en-US'])
    const { dialog, calls } = fakeDialog(join(dir, 'keys.csv'))
    const broken = {
      exportKeys: () => {
        throw new Error('disk on fire')
      }
    }
    await createKeyExportDialog({ dialog, window: () => WINDOW, registry: broken, words, actor: 'desk' }).exportKeys()
    expect(calls[1]!.options).toMatchObject({
      type: 'error',
      title: 'فشل التصدير',
      message: 'حدث خطأ ما.',
      detail: 'disk on fire',
      buttons: ['حسنًا']
    })
  })
})
