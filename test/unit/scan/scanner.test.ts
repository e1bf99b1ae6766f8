import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validateInput } from '../../../src/main/core/validate'
import { generateSecret, secretHint } from '../../../src/main/core/secrets'
import { scanFile } from '../../../src/main/scan/file'
import { createScanHandlers } from '../../../src/main/scan/handlers'
import { scanPaths } from '../../../src/main/scan/scan'
import type { LeakFinding } from '../../../src/shared/scan'
import { KeywardError } from '../../../src/shared/errors'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'

const ACTOR = 'scanner-test'

/** A checksum-valid token no registry issued. */
const stray = () => generateSecret('standard', randomBytes)
/** The same token with its last checksum character changed: the format fits, the checksum does not. */
function lookAlike(secret: string): string {
  const last = secret.at(-1) === 'A' ? 'B' : 'A'
  return secret.slice(0, -1) + last
}

describe('leak scanner on a real tree', () => {
  let temp: TempRegistry
  let root: string
  let tree: string
  const secrets: Record<string, string> = {}
  const ids: Record<string, string> = {}
  const run = (paths: string[], all = false, chunkBytes?: number) =>
    scanPaths(paths, { all, chunkBytes, lookup: (h) => temp.registry.keysBySecretHash(h) })
  const byHint = (findings: LeakFinding[], secret: string) => findings.filter((f) => f.hint === secretHint(secret))

  beforeAll(() => {
    temp = tempRegistry()
    const make = (name: string, kind: 'standard' | 'admin' = 'standard') => {
      const { key, secret } = temp.registry.createKey({ name, kind }, ACTOR)
      secrets[name] = secret
      ids[name] = key.id
    }
    make('Live')
    make('Off')
    temp.registry.disableKey({ key: 'Off' }, ACTOR)
    make('Gone')
    temp.registry.deleteKey({ key: 'Gone' }, ACTOR)
    make('Rotated')
    secrets.RotatedNew = temp.registry.rotateKey({ key: 'Rotated', graceSeconds: 0 }, ACTOR).secret
    temp.clock.advance(1000)
    make('Admin', 'admin')
    secrets.Stray = stray()
    secrets.Ignored = stray()
    secrets.Outside = stray()

    root = mkdtempSync(join(tmpdir(), 'keyward-scan-'))
    tree = join(root, 'tree')
    const put = (rel: string, content: string | Buffer) => {
      mkdirSync(join(tree, rel, '..'), { recursive: true })
      writeFileSync(join(tree, rel), content)
    }
    // CRLF: the Live key on line 3, a look-alike (bad checksum) on line 4.
    put('app/config.env', `# config\r\nHOST=x\r\nKEY=${secrets.Live}\r\nOLD=${lookAlike(secrets.Live!)}\r\n`)
    put(
      'notes.md',
      [
        'intro',
        `disabled: ${secrets.Off}`,
        `deleted "${secrets.Gone}"`,
        `stray:${secrets.Stray};`,
        `rotated out ${secrets.Rotated} and current ${secrets.RotatedNew}`,
        `admin=${secrets.Admin}`
      ].join('\n')
    )
    // Binary by git's rule (NUL in the first 8000 bytes): skipped. A NUL past 8000 bytes: text.
    put('blob.bin', Buffer.concat([Buffer.from([0x89, 0x50, 0x00, 0x0a]), Buffer.from(`\n${secrets.Live}\n`)]))
    put('late-nul.txt', Buffer.concat([Buffer.alloc(8000, 0x20), Buffer.from([0]), Buffer.from(`\n${secrets.Live}\n`)]))
    // .gitignore at two levels, with a re-include.
    put('.gitignore', 'secrets/\n*.log\n!keep.log\n')
    put('secrets/prod.txt', `${secrets.Ignored}\n`)
    put('debug.log', `${secrets.Ignored}\n`)
    put('keep.log', `${secrets.Stray}\n`)
    put('app/.gitignore', 'local.env\n')
    put('app/local.env', `K=${secrets.Ignored}\n`)
    put('.git/config', `url = https://x:${secrets.Ignored}@example.com\n`)
    // Outside the tree, reached only through symbolic links: never read. Plus two loops.
    mkdirSync(join(root, 'outside'))
    writeFileSync(join(root, 'outside', 'secret.txt'), `${secrets.Outside}\n`)
    symlinkSync(join(root, 'outside'), join(tree, 'outside-dir'))
    symlinkSync(join(root, 'outside', 'secret.txt'), join(tree, 'outside-file.txt'))
    symlinkSync('.', join(tree, 'loop'))
    symlinkSync('..', join(tree, 'app', 'up'))
  })

  afterAll(() => {
    temp.close()
    rmSync(root, { recursive: true, force: true })
  })

  it('reports each valid token with file, line, key and status, and nothing for a bad checksum', async () => {
    const report = await run([tree])
    const live = byHint(report.findings, secrets.Live!)
    expect(live).toEqual([
      {
        file: join(tree, 'app', 'config.env'),
        line: 3,
        keyId: ids.Live,
        name: 'Live',
        status: 'active',
        hint: secretHint(secrets.Live!)
      },
      {
        file: join(tree, 'late-nul.txt'),
        line: 2,
        keyId: ids.Live,
        name: 'Live',
        status: 'active',
        hint: secretHint(secrets.Live!)
      }
    ])
    expect(byHint(report.findings, lookAlike(secrets.Live!))).toEqual([])
    const notes = report.findings.filter((f) => f.file === join(tree, 'notes.md'))
    expect(notes.map((f) => [f.line, f.name, f.status])).toEqual([
      [2, 'Off', 'disabled'],
      [3, 'Gone', 'deleted'],
      [4, null, 'unknown'],
      [5, 'Rotated', 'retired'],
      [5, 'Rotated', 'active'],
      [6, 'Admin', 'active']
    ])
    expect(notes.find((f) => f.status === 'deleted')!.keyId).toBe(ids.Gone)
    expect(notes.find((f) => f.status === 'unknown')!.hint).toBe(secretHint(secrets.Stray!))
    expect(byHint(report.findings, secrets.Stray!).map((f) => f.file)).toEqual([
      join(tree, 'keep.log'),
      join(tree, 'notes.md')
    ])
  })

  it('never returns a token in full', async () => {
    const text = JSON.stringify(await run([tree], true))
    for (const secret of Object.values(secrets)) expect(text).not.toContain(secret)
    expect(text).not.toMatch(/kwa?_[0-9A-Za-z]{49}/)
  })

  it('skips binaries, .gitignored files, .git, and follows no symbolic link (outside or looping)', async () => {
    const report = await run([tree])
    const files = new Set(report.findings.map((f) => f.file))
    expect(files.has(join(tree, 'blob.bin'))).toBe(false)
    expect(byHint(report.findings, secrets.Ignored!)).toEqual([])
    expect(byHint(report.findings, secrets.Outside!)).toEqual([])
    for (const f of files) expect(f).not.toMatch(/loop|[/\\]up[/\\]|outside/)
    // Text files read: config.env, notes.md, late-nul.txt, keep.log and the two .gitignore files.
    expect(report.files).toBe(6)
    expect(report.unreadable).toEqual([])
  })

  it('--all reads what .gitignore excludes and .git, still no binary and no link', async () => {
    const report = await run([tree], true)
    expect(
      byHint(report.findings, secrets.Ignored!)
        .map((f) => f.file)
        .sort()
    ).toEqual(
      [
        join(tree, '.git', 'config'),
        join(tree, 'app', 'local.env'),
        join(tree, 'debug.log'),
        join(tree, 'secrets', 'prod.txt')
      ].sort()
    )
    expect(byHint(report.findings, secrets.Outside!)).toEqual([])
    expect(report.findings.some((f) => f.file.endsWith('blob.bin'))).toBe(false)
  })

  it('reads a named file even when .gitignore excludes it, once even when named twice', async () => {
    const file = join(tree, 'debug.log')
    const report = await run([file, tree, file])
    expect(byHint(report.findings, secrets.Ignored!)).toEqual([
      expect.objectContaining({ file, line: 1, status: 'unknown' })
    ])
  })

  it('scanning a folder inside a repository honours the .gitignore files above it, up to the repository top', async () => {
    const repo = join(root, 'repo')
    mkdirSync(join(repo, '.git'), { recursive: true })
    mkdirSync(join(repo, 'services', 'api'), { recursive: true })
    writeFileSync(join(repo, '.gitignore'), '*.secret\n')
    writeFileSync(join(repo, 'services', '.gitignore'), 'local/\n')
    mkdirSync(join(repo, 'services', 'api', 'local'))
    writeFileSync(join(repo, 'services', 'api', 'prod.secret'), `${secrets.Ignored}\n`)
    writeFileSync(join(repo, 'services', 'api', 'local', 'notes.txt'), `${secrets.Ignored}\n`)
    writeFileSync(join(repo, 'services', 'api', 'app.py'), `KEY = "${secrets.Stray}"\n`)
    const report = await run([join(repo, 'services', 'api')])
    expect(report.findings.map((f) => f.file)).toEqual([join(repo, 'services', 'api', 'app.py')])
    expect((await run([join(repo, 'services', 'api')], true)).findings).toHaveLength(3)
    // A repository of its own inside: the outer rules stop at its top.
    mkdirSync(join(repo, 'services', 'api', '.git'))
    expect((await run([join(repo, 'services', 'api')])).findings.map((f) => f.file).sort()).toEqual(
      [
        join(repo, 'services', 'api', 'app.py'),
        join(repo, 'services', 'api', 'local', 'notes.txt'),
        join(repo, 'services', 'api', 'prod.secret')
      ].sort()
    )
    // Outside a repository, a .gitignore above the scanned folder does not apply.
    const loose = join(root, 'loose')
    mkdirSync(join(loose, 'inner'), { recursive: true })
    writeFileSync(join(loose, '.gitignore'), '*.txt\n')
    writeFileSync(join(loose, 'inner', 'a.txt'), `${secrets.Stray}\n`)
    expect((await run([join(loose, 'inner')])).findings).toHaveLength(1)
  })

  it('a named symbolic link is followed: the user chose it', async () => {
    const report = await run([join(tree, 'outside-dir')])
    expect(report.findings).toEqual([expect.objectContaining({ line: 1, hint: secretHint(secrets.Outside!) })])
  })

  it('refuses a path that does not exist, naming it, before reading anything', async () => {
    const missing = join(root, 'no-such-folder')
    const error = await run([tree, missing]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KeywardError)
    expect((error as KeywardError).code).toBe('VALIDATION')
    expect((error as KeywardError).message).toContain(missing)
  })

  it('finds a token cut by a chunk boundary at every offset, exactly once, with its line', async () => {
    const chunk = 64
    for (const secret of [secrets.Live!, secrets.Admin!]) {
      for (let start = 0; start < 2 * chunk + 10; start++) {
        const file = join(root, 'boundary.txt')
        const pad = 'x'.repeat(Math.max(0, start - 1))
        const body = start === 0 ? `${secret}\nkw` : `${pad}\n${secret}kwa_`
        writeFileSync(file, body)
        const scanned = await scanFile(file, chunk)
        expect(
          scanned.hits.map((h) => [h.offset, h.line, h.hint]),
          `${secret.slice(0, 4)} token at ${start}`
        ).toEqual([[start, start === 0 ? 1 : 2, secretHint(secret)]])
        expect(scanned.bytes).toBe(Buffer.byteLength(body))
      }
    }
  })

  it('a large file is read in chunks: tokens across the 1 MiB boundaries are found, lines counted', async () => {
    const file = join(root, 'large.txt')
    const line = `${'lorem ipsum dolor sit amet '.repeat(3)}\n` // 82 bytes
    const lines = Math.ceil((3 * 1024 * 1024) / line.length)
    const parts: string[] = []
    for (let i = 0; i < lines; i++) parts.push(line)
    let text = parts.join('')
    // Tokens placed to straddle the first and second chunk boundaries (the scanner reads 1 MiB at a time).
    const place = (at: number, token: string) => {
      text = text.slice(0, at) + token + text.slice(at + token.length)
    }
    const b1 = 1024 * 1024 - 20
    const b2 = 2 * 1024 * 1024 - 30
    place(b1, secrets.Live!)
    place(b2, secrets.Admin!)
    writeFileSync(file, text)
    const report = await run([file])
    const lineOf = (offset: number) => text.slice(0, offset).split('\n').length
    expect(report.findings.map((f) => [f.name, f.line])).toEqual([
      ['Live', lineOf(b1)],
      ['Admin', lineOf(b2)]
    ])
    expect(report.bytes).toBe(Buffer.byteLength(text))
    expect(readFileSync(file).length).toBe(report.bytes)
  })

  it('scan.act disables (or deletes) the keys found in one transaction, audited without the secret', async () => {
    const scan = createScanHandlers({ registry: temp.registry, pickFolder: async () => null })
    const report = await scan['scan.run'](validateInput('scan.run', { paths: [tree] }), { actor: ACTOR })
    const live = report.findings.filter((f) => f.name === 'Live' || f.name === 'Admin')
    const act = (action: 'disable' | 'delete', findings: { keyId: string; file: string; line: number }[]) =>
      temp.registry.run('scan.act', validateInput('scan.act', { action, findings }), { actor: ACTOR })
    const auditBefore = temp.registry.listAudit({ limit: 1 }).total

    // A key that is gone refuses the lot: nothing changes, no entry is written.
    const refused = (() => {
      try {
        act('disable', [
          ...live.map((f) => ({ keyId: f.keyId!, file: f.file, line: f.line })),
          { keyId: 'k_nothere', file: 'x', line: 1 }
        ])
      } catch (e) {
        return e as KeywardError
      }
    })()
    expect(refused?.code).toBe('NOT_FOUND')
    expect(temp.registry.getKey({ key: 'Live' }).key.status).toBe('active')
    expect(temp.registry.listAudit({ limit: 1 }).total).toBe(auditBefore)

    const result = act(
      'disable',
      live.map((f) => ({ keyId: f.keyId!, file: f.file, line: f.line }))
    )
    expect(result.keys).toEqual([
      { id: ids.Live, name: 'Live', changed: true },
      { id: ids.Admin, name: 'Admin', changed: true }
    ])
    const entries = temp.registry.listAudit({ action: 'key.disable', limit: 10 }).items
    const liveEntry = entries.find((e) => e.targetId === ids.Live)!
    expect(liveEntry.details.reason).toBe(
      `leaked: ${join(tree, 'app', 'config.env')}:3, ${join(tree, 'late-nul.txt')}:2`
    )
    expect(temp.registry.getKey({ key: 'Live' }).key.status).toBe('disabled')

    const deleted = act('delete', [{ keyId: ids.Live!, file: join(tree, 'app', 'config.env'), line: 3 }])
    expect(deleted.keys).toEqual([{ id: ids.Live, name: 'Live', changed: true }])
    const del = temp.registry.listAudit({ action: 'key.delete', key: ids.Live, limit: 1 }).items[0]!
    expect(del.details.reason).toBe(`leaked: ${join(tree, 'app', 'config.env')}:3`)
    expect((await run([join(tree, 'app', 'config.env')])).findings[0]!.status).toBe('deleted')

    // Neither the audit rows nor the database file's bytes hold a secret.
    const audit = JSON.stringify(temp.registry.listAudit({ limit: 1000 }).items)
    temp.registry.flushLastUsed()
    const onDisk = Buffer.concat(
      ['', '-wal'].map((suffix) => {
        try {
          return readFileSync(temp.path + suffix)
        } catch {
          return Buffer.alloc(0)
        }
      })
    )
    for (const secret of Object.values(secrets)) {
      expect(audit).not.toContain(secret)
      expect(onDisk.includes(Buffer.from(secret))).toBe(false)
    }
  })

  it('a secret in a file NAME reaches the audit as its hint only', async () => {
    const { leakReason } = await import('../../../src/main/core/leaks')
    const reason = leakReason([{ file: `/tmp/${secrets.Stray}.txt`, line: 2 }])
    expect(reason).toBe(`leaked: /tmp/${secretHint(secrets.Stray!)}.txt:2`)
  })
})
