import { z } from 'zod'
import type { Output, ParsedInput } from '../../shared/contract'
import { KeywardError } from '../../shared/errors'
import { Model, Secret } from '../../shared/schemas'
import type { UsageRow, VerifyCode } from '../../shared/types'
import { iso } from './clock'
import type { Core } from './context'
import { resolveKey } from './key-rows'
import type { VerifyPath } from './verify'

/**
 * Usage and TPM windows. A gateway reports what each request used; tokens are kept per key,
 * model and minute (key_usage, for the report) and per TPM resource and minute (resource_usage,
 * for the limit the verifier checks).
 *
 * The window is FIXED: the clock minute (UTC, floor(ms / 60000)). A resource is rate limited
 * once the tokens reported against it in the current minute reach its tpmLimit, and is allowed
 * again at the next minute boundary. Fixed windows match how usage is stored and reported (per
 * minute), cost the verifier one primary-key lookup, and give an exact Retry-After; the price is
 * that a burst straddling a boundary can use up to twice the limit within 60 seconds.
 */

export const MINUTE_MS = 60_000

const TokenCount = (label: string) =>
  z
    .number({ error: `${label} must be a number of tokens.` })
    .int(`${label} must be a whole number of tokens.`)
    .min(0, `${label} cannot be negative.`)
    .max(1e9, `${label} is implausibly large: report at most 1,000,000,000 tokens per request.`)

export const UsageRecordInput = z.object({
  key: Secret,
  model: Model,
  promptTokens: TokenCount('promptTokens'),
  completionTokens: TokenCount('completionTokens'),
  /** The caller's x-app-name, for keys bound to an app. */
  appName: z.string().max(200).optional()
})
export type UsageRecordInput = z.input<typeof UsageRecordInput>

export interface TpmWindow {
  resourceId: string
  limit: number
  used: number
  remaining: number
  /** Start of the next window, ISO 8601 UTC. */
  resetsAt: string
}

export interface UsageRecorded {
  keyId: string
  model: string
  /** The minute the tokens were counted in, ISO 8601 UTC. */
  minute: string
  promptTokens: number
  completionTokens: number
  /** The TPM resource's window after this report; null for a PYG resource. */
  tpm: TpmWindow | null
}

/** A report whose key did not verify: the verify code says why (the transport maps it to a status). */
export class UsageRefused extends KeywardError {
  constructor(readonly verifyCode: VerifyCode) {
    const unauthorized = ['MALFORMED', 'NOT_FOUND', 'REVOKED', 'EXPIRED'].includes(verifyCode)
    super(
      unauthorized ? 'UNAUTHORIZED' : 'FORBIDDEN',
      `Usage not recorded: the key does not verify for this model (${verifyCode}). Report usage only for requests the verifier allowed.`
    )
  }
}

/**
 * Records one request's tokens. The key authenticates the report: it must verify for the model
 * (a key that is RATE_LIMITED still reports, since the request it made was allowed and used tokens).
 */
export function recordUsage(
  core: Core,
  verifier: VerifyPath,
  v: z.output<typeof UsageRecordInput>,
  now: number
): UsageRecorded {
  return prepareUsage(core, verifier, v, now)()
}

/**
 * Checks a report now (the key must verify for the model, else UsageRefused) and returns its
 * write, to run now or later: the server retries it while another process holds the write lock.
 * The minute is the report's, whenever the write happens; the write checks again, in its
 * transaction, that the key and its assignment still exist.
 */
export function prepareUsage(
  core: Core,
  verifier: VerifyPath,
  v: z.output<typeof UsageRecordInput>,
  now: number
): () => UsageRecorded {
  const hit = verifier.hit(v.key, v.model, v.appName)
  if (hit.code !== 'VALID' && hit.code !== 'RATE_LIMITED') throw new UsageRefused(hit.code)
  const pk = hit.pk!
  const minute = Math.floor(now / MINUTE_MS)
  return () =>
    core.store.counters(() =>
      addUsage(core, { pk, model: v.model, minute, promptTokens: v.promptTokens, completionTokens: v.completionTokens })
    )
}

/** One request's tokens for a key (by its row), model and minute (floor(ms / 60000)). */
export interface UsageEntry {
  pk: number
  model: string
  minute: number
  promptTokens: number
  completionTokens: number
  /** Requests these tokens stand for (default 1): the gateway sums a minute's requests into one row. */
  requests?: number
}

/**
 * Adds a row inside the caller's transaction; the key and its assignment must still exist
 * (deleted or unassigned by another process since the check: UsageRefused, nothing written).
 */
function addUsage(core: Core, u: UsageEntry): UsageRecorded {
  const { store } = core
  const keyId = store.pluck('SELECT id FROM api_keys WHERE pk = ?').get(u.pk) as string | undefined
  const assignment = store
    .sql(
      'SELECT r.id, r.tpm_limit FROM key_resources kr JOIN resources r ON r.id = kr.resource_id WHERE kr.key_pk = ? AND kr.model = ?'
    )
    .get(u.pk, u.model) as { id: string; tpm_limit: number | null } | undefined
  if (!keyId) throw new UsageRefused('REVOKED')
  if (!assignment) throw new UsageRefused('MODEL_NOT_ASSIGNED')
  store
    .sql(
      `INSERT INTO key_usage (key_pk, model, minute, requests, prompt_tokens, completion_tokens) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (key_pk, model, minute) DO UPDATE SET requests = requests + excluded.requests,
         prompt_tokens = prompt_tokens + excluded.prompt_tokens, completion_tokens = completion_tokens + excluded.completion_tokens`
    )
    .run(u.pk, u.model, u.minute, u.requests ?? 1, u.promptTokens, u.completionTokens)
  let used = 0
  if (assignment.tpm_limit != null) {
    used = store
      .pluck(
        `INSERT INTO resource_usage (resource_id, minute, tokens) VALUES (?, ?, ?)
         ON CONFLICT (resource_id, minute) DO UPDATE SET tokens = tokens + excluded.tokens RETURNING tokens`
      )
      .get(assignment.id, u.minute, u.promptTokens + u.completionTokens) as number
  }
  return usageRecorded(keyId, u, assignment, used)
}

