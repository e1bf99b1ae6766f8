import { realpath, stat } from 'node:fs/promises'
import { KeywardError } from '../../shared/errors'
import type { LeakFinding, ScanReport } from '../../shared/scan'
import type { KeyBySecret } from '../core/leaks'
import { DEFAULT_CHUNK_BYTES, scanFile, type FileScan } from './file'
import { walkFolder, type WalkedFile } from './walk'

/** Files read at once: enough to overlap I/O with the search, few enough to keep memory small (a chunk each). */
const FILES_IN_FLIGHT = 4

export interface ScanOptions {
  /** Include files .gitignore excludes, and .git folders. */
  all?: boolean
  /** Secret hashes → keys (Registry.keysBySecretHash; pgKeysBySecretHash on PostgreSQL). */
  lookup: (hashes: Buffer[]) => Map<string, KeyBySecret> | Promise<Map<string, KeyBySecret>>
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

  // A few files in flight, so reading one overlaps searching another; results are taken in walk order.
  const inFlight: { file: WalkedFile; result: Promise<FileScan | null> }[] = []
  const settle = async () => {
    const { file, result } = inFlight.shift()!
    const scanned = await result
    if (scanned === null) unreadable.push(file.path)
    else if (!scanned.binary) {
      files++
      bytes += scanned.bytes
      for (const hit of scanned.hits) found.push({ file: file.path, line: hit.line, hash: hit.hash, hint: hit.hint })
    }
  }
  const enqueue = async (file: WalkedFile) => {
    if (seenFiles.has(file.real)) return
    seenFiles.add(file.real)
    const result = scanFile(file.real, options.chunkBytes ?? DEFAULT_CHUNK_BYTES).catch(() => null)
    inFlight.push({ file, result })
    if (inFlight.length >= FILES_IN_FLIGHT) await settle()
  }

  for (let i = 0; i < paths.length; i++) {
    const path = paths[i]!
    if (kinds[i] === 'file') {
      await enqueue({ path, real: await realpath(path) })
    } else if (kinds[i] === 'folder') {
      const walk = walkFolder(path, { all: options.all ?? false, unreadable: (p) => unreadable.push(p) }, seenFolders)
      for await (const file of walk) await enqueue(file)
    }
    // 'other' (a FIFO, a socket, a device): nothing to read.
  }
  while (inFlight.length > 0) await settle()

  const keys = found.length ? await options.lookup(found.map((f) => f.hash)) : new Map<string, KeyBySecret>()
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
