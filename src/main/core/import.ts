import { createHash } from 'node:crypto'
import { parse } from 'csv-parse/sync'
import type { z } from 'zod'
import type { ParsedInput } from '../../shared/contract'
import {
  AppId,
  DepartmentName,
  Environment,
  ExpiresAt,
  Justification,
  KeyKind,
  KeyName,
  Notes,
  NotifyEmail,
  ProjectName,
  Requestor,
  type ImportedKey,
  type KeyImportProblem,
  type KeyImportResult
} from '../../shared/schemas'
import type { KeyKind as Kind } from '../../shared/types'
import { iso } from './clock'
import { newId, type Core } from './context'
import { KEY_CSV_COLUMNS, KEY_EXPORT_FORMAT } from './export'
import type { AuditRecord } from './audit'
import { generateSecret, hashSecret, secretHint, type RandomBytes } from './secrets'

/**
 * Keys into the registry from CSV or JSON text (keys.import):
 *  - the format `keys export` writes; with `--with-hashes`, each key's Keyward secret hashes are
 *    kept as they are, so its old secrets keep verifying;
 *  - another system's rows: a name, `sha256` (hex of SHA-256 of that system's secret) and a hint;
 *    such a hash is stored as format 'sha256', the only kind that lets a secret without the kw_
 *    format verify (verify.ts);
 *  - a row without a hash is a new key: its secret is generated as createKey does and returned once.
 *
 * Every row is checked before anything is written, and every problem is reported as {row, field,
 * message}. Then the rows are written in chunks of at most ~200 ms each (so no transaction holds
 * the write lock for long: issue 9), with prepared statements and no re-reads. All or nothing for
 * the user: if a chunk fails (say another process took a name meanwhile), the chunks already
 * committed are deleted again in one transaction, with an audit entry saying so.
 *
 * Key-created email alerts are not sent for imported keys (a migration of 100,000 keys must not
 * mail 100,000 owners); notifyEmail is kept for later alerts.
 */

/** Columns (CSV) and fields (JSON) an import reads. Export's columns, plus secretHashes and sha256. */
export const KEY_IMPORT_COLUMNS = [...KEY_CSV_COLUMNS, 'secretHashes', 'sha256'] as const
type Column = (typeof KEY_IMPORT_COLUMNS)[number]
const KNOWN = new Set<string>(KEY_IMPORT_COLUMNS)

/**
 * The budget of one write transaction (ms); the clock is checked every `checkEvery` rows, so a
 * chunk is at least that many rows. Tests set `ms` to 0 to get chunks of exactly `checkEvery` rows.
 */
export const importChunking = { ms: 200, checkEvery: 64 }

const SHA256_HEX = /^[0-9a-fA-F]{64}$/
const KEYWARD_HINT = /^kwa?_[0-9A-Za-z]{4}…[0-9A-Za-z]{4}$/
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/
const FOREIGN_HINT_DEFAULT = 'imported (sha256)'

type Source = ImportedKey['source']

export interface SecretHash {
  hash: Buffer
  hint: string
  retiresAt: number | null
}

/** One row, checked: everything the write needs, nothing read again. */
export interface PlannedKey {
  row: number
  name: string
  kind: Kind
  source: Source
  hint: string
  disabled: 0 | 1
  department: string | null
  project: string | null
  environment: string | null
  requestor: string | null
  appId: string | null
  justification: string | null
  notes: string | null
  notifyEmail: string | null
  createdAt: number | null
  expiresAt: number | null
  lastUsedAt: number | null
  resources: { id: string; model: string; type: string }[]
  hashes: SecretHash[]
}

type RawRow = Partial<Record<Column, unknown>>

/**
 * An import checked and ready to write: `step()` writes the next chunk (one transaction of about
 * importChunking.ms) and says whether more remain; a host may let other work run between steps
 * and report `done`/`total`. If a step fails, `fail(error)` removes the keys the earlier chunks
 * wrote (nothing half-imported remains) and answers the error to throw.
 */
export interface ImportRun {
  readonly total: number
  readonly done: number
  readonly finished: boolean
  step(): boolean
  result(): KeyImportResult
  fail(error: unknown): unknown
}

/** The whole import at once (the CLI, the admin API, in-process callers). */
export function importKeys(core: Core, v: ParsedInput<'keys.import'>, actor: string): KeyImportResult {
  const run = startImport(core, v, actor)
  try {
    while (run.step());
  } catch (error) {
    throw run.fail(error)
  }
  return run.result()
}

