import { extname } from 'node:path'
import { KeywardError } from '../../shared/errors'
import { writePrivateFileAtomically } from '../core/backup'
import type { Registry } from '../core/registry'
import type { DialogLike } from './backup-dialogs'

export interface KeyExportDialogDeps {
  dialog: DialogLike
  /** The window the dialogs belong to (null: none open). */
  window: () => unknown
  registry: Pick<Registry, 'exportKeys'>
  actor: string
  now?: () => number
}

const FILTERS = [
  { name: 'CSV (spreadsheets)', extensions: ['csv'] },
  { name: 'JSON', extensions: ['json'] }
]

/**
 * File > Export Keys…: every key (no secret, no hashes: the migration export with hashes is the
 * CLI's `keys export --with-hashes`) to a CSV or JSON file chosen in a save dialog, written 0600.
 */
export function createKeyExportDialog(deps: KeyExportDialogDeps) {
  const now = deps.now ?? Date.now
  const parent = () => (deps.window() ?? undefined) as never | undefined
  const { dialog } = deps
  const message = (type: 'info' | 'error', title: string, text: string, detail?: string) => {
    const o = { type, title, message: text, detail, buttons: ['OK'] }
    return parent() ? dialog.showMessageBox(parent()!, o) : dialog.showMessageBox(o)
  }

  return {
    async exportKeys(): Promise<void> {
      const day = new Date(now()).toISOString().slice(0, 10)
      const o = {
        title: 'Export keys',
        defaultPath: `keyward-keys-${day}.csv`,
        buttonLabel: 'Export',
        filters: FILTERS
      }
      const chosen = await (parent() ? dialog.showSaveDialog(parent()!, o) : dialog.showSaveDialog(o))
      if (chosen.canceled || !chosen.filePath) return
      const format = extname(chosen.filePath).toLowerCase() === '.json' ? 'json' : 'csv'
      try {
        const exported = deps.registry.exportKeys({ format }, deps.actor)
        // The save dialog has already asked before replacing an existing file.
        writePrivateFileAtomically(chosen.filePath, exported.text)
        await message(
          'info',
          'Export complete',
          `Exported ${exported.count} keys as ${format.toUpperCase()}.`,
          chosen.filePath
        )
      } catch (error) {
        await message(
          'error',
          'Export failed',
          // A field's own message: "--out: …" names a CLI flag the app user never typed.
          error instanceof KeywardError
            ? (Object.values(error.fields ?? {})[0] ?? error.message)
            : 'Something went wrong.',
          error instanceof KeywardError ? undefined : (error as Error)?.message
        )
      }
    }
  }
}
