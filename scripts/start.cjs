#!/usr/bin/env node
'use strict'
/**
 * `npm start`: make the desktop app runnable on this checkout, then launch it.
 *
 *   1. the Electron binary (package.json denies electron's install script, so `npm ci` works
 *      offline; it is fetched here, on first start);
 *   2. an Electron-ABI build of better-sqlite3 in .electron-abi/, made from a copy of
 *      node_modules/better-sqlite3 (whose own build stays plain-Node for tests and the CLI);
 *   3. `electron-vite build`;
 *   4. `electron .`
 *
 * `--prepare` stops after step 3 (used by `npm run dist`). Each step is skipped when what it makes
 * is already there and current; `plan()` decides that, and is unit-tested without any download.
 */
const fs = require('node:fs')
const path = require('node:path')
const childProcess = require('node:child_process')

const ROOT = path.resolve(__dirname, '..')
const ABI_DIR = '.electron-abi'
const ABI_BINDING = 'better_sqlite3.node'
const ABI_STAMP = 'build.json'
const ELECTRON_HEADERS_URL = 'https://electronjs.org/headers'

class StartError extends Error {}

function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8').trim()
  } catch {
    return null
  }
}

function readJson(file) {
  const text = readText(file)
  if (text === null) return null
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

/** The executable inside Electron's dist folder, as electron/install.js names it. */
function electronExecutable(platform) {
  if (platform === 'darwin' || platform === 'mas') return 'Electron.app/Contents/MacOS/Electron'
  if (platform === 'win32') return 'electron.exe'
  return 'electron'
}

/** What is on disk now. Reads only. */
function inspect(root, { platform = process.platform, arch = process.arch, env = process.env } = {}) {
  const electronDir = path.join(root, 'node_modules', 'electron')
  const electronPkg = readJson(path.join(electronDir, 'package.json'))
  const sqlitePkg = readJson(path.join(root, 'node_modules', 'better-sqlite3', 'package.json'))
  const override = env.ELECTRON_OVERRIDE_DIST_PATH && env.ELECTRON_OVERRIDE_DIST_PATH.trim()
  let electronBinary = null
  let electronDistVersion = null
  if (override) {
    const candidate = path.join(override, readText(path.join(electronDir, 'path.txt')) || electronExecutable(platform))
    if (fs.existsSync(candidate)) electronBinary = candidate
    electronDistVersion = readText(path.join(override, 'version'))
  } else {
    const relative = readText(path.join(electronDir, 'path.txt'))
    const candidate = relative && path.join(electronDir, 'dist', relative)
    if (candidate && fs.existsSync(candidate)) electronBinary = candidate
    electronDistVersion = readText(path.join(electronDir, 'dist', 'version'))
  }
  const abiDir = path.join(root, ABI_DIR)
  return {
    root,
    platform,
    arch,
    electronVersion: electronPkg && electronPkg.version ? String(electronPkg.version) : null,
    electronBinary,
    electronDistVersion: electronDistVersion ? electronDistVersion.replace(/^v/, '') : null,
    betterSqlite3Version: sqlitePkg && sqlitePkg.version ? String(sqlitePkg.version) : null,
    nativeBinding: fs.existsSync(path.join(abiDir, ABI_BINDING)) ? path.join(abiDir, ABI_BINDING) : null,
    nativeStamp: readJson(path.join(abiDir, ABI_STAMP))
  }
}

/** The stamp written next to a native build: what it was built for. */
function nativeStampFor(state) {
  return {
    electron: state.electronVersion,
    betterSqlite3: state.betterSqlite3Version,
    platform: state.platform,
    arch: state.arch
  }
}

function stampMatches(stamp, wanted) {
  return !!stamp && Object.keys(wanted).every((k) => stamp[k] === wanted[k])
}

/**
 * What `npm start` must do, given `inspect()`'s state: a list of steps, each with why. Pure.
 * Throws a StartError when node_modules itself is incomplete (run `npm ci` first).
 */
function plan(state, { launch = true } = {}) {
  if (!state.electronVersion || !state.betterSqlite3Version) {
    throw new StartError(
      'Keyward cannot start because its dependencies are not installed (node_modules/electron or node_modules/better-sqlite3 is missing). ' +
        'Run `npm ci` in the project folder, then `npm start` again.'
    )
  }
  const steps = []
  if (!state.electronBinary) {
    steps.push({ step: 'install-electron', why: `Electron ${state.electronVersion} is not downloaded yet` })
  } else if (state.electronDistVersion && state.electronDistVersion !== state.electronVersion) {
    steps.push({
      step: 'install-electron',
      why: `the downloaded Electron is ${state.electronDistVersion}, package.json wants ${state.electronVersion}`
    })
  }
  const wanted = nativeStampFor(state)
  if (!state.nativeBinding) {
    steps.push({ step: 'build-native', why: `no Electron build of better-sqlite3 in ${ABI_DIR}/ yet` })
  } else if (!stampMatches(state.nativeStamp, wanted)) {
    const was = state.nativeStamp
      ? `Electron ${state.nativeStamp.electron}, better-sqlite3 ${state.nativeStamp.betterSqlite3}`
      : 'an unknown version'
    steps.push({
      step: 'build-native',
      why: `${ABI_DIR}/${ABI_BINDING} was built for ${was}; now Electron ${wanted.electron}, better-sqlite3 ${wanted.betterSqlite3}`
    })
  }
  steps.push({ step: 'build-app', why: 'electron-vite build' })
  if (launch) steps.push({ step: 'launch', why: 'electron .' })
  return steps
}

function electronDownloadFailed(version, detail) {
  return (
    `Keyward cannot start: the Electron runtime (version ${version}) is not installed, and downloading it failed` +
    (detail ? ` ("${detail}")` : '') +
    ". `npm ci` does not fetch it (package.json denies electron's install script, so installs work offline); `npm start` fetches it from github.com on first run, and this machine could not reach it. " +
    'Everything except the desktop window works without it: `npm test`, the `keyward` CLI and `keyward serve`. ' +
    'To fix it, run `npm start` again on a network that reaches github.com; or set ELECTRON_MIRROR to a mirror you can reach ' +
    '(e.g. ELECTRON_MIRROR=https://npmmirror.com/mirrors/electron/ npm start); or, if Electron ' +
    `${version} is already unpacked on this machine, set ELECTRON_OVERRIDE_DIST_PATH to its folder.`
  )
}

function nativeBuildFailed(state, logFile) {
  return (
    `Keyward cannot start: building better-sqlite3 for Electron ${state.electronVersion} failed. ` +
    `No prebuilt binary could be downloaded (from github.com) and compiling it needs Electron's headers from ${ELECTRON_HEADERS_URL} ` +
    'plus Python 3 and a C++ toolchain (build-essential on Debian/Ubuntu, Xcode command line tools on macOS, Visual Studio Build Tools on Windows). ' +
    `Connect to the internet or install the toolchain, then run \`npm start\` again. The full build output is in ${logFile}. ` +
    'node_modules was not changed: `npm test` and the CLI still work.'
  )
}

function lastLine(text) {
  const lines = String(text || '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
  const first = lines.find((l) => /error/i.test(l)) || lines[0] || ''
  return first.slice(0, 200)
}

function run(command, args, options) {
  return childProcess.spawnSync(command, args, { encoding: 'utf8', ...options })
}

function installElectron(state) {
  const result = run(process.execPath, [path.join(state.root, 'node_modules', 'electron', 'install.js')], {
    cwd: state.root,
    stdio: ['ignore', 'inherit', 'pipe']
  })
  const after = inspect(state.root, { platform: state.platform, arch: state.arch })
  if (result.status !== 0 || !after.electronBinary) {
    throw new StartError(
      electronDownloadFailed(state.electronVersion, lastLine(result.stderr || (result.error && result.error.message)))
    )
  }
  return after
}

function buildNative(state) {
  const abiDir = path.join(state.root, ABI_DIR)
  fs.mkdirSync(abiDir, { recursive: true })
  const logFile = path.join(abiDir, 'build.log')
  const work = fs.mkdtempSync(path.join(abiDir, 'work-'))
  const copy = path.join(work, 'better-sqlite3')
  const source = path.join(state.root, 'node_modules', 'better-sqlite3')
  // A copy without the plain-Node build: node_modules/better-sqlite3 itself is never touched.
  fs.cpSync(source, copy, {
    recursive: true,
    filter: (src) => path.relative(source, src).split(path.sep)[0] !== 'build'
  })
  const log = []
  const attempt = (label, command, args) => {
    const result = run(command, args, { cwd: copy, stdio: ['ignore', 'pipe', 'pipe'] })
    log.push(
      `$ ${label}\n${result.stdout || ''}${result.stderr || ''}${result.error ? String(result.error) : ''}\nexit ${result.status}\n`
    )
    return result.status === 0 && fs.existsSync(path.join(copy, 'build', 'Release', ABI_BINDING))
  }
  const bin = (pkg, file) => path.join(state.root, 'node_modules', pkg, file)
  try {
    console.log(
      `keyward: building better-sqlite3 ${state.betterSqlite3Version} for Electron ${state.electronVersion} (${state.platform}-${state.arch})…`
    )
    const ok =
      attempt('prebuild-install', process.execPath, [
        bin('prebuild-install', 'bin.js'),
        '--runtime',
        'electron',
        '--target',
        state.electronVersion,
        '--arch',
        state.arch,
        '--platform',
        state.platform
      ]) ||
      attempt('node-gyp rebuild', process.execPath, [
        bin('node-gyp', path.join('bin', 'node-gyp.js')),
        'rebuild',
        '--release',
        `--target=${state.electronVersion}`,
        `--arch=${state.arch}`,
        `--dist-url=${ELECTRON_HEADERS_URL}`
      ])
    fs.writeFileSync(logFile, log.join('\n'))
    if (!ok) throw new StartError(nativeBuildFailed(state, logFile))
    fs.copyFileSync(path.join(copy, 'build', 'Release', ABI_BINDING), path.join(abiDir, ABI_BINDING))
    fs.writeFileSync(path.join(abiDir, ABI_STAMP), JSON.stringify(nativeStampFor(state), null, 2) + '\n')
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
  return inspect(state.root, { platform: state.platform, arch: state.arch })
}

function buildApp(state) {
  const result = run(
    process.execPath,
    [path.join(state.root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
    {
      cwd: state.root,
      stdio: 'inherit'
    }
  )
  if (result.status !== 0) {
    throw new StartError(
      'Keyward cannot start: `electron-vite build` failed (its errors are printed above). Fix them, or run `npm run typecheck` to see type errors, then `npm start` again.'
    )
  }
}

function launch(state) {
  const env = { ...process.env }
  // Set by some shells and tools; Electron would then run as plain Node and open no window.
  delete env.ELECTRON_RUN_AS_NODE
  const child = childProcess.spawn(
    state.electronBinary,
    ['.', ...process.argv.slice(2).filter((a) => a !== '--prepare')],
    {
      cwd: state.root,
      stdio: 'inherit',
      env
    }
  )
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
}

function main(argv = process.argv.slice(2)) {
  const prepareOnly = argv.includes('--prepare')
  let state = inspect(ROOT)
  try {
    const steps = plan(state, { launch: !prepareOnly })
    for (const { step, why } of steps) {
      if (step !== 'build-app' && step !== 'launch') console.log(`keyward: ${step}: ${why}`)
      if (step === 'install-electron') state = installElectron(state)
      else if (step === 'build-native') state = buildNative(state)
      else if (step === 'build-app') buildApp(state)
      else if (step === 'launch') launch(state)
    }
  } catch (error) {
    if (error instanceof StartError) {
      console.error(`\n${error.message}\n`)
      process.exit(1)
    }
    throw error
  }
}

if (require.main === module) main()

module.exports = {
  inspect,
  plan,
  buildNative,
  nativeStampFor,
  electronExecutable,
  electronDownloadFailed,
  nativeBuildFailed,
  StartError,
  ABI_DIR,
  ABI_BINDING,
  ABI_STAMP
}