/** What importInTurns needs of a registry (Registry.startImport). */
export interface ImportStarter {
  startImport(input: ParsedInput<'keys.import'>, actor: string): ImportRun
}

/**
 * A host's keys.import: checked at once, then written a chunk per turn of the event loop, so a
 * server answers requests (and an app's window repaints) in between. `runChunk` runs one step (the
 * server passes it through its write queue, which retries a chunk that found the lock taken);
 * `onProgress` hears keys written so far after each chunk.
 */
export function importInTurns(
  registry: ImportStarter,
  options: {
    onProgress?: (progress: { done: number; total: number }) => void
    runChunk?: (step: () => boolean) => unknown
  } = {}
): (input: ParsedInput<'keys.import'>, ctx: { actor: string }) => Promise<KeyImportResult> {
  const runChunk = options.runChunk ?? ((step: () => boolean) => step())
  return async (input, ctx) => {
    const run = registry.startImport(input, ctx.actor)
    try {
      if (!run.finished) options.onProgress?.({ done: 0, total: run.total })
      while (!run.finished) {
        await new Promise<void>((resolve) => setImmediate(resolve))
        await runChunk(() => run.step())
        options.onProgress?.({ done: run.done, total: run.total })
      }
    } catch (error) {
      throw run.fail(error)
    }
    return run.result()
  }
}

/** Reads and checks every row (writing nothing); a refused or dry-run import is finished at once. */
export function startImport(core: Core, v: ParsedInput<'keys.import'>, actor: string): ImportRun {
  const now = core.clock()
  // Reads of one snapshot: names, hashes, resources as they are now.
  let plan: ImportPlan | undefined
  core.store.batch(() => {
    plan = planImport(v, now, core.store.sql('SELECT id, model, type FROM resources').all() as ImportResource[])
    addClashes(plan, {
      names: core.store
        .pluck(`SELECT k.name FROM json_each(?) j JOIN api_keys k ON k.name = j.value COLLATE NOCASE`)
        .all(JSON.stringify(plan.planned.map((p) => p.name))) as string[],
      ...hashesFound(plan, (table, list) =>
        plan!.hashes.size === 0
          ? []
          : (core.store
              .pluck(
                `SELECT lower(hex(secret_hash)) FROM ${table} WHERE secret_hash IN (SELECT unhex(value) FROM json_each(?))`
              )
              .all(JSON.stringify(list)) as string[])
      )
    })
  })
  const { errors } = plan!
  const usable = usableRows(v, plan!)
  const result = (keys: ImportedKey[]): KeyImportResult => importResult(v, errors, keys)
  const finished = (keys: ImportedKey[]): ImportRun => ({
    total: keys.length,
    done: keys.length,
    finished: true,
    step: () => false,
    result: () => result(keys),
    fail: (error) => error
  })
  if (usable === undefined) return finished([])
  if (v.dryRun) return finished(dryRunKeys(usable))
  const writer = keyWriter(core, usable, actor)
  return {
    total: usable.length,
    get done() {
      return writer.done.length
    },
    get finished() {
      return writer.done.length === usable.length
    },
    step: () => writer.step(),
    result: () => result(writer.done),
    fail: (error) => {
      writer.undo()
      return error
    }
  }
}

// ── Shared by both engines (pg/import.ts) ──

/** A resource as the rows may name it (by id, or MODEL:TYPE). */
export interface ImportResource {
  id: string
  model: string
  type: string
}

/** The file read and every row checked on its own (no registry reads but the resources given). */
export interface ImportPlan {
  errors: KeyImportProblem[]
  planned: PlannedKey[]
  /** Every secret hash in the file (hex) → the row that holds it. */
  hashes: Map<string, number>
}

/** What the registry already holds of the file's names and secret hashes (hex, lowercase). */
export interface ImportClashes {
  names: string[]
  liveHashes: string[]
  tombstoneHashes: string[]
}

export function planImport(
  v: ParsedInput<'keys.import'>,
  now: number,
  resources: readonly ImportResource[]
): ImportPlan {
  const errors: KeyImportProblem[] = []
  const rows = v.format === 'csv' ? csvRows(v.text, errors) : jsonRows(v.text, errors)
  const { planned, hashes } = checkRows(rows, now, resourceIndex(resources), errors)
  return { errors, planned, hashes }
}

