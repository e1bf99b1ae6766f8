import { KeywardError } from '../../shared/errors'
import type { HostHandler } from '../core/operations'
import type { Registry } from '../core/registry'
import { writePrivateFileAtomically } from '../core/backup'
import { usageCsv } from '../core/export'

export interface FileHandlers {
  'files.export': HostHandler<'files.export'>
}

/** What a save dialog needs to ask; the host answers the chosen path, or null when cancelled. */
export interface SaveRequest {
  title: string
  defaultPath: string
  filters: { name: string; extensions: string[] }[]
}

export interface FileHandlerDeps {
  registry: Pick<Registry, 'exportKeys' | 'exportAudit' | 'usageReport'>
  /** The host's save dialog (Electron's in the app; a stand-in in the browser tests). */
  pickSavePath: (request: SaveRequest) => Promise<string | null>
  now?: () => number
}

const KEY_FILTERS = {
  csv: { name: 'CSV (spreadsheets)', extensions: ['csv'] },
  json: { name: 'JSON', extensions: ['json'] }
}

/**
 * The screens' Export buttons. The file is asked for first (nothing is read if the user cancels),
 * then written whole and 0600 by the main process: the renderer never holds the text. The same
 * core functions as the CLI's `keys export`, `audit export` and `usage --format csv` make it, so a
 * file from the app and one from the CLI are the same.
 */
export function createFileHandlers({ registry, pickSavePath, now = Date.now }: FileHandlerDeps): FileHandlers {
  return {
    'files.export': async (input, ctx) => {
      const day = new Date(now()).toISOString().slice(0, 10)
      let text: () => { text: string; count: number }
      let request: SaveRequest
      switch (input.kind) {
        case 'keys': {
          const { format, filters } = input
          request = {
            title: 'Export keys',
            defaultPath: `keyward-keys-${day}.${format}`,
            filters: [KEY_FILTERS[format]]
          }
          text = () => registry.exportKeys({ format, filters }, ctx.actor)
          break
        }
        case 'audit':
          request = {
            title: 'Export the audit log',
            defaultPath: `keyward-audit-${day}.jsonl`,
            filters: [{ name: 'JSON Lines', extensions: ['jsonl'] }]
          }
          text = () => {
            const exported = registry.exportAudit()
            return { text: exported.text, count: exported.entries }
          }
          break
        case 'usage':
          request = {
            title: 'Export usage',
            defaultPath: `keyward-usage-${input.report.start.slice(0, 10)}-${input.report.end.slice(0, 10)}.csv`,
            filters: [KEY_FILTERS.csv]
          }
          text = () => {
            const { items } = registry.usageReport(input.report)
            return { text: usageCsv(items), count: items.length }
          }
          break
      }
      const path = await pickSavePath(request)
      if (path === null) return { path: null, count: 0 }
      const exported = text()
      try {
        // The save dialog has already asked before replacing an existing file.
        writePrivateFileAtomically(path, exported.text)
      } catch (error) {
        const why =
          error instanceof KeywardError
            ? (Object.values(error.fields ?? {})[0] ?? error.message)
            : `${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`
        throw KeywardError.validation({
          file: `Could not write ${path}: ${why} Nothing was written; choose another place.`
        })
      }
      return { path, count: exported.count }
    }
  }
}
