import { stringify } from 'csv-stringify/sync'
import type { ParsedInput } from '../../shared/contract'
import type { ApiKey, UsageRow } from '../../shared/types'
import { iso } from './clock'
import type { AuditRecord } from './audit'
import type { Core } from './context'
import { buildKeyMatchQuery, resolveKeyFilter } from './key-query'
import { hydrate, keyRows } from './key-rows'

/**
 * Keys out of the registry as CSV or JSON, and usage reports as CSV.
 *
 * Never a secret. `withHashes` adds each key's live secret hashes (SHA-256, hex) for a migration to
 * another registry: whoever holds them can check guesses offline, so such an export says
 * `sensitive`, the CLI warns and writes it 0600, and each one is audited ("keys.export").
 *
 * CSV is for spreadsheets: a cell starting with =, +, -, @, tab or carriage return gets a leading
 * apostrophe (OWASP's CSV injection advice), always, so a spreadsheet shows text instead of running
 * a formula. JSON is the machine format and carries every value exactly.
 */
export const KEY_EXPORT_FORMAT = 'keyward-keys/1'

/** The CSV header, in column order; `secretHashes` only with hashes. */
export const KEY_CSV_COLUMNS = [
  'id',
  'name',
  'kind',
  'hint',
  'status',
  'department',
  'project',
  'environment',
  'requestor',
  'appId',
  'justification',
  'notes',
  'notifyEmail',
  'resources',
  'createdAt',
  'updatedAt',
  'expiresAt',
  'lastUsedAt'
] as const

export const USAGE_CSV_COLUMNS = [
  'bucket',
  'keyId',
  'keyName',
  'model',
  'requests',
  'promptTokens',
  'completionTokens',
  'totalTokens'
] as const satisfies readonly (keyof UsageRow)[]

/** A live secret of a key: the current one (retiresAt null) or a rotated one still in its grace window. */
export interface ExportedSecretHash {
  sha256: string
  hint: string
  retiresAt: string | null
}

export type ExportedKey = ApiKey & { secretHashes?: ExportedSecretHash[] }

export interface KeyExport {
  text: string
  count: number
  sensitive: boolean
}

/** Keys hydrated this many at a time: the text grows, but never an array of every key's document. */
export const KEY_EXPORT_CHUNK = 500

// The columns of key-rows.ts's KEY_SELECT, for one chunk of pks.
const CHUNK_SQL = `
  SELECT k.pk, k.id, k.name, k.kind, k.hint, k.disabled, d.name AS department, p.name AS project, k.environment,
         k.requestor, k.app_id, k.justification, k.notes, k.notify_email, k.created_at, k.updated_at,
         k.expires_at, k.last_used_at
  FROM api_keys k
  LEFT JOIN departments d ON d.id = k.department_id
  LEFT JOIN projects p ON p.id = k.project_id
  WHERE k.pk IN (SELECT value FROM json_each(@pks))`

const HASHES_SQL = `
  SELECT key_pk, lower(hex(secret_hash)) AS sha256, hint, retires_at FROM key_secrets
  WHERE key_pk IN (SELECT value FROM json_each(@pks)) AND (retires_at IS NULL OR retires_at > @now)
  ORDER BY key_pk, retires_at IS NOT NULL, id DESC`

/**
 * The keys `keys list` would select with the same filters (every page), as CSV or JSON. Read in one
 * transaction, so the export is one consistent snapshot; with hashes, that transaction also writes
 * its audit entry.
 */
export function exportKeys(core: Core, v: ParsedInput<'keys.export'>, actor: string): KeyExport {
  const run = (): KeyExport => {
    const now = core.clock()
    const filter = resolveKeyFilter(core, v.filters)
    let pks: number[] = []
    if (filter) {
      const query = buildKeyMatchQuery(filter, now)
      pks = core.store.pluck(query.sql).all(query.params) as number[]
    }
    const writer = keyExportWriter(v, now)
    for (let i = 0; i < pks.length; i += KEY_EXPORT_CHUNK)
      writer.add(chunk(core, pks.slice(i, i + KEY_EXPORT_CHUNK), v.withHashes, now))
    if (v.withHashes) core.audit.append(now, { actor, ...exportAuditRecord(v, pks.length) })
    return { text: writer.end(), count: pks.length, sensitive: v.withHashes }
  }
  if (v.withHashes) return core.store.write(run)
  let result: KeyExport | undefined
  core.store.batch(() => {
    result = run()
  })
  return result!
}