/** Asks `find(table, hexes)` for the hashes of the file found in key_secrets and key_tombstones. */
export function hashesFound(
  plan: ImportPlan,
  find: (table: 'key_secrets' | 'key_tombstones', hexes: string[]) => string[]
): Pick<ImportClashes, 'liveHashes' | 'tombstoneHashes'> {
  const list = [...plan.hashes.keys()]
  return { liveHashes: find('key_secrets', list), tombstoneHashes: find('key_tombstones', list) }
}

/** The problems of names and secrets the registry already has; then every problem in row order. */
export function addClashes(plan: ImportPlan, clashes: ImportClashes): void {
  const { errors, planned, hashes } = plan
  const rowOfName = new Map(planned.map((p) => [p.name.toLowerCase(), p]))
  for (const name of clashes.names) {
    const p = rowOfName.get(name.toLowerCase())
    if (p)
      problem(
        errors,
        p.row,
        'name',
        `A key named "${name}" already exists in this registry: rename the row or the key.`
      )
  }
  if (hashes.size > 0) {
    // A live key's secret, or a deleted key's (its tombstone keeps it REVOKED).
    for (const [found, message] of [
      [clashes.liveHashes, 'This secret already belongs to a key in this registry.'],
      [
        clashes.tombstoneHashes,
        'This secret belonged to a key deleted from this registry (it verifies as REVOKED): it cannot be imported again.'
      ]
    ] as const) {
      for (const hex of found) problem(errors, hashes.get(hex)!, hashField(planned, hashes.get(hex)!), message)
    }
  }
  errors.sort((a, b) => a.row - b.row)
}

/** The rows to write; undefined when the import is refused (any problem, or a file-level one even with skipInvalid). */
export function usableRows(v: ParsedInput<'keys.import'>, plan: ImportPlan): PlannedKey[] | undefined {
  const refused = plan.errors.length > 0 && !v.skipInvalid
  const bad = new Set(plan.errors.map((e) => e.row))
  if (refused || bad.has(0)) return undefined
  return plan.planned.filter((p) => !bad.has(p.row))
}

export function importResult(
  v: ParsedInput<'keys.import'>,
  errors: KeyImportProblem[],
  keys: ImportedKey[]
): KeyImportResult {
  return {
    created: keys.filter((k) => k.source === 'new').length,
    imported: keys.filter((k) => k.source !== 'new').length,
    errors,
    dryRun: v.dryRun,
    keys
  }
}

export function dryRunKeys(usable: readonly PlannedKey[]): ImportedKey[] {
  return usable.map((p) => ({ row: p.row, id: '', name: p.name, hint: p.hint, source: p.source }))
}

/** A row's id, then (a new key) its secret, drawn in that order from `randomBytes` on both engines. */
export function importedKeyMaterial(
  p: PlannedKey,
  randomBytes: RandomBytes
): { id: string; secret?: string; hint: string; hashes: SecretHash[] } {
  const id = newId({ randomBytes }, 'k_')
  if (p.source !== 'new') return { id, hint: p.hint, hashes: p.hashes }
  const secret = generateSecret(p.kind, randomBytes)
  const hint = secretHint(secret)
  return { id, secret, hint, hashes: [{ hash: hashSecret(secret), hint, retiresAt: null }] }
}

/**
 * An imported key's api_keys values, in the column order both engines' INSERT lists: id, name,
 * kind, hint, disabled, department and project ids, environment, requestor, app id,
 * justification, notes, notify email, created by, created at, updated at, expires at, last used at.
 */
export function importedKeyValues(
  p: PlannedKey,
  id: string,
  hint: string,
  entity: { department: number | null; project: number | null },
  actor: string,
  now: number
): unknown[] {
  return [
    id,
    p.name,
    p.kind,
    hint,
    p.disabled,
    entity.department,
    entity.project,
    p.environment,
    p.requestor,
    p.appId,
    p.justification,
    p.notes,
    p.notifyEmail,
    actor,
    p.createdAt ?? now,
    now,
    p.expiresAt,
    p.lastUsedAt
  ]
}

