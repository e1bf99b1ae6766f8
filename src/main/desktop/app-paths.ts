import { dirname, join } from 'node:path'
import { REGISTRY_FILE, resolveRegistryPath, userDataDir } from '../core/paths'
import type { AppPage } from './ipc/sender'

/** Where the dev build of better-sqlite3 for Electron's ABI lives (scripts/start.cjs builds it). */
export const ELECTRON_ABI_DIR = '.electron-abi'
export const ELECTRON_ABI_BINDING = 'better_sqlite3.node'

export interface DesktopPathsInput {
  env: NodeJS.ProcessEnv
  platform: NodeJS.Platform
  isPackaged: boolean
  /** app.getAppPath(): the project root in dev, the asar in a package. */
  appPath: string
  /** process.resourcesPath in a package. */
  resourcesPath: string
  /** The folder of the built main script (out/main). */
  mainDir: string
}

export interface DesktopPaths {
  userData: string
  registry: string
  nativeBinding: string
  page: AppPage
  preload: string
  icon: string
  serverModule: string
}

/**
 * Every path the app uses, from its environment. userData is what the CLI computes (core/paths.ts),
 * so both find the same registry; KEYWARD_USER_DATA moves it (tests), KEYWARD_DB moves the registry.
 */
export function desktopPaths(input: DesktopPathsInput): DesktopPaths {
  const { env, platform, isPackaged } = input
  const override = env.KEYWARD_USER_DATA?.trim()
  const userData = override || userDataDir(platform, env)
  const registry =
    override && !env.KEYWARD_DB?.trim() ? join(userData, REGISTRY_FILE) : resolveRegistryPath(undefined, env, platform)
  const devServer = !isPackaged ? env.ELECTRON_RENDERER_URL?.trim() : undefined
  return {
    userData,
    registry,
    nativeBinding: isPackaged
      ? join(input.resourcesPath, 'native', ELECTRON_ABI_BINDING)
      : join(input.appPath, ELECTRON_ABI_DIR, ELECTRON_ABI_BINDING),
    page: devServer
      ? { kind: 'dev-server', url: devServer }
      : { kind: 'file', path: join(dirname(input.mainDir), 'renderer', 'index.html') },
    preload: join(dirname(input.mainDir), 'preload', 'index.js'),
    icon: isPackaged ? join(input.resourcesPath, 'icon.png') : join(input.appPath, 'resources', 'icon.png'),
    serverModule: join(input.mainDir, 'server-process.js')
  }
}
