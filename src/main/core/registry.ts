import { randomBytes as nodeRandomBytes } from 'node:crypto'
import type { CoreOperationName, Input, Output, ParsedInput } from '../../shared/contract'
import { VerifyInput } from '../../shared/schemas'
import type {
  ApiKey,
  VerifyCode,
  AuditEntry,
  AuditVerifyResult,
  Page,
  Resource,
  Suggestions,
  TpmPool,
  VerifyResult
} from '../../shared/types'
import type { RegistryDatabase } from '../db/open'
import { AuditLog } from './audit'
import { startBulk, type BulkOptions, type BulkRun } from './bulk'
import { startImport, type ImportRun } from './import'
import { exportAuditLog, type AuditExport } from './audit-export'
import { systemClock, type Clock } from './clock'
import { LastUsedBuffer, type Core } from './context'
import { seedDemoInto, type SeedDemoOptions, type SeedDemoResult } from './demo'
import { gatewayDecide, gatewayLiveness, gatewayModels, type GatewayDecision, type InFlightCheck } from './gateway'
import { findKey, resolveKey } from './key-rows'
import { keysBySecretHash, type KeyBySecret } from './leaks'
import { registryHandlers, type CallContext, type Handler } from './operations'
import { Outbox } from './outbox'
import { changeKeptCredential, findResource, resolveResource } from './resources'
import type { RandomBytes } from './secrets'
import { SmtpConfigStore } from './smtp-config'
import { SqliteStore } from './store'
import { flushTpmWindow, loadTpmWindow, type TpmWindowRow } from './tpm-window'
import {
  prepareUsage,
  recordUsage,
  recordUsageRows,
  UsageRecordInput,
  type UsageEntry,
  type UsageRecorded
} from './usage'
import { parseInput, validateInput } from './validate'
import { VerifyPath, type AdminSignIn, type Freshness, type KeySummary, type VerifyHit } from './verify'

/** Kept for callers outside the core that validate their own, non-contract inputs (app settings). */

export interface RegistryOptions {
  clock?: Clock
  randomBytes?: RandomBytes
  /** How long verified keys' lastUsedAt may wait in memory before it is written (ms). */
  lastUsedFlushMs?: number
  /** Milliseconds a write waits for another process's write lock (the server sets a few; default: the connection's). */
  busyTimeoutMs?: number
  /** When verification looks for other processes' changes: every call (default) or once per event-loop turn (the server); see Freshness. */
  verifyFreshness?: Freshness
}

/**
 * The key registry: every rule of the platform's "Manage API Keys" page, over one SQLite file.
 * A thin facade: the rules live in modules by concern (keys, assignments, resources, pool, verify,
 * usage, audit, outbox, smtp-config), each a set of functions over the Core (store, clock, random
 * source, audit log). Each mutating operation is one IMMEDIATE transaction with its audit entry,
 * so a refused operation changes nothing and several processes can share the file. Imports
 * nothing from Electron: the desktop app, the CLI and the server all run this class.
 *
 * Two ways in, each validating the input exactly once with the contract's schema:
 *  - transports (IPC, HTTP, CLI) go through transport/dispatch.ts, which validates and calls
 *    `run` with the parsed value;
 *  - in-process callers (tests, scripts, the demo loader) call the named methods below, which
 *    validate and call `run` the same way.
 *
 * The engine seam: SqliteStore (store.ts) is the only code that touches better-sqlite3, and the
 * SQL text lives in the concern modules. A second engine (PostgreSQL) would bring its own store and
 * its own versions of those modules behind the same operation table; since node-postgres is
 * asynchronous, it would answer through dispatch (which already awaits every handler), while the
 * verify hot path (VerifyPath) stays synchronous on SQLite.
 */
export class Registry {
  /** The email outbox (alerts for new keys) in this registry file. */
  readonly outbox: Outbox
  /** The SMTP settings stored in this registry file (never the password). */
  readonly smtpConfig: SmtpConfigStore
  private readonly core: Core
  private readonly verifier: VerifyPath

  constructor(db: RegistryDatabase, options: RegistryOptions = {}) {
    const store = new SqliteStore(db)
    if (options.busyTimeoutMs !== undefined) store.setBusyTimeout(options.busyTimeoutMs)
    const clock = options.clock ?? systemClock
    this.core = {
      store,
      clock,
      randomBytes: options.randomBytes ?? nodeRandomBytes,
      audit: new AuditLog(store),
      lastUsed: new LastUsedBuffer(store, clock, options.lastUsedFlushMs ?? 5_000)
    }
    this.verifier = new VerifyPath(this.core, options.verifyFreshness)
    this.outbox = new Outbox(this.core)
    this.smtpConfig = new SmtpConfigStore(this.core, this.outbox)
  }

  /** A core operation with its input already validated by the caller (dispatch). */
  run<K extends CoreOperationName>(name: K, input: ParsedInput<K>, ctx: CallContext): Output<K> {
    return (registryHandlers[name] as Handler<K>)(this.core, input, ctx)
  }

