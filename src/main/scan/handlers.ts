import type { HostHandler } from '../core/operations'
import type { Registry } from '../core/registry'
import type { OperationTable } from '../transport/dispatch'
import { scanPaths } from './scan'

export interface ScanHandlers {
  'scan.run': HostHandler<'scan.run'>
  'scan.pickFolder': HostHandler<'scan.pickFolder'>
}

export interface ScanHandlerDeps {
  /** This computer's registry, or a team server's scan.lookup (remoteScanLookup). */
  registry: {
    keysBySecretHash(
      hashes: Buffer[]
    ): ReturnType<Registry['keysBySecretHash']> | Promise<ReturnType<Registry['keysBySecretHash']>>
  }
  /** The host's folder picker (Electron's dialog in the app); null when the user cancels. */
  pickFolder: () => Promise<string | null>
}

/**
 * The leak scan's host operations. scan.run reads the host's files, so only hosts on the user's
 * own machine offer it (the desktop app, the CLI); `keyward serve` refuses it.
 */
export function createScanHandlers({ registry, pickFolder }: ScanHandlerDeps): ScanHandlers {
  return {
    'scan.run': (input) =>
      scanPaths(input.paths, { all: input.all, lookup: (hashes) => registry.keysBySecretHash(hashes) }),
    'scan.pickFolder': async () => ({ path: await pickFolder() })
  }
}

/** A team server's registry for the leak scan: the files are read here, only their secrets' hashes are sent. */
export function remoteScanLookup(server: OperationTable): ScanHandlerDeps['registry'] {
  return {
    async keysBySecretHash(hashes) {
      const { items } = await server['scan.lookup'](
        { hashes: hashes.map((h) => h.toString('hex')) },
        { actor: 'desktop' }
      )
      return new Map(items.map(({ hash, ...key }) => [hash, key]))
    }
  }
}
