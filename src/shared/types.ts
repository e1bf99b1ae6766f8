import type { KeyKind, KeyStatus, OutboxStatus, ResourceStatus, ResourceType, SmtpSecurity } from './schemas'

/**
 * Output shapes. These are the JSON documents the CLI prints with --json and the admin API returns.
 * Their enums are the input schemas' (schemas.ts), re-exported here for code that only reads.
 */

export type { KeyKind, KeyStatus, OutboxStatus, ResourceStatus, ResourceType, SmtpSecurity }

export interface KeyResource {
  id: string
  model: string
  type: ResourceType
  status: ResourceStatus
}

export interface ApiKey {
  id: string
  name: string
  kind: KeyKind
  /** Display hint, e.g. "kw_AbCd…9xYz". Never the secret. */
  hint: string
  status: KeyStatus
  department: string | null
  project: string | null
  environment: string | null
  requestor: string | null
  appId: string | null
  justification: string | null
  notes: string | null
  notifyEmail: string | null
  resources: KeyResource[]
  createdAt: string
  updatedAt: string
  expiresAt: string | null
  lastUsedAt: string | null
}

export interface Resource {
  id: string
  model: string
  type: ResourceType
  status: ResourceStatus
  tpmLimit: number | null
  keyCount: number
  /** Where `keyward serve --gateway` sends this resource's traffic; null = none (verify only). */
  upstream: ResourceUpstream | null
}

export interface ResourceUpstream {
  /** OpenAI-compatible base URL, e.g. https://api.openai.com/v1 (no credentials, no trailing slash). */
  url: string
  /** The model name the upstream receives; null = the resource's own model. */
  model: string | null
  /** The NAME of the serving process's environment variable holding the provider credential; never the credential. */
  keyEnv: string | null
  /** The desktop app keeps a provider key for this resource in its keychain (filled by the desktop host only). */
  keyKept?: boolean
}

export interface TpmPool {
  tpmPool: number | null
  assigned: number
  remaining: number | null
}

export interface AuditEntry {
  seq: number
  at: string
  actor: string
  action: string
  targetId: string | null
  targetName: string | null
  details: Record<string, unknown>
}

export interface AuditVerifyResult {
  ok: boolean
  entries: number
  brokenAt?: number
}

export const VERIFY_CODES = [
  'VALID',
  'MALFORMED',
  'NOT_FOUND',
  'REVOKED',
  'DISABLED',
  'EXPIRED',
  'APP_MISMATCH',
  'MODEL_NOT_ASSIGNED',
  'RESOURCE_INACTIVE',
  'RATE_LIMITED'
] as const
export type VerifyCode = (typeof VERIFY_CODES)[number]

export interface VerifyResult {
  valid: boolean
  code: VerifyCode
  key?: ApiKey
  /** Seconds until the TPM window resets, with RATE_LIMITED. */
  retryAfter?: number
}

export interface Suggestions {
  departments: string[]
  projects: string[]
  environments: string[]
}

export interface Page<T> {
  items: T[]
  total: number
}

export interface UsageRow {
  /** Start of the interval, ISO 8601 UTC. */
  bucket: string
  keyId: string
  keyName: string
  model: string
  requests: number
  promptTokens: number
  completionTokens: number
  totalTokens: number
}

export interface SmtpSettings {
  host: string | null
  port: number | null
  security: SmtpSecurity
  user: string | null
  from: string | null
  /** Whether a password is stored (never the password itself). */
  passwordSet: boolean
  /** How the desktop app protects the password: the OS key store, a weak fallback, or not at all. */
  passwordStorage: 'os' | 'basic_text' | 'environment' | 'unavailable'
}

export interface OutboxItem {
  id: number
  to: string
  subject: string
  status: OutboxStatus
  attempts: number
  lastError: string | null
  createdAt: string
  sentAt: string | null
  nextAttemptAt: string | null
}

export interface FlushResult {
  sent: number
  failed: number
  pending: number
}

export interface TestEmailResult {
  ok: boolean
  /** The server's answer in words a user understands. */
  message: string
}

/**
 * The desktop app's local verification server (Settings → Local server) as main last saw it:
 * off, starting on a port, running (listening at url), or failed (e.g. the port is taken).
 */
export type LocalServerStatus =
  | { state: 'off' }
  | { state: 'starting'; port: number }
  | { state: 'running'; url: string; port: number }
  | { state: 'failed'; port: number; message: string }
