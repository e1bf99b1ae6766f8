import { z } from 'zod'
import { ShowOnceKeyInput, type ClipboardOutcome } from './clipboard'
import type { ErrorPayload } from './errors'
import {
  ScanActInput,
  ScanLookupInput,
  ScanRunInput,
  type ScanActResult,
  type ScanLookupItem,
  type ScanReport
} from './scan'
import * as s from './schemas'
import type {
  ApiKey,
  AuditEntry,
  AuditVerifyResult,
  FlushResult,
  LocalServerStatus,
  OutboxItem,
  Page,
  Resource,
  SmtpSettings,
  Suggestions,
  TestEmailResult,
  TpmPool,
  UsageRow
} from './types'

/**
 * The one declaration of every operation a client can call. Main registers a handler per entry,
 * the preload builds its client from the names, the HTTP transports route by the same names, and
 * the renderer's types come from `Input<K>` / `Output<K>`. Adding an operation starts here.
 */
export interface OperationSpec<I extends z.ZodType, O> {
  input: I
  /** Phantom: carries the output type only. */
  readonly output?: O
  /** True when the result carries a secret (create, rotate): transports must not log or cache it. */
  secret?: boolean
  /** True when the operation changes the registry. */
  mutates: boolean
}

function op<O>() {
  return <I extends z.ZodType>(input: I, opts: { mutates: boolean; secret?: boolean }): OperationSpec<I, O> => ({
    input,
    ...opts
  })
}

/** A new key's secret, shown once. `clipboard` is filled by the desktop host only (see ./clipboard). */
export type NewSecret = { key: ApiKey; secret: string; clipboard?: ClipboardOutcome }

export const contract = {
  'keys.list': op<Page<ApiKey>>()(s.KeyListInput, { mutates: false }),
  'keys.get': op<{ key: ApiKey }>()(s.KeyRefInput, { mutates: false }),
  'keys.create': op<NewSecret>()(s.KeyCreateInput, { mutates: true, secret: true }),
  'keys.edit': op<{ key: ApiKey }>()(s.KeyEditInput, { mutates: true }),
  'keys.assign': op<{ key: ApiKey }>()(s.KeyResourcesInput, { mutates: true }),
  'keys.unassign': op<{ key: ApiKey }>()(s.KeyResourcesInput, { mutates: true }),
  'keys.setResources': op<{ key: ApiKey }>()(s.KeyResourcesInput, { mutates: true }),
  'keys.disable': op<{ key: ApiKey }>()(s.KeyRefInput, { mutates: true }),
  'keys.enable': op<{ key: ApiKey }>()(s.KeyRefInput, { mutates: true }),
  'keys.rotate': op<NewSecret>()(s.KeyRotateInput, { mutates: true, secret: true }),
  'keys.delete': op<{ deleted: { id: string; name: string } }>()(s.KeyRefInput, { mutates: true }),
  /** One action on every key a filter (or a list) selects, in one transaction, one audit entry per changed key. */
  'keys.bulk': op<s.KeyBulkResult>()(s.KeyBulkInput, { mutates: true }),
  /** The selected keys as CSV or JSON text, never a secret; `withHashes` adds secret hashes, is audited and marked sensitive. */
  'keys.export': op<{ text: string; count: number; sensitive: boolean }>()(s.KeyExportInput, { mutates: true }),
  /** Keys from CSV or JSON text, all checked first (row, field, message); new keys' secrets are in the result, once. */
  'keys.import': op<s.KeyImportResult>()(s.KeyImportInput, { mutates: true, secret: true }),
  'resources.list': op<{ items: Resource[] }>()(s.Empty, { mutates: false }),
  'resources.add': op<{ resource: Resource }>()(s.ResourceAddInput, { mutates: true }),
  'resources.edit': op<{ resource: Resource }>()(s.ResourceEditInput, { mutates: true }),
  'resources.remove': op<{ removed: Resource }>()(s.ResourceRefInput, { mutates: true }),
  'pool.get': op<TpmPool>()(s.Empty, { mutates: false }),
  'pool.set': op<TpmPool>()(s.PoolSetInput, { mutates: true }),
  'suggestions.get': op<Suggestions>()(s.Empty, { mutates: false }),
  'audit.list': op<Page<AuditEntry>>()(s.AuditListInput, { mutates: false }),
  'audit.verify': op<AuditVerifyResult>()(s.Empty, { mutates: false }),
  /** The whole audit log as JSON Lines with each entry's chain hash (what `keyward audit export` writes). */
  'audit.export': op<{ text: string; entries: number }>()(s.Empty, { mutates: false }),
  'usage.report': op<{ items: UsageRow[] }>()(s.UsageReportInput, { mutates: false }),
  'demo.load': op<{ resources: number; keys: number; departments: number; projects: number }>()(s.DemoLoadInput, {
    mutates: true
  }),
  'settings.get': op<s.AppSettings>()(s.Empty, { mutates: false }),
  'settings.set': op<s.AppSettings>()(s.AppSettingsPatch, { mutates: true }),
  /** The desktop app's local server: whether it is running, starting, failed (and why) or off. */
  'server.status': op<LocalServerStatus>()(s.Empty, { mutates: false }),
  'notify.settings.get': op<SmtpSettings>()(s.Empty, { mutates: false }),
  'notify.settings.set': op<SmtpSettings>()(s.SmtpSettingsInput, { mutates: true }),
  'notify.outbox': op<{ items: OutboxItem[] }>()(s.OutboxListInput, { mutates: false }),
  'notify.retry': op<{ item: OutboxItem }>()(s.OutboxIdInput, { mutates: true }),
  'notify.discard': op<{ discarded: OutboxItem }>()(s.OutboxIdInput, { mutates: true }),
  'notify.flush': op<FlushResult>()(s.Empty, { mutates: true }),
  'notify.test': op<TestEmailResult>()(s.TestEmailInput, { mutates: false }),
  /** The show-once dialog's Copy button: the desktop host copies the secret it still holds for that key (it never travels back). */
  'clipboard.copySecret': op<ClipboardOutcome>()(ShowOnceKeyInput, { mutates: false }),
  /** The show-once dialog closed: the desktop host forgets the secret it held for that key. */
  'clipboard.release': op<{ released: boolean }>()(ShowOnceKeyInput, { mutates: false }),
  /** The desktop app keeps (or forgets) a resource's provider key in this computer's keychain; it never travels back. */
  'resources.setUpstreamKey': op<{ resource: Resource }>()(s.UpstreamKeyInput, { mutates: true }),
  /** Files and folders on the host's machine searched for Keyward secrets (desktop app and CLI; refused over HTTP). */
  'scan.run': op<ScanReport>()(ScanRunInput, { mutates: false }),
  /** The desktop app's folder picker for a scan: the chosen folder, or null when cancelled. */
  'scan.pickFolder': op<{ path: string | null }>()(s.Empty, { mutates: false }),
  /** The keys that hold (or held) these secret hashes: a scan of files elsewhere, against this registry. */
  'scan.lookup': op<{ items: ScanLookupItem[] }>()(ScanLookupInput, { mutates: false }),
  /** Disables or deletes the keys a scan found, in one transaction, each audited as "leaked: FILE:LINE". */
  'scan.act': op<ScanActResult>()(ScanActInput, { mutates: true }),
  /** A screen's Export button: the desktop app asks where, then writes keys (CSV/JSON), the audit log (JSONL) or usage (CSV) there, 0600. */
  'files.export': op<s.FileExportResult>()(s.FileExportInput, { mutates: false }),
  /** File ▸ Import Keys…: the desktop app asks for a file and checks every row (nothing written). */
  'files.importPick': op<s.FileImportPreview>()(s.Empty, { mutates: false }),
  /** Imports the file the pick chose; new keys' secrets go to a file the user picks, never to the page. */
  'files.import': op<s.FileImportResult>()(s.FileImportInput, { mutates: true })
} as const