  /** The registry file's path, for messages. */
  get path(): string {
    return this.core.store.path
  }

  // ── Operations for in-process callers: validated once here, then `run` ──

  listResources(): { items: Resource[] } {
    return this.call('resources.list', {}, '')
  }
  addResource(input: Input<'resources.add'>, actor: string): { resource: Resource } {
    return this.call('resources.add', input, actor)
  }
  editResource(input: Input<'resources.edit'>, actor: string): { resource: Resource } {
    return this.call('resources.edit', input, actor)
  }
  removeResource(input: Input<'resources.remove'>, actor: string): { removed: Resource } {
    return this.call('resources.remove', input, actor)
  }
  getPool(): TpmPool {
    return this.call('pool.get', {}, '')
  }
  setPool(input: Input<'pool.set'>, actor: string): TpmPool {
    return this.call('pool.set', input, actor)
  }
  createKey(input: Input<'keys.create'>, actor: string): { key: ApiKey; secret: string } {
    return this.call('keys.create', input, actor)
  }
  getKey(input: Input<'keys.get'>): { key: ApiKey } {
    return this.call('keys.get', input, '')
  }
  listKeys(input: Input<'keys.list'> = {}): Page<ApiKey> {
    return this.call('keys.list', input, '')
  }
  editKey(input: Input<'keys.edit'>, actor: string): { key: ApiKey } {
    return this.call('keys.edit', input, actor)
  }
  assignResources(input: Input<'keys.assign'>, actor: string): { key: ApiKey } {
    return this.call('keys.assign', input, actor)
  }
  unassignResources(input: Input<'keys.unassign'>, actor: string): { key: ApiKey } {
    return this.call('keys.unassign', input, actor)
  }
  setResources(input: Input<'keys.setResources'>, actor: string): { key: ApiKey } {
    return this.call('keys.setResources', input, actor)
  }
  disableKey(input: Input<'keys.disable'>, actor: string): { key: ApiKey } {
    return this.call('keys.disable', input, actor)
  }
  enableKey(input: Input<'keys.enable'>, actor: string): { key: ApiKey } {
    return this.call('keys.enable', input, actor)
  }
  /** A new secret for the same key; the previous one keeps verifying for `graceSeconds`. */
  rotateKey(input: Input<'keys.rotate'>, actor: string): { key: ApiKey; secret: string } {
    return this.call('keys.rotate', input, actor)
  }
  /** Removes the key and its assignments; its secret hashes stay as tombstones so verify says REVOKED. */
  deleteKey(input: Input<'keys.delete'>, actor: string): { deleted: { id: string; name: string } } {
    return this.call('keys.delete', input, actor)
  }
  bulkKeys(input: Input<'keys.bulk'>, actor: string): Output<'keys.bulk'> {
    return this.call('keys.bulk', input, actor)
  }

  /**
   * A bulk action planned (and checked: a refusal throws, changing nothing) but not yet written:
   * hosts write it chunk by chunk with runBulkInTurns, reporting progress (see bulk.ts). `input`
   * is already validated (dispatch).
   */
  startBulk(input: ParsedInput<'keys.bulk'>, actor: string, options: BulkOptions = {}): BulkRun {
    return startBulk(this.core, input, actor, options)
  }

  /** The keys `listKeys` selects with the same filters (no paging), as CSV or JSON text; see export.ts. */
  exportKeys(input: Input<'keys.export'>, actor: string): Output<'keys.export'> {
    return this.call('keys.export', input, actor)
  }
  /** Keys from CSV or JSON text, every row checked first; see import.ts. */
  importKeys(input: Input<'keys.import'>, actor: string): Output<'keys.import'> {
    return this.call('keys.import', input, actor)
  }
  /** An import checked but not yet written: hosts write it a chunk per step, reporting progress (import.ts). */
  startImport(input: Input<'keys.import'>, actor: string): ImportRun {
    return startImport(this.core, validateInput('keys.import', input), actor)
  }
  suggestions(): Suggestions {
    return this.call('suggestions.get', {}, '')
  }
  listAudit(input: Input<'audit.list'> = {}): Page<AuditEntry> {
    return this.call('audit.list', input, '')
  }
  verifyAudit(): AuditVerifyResult {
    return this.call('audit.verify', {}, '')
  }
  /** The audit log as JSON Lines: every entry with its chain hash, then an end line with the head (audit-export.ts). */
  exportAudit(): AuditExport {
    return exportAuditLog(this.core)
  }
  usageReport(input: Input<'usage.report'>): Output<'usage.report'> {
    return this.call('usage.report', input, '')
  }
  /** Demo data (see demo.ts); `keyward seed-demo` and benchmarks use it with more keys than demo.load allows. */
  seedDemo(options: SeedDemoOptions): SeedDemoResult {
    return seedDemoInto(this.core, options)
  }

