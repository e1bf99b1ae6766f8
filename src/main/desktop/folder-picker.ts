import type { SaveRequest } from '../files/handlers'
import type { NativeWords } from './native-words'

/** Electron's dialog.showOpenDialog, as far as the folder picker uses it (tests pass a fake). */
export interface OpenDialogLike<W> {
  showOpenDialog(
    window: W,
    options: { title: string; buttonLabel: string; properties: ('openDirectory' | 'dontAddToRecent')[] }
  ): Promise<{ canceled: boolean; filePaths: string[] }>
}

/**
 * The leak scan's "choose a folder": a native folder dialog over the app's window; null when cancelled.
 * `words` is read as the dialog opens, so it speaks the language chosen a moment ago.
 */
export function folderPicker<W>(
  dialog: OpenDialogLike<W>,
  window: () => W | null,
  words: () => NativeWords
): () => Promise<string | null> {
  return async () => {
    const parent = window()
    if (parent === null) return null
    const w = words()
    const picked = await dialog.showOpenDialog(parent, {
      title: w.scan.title,
      buttonLabel: w.scan.button,
      properties: ['openDirectory', 'dontAddToRecent']
    })
    return picked.canceled ? null : (picked.filePaths[0] ?? null)
  }
}

/** Electron's dialog.showSaveDialog, as far as the screens' Export buttons use it. */
export interface SaveDialogLike<W> {
  showSaveDialog(
    window: W,
    options: SaveRequest & { buttonLabel: string; properties: ('createDirectory' | 'showOverwriteConfirmation')[] }
  ): Promise<{ canceled: boolean; filePath?: string }>
}

/** A screen's Export: a native save dialog over the app's window (it asks before replacing a file); null when cancelled. */
export function savePicker<W>(
  dialog: SaveDialogLike<W>,
  window: () => W | null,
  words: () => NativeWords
): (request: SaveRequest) => Promise<string | null> {
  return async (request) => {
    const parent = window()
    if (parent === null) return null
    const picked = await dialog.showSaveDialog(parent, {
      ...request,
      buttonLabel: words().export.button,
      properties: ['createDirectory', 'showOverwriteConfirmation']
    })
    return picked.canceled || !picked.filePath ? null : picked.filePath
  }
}

/** Electron's dialog.showOpenDialog for one file, as File ▸ Import Keys… uses it. */
export interface OpenFileDialogLike<W> {
  showOpenDialog(
    window: W,
    options: Omit<SaveRequest, 'defaultPath'> & { buttonLabel: string; properties: ('openFile' | 'dontAddToRecent')[] }
  ): Promise<{ canceled: boolean; filePaths: string[] }>
}

/** Import: a native file dialog over the app's window; null when cancelled. */
export function openFilePicker<W>(
  dialog: OpenFileDialogLike<W>,
  window: () => W | null,
  words: () => NativeWords
): (request: Omit<SaveRequest, 'defaultPath'>) => Promise<string | null> {
  return async (request) => {
    const parent = window()
    if (parent === null) return null
    const picked = await dialog.showOpenDialog(parent, {
      ...request,
      buttonLabel: words().import.button,
      properties: ['openFile', 'dontAddToRecent']
    })
    return picked.canceled ? null : (picked.filePaths[0] ?? null)
  }
}