export type Contract = typeof contract
export type OperationName = keyof Contract
export type Input<K extends OperationName> = z.input<Contract[K]['input']>
export type ParsedInput<K extends OperationName> = z.output<Contract[K]['input']>
export type Output<K extends OperationName> = NonNullable<Contract[K]['output']>
export const OPERATION_NAMES = Object.keys(contract) as OperationName[]

/** Whether `name` is one of the contract's operations (and not, say, "constructor"). */
export function isOperationName(name: unknown): name is OperationName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(contract, name)
}

/** Operations answered by the registry core alone; the rest need a host (app settings, SMTP). */
export const CORE_OPERATIONS = [
  'keys.list',
  'keys.get',
  'keys.create',
  'keys.edit',
  'keys.assign',
  'keys.unassign',
  'keys.setResources',
  'keys.disable',
  'keys.enable',
  'keys.rotate',
  'keys.delete',
  'keys.bulk',
  'keys.export',
  'keys.import',
  'resources.list',
  'resources.add',
  'resources.edit',
  'resources.remove',
  'pool.get',
  'pool.set',
  'suggestions.get',
  'audit.list',
  'audit.verify',
  'audit.export',
  'usage.report',
  'demo.load',
  'scan.lookup',
  'scan.act'
] as const satisfies readonly OperationName[]
export type CoreOperationName = (typeof CORE_OPERATIONS)[number]

/** A client of the whole contract, as the renderer sees it (IPC in the app, HTTP in the browser). */
export type KeywardClient = { [K in OperationName]: (input: Input<K>) => Promise<Output<K>> }

/** What one call answers on every wire (IPC, HTTP, dispatch): plain data, so it survives structured cloning. */
export type Reply = { ok: true; result: unknown } | { ok: false; error: ErrorPayload }

/** A way to reach a host: sends one operation with its input and resolves with the reply; never rejects on an error reply. */
export type Transport = (operation: OperationName, input: unknown) => Promise<Reply>
