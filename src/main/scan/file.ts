import { open, type FileHandle } from 'node:fs/promises'
import { findTokens, MAX_TOKEN_BYTES, tokenHit, type TokenHit } from './tokens'

/** As git decides (buffer_is_binary): a NUL byte in the first 8000 bytes makes a file binary. */
export const BINARY_SNIFF_BYTES = 8000
export const DEFAULT_CHUNK_BYTES = 1 << 20
/** Carried from one chunk to the next, so a token cut by a chunk boundary is found whole. */
const CARRY = MAX_TOKEN_BYTES - 1

export interface FileScan {
  binary: boolean
  bytes: number
  /** With their 1-based line numbers. */
  hits: (TokenHit & { line: number })[]
}

/**
 * Reads one file in chunks (never whole), finding tokens across chunk boundaries. Line numbers
 * are counted afterwards, and only for a file that holds a token: most files hold none, and
 * counting newlines would cost more than the search.
 */
export async function scanFile(path: string, chunkBytes = DEFAULT_CHUNK_BYTES): Promise<FileScan> {
  const handle = await open(path, 'r')
  let release = () => {}
  try {
    const buf = takeBuffer(CARRY + chunkBytes)
    release = () => giveBuffer(buf)
    // The first chunk holds the sniffed bytes; only a test's tiny chunks need a read of their own.
    if (chunkBytes < BINARY_SNIFF_BYTES && (await isBinary(handle))) return { binary: true, bytes: 0, hits: [] }
    const hits: TokenHit[] = []
    let carried = 0
    /** File offset of buf[0]. */
    let base = 0
    let bytes = 0
    let first = true
    for (;;) {
      const { bytesRead } = await handle.read(buf, carried, buf.length - carried, null)
      if (first) {
        first = false
        if (buf.subarray(0, Math.min(bytesRead, BINARY_SNIFF_BYTES)).includes(0))
          return { binary: true, bytes: 0, hits: [] }
      }
      bytes += bytesRead
      const filled = carried + bytesRead
      const last = bytesRead === 0
      const window = buf.subarray(0, filled)
      // Tokens starting in the carried tail are searched again with the next chunk: search only up to it here.
      const until = last ? filled : filled - CARRY
      findTokens(window, 0, until, (start, token) => hits.push(tokenHit(base + start, token)))
      if (last) break
      const keep = Math.min(CARRY, filled)
      buf.copy(buf, 0, filled - keep, filled)
      base += filled - keep
      carried = keep
    }
    const lines = hits.length
      ? await lineNumbers(
          handle,
          hits.map((h) => h.offset)
        )
      : []
    return { binary: false, bytes, hits: hits.map((h, i) => ({ ...h, line: lines[i]! })) }
  } finally {
    release()
    await handle.close()
  }
}

/** Read buffers are reused from file to file: a megabyte each, allocated per file, keeps the GC busy. */
const spare: Buffer[] = []
function takeBuffer(size: number): Buffer {
  const i = spare.findIndex((b) => b.length === size)
  return i === -1 ? Buffer.allocUnsafe(size) : spare.splice(i, 1)[0]!
}
function giveBuffer(buf: Buffer): void {
  if (spare.length < 8) spare.push(buf)
}

async function isBinary(handle: FileHandle): Promise<boolean> {
  const head = Buffer.allocUnsafe(BINARY_SNIFF_BYTES)
  const { bytesRead } = await handle.read(head, 0, head.length, 0)
  return head.subarray(0, bytesRead).includes(0)
}

/** 1-based line of each offset (ascending): the newlines before it, plus one. */
async function lineNumbers(handle: FileHandle, offsets: number[]): Promise<number[]> {
  const out: number[] = []
  const buf = Buffer.allocUnsafe(DEFAULT_CHUNK_BYTES)
  let position = 0
  let newlines = 0
  let i = 0
  while (i < offsets.length) {
    const { bytesRead } = await handle.read(buf, 0, buf.length, position)
    const end = position + bytesRead
    // Offsets inside this chunk: count newlines up to each.
    let from = 0
    while (i < offsets.length && (offsets[i]! < end || bytesRead === 0)) {
      const upTo = offsets[i]! - position
      newlines += countNewlines(buf, from, Math.min(upTo, bytesRead))
      from = Math.min(upTo, bytesRead)
      out.push(newlines + 1)
      i++
    }
    if (bytesRead === 0) break
    newlines += countNewlines(buf, from, bytesRead)
    position = end
  }
  return out
}

function countNewlines(buf: Buffer, from: number, to: number): number {
  let n = 0
  let at = buf.indexOf(10, from)
  while (at !== -1 && at < to) {
    n++
    at = buf.indexOf(10, at + 1)
  }
  return n
}
