import { createRequire } from 'node:module'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { desktopPaths, ELECTRON_ABI_BINDING, ELECTRON_ABI_DIR } from '../../../src/main/desktop/app-paths'
import { resolveRegistryPath, userDataDir } from '../../../src/main/core/paths'
import { runBeforeQuit } from '../../../src/main/desktop/lifecycle'
import { bringToFront, claimSingleInstance, type FocusableWindow } from '../../../src/main/desktop/single-instance'
import { settle } from './fakes'

const base = { isPackaged: false, appPath: '/src/keyward', resourcesPath: '/unused', mainDir: '/src/keyward/out/main' }

describe('desktop paths', () => {
  it('the registry is where the CLI looks for it (same userData as core/paths.ts)', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      const env = { APPDATA: 'C:\\Users\\a\\AppData\\Roaming', XDG_CONFIG_HOME: '/home/a/.config' }
      const paths = desktopPaths({ ...base, env, platform })
      expect(paths.registry).toBe(resolveRegistryPath(undefined, env, platform))
      expect(paths.userData).toBe(userDataDir(platform, env))
      expect(paths.userData.endsWith('Keyward')).toBe(true)
    }
  })

  it('KEYWARD_USER_DATA moves userData and the registry with it; KEYWARD_DB still names the registry', () => {
    const moved = desktopPaths({ ...base, env: { KEYWARD_USER_DATA: '/tmp/kw-test' }, platform: 'linux' })
    expect(moved.userData).toBe('/tmp/kw-test')
    expect(moved.registry).toBe(join('/tmp/kw-test', 'registry.sqlite3'))
    const both = desktopPaths({
      ...base,
      env: { KEYWARD_USER_DATA: '/tmp/kw-test', KEYWARD_DB: '/data/r.sqlite3' },
      platform: 'linux'
    })
    expect(both.registry).toBe('/data/r.sqlite3')
  })

  it('dev loads the built renderer file, or the dev server when electron-vite serves one; packaged never uses a dev server', () => {
    expect(desktopPaths({ ...base, env: {}, platform: 'linux' }).page).toEqual({
      kind: 'file',
      path: join('/src/keyward/out/renderer/index.html')
    })
    expect(
      desktopPaths({ ...base, env: { ELECTRON_RENDERER_URL: 'http://localhost:5173' }, platform: 'linux' }).page
    ).toEqual({
      kind: 'dev-server',
      url: 'http://localhost:5173'
    })
    const packaged = desktopPaths({
      ...base,
      isPackaged: true,
      env: { ELECTRON_RENDERER_URL: 'http://evil:1' },
      platform: 'linux'
    })
    expect(packaged.page.kind).toBe('file')
  })

  it('the Electron-ABI driver: .electron-abi/ in dev (as scripts/start.cjs builds it), resources/native in a package', () => {
    const start = createRequire(import.meta.url)('../../../scripts/start.cjs') as {
      ABI_DIR: string
      ABI_BINDING: string
    }
    expect([ELECTRON_ABI_DIR, ELECTRON_ABI_BINDING]).toEqual([start.ABI_DIR, start.ABI_BINDING])
    expect(desktopPaths({ ...base, env: {}, platform: 'linux' }).nativeBinding).toBe(
      join('/src/keyward', '.electron-abi', 'better_sqlite3.node')
    )
    const packaged = desktopPaths({
      ...base,
      isPackaged: true,
      resourcesPath: '/opt/Keyward/resources',
      env: {},
      platform: 'linux'
    })
    expect(packaged.nativeBinding).toBe(join('/opt/Keyward/resources', 'native', 'better_sqlite3.node'))
    expect(packaged.icon).toBe(join('/opt/Keyward/resources', 'icon.png'))
  })

  it('preload and the server utility process sit next to the main bundle', () => {
    const paths = desktopPaths({ ...base, env: {}, platform: 'linux' })
    expect(paths.preload).toBe(join('/src/keyward/out/preload/index.js'))
    expect(paths.serverModule).toBe(join('/src/keyward/out/main/server-process.js'))
  })
})

function fakeWindow(minimized = false) {
  const calls: string[] = []
  const win: FocusableWindow & { calls: string[] } = {
    calls,
    isDestroyed: () => false,
    isMinimized: () => minimized,
    restore: () => void calls.push('restore'),
    show: () => void calls.push('show'),
    focus: () => void calls.push('focus')
  }
  return win
}

describe('single instance', () => {
  it('the second launch quits; the first brings its window to the front', () => {
    const handlers: (() => void)[] = []
    const win = fakeWindow(true)
    expect(
      claimSingleInstance({ requestSingleInstanceLock: () => true, on: (_e, l) => handlers.push(l) }, () => win)
    ).toBe(true)
    handlers[0]!()
    expect(win.calls).toEqual(['restore', 'show', 'focus'])
    expect(claimSingleInstance({ requestSingleInstanceLock: () => false, on: () => undefined }, () => win)).toBe(false)
  })

  it('a second launch before the window exists does nothing', () => {
    expect(() => bringToFront(null)).not.toThrow()
  })
})

describe('quit sequence', () => {
  it('holds the quit until shutdown settles, runs it once, then quits', async () => {
    let listener: ((e: { preventDefault(): void }) => void) | undefined
    let quits = 0
    let finish!: () => void
    let runs = 0
    runBeforeQuit({ on: (_e, l) => void (listener = l), quit: () => void quits++ }, () => {
      runs++
      return new Promise<void>((resolve) => (finish = resolve))
    })
    const prevented: boolean[] = []
    const fire = () => {
      let p = false
      listener!({ preventDefault: () => void (p = true) })
      prevented.push(p)
    }
    fire()
    fire()
    expect(runs).toBe(1)
    expect(quits).toBe(0)
    finish()
    await settle()
    expect(quits).toBe(1)
    fire()
    expect(prevented).toEqual([true, true, false])
  })

  it('a failing shutdown still quits, and says why', async () => {
    let listener: ((e: { preventDefault(): void }) => void) | undefined
    let quits = 0
    const logged: string[] = []
    runBeforeQuit(
      { on: (_e, l) => void (listener = l), quit: () => void quits++ },
      async () => {
        throw new Error('disk full')
      },
      (l) => logged.push(l)
    )
    listener!({ preventDefault: () => undefined })
    await settle()
    expect(quits).toBe(1)
    expect(logged).toEqual(['keyward: shutting down: disk full'])
  })
})
