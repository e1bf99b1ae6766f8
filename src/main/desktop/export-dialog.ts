import { extname } from 'node:path'
import { KeywardError } from '../../shared/errors'
import { writePrivateFileAtomically } from '../core/backup'
import type { Registry } from '../core/registry'
import type { DialogLike } from './backup-dialogs'
import type { NativeWords } from './native-words'

export interface KeyExportDialogDeps {
  dialog: DialogLike
  /** The window the dialogs belong to (null: none open). */
  window: () => unknown
  registry: Pick<Registry, 'exportKeys'>
  /** The words of the app's language, read as the dialog opens (a change of language applies at once). */
  words: () => NativeWords
  actor: string
  now?: () => number
}

const filters = (w: NativeWords) => [
  { name: w.filters.csv, extensions: ['csv'] },
  { name: w.filters.json, extensions: ['json'] }
]

/**
 * File > Export Keys…: every key (no secret, no hashes: the migration export with hashes is the
 * CLI's `keys export --with-hashes`) to a CSV or JSON file chosen in a save dialog, written 0600.
 */
export function createKeyExportDialog(deps: KeyExportDialogDeps) {
  const now = deps.now ?? Date.now
  const parent = () => (deps.window() ?? undefined) as never | undefined
  const { dialog } = deps
  const message = (w: NativeWords, type: 'info' | 'error', title: string, text: string, detail?: string) => {
    const o = { type, title, message: text, detail, buttons: [w.box.ok] }
    return parent() ? dialog.showMessageBox(parent()!, o) : dialog.showMessageBox(o)
  }

  return {
    async exportKeys(): Promise<void> {
      const w = deps.words()
      const day = new Date(now()).toISOString().slice(0, 10)
      const o = {
        title: w.export.keysTitle,
        defaultPath: `keyward-keys-${day}.csv`,
        buttonLabel: w.export.button,
        filters: filters(w)
      }
      const chosen = await (parent() ? dialog.showSaveDialog(parent()!, o) : dialog.showSaveDialog(o))
      if (chosen.canceled || !chosen.filePath) return
      const format = extname(chosen.filePath).toLowerCase() === '.json' ? 'json' : 'csv'
      try {
        const exported = deps.registry.exportKeys({ format }, deps.actor)
        // The save dialog has already asked before replacing an existing file.
        writePrivateFileAtomically(chosen.filePath, exported.text)
        await message(
          w,
          'info',
          w.export.done,
          w.export.exported(exported.count, format.toUpperCase()),
          chosen.filePath
        )
      } catch (error) {
        await message(
          w,
          'error',
          w.export.failed,
          // A field's own message: "--out: …" names a CLI flag the app user never typed. The core
          // writes English (shared with the CLI); w.core gives it in the app's language.
          error instanceof KeywardError
            ? w.core(Object.values(error.fields ?? {})[0] ?? error.message)
            : w.box.somethingWentWrong,
          error instanceof KeywardError ? undefined : (error as Error)?.message
        )
      }
    }
  }
}
