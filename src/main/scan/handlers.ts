import type { HostHandler } from '../core/operations'
import type { Registry } from '../core/registry'
import { scanPaths } from './scan'

export interface ScanHandlers {
  'scan.run': HostHandler<'scan.run'>
  'scan.pickFolder': HostHandler<'scan.pickFolder'>
}

export interface ScanHandlerDeps {
  registry: Pick<Registry, 'keysBySecretHash'>
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
