import { homedir } from 'node:os'
import { posix, win32 } from 'node:path'
import { KeywardError } from '../../shared/errors'

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

/** `--db` wins, then KEYWARD_DB, then the user-data folder. A URL is never taken for a file path. */
export function resolveRegistryPath(
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform
): string {
  if (explicit && explicit.trim()) return refuseUrl(explicit, '--db')
  if (env.KEYWARD_DB && env.KEYWARD_DB.trim()) return refuseUrl(env.KEYWARD_DB, 'KEYWARD_DB')
  return (platform === 'win32' ? win32 : posix).join(userDataDir(platform, env), REGISTRY_FILE)
}

/** `scheme://…` at the start: a URL. (`C:\\…` and `./postgres:x` are paths.) */
const URL_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i

/**
 * A registry is a file here (only `keyward migrate` opens PostgreSQL URLs, with its own options). Opening `postgres://user@host/db` as a path would create a folder
 * named "postgres:" and an empty registry in it, and answer an empty list as if all were well;
 * so any URL is refused before anything is created. The URL is not repeated: it may hold a password.
 */
function refuseUrl(value: string, field: '--db' | 'KEYWARD_DB'): string {
  const scheme = URL_SCHEME.exec(value.trim())?.[1]?.toLowerCase()
  if (scheme === undefined) return value
  const what =
    scheme === 'postgres' || scheme === 'postgresql'
      ? 'a PostgreSQL URL. For now a PostgreSQL registry is reached only through "keyward migrate --from URL --to FILE" ' +
        '(or --from FILE --to URL), which copies a whole registry between a file and PostgreSQL; the other commands, ' +
        '"keyward serve" and the app do not open PostgreSQL yet (that comes later)'
      : `a ${scheme}:// URL, not a file path`
  throw KeywardError.validation({
    [field]: `This is ${what}. Give the path of a registry file, for example ./registry.sqlite3. Nothing was created.`
  })
}
