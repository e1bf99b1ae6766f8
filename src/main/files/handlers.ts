import { randomUUID } from 'node:crypto'
import { closeSync, fsyncSync, unlinkSync, writeSync } from 'node:fs'
import { extname } from 'node:path'
import { KeywardError } from '../../shared/errors'
import { KeyImportInput, type ImportedKey, type ImportedKeyView, type KeyExportFormat } from '../../shared/schemas'
import type { Input, Output, ParsedInput } from '../../shared/contract'
import type { CallContext, HostHandler } from '../core/operations'
import type { OperationTable } from '../transport/dispatch'
import type { Registry } from '../core/registry'
import { writePrivateFileAtomically } from '../core/backup'
import { usageCsv } from '../core/export'
import { importInTurns } from '../core/import'
import { NATIVE_WORDS, type NativeWords } from '../desktop/native-words'
import { readImportFile, reserveSecretsFile, secretsCsv } from './import-file'

export interface FileHandlers {
  'files.export': HostHandler<'files.export'>
  'files.importPick': HostHandler<'files.importPick'>
  'files.import': HostHandler<'files.import'>
}

/** What a save dialog needs to ask; the host answers the chosen path, or null when cancelled. */
export interface SaveRequest {
  title: string
  defaultPath: string
  filters: { name: string; extensions: string[] }[]
}

type MaybePromise<T> = T | Promise<T>

/**
 * What the file handlers read and write: this computer's registry (fileRegistryOf: the core,
 * at once, an import in turns with progress), or a team server (remoteFileRegistry: its admin
 * API, one call each). The file itself is always written here, by main.
 */
export interface FileRegistry {
  exportKeys(input: ParsedInput<'keys.export'>, actor: string): MaybePromise<Output<'keys.export'>>
  exportAudit(): MaybePromise<{ text: string; entries: number }>
  usageReport(input: ParsedInput<'usage.report'>): MaybePromise<Output<'usage.report'>>
  importKeys(input: Input<'keys.import'>, actor: string): MaybePromise<Output<'keys.import'>>
  /** The import itself, after the checks; progress after each part when it comes in parts. */
  importAll(
    input: ParsedInput<'keys.import'>,
    ctx: CallContext,
    onProgress: (progress: { done: number; total: number }) => void
  ): Promise<Output<'keys.import'>>
}

/** This computer's registry: the core's functions, an import in turns (about 200 ms each) with progress. */
export function fileRegistryOf(
  registry: Pick<Registry, 'exportKeys' | 'exportAudit' | 'usageReport' | 'importKeys' | 'startImport'>
): FileRegistry {
  return {
    exportKeys: (input, actor) => registry.exportKeys(input, actor),
    exportAudit: () => registry.exportAudit(),
    usageReport: (input) => registry.usageReport(input),
    importKeys: (input, actor) => registry.importKeys(input, actor),
    importAll: (input, ctx, onProgress) => importInTurns(registry, { onProgress })(input, ctx)
  }
}

/**
 * A team server's registry through its admin API (the desktop's remote table): the exports (keys,
 * the audit log, usage) and imports are the server's operations; the file is written here.
 */
export function remoteFileRegistry(server: OperationTable): FileRegistry {
  const ctxOf = (actor: string): CallContext => ({ actor })
  return {
    exportKeys: (input, actor) => server['keys.export'](input, ctxOf(actor)),
    exportAudit: () => server['audit.export']({}, ctxOf('desktop')),
    usageReport: (input) => server['usage.report'](input, ctxOf('desktop')),
    importKeys: (input, actor) => server['keys.import'](KeyImportInput.parse(input), ctxOf(actor)),
    importAll: async (input, ctx) => server['keys.import'](input, ctx)
  }
}

export interface FileHandlerDeps {
  registry: FileRegistry
  /** The host's save dialog (Electron's in the app; a stand-in in the browser tests). */
  pickSavePath: (request: SaveRequest) => Promise<string | null>
  /** The host's open dialog for one file; null when cancelled. */
  pickOpenPath: (request: Omit<SaveRequest, 'defaultPath'>) => Promise<string | null>
  /** Keys written so far of an import, after each chunk (the app sends it to the page). */
  onImportProgress?: (progress: { done: number; total: number }) => void
  /** The dialogs' titles and filter names in the app's language, read as each dialog opens (default English). */
  words?: () => NativeWords
  now?: () => number
}

/** Files picked for import and not imported yet, by token; the oldest are forgotten past this. */
const PICKS_KEPT = 8

const withoutSecret = (keys: readonly ImportedKey[]): ImportedKeyView[] => keys.map(({ secret: _, ...k }) => k)

const keyFilters = (w: NativeWords) => ({
  csv: { name: w.filters.csv, extensions: ['csv'] },
  json: { name: w.filters.json, extensions: ['json'] }
})

/**
 * The screens' Export buttons. The file is asked for first (nothing is read if the user cancels),
 * then written whole and 0600 by the main process: the renderer never holds the text. The same
 * core functions as the CLI's `keys export`, `audit export` and `usage --format csv` make it, so a
 * file from the app and one from the CLI are the same.
 */