/** The key.create entry of an imported key (never a secret). */
export function importAuditRecord(p: PlannedKey, id: string, hint: string, actor: string): AuditRecord {
  return {
    actor,
    action: 'key.create',
    targetId: id,
    targetName: p.name,
    details: {
      imported: p.source,
      kind: p.kind,
      hint,
      name: p.name,
      department: p.department,
      project: p.project,
      environment: p.environment,
      requestor: p.requestor,
      appId: p.appId,
      justification: p.justification,
      notes: p.notes,
      notifyEmail: p.notifyEmail,
      expiresAt: iso(p.expiresAt),
      resources: p.resources.map((r) => `${r.model}:${r.type}`)
    }
  }
}

// ── Reading the file ──

function problem(errors: KeyImportProblem[], row: number, field: string, message: string): void {
  errors.push({ row, field, message })
}

/** A cell written by `keys export` (a leading apostrophe neutralises a formula) back to its value; a bare formula is refused. */
function csvValue(cell: string, row: number, field: string, errors: KeyImportProblem[]): string {
  if (/^'[=+\-@\t\r]/.test(cell)) return cell.slice(1)
  if (/^[=+\-@\t\r]/.test(cell)) {
    problem(
      errors,
      row,
      field,
      `Starts with "${cell[0] === '\t' ? 'tab' : cell[0] === '\r' ? 'carriage return' : cell[0]}", which a spreadsheet runs as a formula. If it is meant as text, start it with an apostrophe (').`
    )
    return ''
  }
  return cell
}

function csvRows(text: string, errors: KeyImportProblem[]): { row: number; raw: RawRow }[] {
  let records: string[][]
  try {
    records = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][]
  } catch (error) {
    // The parser's own message may quote the file's content (a hash, a misplaced secret): only its code and line.
    const e = error as { code?: unknown; lines?: unknown }
    const code = typeof e.code === 'string' ? e.code.replace(/^CSV_/, '').toLowerCase().replace(/_/g, ' ') : 'malformed'
    problem(
      errors,
      0,
      'file',
      `Not readable as CSV (${code}${typeof e.lines === 'number' ? ` near line ${e.lines}` : ''}): check the quotes and separators.`
    )
    return []
  }
  const header = records[0]
  if (!header) {
    problem(errors, 0, 'file', 'The file is empty: it needs a header row (name, …) and one row per key.')
    return []
  }
  const columns = header.map((h) => h.trim())
  const unknown = columns.filter((c) => !KNOWN.has(c))
  for (const c of unknown)
    problem(
      errors,
      0,
      c || '(empty)',
      `Unknown column "${c}": use ${KEY_IMPORT_COLUMNS.join(', ')} (name is required).`
    )
  const seen = new Set<string>()
  for (const c of columns) {
    if (seen.has(c)) problem(errors, 0, c, `Column "${c}" appears twice: keep one.`)
    seen.add(c)
  }
  if (!columns.includes('name')) problem(errors, 0, 'name', 'The header has no "name" column: every key needs a name.')
  if (errors.length > 0) return []
  const out: { row: number; raw: RawRow }[] = []
  for (let i = 1; i < records.length; i++) {
    const cells = records[i]!
    if (cells.length !== columns.length) {
      problem(errors, i, 'file', `Has ${cells.length} cells; the header has ${columns.length}.`)
      continue
    }
    const raw: RawRow = {}
    for (let c = 0; c < columns.length; c++) {
      const cell = cells[c]!
      if (cell !== '') raw[columns[c] as Column] = csvValue(cell, i, columns[c]!, errors)
    }
    out.push({ row: i, raw })
  }
  return out
}

