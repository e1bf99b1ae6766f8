import { OPERATION_NAMES, type OperationName, type ParsedInput } from '../../shared/contract'
import { KeywardError } from '../../shared/errors'
import type { AppSettings } from '../../shared/schemas'
import type { CallContext, HostHandlers } from '../core/operations'
import type { OperationTable } from '../transport/dispatch'
import {
  DESKTOP_LOCAL_OPERATIONS,
  remoteOperationTable,
  serverBase,
  type RemoteTableOptions
} from '../transport/remote-table'
import type { SettingsService } from './app-settings'
import type { SecretClipboard } from './clipboard-once'
import { withSecretOnClipboard } from './host-handlers'
import type { TeamKeyStore } from './team-key-store'

/**
 * Operations for this computer's registry only (they read its file directly, or fill it with demo
 * data): not on a team server. The file operations are, when the app gives handlers for them
 * (deps.onServer): the server's data is written to a file here, and files here are scanned against it.
 */
const LOCAL_REGISTRY_ONLY = [
  'resources.setUpstreamKey',
  'scan.run',
  'files.export',
  'files.importPick',
  'files.import',
  // Demo data belongs in a registry of one's own, never in the one a team shares.
  'demo.load'
] as const satisfies readonly OperationName[]

/** The refusal of something that works on this computer's registry file only, named as the user knows it. */
export function localRegistryOnly(what: string): KeywardError {
  return new KeywardError(
    'NOT_FOUND',
    `"${what}" works on this computer's registry only, not on a team server: switch to This computer in Settings → Registry, or use the keyward CLI.`
  )
}

export interface RegistrySwitchDeps {
  settings: SettingsService
  /** The team server's admin key in the OS keychain. */
  keys: TeamKeyStore
  /** Every operation on this computer's registry, as main composed it before team servers existed. */
  local: OperationTable
  /** The desktop's own operations (settings, clipboard, server status, dialogs), kept on a team server. */
  host: HostHandlers
  clipboard: SecretClipboard
  /** Builds the table over a team server (tests inject fetch through it). */
  remote?: (options: RemoteTableOptions) => OperationTable
  /**
   * The host operations that read or write this computer's files over a team server's data: the
   * screens' Export buttons, File ▸ Import Keys…, the leak scan (main's dialogs and files, the
   * server's registry).
   */
  onServer?: (server: OperationTable) => Partial<HostHandlers>
}

export interface RegistrySwitch {
  /** The table the IPC bridge dispatches to: each call goes to the registry chosen at that moment. */
  table: OperationTable
  /** Which registry calls go to now. */
  current(): AppSettings['registry']
}

/**
 * The desktop app on this computer's registry or on a team server, switched by
 * `settings.set({registry})` without a restart: the next call goes to the new one. Switching to a
 * team server asks it once (resources.list) with the key: a refusal or no answer leaves
 * everything as it was, with the reason on the URL or key field. The key goes to the keychain,
 * never to the settings; switching back to this computer forgets it.
 */
export function createRegistrySwitch(deps: RegistrySwitchDeps): RegistrySwitch {
  const { settings, keys, host, clipboard } = deps
  const remote = deps.remote ?? remoteOperationTable
  let team: { url: string; table: OperationTable } | null = null

  async function probe(url: string, adminKey: string, ctx: CallContext): Promise<void> {
    try {
      await remote({ url, adminKey })['resources.list']({}, ctx)
    } catch (error) {
      if (!(error instanceof KeywardError)) throw error
      const field = ['UNAUTHORIZED', 'FORBIDDEN', 'RATE_LIMITED'].includes(error.code) ? 'adminKey' : 'url'
      throw new KeywardError(error.code, error.message, { ...error.fields, [field]: error.message })
    }
  }

  const settingsSet = async (input: ParsedInput<'settings.set'>, ctx: CallContext): Promise<AppSettings> => {
    const { registry, ...rest } = input
    if (!registry) return settings.set(rest)
    if (registry.kind === 'local') {
      const next = settings.set({ ...rest, registry: { kind: 'local' } })
      keys.set(null)
      team = null
      return next
    }
    const url = serverBase(registry.url)
    const current = settings.get().registry
    const adminKey =
      registry.adminKey ?? (current.kind === 'team' && serverBase(current.url) === url ? keys.get() : null)
    if (!adminKey) throw KeywardError.validation({ adminKey: 'Give the administrator key (kwa_…) of the team server.' })
    if (keys.storage() === 'unavailable') keys.set(adminKey) // throws the keychain's refusal, naming the field
    await probe(url, adminKey, ctx)
    keys.set(adminKey)
    team = null
    return settings.set({ ...rest, registry: { kind: 'team', url } })
  }

  const local: OperationTable = { ...deps.local, 'settings.set': settingsSet }

  function teamTable(url: string, adminKey: string | null): OperationTable {
    const server: OperationTable = adminKey
      ? remote({ url, adminKey })
      : (Object.fromEntries(
          OPERATION_NAMES.map((name) => [
            name,
            () => {
              throw new KeywardError(
                'UNAUTHORIZED',
                `The administrator key for ${url} is no longer in this computer's keychain. Enter it again in Settings → Registry.`
              )
            }
          ])
        ) as unknown as OperationTable)
    const own = Object.fromEntries(DESKTOP_LOCAL_OPERATIONS.map((name) => [name, host[name]]))
    const refused = Object.fromEntries(
      LOCAL_REGISTRY_ONLY.map((name) => [
        name,
        () => {
          throw localRegistryOnly(name)
        }
      ])
    )
    const bulk = server['keys.bulk']
    return withSecretOnClipboard(
      {
        ...server,
        ...own,
        ...refused,
        ...(deps.onServer?.(server) ?? {}),
        'settings.set': settingsSet,
        // The held show-once secret of each key a bulk delete removed is forgotten, as on this computer.
        'keys.bulk': async (input, ctx) => {
          const result = await bulk(input, ctx)
          if (input.action === 'delete') for (const key of result.keys) clipboard.release(key.id)
          return result
        }
      } as OperationTable,
      clipboard
    )
  }

  const active = (): OperationTable => {
    const choice = settings.get().registry
    if (choice.kind === 'local') return local
    const url = serverBase(choice.url)
    if (!team || team.url !== url) team = { url, table: teamTable(url, keys.get()) }
    return team.table
  }

  const table = Object.fromEntries(
    OPERATION_NAMES.map((name) => [
      name,
      (input: unknown, ctx: CallContext) => (active()[name] as (i: unknown, c: CallContext) => unknown)(input, ctx)
    ])
  ) as unknown as OperationTable

  return { table, current: () => settings.get().registry }
}