/** The entry a migration export (withHashes) writes, on either engine. */
export function exportAuditRecord(v: ParsedInput<'keys.export'>, count: number): Omit<AuditRecord, 'actor'> {
  return {
    action: 'keys.export',
    targetId: null,
    targetName: null,
    details: { withHashes: true, format: v.format, count, filters: v.filters }
  }
}

/** The export's text, written chunk by chunk of keys in export order, on either engine. */
export function keyExportWriter(v: ParsedInput<'keys.export'>, now: number): KeyExportWriter {
  return v.format === 'csv' ? csvWriter(v.withHashes) : jsonWriter(iso(now)!, v.withHashes)
}

/** A usage report's rows (as `usage.report` answers them) as CSV with a header, cells neutralised. */
export function usageCsv(rows: readonly UsageRow[]): string {
  return stringify(
    rows.map((r) => USAGE_CSV_COLUMNS.map((c) => csvCell(r[c]))),
    { header: true, columns: [...USAGE_CSV_COLUMNS], eof: true }
  )
}

/** A spreadsheet-safe cell: text that a spreadsheet would read as a formula gets a leading apostrophe. */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return ''
  const text = String(value)
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text
}

// ── Internals ──

function chunk(core: Core, pks: number[], withHashes: boolean, now: number): ExportedKey[] {
  const params = { pks: JSON.stringify(pks), now }
  const rows = keyRows(core, CHUNK_SQL, params)
  const byPk = new Map(rows.map((r) => [r.pk, r]))
  const ordered = pks.map((pk) => byPk.get(pk)!)
  const keys: ExportedKey[] = hydrate(core, ordered)
  if (!withHashes) return keys
  const hashes = new Map<number, ExportedSecretHash[]>()
  const found = core.store.sql(HASHES_SQL).all(params) as {
    key_pk: number
    sha256: string
    hint: string
    retires_at: number | null
  }[]
  for (const h of found) {
    const list = hashes.get(h.key_pk) ?? []
    list.push({ sha256: h.sha256, hint: h.hint, retiresAt: iso(h.retires_at) })
    hashes.set(h.key_pk, list)
  }
  return keys.map((k, i) => ({ ...k, secretHashes: hashes.get(pks[i]!) ?? [] }))
}

export interface KeyExportWriter {
  add(keys: ExportedKey[]): void
  end(): string
}
type Writer = KeyExportWriter

function csvWriter(withHashes: boolean): Writer {
  const columns = withHashes ? [...KEY_CSV_COLUMNS, 'secretHashes'] : [...KEY_CSV_COLUMNS]
  const parts = [stringify([], { header: true, columns, eof: true })]
  return {
    add(keys) {
      parts.push(
        stringify(
          keys.map((k) => csvRow(k, withHashes)),
          { eof: true }
        )
      )
    },
    end: () => parts.join('')
  }
}

function csvRow(k: ExportedKey, withHashes: boolean): string[] {
  const row = KEY_CSV_COLUMNS.map((c) =>
    csvCell(c === 'resources' ? k.resources.map((r) => `${r.model}:${r.type}`).join(';') : k[c])
  )
  // `SHA256` for the current secret, `SHA256@RETIRES_AT` for one in its grace window, `;` between.
  if (withHashes)
    row.push((k.secretHashes ?? []).map((h) => (h.retiresAt ? `${h.sha256}@${h.retiresAt}` : h.sha256)).join(';'))
  return row
}

function jsonWriter(exportedAt: string, withHashes: boolean): Writer {
  const head = { format: KEY_EXPORT_FORMAT, exportedAt, ...(withHashes ? { sensitive: true } : {}) }
  const parts: string[] = []
  return {
    add(keys) {
      for (const k of keys) parts.push(JSON.stringify(k))
    },
    // One key per line: a large export stays readable and diffable.
    end: () => `${JSON.stringify(head).slice(0, -1)},"keys":[${parts.length ? `\n${parts.join(',\n')}\n` : ''}]}\n`
  }
}