function jsonRows(text: string, errors: KeyImportProblem[]): { row: number; raw: RawRow }[] {
  let doc: unknown
  try {
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
  } catch (error) {
    // V8's message quotes the text around the fault: only the position.
    const at = /position (\d+)/.exec((error as Error).message)?.[1]
    problem(
      errors,
      0,
      'file',
      `Not readable as JSON${at ? ` (at character ${at})` : ''}: check the file is complete JSON.`
    )
    return []
  }
  let keys: unknown = doc
  if (doc !== null && typeof doc === 'object' && !Array.isArray(doc)) {
    const head = doc as { format?: unknown; keys?: unknown }
    if (head.format !== undefined && head.format !== KEY_EXPORT_FORMAT) {
      problem(
        errors,
        0,
        'format',
        `Format "${String(head.format)}" is not one Keyward reads: use ${KEY_EXPORT_FORMAT}.`
      )
      return []
    }
    keys = head.keys
  }
  if (!Array.isArray(keys)) {
    problem(errors, 0, 'file', 'Give a list of keys: {"keys": [...]} as keys export writes it, or a bare [...].')
    return []
  }
  const out: { row: number; raw: RawRow }[] = []
  keys.forEach((k: unknown, i) => {
    const row = i + 1
    if (k === null || typeof k !== 'object' || Array.isArray(k)) {
      problem(errors, row, 'file', 'Each key must be an object, e.g. {"name": "Billing", "sha256": "…"}.')
      return
    }
    const raw: RawRow = {}
    for (const [field, value] of Object.entries(k)) {
      if (!KNOWN.has(field)) {
        problem(errors, row, field, `Unknown field "${field}": use ${KEY_IMPORT_COLUMNS.join(', ')}.`)
        continue
      }
      // null, '' and [] are "no value", as an empty CSV cell is.
      if (value !== null && value !== '' && !(Array.isArray(value) && value.length === 0)) raw[field as Column] = value
    }
    out.push({ row, raw })
  })
  return out
}

// ── Checking every row ──