export function createFileHandlers({
  registry,
  pickSavePath,
  pickOpenPath,
  onImportProgress = () => undefined,
  words = () => NATIVE_WORDS.en,
  now = Date.now
}: FileHandlerDeps): FileHandlers {
  const picks = new Map<string, { path: string; format: KeyExportFormat }>()
  return {
    /**
     * File ▸ Import Keys…: the file dialog, then a dry run of every row (skipInvalid, so the
     * preview lists the good rows beside the bad). The path stays here, behind a token.
     */
    'files.importPick': async (_input, ctx) => {
      const w = words()
      const path = await pickOpenPath({
        title: w.import.title,
        filters: [{ name: w.filters.keys, extensions: ['csv', 'json'] }]
      })
      if (path === null) return { token: null, file: '', format: 'csv', created: 0, imported: 0, errors: [], keys: [] }
      const format: KeyExportFormat = extname(path).toLowerCase() === '.json' ? 'json' : 'csv'
      const text = readImportFile(path, 'file')
      const preview = await registry.importKeys({ text, format, dryRun: true, skipInvalid: true }, ctx.actor)
      const token = randomUUID()
      picks.set(token, { path, format })
      while (picks.size > PICKS_KEPT) picks.delete(picks.keys().next().value!)
      return {
        token,
        file: path,
        format,
        created: preview.created,
        imported: preview.imported,
        errors: preview.errors,
        keys: withoutSecret(preview.keys)
      }
    },

    /**
     * Imports the picked file, read again and checked again (it may have changed since the
     * preview). New keys need a secrets file: it is asked for and reserved (0600, never replacing
     * a file) before anything is written, and removed again if no key was created.
     */
    'files.import': async (input, ctx) => {
      const picked = picks.get(input.token)
      if (!picked) throw KeywardError.validation({ file: 'Choose the file to import again (File ▸ Import Keys…).' })
      const text = readImportFile(picked.path, 'file')
      type Result = Output<'keys.import'>
      const refused = (r: Result) => r.errors.length > 0 && (!input.skipInvalid || r.errors.some((e) => e.row === 0))
      const check = await registry.importKeys(
        { text, format: picked.format, dryRun: true, skipInvalid: input.skipInvalid },
        ctx.actor
      )
      const answer = (r: Result, secretsFile: string | null, canceled = false) => ({
        canceled,
        created: r.created,
        imported: r.imported,
        errors: r.errors,
        keys: withoutSecret(r.keys),
        secretsFile
      })
      if (refused(check)) return answer(check, null)
      let secretsFile: string | null = null
      let fd: number | undefined
      if (check.created > 0) {
        const day = new Date(now()).toISOString().slice(0, 10)
        const w = words()
        secretsFile = await pickSavePath({
          title: w.import.secretsTitle,
          defaultPath: `keyward-new-secrets-${day}.csv`,
          filters: [keyFilters(w).csv]
        })
        if (secretsFile === null) return answer({ ...check, created: 0, imported: 0, keys: [] }, null, true)
        fd = reserveSecretsFile(secretsFile, 'secretsFile')
      }
      picks.delete(input.token)
      let kept = false
      try {
        // A chunk (about 200 ms) per turn of the event loop: the window stays responsive and
        // shows how far the import is. A chunk that fails undoes the earlier ones (import.ts).
        const result = await registry.importAll(
          KeyImportInput.parse({ text, format: picked.format, skipInvalid: input.skipInvalid }),
          ctx,
          onImportProgress
        )
        if (fd !== undefined && result.created > 0) {
          writeSync(fd, secretsCsv(result.keys))
          fsyncSync(fd)
          kept = true
        }
        return answer(result, kept ? secretsFile : null)
      } finally {
        if (fd !== undefined) {
          closeSync(fd)
          if (!kept) unlinkSync(secretsFile!)
        }
      }
    },

    'files.export': async (input, ctx) => {
      const day = new Date(now()).toISOString().slice(0, 10)
      const w = words()
      let text: () => Promise<{ text: string; count: number }>
      let request: SaveRequest
      switch (input.kind) {
        case 'keys': {
          const { format, filters } = input
          request = {
            title: w.export.keysTitle,
            defaultPath: `keyward-keys-${day}.${format}`,
            filters: [keyFilters(w)[format]]
          }
          text = async () => registry.exportKeys({ format, filters, withHashes: false }, ctx.actor)
          break
        }
        case 'audit':
          request = {
            title: w.export.auditTitle,
            defaultPath: `keyward-audit-${day}.jsonl`,
            filters: [{ name: w.filters.jsonLines, extensions: ['jsonl'] }]
          }
          text = async () => {
            const exported = await registry.exportAudit()
            return { text: exported.text, count: exported.entries }
          }
          break
        case 'usage':
          request = {
            title: w.export.usageTitle,
            defaultPath: `keyward-usage-${input.report.start.slice(0, 10)}-${input.report.end.slice(0, 10)}.csv`,
            filters: [keyFilters(w).csv]
          }
          text = async () => {
            const { items } = await registry.usageReport(input.report)
            return { text: usageCsv(items), count: items.length }
          }
          break
      }
      const path = await pickSavePath(request)
      if (path === null) return { path: null, count: 0 }
      const exported = await text()
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