  // ── Lookups by reference (id, name, MODEL:TYPE) ──

  findKey(ref: string): ApiKey | undefined {
    return findKey(this.core, ref)
  }
  resolveKey(ref: string): ApiKey {
    return resolveKey(this.core, ref)
  }
  findResource(ref: string): Resource | undefined {
    return findResource(this.core, ref)
  }
  resolveResource(ref: string): Resource {
    return resolveResource(this.core, ref)
  }
  /** The desktop app keeps (or forgets) a resource's provider key: `apply` stores it, audited in one transaction without the key. */
  changeKeptCredential(ref: string, actor: string, kept: boolean, apply: (resource: Resource) => void): Resource {
    return changeKeptCredential(this.core, ref, actor, kept, apply)
  }

  /** Secret hashes (SHA-256) → the live or deleted keys they belong to; the leak scanner's lookup. */
  keysBySecretHash(hashes: readonly Buffer[]): Map<string, KeyBySecret> {
    return keysBySecretHash(this.core, hashes)
  }

  // ── Verification and usage (the gateway's calls) ──

  /**
   * Secret (+ model, + app name) → one code, with the key's document when the secret is one of its.
   * Never writes to disk per call: lastUsedAt is buffered and flushed at most every few seconds.
   */
  verify(input: VerifyInput): VerifyResult {
    return this.verifier.verify(parseInput(VerifyInput, input))
  }
  /** The decision alone, without building the key document. */
  verifyHit(secret: string, model?: string, appName?: string): VerifyHit {
    return this.verifier.hit(secret, model, appName)
  }
  /** The hot path of the HTTP verifier: the decision and the key's summary row. */
  verifyAnswer(
    secret: string | undefined,
    model?: string,
    appName?: string
  ): { hit: VerifyHit; key: KeySummary | undefined } {
    return this.verifier.answer(secret, model, appName)
  }
  /** Whether `secret` is a current administrator key (the admin API's sign-in). */
  adminSignIn(secret: string, appName?: string): AdminSignIn {
    return this.verifier.adminSignIn(secret, appName)
  }
  /** Records one request's tokens; the key in the report must verify for the model. */
  recordUsage(input: unknown, now: number): UsageRecorded {
    return recordUsage(this.core, this.verifier, parseInput(UsageRecordInput, input), now)
  }

  /**
   * Checks a usage report now (validation, then the key must verify for the model) and returns its
   * write, which the caller may run now or retry later while another process holds the write lock.
   */
  prepareUsage(input: unknown, now: number): () => UsageRecorded {
    return prepareUsage(this.core, this.verifier, parseInput(UsageRecordInput, input), now)
  }

  // ── The OpenAI-compatible gateway (keyward serve --gateway) ──

  /** A gateway request: the key (as verify decides it), then the key's active resource for `model`. */
  gatewayDecide(secret: string | undefined, model: string, appName: string | undefined): GatewayDecision {
    return gatewayDecide(this.core, this.verifier, secret, model, appName)
  }
  /** GET /v1/models: the models the key may call now, or why it may not. */
  gatewayModels(secret: string | undefined, appName: string | undefined) {
    return gatewayModels(this.core, this.verifier, secret, appName)
  }
  /** For each request in flight, null (still allowed) or the code that now refuses it; one read. */
  gatewayLiveness(checks: readonly InFlightCheck[]): (VerifyCode | null)[] {
    return gatewayLiveness(this.core, checks)
  }
  /** The gateway's usage rows, in one transaction; rows of keys or assignments gone meanwhile are skipped. */
  recordUsageRows(rows: readonly UsageEntry[]): number {
    return recordUsageRows(this.core, rows)
  }

  /** The gateway's TPM window rows from `sinceSecond` on (see core/tpm-window.ts). */
  loadTpmWindow(sinceSecond: number): TpmWindowRow[] {
    return loadTpmWindow(this.core, sinceSecond)
  }
  /** Adds a gateway's window deltas, prunes rows before `pruneBefore`, and returns the rows from `since` on. */
  flushTpmWindow(deltas: readonly TpmWindowRow[], options: { pruneBefore: number; since: number }): TpmWindowRow[] {
    return flushTpmWindow(this.core, deltas, options)
  }

  /** How long this connection's writes wait for another process's write lock (ms). */
  setBusyTimeout(ms: number): void {
    this.core.store.setBusyTimeout(ms)
  }

  /** Writes buffered lastUsedAt values. Called on its own schedule and on close. */
  flushLastUsed(): void {
    this.core.lastUsed.flush()
  }

  close(): void {
    try {
      this.flushLastUsed()
    } catch {
      // Another process held the write lock past the timeout: a lost lastUsedAt beats failing to close.
    } finally {
      this.core.store.close()
    }
  }

  private call<K extends CoreOperationName>(name: K, input: unknown, actor: string): Output<K> {
    return this.run(name, validateInput(name, input), { actor })
  }
}