function dateOf(value: unknown): number | null | undefined {
  if (typeof value !== 'string') return undefined
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T23:59:59.999Z`) : Date.parse(value)
  return Number.isNaN(ms) ? undefined : ms
}

function checkRows(
  rows: { row: number; raw: RawRow }[],
  now: number,
  resources: ResourceIndex,
  errors: KeyImportProblem[]
): { planned: PlannedKey[]; hashes: Map<string, number> } {
  const planned: PlannedKey[] = []
  const names = new Map<string, number>()
  const hashes = new Map<string, number>()
  for (const { row, raw } of rows) {
    const p = checkRow(raw, row, now, resources, errors)
    if (!p) continue
    const lower = p.name.toLowerCase()
    const first = names.get(lower)
    if (first !== undefined)
      problem(errors, row, 'name', `"${p.name}" is also the name in row ${first}: names are unique, ignoring case.`)
    else names.set(lower, row)
    for (const h of p.hashes) {
      const hex = h.hash.toString('hex')
      const other = hashes.get(hex)
      if (other !== undefined)
        problem(
          errors,
          row,
          p.source === 'sha256' ? 'sha256' : 'secretHashes',
          `The same secret hash is also in row ${other}: a secret belongs to one key.`
        )
      else hashes.set(hex, row)
    }
    planned.push(p)
  }
  return { planned, hashes }
}

function hashField(planned: PlannedKey[], row: number): string {
  return planned.find((p) => p.row === row)?.source === 'sha256' ? 'sha256' : 'secretHashes'
}

type ResourceIndex = Map<string, { id: string; model: string; type: string }>

function resourceIndex(rows: readonly ImportResource[]): ResourceIndex {
  const index: ResourceIndex = new Map()
  for (const r of rows) {
    index.set(r.id, r)
    index.set(`${r.model}:${r.type}`, r)
  }
  return index
}

/** A field through its contract schema: the parsed value, or undefined with the schema's message reported. */
function checked<S extends z.ZodType>(
  schema: S,
  value: unknown,
  row: number,
  field: string,
  errors: KeyImportProblem[]
): z.output<S> | undefined {
  const r = schema.safeParse(value)
  if (r.success) return r.data
  problem(errors, row, field, r.error.issues[0]?.message ?? 'Invalid value.')
  return undefined
}

/** Optional text: the common case (a plain, short, single-line string) without a schema call. */
function text<S extends z.ZodType>(
  schema: S,
  value: unknown,
  row: number,
  field: string,
  errors: KeyImportProblem[]
): string | null {
  if (value === undefined) return null
  if (
    typeof value === 'string' &&
    value.length <= 100 &&
    value === value.trim() &&
    !CONTROL.test(value) &&
    field !== 'notifyEmail'
  )
    return value
  return (checked(schema, value, row, field, errors) as string | null | undefined) ?? null
}

function checkRow(
  raw: RawRow,
  row: number,
  now: number,
  resources: ResourceIndex,
  errors: KeyImportProblem[]
): PlannedKey | undefined {
  const before = errors.length
  const name =
    typeof raw.name === 'string' && /^[A-Za-z0-9]{1,64}$/.test(raw.name)
      ? raw.name
      : checked(KeyName, raw.name, row, 'name', errors)
  const kind: Kind =
    raw.kind === undefined ? 'standard' : (checked(KeyKind, raw.kind, row, 'kind', errors) ?? 'standard')

  let disabled: 0 | 1 = 0
  if (raw.status !== undefined) {
    if (raw.status === 'disabled') disabled = 1
    else if (raw.status !== 'active' && raw.status !== 'expired')
      problem(errors, row, 'status', 'Status must be active, disabled or expired.')
  }

  // Secrets: Keyward hashes (secretHashes), another system's (sha256), or none (a new key).
  let source: Source = 'new'
  const hashes: SecretHash[] = []
  let hint = typeof raw.hint === 'string' ? raw.hint : ''
  if (raw.hint !== undefined && typeof raw.hint !== 'string') problem(errors, row, 'hint', 'Hint must be text.')
  if (raw.secretHashes !== undefined && raw.sha256 !== undefined) {
    problem(errors, row, 'sha256', 'Give secretHashes (a Keyward export) or sha256 (another system), not both.')
  } else if (raw.secretHashes !== undefined) {
    source = 'keyward'
    if (!KEYWARD_HINT.test(hint)) {
      problem(
        errors,
        row,
        'hint',
        'A key with Keyward secret hashes needs its Keyward hint (like kw_AbCd…WxYz), as keys export writes it.'
      )
    }
    for (const h of keywardHashes(raw.secretHashes, hint, row, errors)) hashes.push(h)
  } else if (raw.sha256 !== undefined) {
    source = 'sha256'
    if (typeof raw.sha256 !== 'string' || !SHA256_HEX.test(raw.sha256)) {
      problem(errors, row, 'sha256', 'sha256 must be the 64 hex digits of the SHA-256 of the secret.')
    } else {
      const hash = Buffer.from(raw.sha256, 'hex')
      if (hint === '') hint = FOREIGN_HINT_DEFAULT
      else if (hint.length > 64 || CONTROL.test(hint))
        problem(errors, row, 'hint', 'Hint must be one line of at most 64 characters.')
      else if (createHash('sha256').update(hint, 'utf8').digest().equals(hash))
        problem(errors, row, 'hint', 'The hint is the whole secret: give only a few characters of it (e.g. sk-…AbCd).')
      hashes.push({ hash, hint, retiresAt: null })
    }
    if (kind === 'admin')
      problem(
        errors,
        row,
        'kind',
        "A key imported by another system's hash must be a standard key: administrator keys need a kwa_ secret."
      )
  }

  const refs = resourceRefs(raw.resources, row, errors)
  const held: PlannedKey['resources'] = []
  const byModel = new Map<string, string>()
  for (const ref of refs) {
    const at = ref.lastIndexOf(':')
    const r =
      resources.get(ref) ??
      (at > 0 ? resources.get(`${ref.slice(0, at)}:${ref.slice(at + 1).toUpperCase()}`) : undefined)
    if (!r) {
      problem(
        errors,
        row,
        'resources',
        `No resource ${ref} in this registry: add it first (keyward resources add) or remove it from the row.`
      )
      continue
    }
    const other = byModel.get(r.model)
    if (other !== undefined && other !== r.type) {
      problem(
        errors,
        row,
        'resources',
        `Cannot hold ${r.model} under both ${other} and ${r.type}: a key may use a model under one resource type only.`
      )
      continue
    }
    if (other === undefined) {
      byModel.set(r.model, r.type)
      held.push(r)
    }
  }
  if (kind === 'admin' && held.length > 0)
    problem(errors, row, 'resources', 'Administrator keys take no resources: remove them or make the key standard.')

  let expiresAt: number | null = null
  if (raw.expiresAt !== undefined) {
    const ok = checked(ExpiresAt, raw.expiresAt, row, 'expiresAt', errors)
    if (ok != null) {
      expiresAt = dateOf(ok) ?? null
      // A new key born expired is of no use; a key kept by hash keeps its date, even a past one.
      if (source === 'new' && expiresAt !== null && expiresAt <= now)
        problem(errors, row, 'expiresAt', `Expires must be in the future for a new key (it is now ${iso(now)}).`)
    }
  }
  const pastDate = (field: 'createdAt' | 'lastUsedAt'): number | null => {
    const value = raw[field]
    if (value === undefined) return null
    const ms = dateOf(value)
    if (ms === undefined || ms === null) {
      problem(errors, row, field, `${field} must be a date like 2026-01-31T12:00:00.000Z.`)
      return null
    }
    if (ms > now) {
      problem(errors, row, field, `${field} is in the future (it is now ${iso(now)}).`)
      return null
    }
    return ms
  }
  const createdAt = pastDate('createdAt')
  const lastUsedAt = pastDate('lastUsedAt')

  const planned: PlannedKey = {
    row,
    name: (name as string | undefined) ?? '',
    kind,
    source,
    hint,
    disabled,
    department: text(DepartmentName, raw.department, row, 'department', errors),
    project: text(ProjectName, raw.project, row, 'project', errors),
    environment: text(Environment, raw.environment, row, 'environment', errors),
    requestor: text(Requestor, raw.requestor, row, 'requestor', errors),
    appId:
      raw.appId === undefined ? null : ((checked(AppId, raw.appId, row, 'appId', errors) as string | null) ?? null),
    justification: text(Justification, raw.justification, row, 'justification', errors),
    notes: text(Notes, raw.notes, row, 'notes', errors),
    notifyEmail: text(NotifyEmail, raw.notifyEmail, row, 'notifyEmail', errors),
    createdAt,
    expiresAt,
    lastUsedAt,
    resources: held,
    hashes
  }
  // A row whose name is unusable cannot take part in the name checks; the rest are reported already.
  return errors.length === before || name !== undefined ? planned : undefined
}

function resourceRefs(value: unknown, row: number, errors: KeyImportProblem[]): string[] {
  if (value === undefined) return []
  // CSV: "gpt-4o:TPM;claude:PYG"; JSON: ["gpt-4o:TPM"] or the resources keys export writes ({model, type, …}).
  if (typeof value === 'string')
    return value
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean)
  if (Array.isArray(value)) {
    const refs: string[] = []
    for (const r of value) {
      if (typeof r === 'string') refs.push(r.trim())
      else if (r && typeof r === 'object' && typeof r.model === 'string' && typeof r.type === 'string')
        refs.push(`${r.model}:${r.type}`)
      else problem(errors, row, 'resources', 'Each resource is MODEL:TYPE (e.g. gpt-4o:TPM) or {"model", "type"}.')
    }
    return refs
  }
  problem(errors, row, 'resources', 'Resources must be MODEL:TYPE entries separated by ";" (CSV) or a list (JSON).')
  return []
}

/** CSV: "SHA256;SHA256@RETIRES_AT"; JSON: [{sha256, hint, retiresAt}], as keys export --with-hashes writes them. */
function keywardHashes(value: unknown, keyHint: string, row: number, errors: KeyImportProblem[]): SecretHash[] {
  const entries: { sha256: unknown; hint: unknown; retiresAt: unknown }[] = []
  if (typeof value === 'string') {
    for (const part of value.split(';')) {
      const at = part.indexOf('@')
      entries.push(
        at < 0
          ? { sha256: part.trim(), hint: undefined, retiresAt: null }
          : { sha256: part.slice(0, at).trim(), hint: undefined, retiresAt: part.slice(at + 1).trim() }
      )
    }
  } else if (Array.isArray(value)) {
    for (const h of value)
      entries.push(h && typeof h === 'object' ? h : { sha256: h, hint: undefined, retiresAt: null })
  } else {
    problem(errors, row, 'secretHashes', 'secretHashes must be as keys export --with-hashes writes them.')
    return []
  }
  const out: SecretHash[] = []
  for (const e of entries) {
    if (typeof e.sha256 !== 'string' || !SHA256_HEX.test(e.sha256)) {
      problem(
        errors,
        row,
        'secretHashes',
        'Each secret hash must be 64 hex digits (SHA-256), as keys export --with-hashes writes it.'
      )
      continue
    }
    let retiresAt: number | null = null
    if (e.retiresAt != null) {
      const ms = dateOf(e.retiresAt)
      if (ms == null) {
        problem(
          errors,
          row,
          'secretHashes',
          `The retirement date after "@" must be a date like 2026-01-31T12:00:00.000Z.`
        )
        continue
      }
      retiresAt = ms
    }
    const hint = typeof e.hint === 'string' && KEYWARD_HINT.test(e.hint) ? e.hint : keyHint
    out.push({ hash: Buffer.from(e.sha256, 'hex'), hint, retiresAt })
  }
  if (entries.length === 0) problem(errors, row, 'secretHashes', 'No secret hash given.')
  return out
}

// ── Writing ──

function keyWriter(
  core: Core,
  planned: PlannedKey[],
  actor: string
): { done: ImportedKey[]; step(): boolean; undo(): void } {
  const { store } = core
  const insertKey = store.sql(
    `INSERT INTO api_keys (id, name, kind, hint, disabled, department_id, project_id, environment, requestor, app_id,
       justification, notes, notify_email, created_by, created_at, updated_at, expires_at, last_used_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
  )
  const insertSecret = store.sql(
    'INSERT INTO key_secrets (key_pk, secret_hash, hint, created_at, retires_at, format) VALUES (?, ?, ?, ?, ?, ?)'
  )
  const insertAssignment = store.sql('INSERT INTO key_resources (key_pk, resource_id, model) VALUES (?, ?, ?)')
  const done: ImportedKey[] = []
  const committed: number[] = []
  let departments: Map<string, number> | undefined
  let projects: Map<string, number> | undefined
  let i = 0
  /** Writes the next chunk in one transaction; true while rows remain. */
  const step = (): boolean => {
    if (i >= planned.length) return false
    const chunk: number[] = []
    const made: ImportedKey[] = []
    store.write(() => {
      const now = core.clock()
      departments ??= entityMap(
        core,
        'departments',
        planned.map((p) => p.department)
      )
      projects ??= entityMap(
        core,
        'projects',
        planned.map((p) => p.project)
      )
      const started = performance.now()
      let j = i
      do {
        const p = planned[j]!
        const { id, secret, hint, hashes } = importedKeyMaterial(p, core.randomBytes)
        const pk = Number(
          insertKey.run(
            ...importedKeyValues(
              p,
              id,
              hint,
              {
                department: p.department === null ? null : departments.get(p.department.toLowerCase())!,
                project: p.project === null ? null : projects.get(p.project.toLowerCase())!
              },
              actor,
              now
            )
          ).lastInsertRowid
        )
        const format = p.source === 'sha256' ? 'sha256' : 'keyward'
        for (const h of hashes) insertSecret.run(pk, h.hash, h.hint, now, h.retiresAt, format)
        for (const r of p.resources) insertAssignment.run(pk, r.id, r.model)
        core.audit.append(now, importAuditRecord(p, id, hint, actor))
        chunk.push(pk)
        made.push({ row: p.row, id, name: p.name, hint, source: p.source, ...(secret ? { secret } : {}) })
        j++
      } while (
        j < planned.length &&
        ((j - i) % importChunking.checkEvery !== 0 || performance.now() - started < importChunking.ms)
      )
      i = j
    })
    committed.push(...chunk)
    done.push(...made)
    return i < planned.length
  }
  return {
    done,
    step,
    undo: () => {
      if (committed.length > 0) undo(core, committed, actor)
      committed.length = 0
      done.length = 0
    }
  }
}

