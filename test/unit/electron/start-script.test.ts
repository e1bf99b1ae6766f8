import { spawnSync } from 'node:child_process'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'

interface State {
  electronVersion: string | null
  electronBinary: string | null
  nativeBinding: string | null
  [k: string]: unknown
}
interface StartScript {
  inspect(root: string, opts?: { platform?: string; arch?: string; env?: Record<string, string> }): State
  plan(state: State, opts?: { launch?: boolean }): { step: string; why: string }[]
  electronDownloadFailed(version: string, detail?: string): string
  StartError: new (message: string) => Error
}
const start = createRequire(import.meta.url)('../../../scripts/start.cjs') as StartScript

const ELECTRON = '44.11.5'
const SQLITE = '12.11.1'
const roots: string[] = []
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true })
})

function write(root: string, file: string, content: string) {
  mkdirSync(dirname(join(root, file)), { recursive: true })
  writeFileSync(join(root, file), content)
}

/** A project folder with the parts of node_modules the script looks at. */
function project(parts: { electronInstalled?: boolean; distVersion?: string; native?: object | 'no-stamp' } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'keyward-start-'))
  roots.push(root)
  write(root, 'node_modules/electron/package.json', JSON.stringify({ name: 'electron', version: ELECTRON }))
  write(root, 'node_modules/better-sqlite3/package.json', JSON.stringify({ name: 'better-sqlite3', version: SQLITE }))
  write(root, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node', 'plain-node build')
  write(root, 'node_modules/better-sqlite3/lib/index.js', 'module.exports = {}')
  if (parts.electronInstalled) {
    write(root, 'node_modules/electron/path.txt', 'electron')
    write(root, 'node_modules/electron/dist/electron', '#!/bin/sh\n')
    write(root, 'node_modules/electron/dist/version', `v${parts.distVersion ?? ELECTRON}`)
  }
  if (parts.native) {
    write(root, '.electron-abi/better_sqlite3.node', 'electron build')
    if (parts.native !== 'no-stamp') write(root, '.electron-abi/build.json', JSON.stringify(parts.native))
  }
  return root
}

const current = { electron: ELECTRON, betterSqlite3: SQLITE, platform: 'linux', arch: 'x64' }
const steps = (root: string, env: Record<string, string> = {}, launch = true) =>
  start.plan(start.inspect(root, { platform: 'linux', arch: 'x64', env }), { launch }).map((s) => s.step)

describe('npm start: what it decides to do', () => {
  it('a fresh checkout: download Electron, build the native module, build, launch', () => {
    expect(steps(project())).toEqual(['install-electron', 'build-native', 'build-app', 'launch'])
  })

  it('everything present and current: only build and launch', () => {
    expect(steps(project({ electronInstalled: true, native: current }))).toEqual(['build-app', 'launch'])
  })

  it('--prepare (npm run dist) never launches', () => {
    expect(steps(project({ electronInstalled: true, native: current }), {}, false)).toEqual(['build-app'])
  })

  it('Electron upgraded in package.json: download again and rebuild the native module, saying why', () => {
    const root = project({ electronInstalled: true, distVersion: '43.0.0', native: { ...current, electron: '43.0.0' } })
    const plan = start.plan(start.inspect(root, { platform: 'linux', arch: 'x64', env: {} }))
    expect(plan.map((s) => s.step)).toEqual(['install-electron', 'build-native', 'build-app', 'launch'])
    expect(plan[0]!.why).toMatch(/43\.0\.0.*44\.11\.5/)
    expect(plan[1]!.why).toMatch(/Electron 43\.0\.0.*Electron 44\.11\.5/)
  })

  it('a native build for another better-sqlite3, arch, or with no stamp is rebuilt', () => {
    expect(steps(project({ electronInstalled: true, native: { ...current, betterSqlite3: '11.0.0' } }))).toContain(
      'build-native'
    )
    expect(steps(project({ electronInstalled: true, native: { ...current, arch: 'arm64' } }))).toContain('build-native')
    expect(steps(project({ electronInstalled: true, native: 'no-stamp' }))).toContain('build-native')
  })

  it('ELECTRON_OVERRIDE_DIST_PATH pointing at an unpacked Electron counts as installed', () => {
    const root = project({ native: current })
    const dist = join(root, 'my-electron')
    write(root, 'my-electron/electron', '#!/bin/sh\n')
    write(root, 'my-electron/version', ELECTRON)
    expect(steps(root, { ELECTRON_OVERRIDE_DIST_PATH: dist })).toEqual(['build-app', 'launch'])
  })

  it('without node_modules: a StartError that says to run npm ci', () => {
    const root = mkdtempSync(join(tmpdir(), 'keyward-start-'))
    roots.push(root)
    expect(() => start.plan(start.inspect(root))).toThrow(start.StartError)
    expect(() => start.plan(start.inspect(root))).toThrow(/npm ci/)
  })
})

