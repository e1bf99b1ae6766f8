import { homedir } from 'node:os'
import { posix, win32 } from 'node:path'

export const APP_NAME = 'Keyward'
export const REGISTRY_FILE = 'registry.sqlite3'

/**
 * The desktop app's user-data folder, computed the way Electron's app.getPath('userData') does,
 * so the CLI (plain Node) and the app find the same registry without Electron.
 */
export function userDataDir(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  home = homedir()
): string {
  if (platform === 'win32') return win32.join(env.APPDATA ?? win32.join(home, 'AppData', 'Roaming'), APP_NAME)
  if (platform === 'darwin') return posix.join(home, 'Library', 'Application Support', APP_NAME)
  return posix.join(env.XDG_CONFIG_HOME || posix.join(home, '.config'), APP_NAME)
}

/** `--db` wins, then KEYWARD_DB, then the user-data folder. */
export function resolveRegistryPath(
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform
): string {
  if (explicit && explicit.trim()) return explicit
  if (env.KEYWARD_DB && env.KEYWARD_DB.trim()) return env.KEYWARD_DB
  return (platform === 'win32' ? win32 : posix).join(userDataDir(platform, env), REGISTRY_FILE)
}