/** Department or project names → ids, creating the missing ones (in the first chunk's transaction). */
function entityMap(core: Core, table: 'departments' | 'projects', names: (string | null)[]): Map<string, number> {
  const wanted = [...new Set(names.filter((n): n is string => n !== null))]
  const map = new Map<string, number>()
  const find = core.store.pluck(`SELECT id FROM ${table} WHERE name = ? COLLATE NOCASE`)
  const add = core.store.sql(`INSERT INTO ${table} (name) VALUES (?)`)
  for (const name of wanted) {
    const key = name.toLowerCase()
    if (map.has(key)) continue
    const found = find.get(name) as number | undefined
    map.set(key, found ?? Number(add.run(name).lastInsertRowid))
  }
  return map
}

/** A later chunk failed: the keys of the committed chunks go again, in one transaction, with one audit entry saying why. */
function undo(core: Core, pks: number[], actor: string): void {
  core.store.write(() => {
    core.store.sql('DELETE FROM api_keys WHERE pk IN (SELECT value FROM json_each(?))').run(JSON.stringify(pks))
    core.audit.append(core.clock(), {
      actor,
      action: 'keys.import.undone',
      targetId: null,
      targetName: null,
      details: { count: pks.length, reason: 'A later part of the import failed; the keys it had written were removed.' }
    })
  })
}
