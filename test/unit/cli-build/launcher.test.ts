import { spawn } from 'node:child_process'
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertCliBundleFresh, CLI_BUNDLE, ROOT } from '../../cli/bundle'
import { cleanEnv } from '../../cli/run'

/**
 * The installed `keyward` launchers (resources/cli), run in a fake installed layout built the way
 * electron-builder.yml packs the app, with `node` standing in for the app's binary: the bundle and
 * bin/keyward.cjs unpacked from the asar, better-sqlite3's JavaScript without any build of its own,
 * and a Node-ABI better_sqlite3.node as the "Electron-ABI" driver in resources/native.
 */

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version
const NODE_BINDING = join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')
const SQLITE_JS = join(ROOT, 'node_modules', 'better-sqlite3')

interface Layout {
  /** What a user runs: the launcher, or a symlink to it (the deb's /usr/bin/keyward). */
  launcher: string
  resources: string
}

/** Writes the app binary: node, under the name electron-builder gives the app. */
function fakeAppBinary(path: string): void {
  mkdirSync(dirname(path), { recursive: true })
  if (process.platform === 'win32') {
    try {
      linkSync(process.execPath, path)
    } catch {
      copyFileSync(process.execPath, path)
    }
  } else symlinkSync(process.execPath, path)
}

/** <resources>/…: what the package holds outside and inside app.asar.unpacked. */
function fillResources(resources: string, launcher: 'keyward' | 'keyward.cmd'): void {
  const unpacked = join(resources, 'app.asar.unpacked')
  mkdirSync(join(unpacked, 'bin'), { recursive: true })
  mkdirSync(join(unpacked, 'out', 'cli'), { recursive: true })
  copyFileSync(join(ROOT, 'bin', 'keyward.cjs'), join(unpacked, 'bin', 'keyward.cjs'))
  copyFileSync(CLI_BUNDLE, join(unpacked, 'out', 'cli', 'keyward.cjs'))
  // electron-builder.yml leaves better-sqlite3's build/, deps/ and src/ out: no driver of its own.
  const sqlite = join(unpacked, 'node_modules', 'better-sqlite3')
  mkdirSync(sqlite, { recursive: true })
  copyFileSync(join(SQLITE_JS, 'package.json'), join(sqlite, 'package.json'))
  cpSync(join(SQLITE_JS, 'lib'), join(sqlite, 'lib'), { recursive: true })
  mkdirSync(join(resources, 'native'), { recursive: true })
  copyFileSync(NODE_BINDING, join(resources, 'native', 'better_sqlite3.node'))
  mkdirSync(join(resources, 'bin'), { recursive: true })
  copyFileSync(join(ROOT, 'resources', 'cli', launcher), join(resources, 'bin', launcher))
  if (launcher === 'keyward') chmodSync(join(resources, 'bin', launcher), 0o755)
}

/** Linux: /opt/Keyward/{keyward-desktop,resources/}, plus /usr/bin/keyward as the deb links it. */
function linuxLayout(root: string): Layout {
  const app = join(root, 'opt', 'Keyward')
  fakeAppBinary(join(app, 'keyward-desktop'))
  fillResources(join(app, 'resources'), 'keyward')
  mkdirSync(join(root, 'usr', 'bin'), { recursive: true })
  const onPath = join(root, 'usr', 'bin', 'keyward')
  symlinkSync(join(app, 'resources', 'bin', 'keyward'), onPath)
  return { launcher: onPath, resources: join(app, 'resources') }
}

/** macOS: Keyward.app/Contents/{MacOS/Keyward,Resources/}, plus a relative symlink as in /usr/local/bin. */
function macLayout(root: string): Layout {
  const contents = join(root, 'Applications', 'Keyward.app', 'Contents')
  fakeAppBinary(join(contents, 'MacOS', 'Keyward'))
  fillResources(join(contents, 'Resources'), 'keyward')
  mkdirSync(join(root, 'usr', 'local', 'bin'), { recursive: true })
  const onPath = join(root, 'usr', 'local', 'bin', 'keyward')
  symlinkSync('../../../Applications/Keyward.app/Contents/Resources/bin/keyward', onPath)
  return { launcher: onPath, resources: join(contents, 'Resources') }
}

/** Windows: <install>\{Keyward.exe,resources\}. */
function windowsLayout(root: string): Layout {
  fakeAppBinary(join(root, 'Keyward', 'Keyward.exe'))
  fillResources(join(root, 'Keyward', 'resources'), 'keyward.cmd')
  return {
    launcher: join(root, 'Keyward', 'resources', 'bin', 'keyward.cmd'),
    resources: join(root, 'Keyward', 'resources')
  }
}

