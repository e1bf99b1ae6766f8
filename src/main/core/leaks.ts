import type { ParsedInput } from '../../shared/contract'
import type { LeakStatus, ScanActResult, ScanLookupItem } from '../../shared/scan'
import type { Core } from './context'
import { resolveKey } from './key-rows'
import { deleteKey, setDisabled } from './keys'
import { secretHint } from './secrets'

/** Leaked secrets: which key a found secret belongs to (by its SHA-256, never the secret), and acting on those keys. */

export interface KeyBySecret {
  keyId: string
  name: string
  status: Exclude<LeakStatus, 'unknown'>
  /** The hint stored with that secret; null for a deleted key (tombstones keep no hint). */
  hint: string | null
}

/** A live secret's row and its key's, as both engines read it. */
export interface SecretRow {
  id: string
  name: string
  hint: string
  disabled: number
  expires_at: number | null
  retires_at: number | null
}

/**
 * Secret hashes → the keys they belong to, live or deleted. A hash of no key (never issued here)
 * is absent from the map. Keys are the hashes in hex.
 */
export function keysBySecretHash(core: Core, hashes: readonly Buffer[]): Map<string, KeyBySecret> {
  const now = core.clock()
  const live = core.store.sql(
    `SELECT k.id, k.name, s.hint, k.disabled, k.expires_at, s.retires_at
     FROM key_secrets s JOIN api_keys k ON k.pk = s.key_pk WHERE s.secret_hash = ?`
  )
  const dead = core.store.sql('SELECT key_id, name FROM key_tombstones WHERE secret_hash = ?')
  const out = new Map<string, KeyBySecret>()
  for (const hash of hashes) {
    const hex = hash.toString('hex')
    if (out.has(hex)) continue
    const row = live.get(hash) as SecretRow | undefined
    if (row) {
      out.set(hex, { keyId: row.id, name: row.name, status: secretStatus(row, now), hint: row.hint })
      continue
    }
    const tomb = dead.get(hash) as { key_id: string; name: string } | undefined
    if (tomb) out.set(hex, { keyId: tomb.key_id, name: tomb.name, status: 'deleted', hint: null })
  }
  return out
}

/** A rotated-out secret past its grace window no longer verifies, whatever its key's state. */
export function secretStatus(row: SecretRow, now: number): KeyBySecret['status'] {
  if (row.retires_at !== null && row.retires_at <= now) return 'retired'
  if (row.disabled) return 'disabled'
  if (row.expires_at !== null && row.expires_at <= now) return 'expired'
  return 'active'
}

const REASON_PLACES = 5
const SECRET_IN_TEXT = /kwa?_[0-9A-Za-z]{49}/g

/** "leaked: FILE:LINE[, FILE:LINE…] (and N more)"; a secret in a file name is cut to its hint. */
export function leakReason(places: readonly { file: string; line: number }[]): string {
  const shown = places.slice(0, REASON_PLACES).map((p) => `${p.file.replace(SECRET_IN_TEXT, secretHint)}:${p.line}`)
  const more = places.length - shown.length
  return `leaked: ${shown.join(', ')}${more > 0 ? ` (and ${more} more)` : ''}`
}

/** The findings by key id, in the order first named: each key's places, for its reason. */
export function leakPlaces(v: ParsedInput<'scan.act'>): Map<string, { file: string; line: number }[]> {
  const places = new Map<string, { file: string; line: number }[]>()
  for (const f of v.findings) {
    const list = places.get(f.keyId) ?? []
    list.push({ file: f.file, line: f.line })
    places.set(f.keyId, list)
  }
  return places
}

/**
 * Disables or deletes every key named by the findings, in ONE transaction: a key that is gone
 * refuses the lot and nothing changes. Each change is audited by the usual key.disable /
 * key.delete entry with `reason: "leaked: FILE:LINE"`. A key already disabled is left as it is.
 */
export function actOnLeaks(core: Core, v: ParsedInput<'scan.act'>, actor: string): ScanActResult {
  const places = leakPlaces(v)
  return core.store.write(() => {
    const keys: ScanActResult['keys'] = []
    for (const [keyId, found] of places) {
      const before = resolveKey(core, keyId)
      const reason = leakReason(found)
      if (v.action === 'disable') {
        setDisabled(core, { key: before.id }, actor, true, reason)
        keys.push({ id: before.id, name: before.name, changed: before.status !== 'disabled' })
      } else {
        deleteKey(core, { key: before.id }, actor, reason)
        keys.push({ id: before.id, name: before.name, changed: true })
      }
    }
    return { action: v.action, keys }
  })
}

/** scan.lookup: the keys behind hex SHA-256 hashes, as items (both engines answer through this). */
export function lookupItems(hashes: readonly string[], found: Map<string, KeyBySecret>): { items: ScanLookupItem[] } {
  const items: ScanLookupItem[] = []
  for (const hash of new Set(hashes)) {
    const key = found.get(hash)
    if (key) items.push({ hash, ...key })
  }
  return { items }
}
