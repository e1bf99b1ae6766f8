import { basename } from 'node:path'
import { KeywardError } from '../../shared/errors'
import { backupRegistry, inspectBackup, keptCopyPath, restoreRegistry } from '../core/backup'
import type { NativeWords } from './native-words'

interface SaveOptions {
  title: string
  defaultPath: string
  buttonLabel: string
  filters: { name: string; extensions: string[] }[]
}
interface OpenOptions {
  title: string
  buttonLabel: string
  properties: 'openFile'[]
  filters: { name: string; extensions: string[] }[]
}
interface MessageOptions {
  type: 'info' | 'warning' | 'error'
  title: string
  message: string
  detail?: string
  buttons?: string[]
  defaultId?: number
  cancelId?: number
}
/** With a parent window, or none (Electron's overloads). */
type Parented<O, R> = {
  (window: never, options: O): Promise<R>
  (options: O): Promise<R>
}

/** The parts of Electron's `dialog` the two File menu items use (main.ts passes the real one). */
export interface DialogLike {
  showSaveDialog: Parented<SaveOptions, { canceled: boolean; filePath?: string }>
  showOpenDialog: Parented<OpenOptions, { canceled: boolean; filePaths: string[] }>
  showMessageBox: Parented<MessageOptions, { response: number }>
}

export interface BackupDialogDeps {
  dialog: DialogLike
  /** The window the dialogs belong to (null: none open). */
  window: () => unknown
  registryPath: string
  /** The words of the app's language, read as each dialog opens (a change of language applies at once). */
  words: () => NativeWords
  nativeBinding?: string
  actor: string
  now?: () => number
  /** Before the registry is replaced: write what the app's connection holds in memory. */
  beforeRestore?: () => void
  /** After it was replaced: the page shows the restored registry (main.ts reloads the window). */
  afterRestore?: () => void
}

const filters = (w: NativeWords) => [
  { name: w.backup.filterBackup, extensions: ['sqlite3', 'db', 'sqlite'] },
  { name: w.backup.filterAll, extensions: ['*'] }
]

/**
 * File > Back Up Registry… and File > Restore from Backup…: native dialogs around the core's
 * backupRegistry and restoreRegistry (the same functions as `keyward backup` and `keyward restore`).
 */
export function createBackupDialogs(deps: BackupDialogDeps) {
  const now = deps.now ?? Date.now
  // A dialog belongs to the window when there is one; called as methods of `dialog`, as Electron's are.
  const parent = () => (deps.window() ?? undefined) as never | undefined
  const { dialog } = deps
  const save = (o: SaveOptions) => (parent() ? dialog.showSaveDialog(parent()!, o) : dialog.showSaveDialog(o))
  const open = (o: OpenOptions) => (parent() ? dialog.showOpenDialog(parent()!, o) : dialog.showOpenDialog(o))
  const message = (o: MessageOptions) => (parent() ? dialog.showMessageBox(parent()!, o) : dialog.showMessageBox(o))
  const show = (w: NativeWords, type: 'info' | 'error', title: string, text: string, detail?: string) =>
    message({ type, title, message: text, detail, buttons: [w.box.ok] })
  // The core's message is English (shared with the CLI); the box around it speaks the app's language.
  const failed = (w: NativeWords, title: string, error: unknown) =>
    show(
      w,
      'error',
      title,
      error instanceof KeywardError ? w.core(error.message.replace(/^FILE: /, '')) : w.box.somethingWentWrong,
      error instanceof KeywardError ? undefined : (error as Error)?.message
    )

  return {
    async backUp(): Promise<void> {
      const w = deps.words()
      const day = new Date(now()).toISOString().slice(0, 10)
      const chosen = await save({
        title: w.backup.title,
        defaultPath: `keyward-backup-${day}.sqlite3`,
        buttonLabel: w.backup.button,
        filters: filters(w)
      })
      if (chosen.canceled || !chosen.filePath) return
      try {
        // The save dialog has already asked before replacing an existing file.
        const result = await backupRegistry(deps.registryPath, chosen.filePath, {
          force: true,
          nativeBinding: deps.nativeBinding
        })
        await show(w, 'info', w.backup.done, w.backup.backedUp(result.keys, result.auditEntries), result.backup)
      } catch (error) {
        await failed(w, w.backup.failed, error)
      }
    },

    async restore(): Promise<void> {
      const w = deps.words()
      const chosen = await open({
        title: w.restore.title,
        buttonLabel: w.restore.button,
        properties: ['openFile'],
        filters: filters(w)
      })
      const file = chosen.filePaths[0]
      if (chosen.canceled || !file) return
      try {
        // Checked before asking: an unusable file is refused without a question.
        const inspection = inspectBackup(file, { nativeBinding: deps.nativeBinding })
        const keepAs = keptCopyPath(deps.registryPath, now())
        const answer = await message({
          type: 'warning',
          title: w.restore.title,
          message: w.restore.question(inspection.keys, basename(file)),
          detail: w.restore.willKeep(keepAs),
          buttons: [w.restore.confirm, w.box.cancel],
          defaultId: 1,
          cancelId: 1
        })
        if (answer.response !== 0) return
        deps.beforeRestore?.()
        const result = await restoreRegistry(deps.registryPath, file, {
          actor: deps.actor,
          now: now(),
          keepAs,
          nativeBinding: deps.nativeBinding
        })
        deps.afterRestore?.()
        await show(
          w,
          'info',
          w.restore.done,
          w.restore.restored(result.keys, basename(file)),
          result.previous ? w.restore.keptAt(result.previous) : undefined
        )
      } catch (error) {
        await failed(w, w.restore.failed, error)
      }
    }
  }
}
