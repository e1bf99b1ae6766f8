import { z } from 'zod'

/**
 * The leak scan's operations: scan files and folders for Keyward secrets (scan.run), pick a folder
 * in the desktop app (scan.pickFolder), act on the keys found (scan.act). A finding carries the
 * secret's hint, never the secret.
 */

/** What a found token is in this registry: its key's status, or deleted (a tombstone), retired (rotated out), unknown. */
export const LeakStatus = z.enum(['active', 'disabled', 'expired', 'retired', 'deleted', 'unknown'])
export type LeakStatus = z.infer<typeof LeakStatus>

export interface LeakFinding {
  /** The file as reached from the path scanned (absolute when that path was). */
  file: string
  /** 1-based; lines end at "\n" (CRLF counts once). */
  line: number
  /** The key the token belongs (or belonged) to; null when unknown to this registry. */
  keyId: string | null
  name: string | null
  status: LeakStatus
  /** kw_abcd…wxyz: never the whole token. */
  hint: string
}

export interface ScanReport {
  findings: LeakFinding[]
  /** Text files read (binaries, ignored files and symlinks are not counted). */
  files: number
  /** Bytes of those files. */
  bytes: number
  /** Files and folders that could not be read (permissions, removed meanwhile): not scanned. */
  unreadable: string[]
}

const PATH_MAX = 4096

const ScanPath = z
  .string({ error: 'Give a file or folder path.' })
  .min(1, 'Give a file or folder path.')
  .max(PATH_MAX, `A path is at most ${PATH_MAX} characters.`)
  .refine((p) => !p.includes('\0'), 'A path cannot hold a NUL character.')

export const ScanRunInput = z.strictObject({
  paths: z
    .array(ScanPath, { error: 'Give the files or folders to scan.' })
    .min(1, 'Give at least one file or folder to scan.')
    .max(1000, 'Scan at most 1000 paths at once.'),
  /** Also files .gitignore excludes (and .git). */
  all: z.boolean({ error: 'all is true or false.' }).default(false)
})

/**
 * scan.lookup: what a registry knows of secrets found elsewhere, by their SHA-256 (hex), so a host
 * that reads its own files (the desktop app on a team server) can scan them against a registry it
 * reaches over HTTP. Hashes only: a secret never travels.
 */
export const ScanLookupInput = z.strictObject({
  hashes: z
    .array(
      z
        .string({ error: 'A hash is the SHA-256 of a secret, as 64 hex digits.' })
        .regex(/^[0-9a-f]{64}$/, 'A hash is the SHA-256 of a secret, as 64 lowercase hex digits.'),
      { error: 'Give the hashes to look up.' }
    )
    .max(10_000, 'Look up at most 10000 hashes at once.')
})

/** A hash this registry knows: the key it belongs (or belonged) to. Hashes it does not know are left out. */
export interface ScanLookupItem {
  hash: string
  keyId: string
  name: string
  status: Exclude<LeakStatus, 'unknown'>
  hint: string | null
}

export const ScanActInput = z.strictObject({
  action: z.enum(['disable', 'delete'], { error: 'Action must be disable or delete.' }),
  /** Where each key was found: goes into its audit entry as "leaked: FILE:LINE". */
  findings: z
    .array(
      z.strictObject({
        keyId: z.string({ error: 'Give the key id of a finding.' }).min(1).max(64, 'That is not a key id.'),
        file: ScanPath,
        line: z.number({ error: 'line is a number.' }).int('line is a whole number.').min(1, 'line starts at 1.')
      }),
      { error: 'Give the findings to act on.' }
    )
    .min(1, 'Give at least one finding to act on.')
    .max(10_000, 'Act on at most 10000 findings at once.')
})

export interface ScanActResult {
  action: 'disable' | 'delete'
  /** One per key, in the order first found; changed is false for a key already disabled. */
  keys: { id: string; name: string; changed: boolean }[]
}
