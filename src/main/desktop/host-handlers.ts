import type { Resource } from '../../shared/types'
import type { CallContext, HostHandlers } from '../core/operations'
import type { Registry } from '../core/registry'
import type { NotifyHandlers } from '../notify/handlers'
import type { FileHandlers } from '../files/handlers'
import type { ScanHandlers } from '../scan/handlers'
import type { SecretClipboard } from './clipboard-once'
import type { LocalServer } from './local-server'
import type { SettingsService } from './app-settings'
import type { OperationTable } from '../transport/dispatch'
import type { UpstreamKeyStore } from './upstream-keys'

export interface DesktopHostDeps {
  settings: SettingsService
  clipboard: SecretClipboard
  notify: NotifyHandlers
  /** The local verification server Settings switches on (src/main/local-server.ts). */
  localServer: Pick<LocalServer, 'status'>
  /** Provider keys kept in this computer's keychain, and the registry that audits each change. */
  upstreamKeys: {
    store: UpstreamKeyStore
    registry: Pick<Registry, 'changeKeptCredential' | 'resolveResource'>
    /** A key was kept or forgotten (the local gateway, when on, gets the new set). */
    onChange?: () => void
  }
  /** The leak scan over this machine's files, and its folder picker (src/main/scan/handlers.ts). */
  scan: ScanHandlers
  /** The screens' Export buttons: a save dialog, then the file (src/main/files/handlers.ts). */
  files: FileHandlers
}

/** The operations the desktop app answers itself: preferences, the local server's state, the show-once dialog's clipboard, email. */
export function desktopHostHandlers({
  settings,
  clipboard,
  notify,
  localServer,
  upstreamKeys,
  scan,
  files
}: DesktopHostDeps): HostHandlers {
  return {
    'settings.get': () => settings.get(),
    'settings.set': (input) => settings.set(input),
    'server.status': () => localServer.status(),
    'clipboard.copySecret': (input) => clipboard.copy(input.keyId),
    'clipboard.release': (input) => ({ released: clipboard.release(input.keyId) }),
    'resources.setUpstreamKey': (input, ctx) => {
      const { store, registry, onChange } = upstreamKeys
      const keep = input.providerKey !== null
      // Forgetting a key that is not kept changes nothing, and is not worth an audit entry.
      if (!keep && !store.has(registry.resolveResource(input.resource).id))
        return { resource: withKeyKept(registry.resolveResource(input.resource), store) }
      const resource = registry.changeKeptCredential(input.resource, ctx.actor, keep, (r) =>
        store.set(r.id, input.providerKey)
      )
      onChange?.()
      return { resource: withKeyKept(resource, store) }
    },
    ...notify,
    ...scan,
    ...files
  }
}

/** The resource with `upstream.keyKept` filled from the keychain (only the fact, never the key). */
export function withKeyKept(resource: Resource, store: Pick<UpstreamKeyStore, 'has'>): Resource {
  return resource.upstream
    ? { ...resource, upstream: { ...resource.upstream, keyKept: store.has(resource.id) } }
    : resource
}

/**
 * resources.* answer whether the keychain keeps a provider key for each resource; a resource
 * removed, or left without an upstream, has its kept key forgotten with it.
 */
export function withKeptUpstreamKeys(
  table: OperationTable,
  store: UpstreamKeyStore,
  onChange: () => void = () => undefined
): OperationTable {
  const { 'resources.list': list, 'resources.add': add, 'resources.edit': edit, 'resources.remove': remove } = table
  const forget = (id: string) => {
    if (!store.has(id)) return
    store.set(id, null)
    onChange()
  }
  return {
    ...table,
    'resources.list': async (input, ctx) => {
      const { items } = await list(input, ctx)
      return { items: items.map((r) => withKeyKept(r, store)) }
    },
    'resources.add': async (input, ctx) => ({ resource: withKeyKept((await add(input, ctx)).resource, store) }),
    'resources.edit': async (input, ctx) => {
      const { resource } = await edit(input, ctx)
      if (!resource.upstream) forget(resource.id)
      return { resource: withKeyKept(resource, store) }
    },
    'resources.remove': async (input, ctx) => {
      const removed = await remove(input, ctx)
      forget(removed.removed.id)
      return removed
    }
  }
}

/**
 * keys.create and keys.rotate, with the new secret held for its show-once dialog and written to
 * the system clipboard once; the result says how that went (`clipboard`). A clipboard failure
 * never fails the operation: the key exists, and the dialog shows the secret, the reason and its
 * Copy button. keys.delete forgets a held secret of the deleted key.
 */
export function withSecretOnClipboard(table: OperationTable, clipboard: SecretClipboard): OperationTable {
  const create = table['keys.create']
  const rotate = table['keys.rotate']
  const remove = table['keys.delete']
  return {
    ...table,
    'keys.create': async (input, ctx: CallContext) => {
      const created = await create(input, ctx)
      return { ...created, clipboard: await clipboard.offer(created.key.id, created.secret) }
    },
    'keys.rotate': async (input, ctx: CallContext) => {
      const rotated = await rotate(input, ctx)
      return { ...rotated, clipboard: await clipboard.offer(rotated.key.id, rotated.secret) }
    },
    'keys.delete': async (input, ctx: CallContext) => {
      const deleted = await remove(input, ctx)
      clipboard.release(deleted.deleted.id)
      return deleted
    }
  }
}
