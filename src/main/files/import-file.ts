import { openSync, readFileSync, statSync } from 'node:fs'
import { KeywardError } from '../../shared/errors'
import { KEY_IMPORT_MAX_CHARS, type ImportedKey } from '../../shared/schemas'

/**
 * The files around `keys.import`, shared by the CLI (`keys import FILE --secrets-out F`) and the
 * desktop app (File ▸ Import Keys…): reading the import file, and the secrets file of new keys.
 */

/** The file's text: refused when too large or not UTF-8, before anything is parsed. */
export function readImportFile(file: string, field = 'FILE'): string {
  let size: number
  try {
    size = statSync(file).size
  } catch {
    throw KeywardError.validation({ [field]: `Cannot read ${file}: no such file, or no permission.` })
  }
  if (size > KEY_IMPORT_MAX_CHARS) {
    throw KeywardError.validation({
      [field]: `${file} is ${(size / 1024 / 1024).toFixed(0)} MB; import at most 100 MB at once (split the file).`
    })
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(file))
  } catch {
    throw KeywardError.validation({
      [field]: `${file} is not UTF-8 text: save it as UTF-8 (CSV UTF-8 in a spreadsheet) and import again.`
    })
  }
}

/** Opened before the import (0600, never replacing a file), so a new key's secret always has somewhere to go. */
export function reserveSecretsFile(path: string, field = '--secrets-out'): number {
  try {
    return openSync(path, 'wx', 0o600)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw KeywardError.validation({
      [field]:
        code === 'EEXIST'
          ? `${path} already exists: name a new file (a secrets file is never overwritten).`
          : `Cannot create ${path} (${code ?? 'error'}).`
    })
  }
}

/** id,name,secret per new key (ids, names and secrets are letters, digits and _: no quoting needed). */
export function secretsCsv(keys: readonly ImportedKey[]): string {
  const lines = keys.filter((k) => k.secret).map((k) => `${k.id},${k.name},${k.secret}`)
  return `id,name,secret\n${lines.join('\n')}${lines.length ? '\n' : ''}`
}
