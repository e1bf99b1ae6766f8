import { realpath, stat } from 'node:fs/promises'
import { KeywardError } from '../../shared/errors'
import type { LeakFinding, ScanReport } from '../../shared/scan'
import type { KeyBySecret } from '../core/leaks'
import { DEFAULT_CHUNK_BYTES, scanFile } from './file'
import { walkFolder, type WalkedFile } from './walk'

export interface ScanOptions {
  /** Include files .gitignore excludes, and .git folders. */
  all?: boolean
  /** Secret hashes → keys (Registry.keysBySecretHash). */
  lookup: (hashes: Buffer[]) => Map<string, KeyBySecret>
  /** Read size; tests make it small to cut tokens at chunk boundaries. */
  chunkBytes?: number
}

/**
 * Scans files and folders for Keyward secrets with a valid checksum and matches each to the
 * registry by its SHA-256. Every path must exist (a VALIDATION error names those that do not,
 * before anything is read). A named file is read even if .gitignore excludes it; binaries (a NUL
 * byte in the first 8000 bytes) are skipped. Findings carry hints only.
 */
export async function scanPaths(paths: readonly string[], options: ScanOptions): Promise<ScanReport> {
  const kinds = await Promise.all(paths.map(kindOf))
  const missing = paths.filter((_, i) => kinds[i] === 'missing')
  if (missing.length > 0) {
    throw KeywardError.validation({
      paths:
        missing.length === 1
          ? `No file or folder at "${missing[0]}". Check the path.`
          : `No file or folder at ${missing.map((p) => `"${p}"`).join(', ')}. Check the paths.`
    })
  }
  const unreadable: string[] = []
  const seenFolders = new Set<string>()
  const seenFiles = new Set<string>()
  const found: { file: string; line: number; hash: Buffer; hint: string }[] = []
  let files = 0
  let bytes = 0

  const scanOne = async (file: WalkedFile) => {
    if (seenFiles.has(file.real)) return
    seenFiles.add(file.real)
    try {
      const result = await scanFile(file.real, options.chunkBytes ?? DEFAULT_CHUNK_BYTES)
      if (result.binary) return
      files++
      bytes += result.bytes
      for (const hit of result.hits) found.push({ file: file.path, line: hit.line, hash: hit.hash, hint: hit.hint })
    } catch {
      unreadable.push(file.path)
    }
  }

  for (let i = 0; i < paths.length; i++) {
    const path = paths[i]!
    if (kinds[i] === 'file') {
      await scanOne({ path, real: await realpath(path) })
    } else if (kinds[i] === 'folder') {
      const walk = walkFolder(path, { all: options.all ?? false, unreadable: (p) => unreadable.push(p) }, seenFolders)
      for await (const file of walk) await scanOne(file)
    }
    // 'other' (a FIFO, a socket, a device): nothing to read.
  }

  const keys = found.length ? options.lookup(found.map((f) => f.hash)) : new Map<string, KeyBySecret>()
  const findings: LeakFinding[] = found.map((f) => {
    const key = keys.get(f.hash.toString('hex'))
    return {
      file: f.file,
      line: f.line,
      keyId: key?.keyId ?? null,
      name: key?.name ?? null,
      status: key?.status ?? 'unknown',
      hint: f.hint
    }
  })
  return { findings, files, bytes, unreadable }
}

async function kindOf(path: string): Promise<'file' | 'folder' | 'other' | 'missing'> {
  try {
    const st = await stat(path)
    return st.isFile() ? 'file' : st.isDirectory() ? 'folder' : 'other'
  } catch {
    return 'missing'
  }
}
