import { basename } from 'node:path'
import { KeywardError } from '../../shared/errors'
import { backupRegistry, inspectBackup, keptCopyPath, restoreRegistry } from '../core/backup'

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
  nativeBinding?: string
  actor: string
  now?: () => number
  /** Before the registry is replaced: write what the app's connection holds in memory. */
  beforeRestore?: () => void
  /** After it was replaced: the page shows the restored registry (main.ts reloads the window). */
  afterRestore?: () => void
}

const FILTERS = [
  { name: 'Keyward backup', extensions: ['sqlite3', 'db', 'sqlite'] },
  { name: 'All files', extensions: ['*'] }
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
  const show = (type: 'info' | 'error', title: string, text: string, detail?: string) =>
    message({ type, title, message: text, detail, buttons: ['OK'] })
  const failed = (title: string, error: unknown) =>
    show(
      'error',
      title,
      error instanceof KeywardError ? error.message.replace(/^FILE: /, '') : 'Something went wrong.',
      error instanceof KeywardError ? undefined : (error as Error)?.message
    )

  return {
    async backUp(): Promise<void> {
      const day = new Date(now()).toISOString().slice(0, 10)
      const chosen = await save({
        title: 'Back up registry',
        defaultPath: `keyward-backup-${day}.sqlite3`,
        buttonLabel: 'Back Up',
        filters: FILTERS
      })
      if (chosen.canceled || !chosen.filePath) return
      try {
        // The save dialog has already asked before replacing an existing file.
        const result = await backupRegistry(deps.registryPath, chosen.filePath, {
          force: true,
          nativeBinding: deps.nativeBinding
        })
        await show(
          'info',
          'Backup complete',
          `Backed up ${result.keys} keys and ${result.auditEntries} audit entries.`,
          result.backup
        )
      } catch (error) {
        await failed('Backup failed', error)
      }
    },

    async restore(): Promise<void> {
      const chosen = await open({
        title: 'Restore from backup',
        buttonLabel: 'Choose Backup',
        properties: ['openFile'],
        filters: FILTERS
      })
      const file = chosen.filePaths[0]
      if (chosen.canceled || !file) return
      try {
        // Checked before asking: an unusable file is refused without a question.
        const inspection = inspectBackup(file, { nativeBinding: deps.nativeBinding })
        const keepAs = keptCopyPath(deps.registryPath, now())
        const answer = await message({
          type: 'warning',
          title: 'Restore from backup',
          message: `Replace every key, resource and audit entry with the ${inspection.keys} keys in ${basename(file)}?`,
          detail:
            `The current registry will be kept at:\n${keepAs}\n\n` +
            'Clients using keys created since that backup will be refused.',
          buttons: ['Restore', 'Cancel'],
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
          'info',
          'Registry restored',
          `Restored ${result.keys} keys from ${basename(file)}.`,
          result.previous ? `The registry as it was is kept at:\n${result.previous}` : undefined
        )
      } catch (error) {
        await failed('Restore failed', error)
      }
    }
  }
}
