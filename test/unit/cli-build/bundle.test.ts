import { spawnSync } from 'node:child_process'
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { STAMP_FILE } from '../../../vite.cli.config'
import { assertCliBundleFresh, CLI_BUNDLE, CLI_OUT, ROOT, staleReason } from '../../cli/bundle'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A copy of the project's stamp, bundle and stamped inputs in a temp root. */
function copyOfBuild(): string {
  const root = mkdtempSync(join(tmpdir(), 'keyward-stamp-'))
  dirs.push(root)
  const stamp = JSON.parse(readFileSync(join(CLI_OUT, STAMP_FILE), 'utf8')) as { inputs: Record<string, string> }
  for (const file of [...Object.keys(stamp.inputs), `out/cli/${STAMP_FILE}`, 'out/cli/keyward.cjs']) {
    mkdirSync(join(root, file, '..'), { recursive: true })
    copyFileSync(join(ROOT, file), join(root, file))
  }
  return root
}

/** Modules in require.cache after running the bundle with `args`, from the process that ran it. */
function modulesLoadedBy(args: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-lazy-'))
  dirs.push(dir)
  const probe = join(dir, 'probe.cjs')
  const out = join(dir, 'loaded.json')
  writeFileSync(
    probe,
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.keys(require.cache))))\n`
  )
  const r = spawnSync(process.execPath, ['--require', probe, join(ROOT, 'bin', 'keyward.cjs'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '', KEYWARD_CLI_SOURCE: '', KEYWARD_DB: join(dir, 'registry.sqlite3') }
  })
  expect(r.status, r.stderr).toBe(0)
  return JSON.parse(readFileSync(out, 'utf8')) as string[]
}

describe('the CLI bundle (out/cli/keyward.cjs)', () => {
  it('is fresh: the globalSetup rebuilt it from the current sources', () => {
    expect(staleReason()).toBeNull()
    expect(() => assertCliBundleFresh()).not.toThrow()
  })

  it('stamps every source it was built from, and only project files', () => {
    const stamp = JSON.parse(readFileSync(join(CLI_OUT, STAMP_FILE), 'utf8')) as { inputs: Record<string, string> }
    const files = Object.keys(stamp.inputs)
    for (const file of [
      'src/cli/main.ts',
      'src/cli/core.ts',
      'src/main/db/open.ts',
      'src/main/server/server.ts',
      'package-lock.json',
      'vite.cli.config.ts'
    ]) {
      expect(files, file).toContain(file)
    }
    expect(files.some((f) => f.includes('node_modules'))).toBe(false)
  })

  it('is stale when a source, the lock file or the bundle itself changes, or the stamp is missing', () => {
    const root = copyOfBuild()
    expect(staleReason(root)).toBeNull()
    appendFileSync(join(root, 'src/cli/main.ts'), '\n// edited\n')
    expect(staleReason(root)).toBe('src/cli/main.ts changed since the build')

    const other = copyOfBuild()
    appendFileSync(join(other, 'package-lock.json'), ' ')
    expect(staleReason(other)).toBe('package-lock.json changed since the build')

    const edited = copyOfBuild()
    appendFileSync(join(edited, 'out/cli/keyward.cjs'), '\n')
    expect(staleReason(edited)).toMatch(/was changed after it was built$/)
    expect(() => assertCliBundleFresh(edited)).toThrow(/stale .*npm run build:cli/)

    const removed = copyOfBuild()
    rmSync(join(removed, 'src/cli/output.ts'))
    expect(staleReason(removed)).toBe('src/cli/output.ts was removed since the build')
    rmSync(join(removed, 'out/cli', STAMP_FILE))
    expect(staleReason(removed)).toMatch(/missing \(never built\)$/)
  })

  it('is one CommonJS file that requires better-sqlite3 at run time and bundles everything else', () => {
    // pg-native is pg's optional native driver, required only when `pg.native` is read, which
    // Keyward never does: it stays outside the bundle (it is not installed) and is never loaded.
    const code = readFileSync(CLI_BUNDLE, 'utf8')
    const required = [...code.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]!)
    const packages = [...new Set(required.filter((id) => !id.startsWith('node:') && !id.startsWith('.')))]
    const builtins = new Set(require('node:module').builtinModules as string[])
    expect(packages.filter((id) => !builtins.has(id))).toEqual(['better-sqlite3', 'pg-native'])
    expect(code).toContain('exports.main = main')
  })

  it('loads better-sqlite3 only when a command opens the registry: --help and --version start without it', () => {
    const sqlite = (files: string[]) => files.some((f) => /[\\/]better-sqlite3[\\/]/.test(f))
    expect(sqlite(modulesLoadedBy(['--version']))).toBe(false)
    expect(sqlite(modulesLoadedBy(['--help']))).toBe(false)
    const listing = modulesLoadedBy(['keys', 'list'])
    expect(sqlite(listing)).toBe(true)
    // Nothing of the sources, nothing through tsx: the bundle and the driver.
    expect(
      listing.filter((f) => !/[\\/]better-sqlite3[\\/]/.test(f)).map((f) => f.slice(ROOT.length).replace(/\\/g, '/'))
    ).toEqual(expect.arrayContaining(['/bin/keyward.cjs', '/out/cli/keyward.cjs']))
    expect(listing.some((f) => f.endsWith('.ts') || f.includes('tsx'))).toBe(false)
  })
})