interface Run {
  code: number
  stdout: string
  stderr: string
  /** What the process that ran the CLI saw: recorded by a --require preload. */
  seen: { runAsNode?: string; binding?: string; script: string; execPath: string }
}

function runLauncher(dir: string, layout: Layout, args: string[], input = ''): Promise<Run> {
  const record = join(dir, `seen-${Math.random().toString(36).slice(2)}.json`)
  const recorder = join(dir, 'record.cjs')
  writeFileSync(
    recorder,
    `require('node:fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify({ runAsNode: process.env.ELECTRON_RUN_AS_NODE, ` +
      `binding: process.env.KEYWARD_SQLITE_BINDING, script: process.argv[1], execPath: process.execPath }))\n`
  )
  // A user's stray KEYWARD_SQLITE_BINDING must not matter: the launcher sets its own.
  const env = cleanEnv({
    NODE_OPTIONS: `--require ${JSON.stringify(recorder)}`,
    KEYWARD_SQLITE_BINDING: join(dir, 'nowhere.node'),
    HOME: dir,
    XDG_CONFIG_HOME: dir,
    APPDATA: dir
  })
  delete env.ELECTRON_RUN_AS_NODE
  const windows = layout.launcher.endsWith('.cmd')
  return new Promise((resolvePromise, reject) => {
    const child = windows
      ? spawn(
          process.env.ComSpec ?? 'cmd.exe',
          ['/d', '/s', '/c', `"${layout.launcher}" ${args.map((a) => `"${a}"`).join(' ')}`],
          { env, cwd: dir, windowsVerbatimArguments: true }
        )
      : spawn(layout.launcher, args, { env, cwd: dir })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (c: Buffer) => out.push(c))
    child.stderr.on('data', (c: Buffer) => err.push(c))
    child.on('error', reject)
    child.on('close', (code) => {
      const seen = existsSync(record) ? JSON.parse(readFileSync(record, 'utf8')) : { script: '', execPath: '' }
      resolvePromise({
        code: code ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        seen
      })
    })
    child.stdin.end(input)
  })
}

const layouts: [string, (root: string) => Layout][] =
  process.platform === 'win32'
    ? [['Windows (keyward.cmd)', windowsLayout]]
    : [
        ['Linux (deb, /usr/bin/keyward)', linuxLayout],
        ['macOS (Keyward.app)', macLayout]
      ]

describe.each(layouts)('the installed keyward launcher: %s', (_name, build) => {
  let dir: string
  let layout: Layout

  beforeAll(() => {
    assertCliBundleFresh()
    dir = mkdtempSync(join(tmpdir(), 'keyward-launcher-'))
    layout = build(dir)
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('runs the app binary as Node on the unpacked CLI, with the app-shipped driver', async () => {
    const r = await runLauncher(dir, layout, ['--version'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout.trim()).toBe(VERSION)
    expect(r.seen.runAsNode).toBe('1')
    expect(r.seen.binding).toBe(join(layout.resources, 'native', 'better_sqlite3.node'))
    expect(r.seen.script).toBe(join(layout.resources, 'app.asar.unpacked', 'bin', 'keyward.cjs'))
  })

  it('creates and lists keys in a real registry through the launcher', async () => {
    const db = join(dir, 'registry.sqlite3')
    const created = await runLauncher(dir, layout, ['--db', db, '--json', 'keys', 'create', '--name', 'LauncherKey'])
    expect(created.stderr).toBe('')
    expect(created.code).toBe(0)
    const doc = JSON.parse(created.stdout) as { key: { name: string }; secret: string }
    expect(doc.key.name).toBe('LauncherKey')
    expect(doc.secret).toMatch(/^kw_[0-9A-Za-z]{49}$/)
    const listed = await runLauncher(dir, layout, ['--db', db, '--json', 'keys', 'list'])
    expect(listed.code).toBe(0)
    const list = JSON.parse(listed.stdout) as { items: { name: string }[] }
    expect(list.items.map((k) => k.name)).toEqual(['LauncherKey'])
    expect(listed.stdout).not.toContain(doc.secret)
  })

  it('opens the registry only through KEYWARD_SQLITE_BINDING: a broken driver there fails the command', async () => {
    const binding = join(layout.resources, 'native', 'better_sqlite3.node')
    const good = readFileSync(binding)
    writeFileSync(binding, 'not a native module')
    try {
      const r = await runLauncher(dir, layout, ['--db', join(dir, 'other.sqlite3'), 'keys', 'list'])
      expect(r.code).toBe(1)
      expect(r.stdout).toBe('')
      expect(r.stderr).toContain('other.sqlite3')
      // --version never opens the registry, so it still works.
      expect((await runLauncher(dir, layout, ['--version'])).code).toBe(0)
    } finally {
      writeFileSync(binding, good)
    }
  })
})