/** A copy of the script in a sandbox project with fake tools, run as `npm start` would run it. */
function sandbox(options: {
  electronInstall: 'fails' | 'succeeds'
  prebuild: 'fails' | 'succeeds'
  gyp?: 'fails' | 'succeeds'
  native?: object
}) {
  const root = project({ native: options.native })
  const calls = join(root, 'calls.log')
  mkdirSync(join(root, 'scripts'))
  copyFileSync(join(process.cwd(), 'scripts/start.cjs'), join(root, 'scripts/start.cjs'))
  const record = (name: string) =>
    `require('fs').appendFileSync(${JSON.stringify(calls)}, ${JSON.stringify(name)} + ' ' + JSON.stringify(process.argv.slice(2)) + ' cwd=' + process.cwd() + '\\n')`
  write(
    root,
    'node_modules/electron/install.js',
    options.electronInstall === 'fails'
      ? `${record('electron-install')}\nconsole.error(new TypeError('fetch failed').stack); process.exit(1)`
      : `${record('electron-install')}
const fs = require('fs'), path = require('path')
fs.mkdirSync(path.join(__dirname, 'dist'), { recursive: true })
fs.writeFileSync(path.join(__dirname, 'dist', 'electron'), '#!/bin/sh\\necho "launched $@" >> ${calls}\\n', { mode: 0o755 })
fs.writeFileSync(path.join(__dirname, 'dist', 'version'), 'v${ELECTRON}')
fs.writeFileSync(path.join(__dirname, 'path.txt'), 'electron')`
  )
  const fakeBuild = (name: string, outcome: 'fails' | 'succeeds' | undefined) =>
    outcome === 'succeeds'
      ? `${record(name)}\nconst fs = require('fs'); fs.mkdirSync('build/Release', { recursive: true }); fs.writeFileSync('build/Release/better_sqlite3.node', 'built by ${name}')`
      : `${record(name)}\nconsole.error('${name}: network unreachable'); process.exit(1)`
  write(root, 'node_modules/prebuild-install/bin.js', fakeBuild('prebuild-install', options.prebuild))
  write(root, 'node_modules/node-gyp/bin/node-gyp.js', fakeBuild('node-gyp', options.gyp))
  write(root, 'node_modules/electron-vite/bin/electron-vite.js', record('electron-vite'))
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [join(root, 'scripts/start.cjs'), ...args], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: '' }
    })
  return { root, run, calls: () => (existsSync(calls) ? readFileSync(calls, 'utf8') : '') }
}

describe('npm start: running the plan (fake tools, no download)', () => {
  it('when Electron cannot be downloaded: one clear paragraph saying why and what to do, no stack trace', () => {
    const box = sandbox({ electronInstall: 'fails', prebuild: 'succeeds' })
    const result = box.run()
    expect(result.status).toBe(1)
    const message = result.stderr.trim()
    expect(message.split('\n')).toHaveLength(1)
    expect(message).toMatch(/Electron runtime \(version 44\.11\.5\) is not installed/)
    expect(message).toMatch(/fetch failed/)
    expect(message).toMatch(/npm test/)
    expect(message).toMatch(/ELECTRON_MIRROR/)
    expect(message).not.toMatch(/\n\s+at /)
    expect(box.calls()).toMatch(/^electron-install/)
    expect(box.calls()).not.toMatch(/electron-vite|prebuild/)
  })

  it('builds the Electron-ABI module from a copy with prebuild-install, stamps it, builds and launches; node_modules untouched', () => {
    const box = sandbox({ electronInstall: 'succeeds', prebuild: 'succeeds' })
    const result = box.run('--some-flag')
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    const calls = box.calls().trim().split('\n')
    expect(calls[0]).toMatch(/^electron-install/)
    expect(calls[1]).toMatch(
      /^prebuild-install \["--runtime","electron","--target","44\.11\.5","--arch","[a-z0-9]+","--platform","[a-z0-9]+"\]/
    )
    // Built in a work copy, never in node_modules/better-sqlite3.
    expect(calls[1]).toMatch(/cwd=.*\.electron-abi\/work-[^/]+\/better-sqlite3$/)
    expect(calls[2]).toMatch(/^electron-vite \["build"\]/)
    expect(calls[3]).toBe('launched . --some-flag')
    expect(readFileSync(join(box.root, '.electron-abi/better_sqlite3.node'), 'utf8')).toBe('built by prebuild-install')
    expect(JSON.parse(readFileSync(join(box.root, '.electron-abi/build.json'), 'utf8'))).toEqual({
      electron: ELECTRON,
      betterSqlite3: SQLITE,
      platform: process.platform,
      arch: process.arch
    })
    expect(readFileSync(join(box.root, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'), 'utf8')).toBe(
      'plain-node build'
    )
    // The work copy is gone once the module is in place.
    expect(readdirSync(join(box.root, '.electron-abi')).filter((f) => f.startsWith('work-'))).toEqual([])

    // A second start skips what exists.
    writeFileSync(join(box.root, 'calls.log'), '')
    expect(box.run('--prepare').status).toBe(0)
    expect(
      box
        .calls()
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[0])
    ).toEqual(['electron-vite'])
  })

  it('falls back to node-gyp against the Electron headers when no prebuilt binary is available', () => {
    const box = sandbox({ electronInstall: 'succeeds', prebuild: 'fails', gyp: 'succeeds' })
    expect(box.run('--prepare').status).toBe(0)
    const gyp = box
      .calls()
      .split('\n')
      .find((l) => l.startsWith('node-gyp'))
    expect(gyp).toMatch(
      /"rebuild","--release","--target=44\.11\.5","--arch=[a-z0-9]+","--dist-url=https:\/\/electronjs\.org\/headers"/
    )
    expect(readFileSync(join(box.root, '.electron-abi/better_sqlite3.node'), 'utf8')).toBe('built by node-gyp')
  })

  it('when both fail: a paragraph naming what is needed and where the log is; nothing half-made is left', () => {
    const box = sandbox({ electronInstall: 'succeeds', prebuild: 'fails', gyp: 'fails' })
    const result = box.run()
    expect(result.status).toBe(1)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toMatch(/building better-sqlite3 for Electron 44\.11\.5 failed/)
    expect(result.stderr).toMatch(/C\+\+ toolchain/)
    expect(result.stderr).toMatch(/build\.log/)
    expect(existsSync(join(box.root, '.electron-abi/better_sqlite3.node'))).toBe(false)
    expect(readFileSync(join(box.root, '.electron-abi/build.log'), 'utf8')).toMatch(/network unreachable/)
    expect(box.calls()).not.toMatch(/electron-vite/)
  })
})