/** A recorded report's answer (both engines): the key, the minute, and for a TPM resource its window after the report. */
export function usageRecorded(
  keyId: string,
  u: UsageEntry,
  assignment: { id: string; tpm_limit: number | null },
  used: number
): UsageRecorded {
  const tpm: TpmWindow | null =
    assignment.tpm_limit == null
      ? null
      : {
          resourceId: assignment.id,
          limit: assignment.tpm_limit,
          used,
          remaining: Math.max(0, assignment.tpm_limit - used),
          resetsAt: iso((u.minute + 1) * MINUTE_MS)
        }
  return {
    keyId,
    model: u.model,
    minute: iso(u.minute * MINUTE_MS),
    promptTokens: u.promptTokens,
    completionTokens: u.completionTokens,
    tpm
  }
}

/**
 * The gateway's usage, already decided per request: many rows in one transaction. A row whose key
 * or assignment went away meanwhile is skipped (its usage goes with the key). Returns rows written.
 */
export function recordUsageRows(core: Core, rows: readonly UsageEntry[]): number {
  return core.store.counters(() => {
    let written = 0
    for (const row of rows) {
      try {
        addUsage(core, row)
        written++
      } catch (error) {
        if (!(error instanceof UsageRefused)) throw error
      }
    }
    return written
  })
}

/** At most this many rows per report: enough for a month per hour of a few keys, not a runaway query. */
export const USAGE_REPORT_MAX_ROWS = 50_000

const BUCKET_MINUTES = { per_minute: 1, per_hour: 60, per_day: 1440 } as const

/** A bare date starts at 00:00 UTC; as an end it includes that whole day. */
function boundary(value: string, asEnd: boolean): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return Date.parse(`${value}T00:00:00Z`) + (asEnd ? 86_400_000 : 0)
  return Date.parse(value)
}

/** The report's minutes, [from, to), and bucket size: checked and computed alike on both engines. */
export function usageReportWindow(v: ParsedInput<'usage.report'>): { from: number; to: number; size: number } {
  const startMs = boundary(v.start, false)
  const endMs = boundary(v.end, true)
  if (endMs <= startMs) {
    throw KeywardError.validation({ end: `End (${v.end}) must be after start (${v.start}).` })
  }
  return { from: Math.ceil(startMs / MINUTE_MS), to: Math.ceil(endMs / MINUTE_MS), size: BUCKET_MINUTES[v.interval] }
}

/** One grouped row as either engine's query gives it (bucket in minutes). */
export type UsageQueryRow = Omit<UsageRow, 'bucket' | 'totalTokens'> & { bucket: number }

/** The report's answer from the query's rows (at most USAGE_REPORT_MAX_ROWS + 1 of them). */
export function usageReportAnswer(rows: readonly UsageQueryRow[]): Output<'usage.report'> {
  if (rows.length > USAGE_REPORT_MAX_ROWS) {
    throw KeywardError.validation({
      interval: `The report would have more than ${USAGE_REPORT_MAX_ROWS} rows. Narrow the dates, name a key or models, or use a longer interval.`
    })
  }
  return {
    items: rows.map((r) => ({
      bucket: iso(r.bucket * MINUTE_MS),
      keyId: r.keyId,
      keyName: r.keyName,
      model: r.model,
      requests: r.requests,
      promptTokens: r.promptTokens,
      completionTokens: r.completionTokens,
      totalTokens: r.promptTokens + r.completionTokens
    }))
  }
}

/**
 * The platform's usage report: tokens and requests per interval, key and model, filtered by model
 * ids, one key (id or name), department and project, between start (inclusive) and end (exclusive
 * for a date-time, inclusive for a bare date).
 */
export function usageReport(core: Core, v: ParsedInput<'usage.report'>): Output<'usage.report'> {
  const { from, to, size } = usageReportWindow(v)
  const where = ['u.minute >= @from', 'u.minute < @to']
  const params: Record<string, unknown> = { from, to }
  if (v.key !== undefined) {
    const key = resolveKey(core, v.key)
    where.push('k.id = @keyId')
    params.keyId = key.id
  }
  if (v.models?.length) {
    where.push('u.model IN (SELECT value FROM json_each(@models))')
    params.models = JSON.stringify(v.models)
  }
  if (v.department !== undefined) {
    where.push('k.department_id = (SELECT id FROM departments WHERE name = @department)')
    params.department = v.department
  }
  if (v.project !== undefined) {
    where.push('k.project_id = (SELECT id FROM projects WHERE name = @project)')
    params.project = v.project
  }
  const rows = core.store
    .sql(
      // size is one of three integer constants, inlined: a bound JS number would divide as a REAL.
      `SELECT (u.minute / ${size}) * ${size} AS bucket, k.id AS keyId, k.name AS keyName, u.model AS model,
              sum(u.requests) AS requests, sum(u.prompt_tokens) AS promptTokens, sum(u.completion_tokens) AS completionTokens
       FROM key_usage u JOIN api_keys k ON k.pk = u.key_pk
       WHERE ${where.join(' AND ')}
       GROUP BY bucket, u.key_pk, u.model
       ORDER BY bucket, k.name COLLATE NOCASE, u.model
       LIMIT ${USAGE_REPORT_MAX_ROWS + 1}`
    )
    .all(params) as UsageQueryRow[]
  return usageReportAnswer(rows)
}
