import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  folderPicker,
  openFilePicker,
  savePicker,
  type OpenDialogLike,
  type OpenFileDialogLike,
  type SaveDialogLike
} from '../../../src/main/desktop/folder-picker'
import { NATIVE_WORDS, nativeWords } from '../../../src/main/desktop/native-words'
import { createFileHandlers, fileRegistryOf, type SaveRequest } from '../../../src/main/files/handlers'
import type { NotifyHandlers } from '../../../src/main/notify/handlers'
import { serverHostHandlers } from '../../../src/main/server/host'
import { FileExportInput } from '../../../src/shared/schemas'
import { KeywardError } from '../../../src/shared/errors'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'

/** The screens' Export buttons, over a real registry file and real files written by main. */
describe('files.export', () => {
  let temp: TempRegistry
  const asked: SaveRequest[] = []
  let answer: (r: SaveRequest) => string | null
  const ctx = { actor: 'tester' }

  beforeEach(() => {
    temp = tempRegistry()
    asked.length = 0
    language = 'en'
    systemLanguages = []
    temp.registry.addResource({ model: 'gpt-4o', type: 'PYG' }, 'tester')
    temp.registry.createKey({ name: 'Alpha', department: 'Finance', resources: ['gpt-4o:PYG'] }, 'tester')
    temp.registry.createKey({ name: 'Beta', department: 'Legal' }, 'tester')
  })
  afterEach(() => temp.close())

  let language: 'system' | 'en' | 'ar' = 'en'
  let systemLanguages: string[] = []
  const handlers = () =>
    createFileHandlers({
      registry: fileRegistryOf(temp.registry),
      words: () => nativeWords(language, systemLanguages),
      pickSavePath: async (r) => {
        asked.push(r)
        return answer(r)
      },
      pickOpenPath: async () => null,
      now: () => Date.parse('2026-11-30T10:00:00Z')
    })
  const run = async (input: unknown) => handlers()['files.export'](FileExportInput.parse(input), ctx)

  it('asks first, then writes the filtered keys 0600 with the suggested name; a cancel writes nothing', async () => {
    answer = () => null
    expect(await run({ kind: 'keys', format: 'csv', filters: { departments: ['Finance'] } })).toEqual({
      path: null,
      count: 0
    })
    expect(asked[0]).toMatchObject({ defaultPath: 'keyward-keys-2026-11-30.csv', filters: [{ extensions: ['csv'] }] })
    expect(readdirSync(temp.dir).filter((f) => f.endsWith('.csv'))).toEqual([])

    answer = (r) => join(temp.dir, r.defaultPath)
    const done = await run({ kind: 'keys', format: 'json', filters: { departments: ['Finance'] } })
    expect(done).toEqual({ path: join(temp.dir, 'keyward-keys-2026-11-30.json'), count: 1 })
    expect(statSync(done.path!).mode & 0o777).toBe(0o600)
    const text = readFileSync(done.path!, 'utf8')
    expect(text).toContain('"Alpha"')
    expect(text).not.toContain('"Beta"')
  })

  it('the audit log as JSON Lines and a usage report as CSV', async () => {
    answer = (r) => join(temp.dir, r.defaultPath)
    const audit = await run({ kind: 'audit' })
    expect(audit.path).toBe(join(temp.dir, 'keyward-audit-2026-11-30.jsonl'))
    expect(audit.count).toBe(temp.registry.listAudit({ limit: 1 }).total)
    expect(readFileSync(audit.path!, 'utf8').trim().split('\n')).toHaveLength(audit.count + 1)

    const usage = await run({
      kind: 'usage',
      report: { start: '2026-11-29T00:00:00Z', end: '2026-11-30T00:00:00Z', interval: 'per_hour' }
    })
    expect(usage).toEqual({ path: join(temp.dir, 'keyward-usage-2026-11-29-2026-11-30.csv'), count: 0 })
    expect(readFileSync(usage.path!, 'utf8').split('\n')[0]).toMatch(/^bucket,keyId,keyName,model,requests/)
  })

  it('a folder that is gone: a clear error naming the file, nothing written', async () => {
    answer = () => join(temp.dir, 'missing', 'keys.csv')
    const error = await run({ kind: 'keys' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KeywardError)
    expect((error as KeywardError).fields?.file).toMatch(/^Could not write .*keys\.csv: The folder .* does not exist\./)
    expect(existsSync(join(temp.dir, 'missing'))).toBe(false)
  })

  it('bad input names the field', () => {
    expect(() => FileExportInput.parse({ kind: 'secrets' })).toThrow(/keys, audit or usage/)
  })

  it('keyward serve refuses it: a save dialog on the server is not the caller’s', async () => {
    const host = serverHostHandlers({} as NotifyHandlers)
    const error = await Promise.resolve()
      .then(() => host['files.export'](FileExportInput.parse({ kind: 'audit' }), ctx))
      .catch((e: unknown) => e)
    expect((error as KeywardError).code).toBe('NOT_FOUND')
  })

  it('the desktop save picker asks over the window, with overwrite confirmation; null when cancelled', async () => {
    const seen: unknown[] = []
    let reply: { canceled: boolean; filePath?: string } = { canceled: false, filePath: '/home/me/k.csv' }
    const dialog: SaveDialogLike<string> = {
      showSaveDialog: async (window, options) => {
        seen.push([window, options])
        return reply
      }
    }
    const pick = savePicker(
      dialog,
      () => 'win',
      () => NATIVE_WORDS.en
    )
    const request = { title: 'Export keys', defaultPath: 'k.csv', filters: [] }
    expect(await pick(request)).toBe('/home/me/k.csv')
    expect(seen[0]).toEqual([
      'win',
      { ...request, buttonLabel: 'Export', properties: ['createDirectory', 'showOverwriteConfirmation'] }
    ])
    reply = { canceled: true }
    expect(await pick(request)).toBeNull()
    expect(
      await savePicker(
        dialog,
        () => null,
        () => NATIVE_WORDS.en
      )(request)
    ).toBeNull()
  })

  it('the save dialogs speak the app’s language, read as each opens: Arabic, then English at once', async () => {
    answer = () => null
    language = 'ar'
    await run({ kind: 'keys', format: 'csv' })
    await run({ kind: 'audit' })
    await run({ kind: 'usage', report: { start: '2026-11-29T00:00:00Z', end: '2026-11-30T00:00:00Z' } })
    language = 'en'
    await run({ kind: 'keys', format: 'json' })
    language = 'system'
    systemLanguages = ['ar-EG', 'en-US']
    await run({ kind: 'keys', format: 'json' })
    expect(asked.map((r) => [r.title, r.filters.map((f) => f.name)])).toEqual([
      ['تصدير المفاتيح', ['CSV (جداول البيانات)']],
      ['تصدير سجل التدقيق', ['JSON Lines']],
      ['تصدير الاستخدام', ['CSV (جداول البيانات)']],
      ['Export keys', ['JSON']],
      ['تصدير المفاتيح', ['JSON']]
    ])
  })

  it('the desktop pickers label their buttons in the app’s language', async () => {
    let lang: 'ar' | 'en' = 'ar'
    const words = () => nativeWords(lang, [])
    const seen: { title: string; buttonLabel: string }[] = []
    const save: SaveDialogLike<string> = {
      showSaveDialog: async (_w, options) => (seen.push(options), { canceled: true })
    }
    const open: OpenFileDialogLike<string> & OpenDialogLike<string> = {
      showOpenDialog: async (_w: string, options: { title: string; buttonLabel: string }) => (
        seen.push(options),
        { canceled: true, filePaths: [] }
      )
    }
    await savePicker(save, () => 'win', words)({ title: 'تصدير المفاتيح', defaultPath: 'k.csv', filters: [] })
    await openFilePicker(open, () => 'win', words)({ title: 'استيراد المفاتيح', filters: [] })
    const scan = folderPicker(open, () => 'win', words)
    await scan()
    lang = 'en'
    await scan()
    expect(seen.map((o) => [o.title, o.buttonLabel])).toEqual([
      ['تصدير المفاتيح', 'تصدير'],
      ['استيراد المفاتيح', 'استيراد'],
      ['فحص مجلد بحثًا عن مفاتيح مسرّبة', 'فحص'],
      ['Scan a folder for leaked keys', 'Scan']
    ])
  })
})
