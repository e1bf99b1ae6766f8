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

/** Where a registry is: a file, or a PostgreSQL database (its URL, which may hold a password). */
export type RegistryTarget =
  { engine: 'sqlite'; path: string } | { engine: 'postgres'; url: string; field: '--db' | 'KEYWARD_DB' }

/** The commands that run on a PostgreSQL registry in this version; the others need a file. */
export const POSTGRES_COMMANDS = [
  'keys list',
  'keys show',
  'keys create',
  'keys edit',
  'keys assign',
  'keys unassign',
  'keys set-resources',
  'keys rotate',
  'keys disable',
  'keys enable',
  'keys delete',
  'keys verify',
  'resources list',
  'resources add',
  'resources edit',
  'resources remove',
  'quota show',
  'quota set',
  'audit list',
  'audit verify',
  'audit export',
  'serve',
  'migrate',
  // import, usage, demo
  'keys import',
  'usage',
  'seed-demo',
  // End of import, usage, demo.
  // bulk, export, scan
  'keys bulk',
  'keys export',
  'scan',
  // email (notify)
  'notify settings',
  'notify outbox',
  'notify flush',
  'notify test',
  'notify retry',
  'notify discard'
  // End of email (notify).
] as const

/**
 * `--db` wins, then KEYWARD_DB, then the user-data folder. `postgres://` and `postgresql://` name a
 * PostgreSQL registry; any other URL is refused: a URL is never taken for a file path.
 */
export function resolveRegistry(
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform
): RegistryTarget {
  if (explicit && explicit.trim()) return classify(explicit, '--db')
  if (env.KEYWARD_DB && env.KEYWARD_DB.trim()) return classify(env.KEYWARD_DB, 'KEYWARD_DB')
  return {
    engine: 'sqlite',
    path: (platform === 'win32' ? win32 : posix).join(userDataDir(platform, env), REGISTRY_FILE)
  }
}

/** The registry file, for what runs on a file only: a PostgreSQL URL is refused, naming what does run there. */
export function resolveRegistryPath(
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform
): string {
  const target = resolveRegistry(explicit, env, platform)
  if (target.engine === 'sqlite') return target.path
  throw notOnPostgres(target.field)
}

/**
 * The refusal of a command that does not run on PostgreSQL yet. The URL is not repeated: it may
 * hold a password.
 */
export function notOnPostgres(field: string, what = 'This command'): KeywardError {
  return KeywardError.validation({
    [field]:
      `${what} needs a registry file for now. On a PostgreSQL registry Keyward runs: ${POSTGRES_COMMANDS.join(', ')}. ` +
      'For the rest, copy the registry to a file with "keyward migrate --from URL --to FILE". Nothing was changed.'
  })
}

/** keyward backup and restore on a PostgreSQL registry: the database's own tools do that. */
export function backupOnPostgres(field: string): KeywardError {
  return KeywardError.validation({
    [field]:
      "keyward backup and restore work on a registry file. Back up a PostgreSQL registry with PostgreSQL's own tools " +
      '(pg_dump, or the server\'s continuous archiving), or copy it whole to a file with "keyward migrate --from URL --to FILE". ' +
      'Nothing was changed.'
  })
}

/** `scheme://…` at the start: a URL. (`C:\\…` and `./postgres:x` are paths.) */
const URL_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i

/**
 * Opening `postgres://user@host/db` as a path would create a folder named "postgres:" and an empty
 * registry in it, and answer an empty list as if all were well; so a URL is never a path: PostgreSQL
 * URLs name PostgreSQL, any other is refused before anything is created (and not repeated).
 */
function classify(value: string, field: '--db' | 'KEYWARD_DB'): RegistryTarget {
  const scheme = URL_SCHEME.exec(value.trim())?.[1]?.toLowerCase()
  if (scheme === undefined) return { engine: 'sqlite', path: value }
  if (scheme === 'postgres' || scheme === 'postgresql') return { engine: 'postgres', url: value.trim(), field }
  throw KeywardError.validation({
    [field]: `This is a ${scheme}:// URL, not a file path. Give the path of a registry file, for example ./registry.sqlite3, or a postgres:// URL. Nothing was created.`
  })
}
