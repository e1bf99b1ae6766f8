import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { importChunking } from '../../../src/main/core/import'
import { nativeWords } from '../../../src/main/desktop/native-words'
import { createFileHandlers, fileRegistryOf, type SaveRequest } from '../../../src/main/files/handlers'
import { FileImportInput } from '../../../src/shared/schemas'
import { KeywardError } from '../../../src/shared/errors'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'

/** File ▸ Import Keys… in main: a real file, a real registry, stand-in dialogs. */
describe('files.importPick / files.import', () => {
  let temp: TempRegistry
  let openAnswer: string | null
  let saveAnswer: (r: SaveRequest) => string | null
  let progress: { done: number; total: number }[]
  /** How many turns another task had had when each progress report came. */
  let turns = 0
  let turnsAt: number[]
  const ctx = { actor: 'tester' }
  const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex')
  const foreign = 'sk-legacy-0123456789abcdefXYZ'

  beforeEach(() => {
    temp = tempRegistry()
    temp.registry.addResource({ model: 'gpt-4o', type: 'PYG' }, 'tester')
    openAnswer = null
    saveAnswer = (r) => join(temp.dir, r.defaultPath)
    progress = []
    turnsAt = []
  })
  afterEach(() => {
    importChunking.ms = 200
    importChunking.checkEvery = 64
    temp.close()
  })

  /** The handlers, each made async so a refusal is always a rejected promise. */
  const handlers = () => {
    const h = createFileHandlers({
      registry: fileRegistryOf(temp.registry),
      pickSavePath: async (r) => saveAnswer(r),
      pickOpenPath: async () => openAnswer,
      onImportProgress: (p) => {
        progress.push(p)
        turnsAt.push(turns)
      },
      now: () => Date.parse('2026-11-30T10:00:00Z')
    })
    return {
      'files.importPick': async (...a: Parameters<(typeof h)['files.importPick']>) => h['files.importPick'](...a),
      'files.import': async (...a: Parameters<(typeof h)['files.import']>) => h['files.import'](...a)
    }
  }
  const file = (name: string, text: string) => {
    const path = join(temp.dir, name)
    writeFileSync(path, text)
    return path
  }
  const counts = () => ({
    keys: temp.registry.listKeys({ limit: 1 }).total,
    audit: temp.registry.listAudit({ limit: 1 }).total
  })

  it('a cancelled file dialog reads nothing and answers no token', async () => {
    expect(await handlers()['files.importPick']({}, ctx)).toMatchObject({ token: null, keys: [], errors: [] })
  })

  it('preview: every row checked, good rows beside bad ones, nothing written; Import then writes the secrets to a 0600 file, never to the page', async () => {
    openAnswer = file(
      'keys.csv',
      `name,resources,sha256,hint\nNewOne,gpt-4o:PYG,,\nLegacy,,${sha256(foreign)},sk-…XYZ\nBad Name!,,,\nAlsoNew,nope:PYG,,\n`
    )
    const h = handlers()
    const before = counts()
    const preview = await h['files.importPick']({}, ctx)
    expect(preview).toMatchObject({ file: openAnswer, format: 'csv', created: 1, imported: 1 })
    expect(preview.keys.map((k) => [k.row, k.name, k.source])).toEqual([
      [1, 'NewOne', 'new'],
      [2, 'Legacy', 'sha256']
    ])
    expect(preview.errors.map((e) => [e.row, e.field])).toEqual([
      [3, 'name'],
      [4, 'resources']
    ])
    expect(counts()).toEqual(before)

    // All or nothing: with problems and no skip, nothing is written and no secrets file is asked for.
    let asked = 0
    saveAnswer = (r) => (asked++, join(temp.dir, r.defaultPath))
    const refused = await h['files.import'](FileImportInput.parse({ token: preview.token }), ctx)
    expect(refused).toMatchObject({ canceled: false, created: 0, imported: 0, secretsFile: null })
    expect(refused.errors).toHaveLength(2)
    expect(asked).toBe(0)
    expect(counts()).toEqual(before)

    // Skipping the bad rows: the secrets file is asked for, then written 0600; the answer holds no secret.
    const done = await h['files.import'](FileImportInput.parse({ token: preview.token, skipInvalid: true }), ctx)
    expect(asked).toBe(1)
    expect(done).toMatchObject({
      created: 1,
      imported: 1,
      secretsFile: join(temp.dir, 'keyward-new-secrets-2026-11-30.csv')
    })
    expect(JSON.stringify(done)).not.toMatch(/kw_[0-9A-Za-z]{20}/)
    expect(statSync(done.secretsFile!).mode & 0o777).toBe(0o600)
    const [header, line] = readFileSync(done.secretsFile!, 'utf8').trim().split('\n')
    expect(header).toBe('id,name,secret')
    const [id, name, secret] = line!.split(',')
    expect(name).toBe('NewOne')
    expect(temp.registry.verify({ secret: secret!, model: 'gpt-4o' })).toMatchObject({ valid: true })
    expect(temp.registry.verify({ secret: foreign })).toMatchObject({ valid: true })
    expect(temp.registry.getKey({ key: id! }).key.name).toBe('NewOne')

    // The token is spent: importing twice needs the file chosen again.
    const again = await h['files.import'](FileImportInput.parse({ token: preview.token }), ctx).catch((e: unknown) => e)
    expect(again).toBeInstanceOf(KeywardError)
    expect((again as KeywardError).fields?.file).toMatch(/Choose the file to import again/)
  })

  it('writes a chunk per turn of the event loop, reporting keys written after each: other work runs in between', async () => {
    importChunking.ms = 0
    importChunking.checkEvery = 2
    openAnswer = file('five.csv', 'name\nK1\nK2\nK3\nK4\nK5\n')
    const h = handlers()
    const preview = await h['files.importPick']({}, ctx)
    // Another task on the same event loop (a verification, a repaint): it must get turns during the import.
    turns = 0
    let ticking = true
    const tick = () => {
      turns++
      if (ticking) setImmediate(tick)
    }
    setImmediate(tick)
    const done = await h['files.import'](FileImportInput.parse({ token: preview.token }), ctx)
    ticking = false
    expect(done.created).toBe(5)
    expect(progress).toEqual([
      { done: 0, total: 5 },
      { done: 2, total: 5 },
      { done: 4, total: 5 },
      { done: 5, total: 5 }
    ])
    // The other task ran between the chunks, not only before or after the whole import.
    expect(turnsAt[2]! - turnsAt[1]!).toBeGreaterThan(0)
    expect(turnsAt[3]! - turnsAt[2]!).toBeGreaterThan(0)
  })

  it('cancelling the secrets file dialog imports nothing; a file only of hashes asks for no secrets file', async () => {
    openAnswer = file('new.csv', 'name\nFresh\n')
    const h = handlers()
    const preview = await h['files.importPick']({}, ctx)
    saveAnswer = () => null
    const before = counts()
    expect(await h['files.import'](FileImportInput.parse({ token: preview.token }), ctx)).toMatchObject({
      canceled: true,
      created: 0
    })
    expect(counts()).toEqual(before)

    openAnswer = file('hashes.csv', `name,sha256,hint\nOld,${sha256(foreign)},sk-…XYZ\n`)
    const p2 = await h['files.importPick']({}, ctx)
    saveAnswer = () => {
      throw new Error('no secrets file should be asked for')
    }
    expect(await h['files.import'](FileImportInput.parse({ token: p2.token }), ctx)).toMatchObject({
      imported: 1,
      secretsFile: null
    })
  })

  it('a secrets file that exists is never replaced: refused, nothing imported', async () => {
    openAnswer = file('new.csv', 'name\nFresh\n')
    const existing = file('taken.csv', 'precious\n')
    saveAnswer = () => existing
    const h = handlers()
    const preview = await h['files.importPick']({}, ctx)
    const error = await h['files.import'](FileImportInput.parse({ token: preview.token }), ctx).catch((e: unknown) => e)
    expect((error as KeywardError).fields?.secretsFile).toMatch(/already exists/)
    expect(readFileSync(existing, 'utf8')).toBe('precious\n')
    expect(temp.registry.findKey('Fresh')).toBeUndefined()
  })

  it('a file that is not UTF-8 is refused naming the file; no secrets file is left behind', async () => {
    openAnswer = file('latin1.csv', '')
    writeFileSync(openAnswer, Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x0a, 0xe9, 0x0a]))
    const pick = handlers()['files.importPick']
    const error = await pick({}, ctx).catch((e: unknown) => e)
    expect((error as KeywardError).fields?.file).toMatch(/not UTF-8/)
    expect(readdirSync(temp.dir).filter((f) => f.startsWith('keyward-new-secrets'))).toEqual([])
    expect(existsSync(join(temp.dir, 'keyward-new-secrets-2026-11-30.csv'))).toBe(false)
  })

  it('the open dialog and the secrets file’s save dialog speak the app’s language, read as each opens', async () => {
    const asked: unknown[] = []
    let language: 'system' | 'en' | 'ar' = 'ar'
    const h = createFileHandlers({
      registry: fileRegistryOf(temp.registry),
      pickOpenPath: async (r) => (asked.push(r), openAnswer),
      pickSavePath: async (r) => (asked.push(r), join(temp.dir, r.defaultPath)),
      words: () => nativeWords(language, ['ar-EG', 'en-US']),
      now: () => Date.parse('2026-11-30T10:00:00Z')
    })
    openAnswer = file('new.csv', 'name\nFresh\n')
    const preview = await h['files.importPick']({}, ctx)
    // The OS speaks Arabic: 'system' keeps Arabic; the file is asked for in the language of that moment.
    language = 'system'
    expect(await h['files.import'](FileImportInput.parse({ token: preview.token }), ctx)).toMatchObject({ created: 1 })
    language = 'en'
    await h['files.importPick']({}, ctx)
    expect(asked).toEqual([
      { title: 'استيراد المفاتيح', filters: [{ name: 'المفاتيح (CSV أو JSON)', extensions: ['csv', 'json'] }] },
      {
        title: 'حفظ أسرار المفاتيح الجديدة',
        defaultPath: 'keyward-new-secrets-2026-11-30.csv',
        filters: [{ name: 'CSV (جداول البيانات)', extensions: ['csv'] }]
      },
      { title: 'Import keys', filters: [{ name: 'Keys (CSV or JSON)', extensions: ['csv', 'json'] }] }
    ])
  })
})
