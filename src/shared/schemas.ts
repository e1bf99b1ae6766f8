import { z } from 'zod'

/**
 * A key's editable details, in the order forms show them and audit entries list them. The CLI
 * flags, the dialogs and the audit details all follow it.
 */
export const KEY_DETAIL_FIELDS = [
  'name',
  'department',
  'project',
  'environment',
  'requestor',
  'appId',
  'justification',
  'notes',
  'notifyEmail',
  'expiresAt'
] as const

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/

/**
 * Input schemas for every registry operation. The core, the IPC bridge, the HTTP APIs and the
 * renderer's forms all validate with these, so a rule is written once.
 *
 * Each enum is written once, as its schema: the TypeScript type is inferred from it and the list
 * of values (for menus, CLI choices, filters) is its `.options`. types.ts re-exports the types.
 */

export const ResourceType = z.enum(['TPM', 'PYG'], {
  error: 'Choose TPM (provisioned tokens per minute) or PYG (pay-as-you-go).'
})
export type ResourceType = z.infer<typeof ResourceType>
export const RESOURCE_TYPES: readonly ResourceType[] = ResourceType.options

export const KeyKind = z.enum(['standard', 'admin'], { error: 'Kind must be standard or admin.' })
export type KeyKind = z.infer<typeof KeyKind>
export const KEY_KINDS: readonly KeyKind[] = KeyKind.options

export const KeyStatus = z.enum(['active', 'disabled', 'expired'], {
  error: 'Status must be active, disabled or expired.'
})
export type KeyStatus = z.infer<typeof KeyStatus>
export const KEY_STATUSES: readonly KeyStatus[] = KeyStatus.options

export const ResourceStatus = z.enum(['active', 'inactive'], { error: 'Status must be active or inactive.' })
export type ResourceStatus = z.infer<typeof ResourceStatus>
export const RESOURCE_STATUSES: readonly ResourceStatus[] = ResourceStatus.options

export const KEY_NAME_MAX = 64
const NAME_CHAR = /[A-Za-z0-9]/

/** The seed: "Ensure the key name does not have any special characters or spaces." */
export const KeyName = z.string({ error: 'Name is required.' }).superRefine((value, ctx) => {
  if (value.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'Name is required: use 1 to 64 letters and digits.' })
    return
  }
  const bad = [...new Set([...value].filter((c) => !NAME_CHAR.test(c)))]
  if (bad.length > 0) {
    const shown = bad.map((c) => (c === ' ' ? 'space' : /\s/.test(c) ? 'whitespace' : `"${c}"`)).join(', ')
    ctx.addIssue({
      code: 'custom',
      message: `Name may contain only letters (A-Z, a-z) and digits (0-9), no spaces or special characters. Remove: ${shown}.`
    })
    return
  }
  if (value.length > KEY_NAME_MAX) {
    ctx.addIssue({ code: 'custom', message: `Name is ${value.length} characters long; use at most ${KEY_NAME_MAX}.` })
  }
})

/** Optional free text: '' and null mean "no value"; surrounding spaces are trimmed. */
function optionalText(label: string, max: number) {
  return z
    .union([z.string(), z.null()], { error: `${label} must be text.` })
    .optional()
    .transform((v) => (v === undefined ? undefined : v === null ? null : v.trim() === '' ? null : v.trim()))
    .refine((v) => v == null || v.length <= max, { message: `${label} is too long: use at most ${max} characters.` })
    .refine((v) => v == null || !CONTROL_CHARACTERS.test(v.replace(/[\n\t]/g, '')), {
      message: `${label} contains control characters; remove them.`
    })
}

/** A named entity (department, project): trimmed, single line. */
function optionalName(label: string) {
  return optionalText(label, 100).refine((v) => v == null || !/[\n\t]/.test(v), {
    message: `${label} must be a single line.`
  })
}

export const DepartmentName = optionalName('Department')
export const ProjectName = optionalName('Project')
export const Environment = optionalName('Environment')
export const Requestor = optionalName('Requestor')
export const Justification = optionalText('Business justification', 2000)
export const Notes = optionalText('Notes', 4000)

/** x-app-name is compared exactly, so it is never trimmed: surrounding spaces are refused. */
export const AppId = z
  .union([z.string(), z.null()], { error: 'App ID must be text.' })
  .optional()
  .transform((v) => (v === '' ? null : v))
  .superRefine((v, ctx) => {
    if (v == null) return
    if (v !== v.trim()) {
      ctx.addIssue({
        code: 'custom',
        message: 'App ID (x-app-name) has leading or trailing spaces; remove them. It is compared exactly.'
      })
    } else if (v.length > 100) {
      ctx.addIssue({ code: 'custom', message: 'App ID (x-app-name) is too long: use at most 100 characters.' })
    } else if (CONTROL_CHARACTERS.test(v)) {
      ctx.addIssue({
        code: 'custom',
        message: 'App ID (x-app-name) contains control characters; use the exact header value.'
      })
    }
  })

export const NotifyEmail = z
  .union([z.string(), z.null()], { error: 'Notify via Email must be text.' })
  .optional()
  .transform((v) => (v == null ? v : v.trim() === '' ? null : v.trim()))
  .refine((v) => v == null || z.email().safeParse(v).success, {
    message: 'Notify via Email must be one valid email address, like name@example.com.'
  })

/** An ISO 8601 date or date-time; "in the future" is checked by the core against its clock. */
export const ExpiresAt = z
  .union([z.string(), z.null()], { error: 'Expires must be a date like 2027-01-31 or 2027-01-31T12:00:00Z.' })
  .optional()
  .transform((v) => (v === '' ? null : v))
  .refine(
    (v) =>
      v == null || (/^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v) && !Number.isNaN(Date.parse(v))),
    {
      message: 'Expires must be a date like 2027-01-31 or 2027-01-31T12:00:00Z.'
    }
  )

/** A key's id (k_…) or name. */
export const KeyRef = z
  .string({ error: 'Name the key by its id or name.' })
  .trim()
  .min(1, 'Name the key by its id or name.')
/** A resource's id (r_…) or MODEL:TYPE, e.g. gpt-4o:TPM. */
export const ResourceRef = z
  .string({ error: 'Name the resource by its id or as MODEL:TYPE, e.g. gpt-4o:TPM.' })
  .trim()
  .min(1, 'Name the resource by its id or as MODEL:TYPE, e.g. gpt-4o:TPM.')
export const ResourceRefs = z
  .array(ResourceRef, { error: 'Resources must be a list.' })
  .max(500, 'Assign at most 500 resources at once.')

export const KeyCreateInput = z.object({
  name: KeyName,
  kind: KeyKind.default('standard'),
  resources: ResourceRefs.default([]),
  department: DepartmentName,
  project: ProjectName,
  environment: Environment,
  requestor: Requestor,
  appId: AppId,
  justification: Justification,
  notes: Notes,
  notifyEmail: NotifyEmail,
  expiresAt: ExpiresAt
})
export type KeyCreateInput = z.input<typeof KeyCreateInput>

/** Every detail is editable except kind. undefined = unchanged, null or '' = cleared. */
export const KeyChanges = z.strictObject(
  {
    name: KeyName.optional(),
    department: DepartmentName,
    project: ProjectName,
    environment: Environment,
    requestor: Requestor,
    appId: AppId,
    justification: Justification,
    notes: Notes,
    notifyEmail: NotifyEmail,
    expiresAt: ExpiresAt
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? 'Only name, department, project, environment, requestor, appId, justification, notes, notifyEmail and expiresAt can be edited.'
        : undefined
  }
)
export type KeyChanges = z.input<typeof KeyChanges>

export const KeyEditInput = z.object({ key: KeyRef, changes: KeyChanges })
export const KeyRefInput = z.object({ key: KeyRef })
export const KeyResourcesInput = z.object({ key: KeyRef, resources: ResourceRefs })

export const KeySort = z.enum(['name', 'createdAt', 'lastUsedAt', 'expiresAt'], {
  error: 'Sort by name, createdAt, lastUsedAt or expiresAt.'
})
export type KeySort = z.infer<typeof KeySort>
export const KEY_SORTS: readonly KeySort[] = KeySort.options
export const KeyListInput = z.object({
  departments: z.array(z.string().trim().min(1)).max(100).optional(),
  projects: z.array(z.string().trim().min(1)).max(100).optional(),
  environment: z.string().trim().min(1).optional(),
  status: KeyStatus.optional(),
  resource: ResourceRef.optional(),
  search: z.string().trim().max(200, 'Search text is too long: use at most 200 characters.').optional(),
  expiringWithinDays: z
    .number({ error: 'Expiring within must be a number of days.' })
    .int('Expiring within must be a whole number of days.')
    .min(0, 'Expiring within must be 0 or more days.')
    .max(36500)
    .optional(),
  sort: KeySort.default('name'),
  desc: z.boolean().default(false),
  limit: z
    .number({ error: 'Limit must be a number.' })
    .int('Limit must be a whole number.')
    .min(1, 'Limit must be at least 1.')
    .max(1000, 'Limit must be at most 1000.')
    .default(50),
  offset: z
    .number({ error: 'Offset must be a number.' })
    .int('Offset must be a whole number.')
    .min(0, 'Offset must be 0 or more.')
    .default(0)
})
export type KeyListInput = z.input<typeof KeyListInput>

// ── Bulk actions (issue 11) ──────────────────────────────────────────────

export const KeyBulkAction = z.enum(['disable', 'enable', 'delete', 'assign', 'unassign', 'set'], {
  error: 'Action must be disable, enable, delete, assign, unassign or set.'
})
export type KeyBulkAction = z.infer<typeof KeyBulkAction>
export const KEY_BULK_ACTIONS: readonly KeyBulkAction[] = KeyBulkAction.options

/**
 * The filters of keys.list (no sort, no paging), strict: a misspelt filter must not widen a bulk
 * action to every key. `{}` selects every key, as `keys list` without filters does.
 */
export const KeyFilters = z.strictObject(
  KeyListInput.pick({
    departments: true,
    projects: true,
    environment: true,
    status: true,
    resource: true,
    search: true,
    expiringWithinDays: true
  }).shape,
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `Unknown filter ${issue.keys.join(', ')}: filter by departments, projects, environment, status, resource, search or expiringWithinDays.`
        : 'Filters must be an object, e.g. {"status": "expired"} ({} selects every key).'
  }
)

/** What `set` may change on every selected key. undefined = unchanged, null or '' = cleared. */
export const KeyBulkSet = z.strictObject(
  { department: DepartmentName, project: ProjectName, environment: Environment, expiresAt: ExpiresAt },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? 'Set may change department, project, environment and expiresAt only.'
        : 'Set must be an object, e.g. {"department": "Finance"}.'
  }
)

export const KeyBulkInput = z
  .strictObject(
    {
      action: KeyBulkAction,
      /** Select by the list's filters… */
      filters: KeyFilters.optional(),
      /** …or name the keys (ids or names). */
      keys: z
        .array(KeyRef, { error: 'Keys must be a list of key ids or names.' })
        .min(1, 'Name at least one key.')
        .max(100_000, 'Name at most 100000 keys at once; select by filters for more.')
        .optional(),
      resources: ResourceRefs.optional(),
      set: KeyBulkSet.optional(),
      dryRun: z.boolean({ error: 'dryRun must be true or false.' }).default(false)
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `Unknown field ${issue.keys.join(', ')}: give action, filters or keys, resources, set and dryRun.`
          : undefined
    }
  )
  .superRefine((v, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message })
    if (v.filters && v.keys) issue('keys', 'Select the keys by filters or by keys, not both.')
    if (!v.filters && !v.keys)
      issue('filters', 'Select the keys: give filters as keys.list takes them ({} for every key), or keys.')
    const takesResources = v.action === 'assign' || v.action === 'unassign'
    if (takesResources && !v.resources?.length)
      issue('resources', `Name at least one resource to ${v.action}, e.g. gpt-4o:TPM.`)
    if (!takesResources && v.resources !== undefined) issue('resources', 'Resources are for assign and unassign only.')
    if (v.action === 'set' && (!v.set || Object.values(v.set).every((x) => x === undefined)))
      issue('set', 'Give at least one of department, project, environment or expiresAt to set.')
    if (v.action !== 'set' && v.set !== undefined) issue('set', 'Set is for the set action only.')
  })

/** What a bulk action did (or, on a dry run, would do): keys are the changed ones, by name. */
export interface KeyBulkResult {
  matched: number
  changed: number
  keys: { id: string; name: string }[]
}
/** The filters and order of `keys.list`, without paging: the keys an export selects. */
export const KeyFilterInput = KeyListInput.omit({ limit: true, offset: true })
export const KEY_EXPORT_FORMATS = ['csv', 'json'] as const
export const KeyExportFormat = z.enum(KEY_EXPORT_FORMATS, { error: 'Format must be csv or json.' })
export type KeyExportFormat = z.infer<typeof KeyExportFormat>
/** `withHashes`: a migration export carrying each key's live secret hashes (never a secret), audited. */
export const KeyExportInput = z.object({
  filters: KeyFilterInput.prefault({}),
  format: KeyExportFormat.default('csv'),
  withHashes: z.boolean({ error: 'withHashes must be true or false.' }).default(false)
})
export type KeyExportInput = z.input<typeof KeyExportInput>

// ── Import (issue 11) ────────────────────────────────────────────────────

/** The largest import text: about 100 MB (a 100,000-key export with every detail is far smaller). */
export const KEY_IMPORT_MAX_CHARS = 100 * 1024 * 1024

/**
 * Keys into the registry from the text of a CSV or JSON file: the format `keys export` writes
 * (with or without hashes), or another system's rows (name, sha256, hint, details). Every row is
 * checked before anything is written; any problem and nothing is written unless `skipInvalid`.
 */
export const KeyImportInput = z.strictObject(
  {
    text: z
      .string({ error: "Text must be the file's content (CSV or JSON)." })
      .max(KEY_IMPORT_MAX_CHARS, 'The file is too large to import at once: split it into files under 100 MB.'),
    format: KeyExportFormat.default('csv'),
    dryRun: z.boolean({ error: 'dryRun must be true or false.' }).default(false),
    skipInvalid: z.boolean({ error: 'skipInvalid must be true or false.' }).default(false)
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `Unknown field ${issue.keys.join(', ')}: give text, format, dryRun and skipInvalid.`
        : undefined
  }
)
export type KeyImportInput = z.input<typeof KeyImportInput>

/** One problem of an import file: its row (1 = the first key; 0 = the file itself), the field, what to do. */
export interface KeyImportProblem {
  row: number
  field: string
  message: string
}

/** A key an import made (or, on a dry run, would make). `secret` only for a new key, once. */
export interface ImportedKey {
  row: number
  id: string
  name: string
  hint: string
  /** new: a secret was generated; keyward: a Keyward hash kept; sha256: another system's SHA-256 kept. */
  source: 'new' | 'keyward' | 'sha256'
  secret?: string
}

/** created: new keys (secrets generated); imported: keys kept by hash. Any error without skipInvalid: nothing written. */
export interface KeyImportResult {
  created: number
  imported: number
  errors: KeyImportProblem[]
  dryRun: boolean
  keys: ImportedKey[]
}

/** Rotation grace: seconds the previous secret keeps verifying. */
export const KeyRotateInput = z.object({
  key: KeyRef,
  graceSeconds: z
    .number({ error: 'Grace must be a number of seconds.' })
    .int('Grace must be whole seconds.')
    .min(0, 'Grace cannot be negative.')
    .max(366 * 86400, 'Grace may be at most a year.')
    .default(0)
})

export const Secret = z
  .string({ error: 'Give the key to verify.' })
  .max(200, 'That is not a Keyward key: it is far too long.')
export const VerifyInput = z.object({
  secret: Secret,
  model: z.string().max(200).optional(),
  appName: z.string().max(200).optional()
})
export type VerifyInput = z.input<typeof VerifyInput>

export const Model = z
  .string({ error: 'Model is required.' })
  .min(1, 'Model is required: give the model name, e.g. gpt-4o.')
  .max(100, 'Model is too long: use at most 100 characters.')
  .refine((v) => v === v.trim(), 'Model has leading or trailing spaces; remove them.')
  .refine((v) => !CONTROL_CHARACTERS.test(v), 'Model contains control characters; remove them.')

const TpmLimit = z
  .number({ error: 'TPM limit must be a number of tokens per minute.' })
  .int('TPM limit must be a whole number of tokens per minute.')
  .positive('TPM limit must be a positive number of tokens per minute.')
  .max(1e12, 'TPM limit is implausibly large.')

// ── Upstreams (issue 10): where `keyward serve --gateway` sends a resource's traffic ─────────

export const UPSTREAM_URL_MAX = 2000
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * An OpenAI-compatible base URL, e.g. https://api.openai.com/v1 or http://127.0.0.1:8000/v1:
 * http or https, no user:password (a credential goes in an environment variable or the desktop's
 * keychain, never in the registry), no query or fragment; a trailing slash is dropped. Messages
 * never repeat the value: it may hold a credential typed by mistake. '' and null mean "none".
 */
export const UpstreamUrl = z
  .union([z.string(), z.null()], { error: 'Upstream URL must be text, e.g. https://api.openai.com/v1.' })
  .optional()
  .transform((v, ctx) => {
    if (v == null) return v
    const raw = v.trim()
    if (raw === '') return null
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message })
      return z.NEVER
    }
    if (raw.length > UPSTREAM_URL_MAX)
      return fail(`Upstream URL is too long: use at most ${UPSTREAM_URL_MAX} characters.`)
    if (CONTROL_CHARACTERS.test(raw) || /\s/.test(raw))
      return fail('Upstream URL contains spaces or control characters; remove them.')
    let url: URL
    try {
      url = new URL(raw)
    } catch {
      return fail(
        'Upstream URL is not a URL: give the base URL, e.g. https://api.openai.com/v1 or http://127.0.0.1:8000/v1.'
      )
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      return fail('Upstream URL must start with http:// or https://, e.g. https://api.openai.com/v1.')
    if (url.username !== '' || url.password !== '' || authority(raw).includes('@'))
      return fail(
        'Upstream URL must not hold a user name or password (user:pass@): remove it, and give the provider credential as an environment variable name (or, in the desktop app, as the provider key).'
      )
    if (url.search !== '' || url.hash !== '' || raw.includes('?') || raw.includes('#'))
      return fail(
        'Upstream URL must not have a query (?…) or fragment (#…): give the base URL only, e.g. https://api.openai.com/v1.'
      )
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
  })

/** The user-info, host and port part of a URL as typed (between "//" and the path). */
function authority(raw: string): string {
  return raw.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split(/[/?#]/)[0]
}

/** The model name the upstream expects (the key calls gpt-4o, the upstream gets gpt-4o-2024-08-06); '' and null mean "the resource's own". */
export const UpstreamModel = z
  .union([z.string(), z.null()], { error: 'Upstream model must be text.' })
  .optional()
  .transform((v) => (v === '' ? null : v))
  .superRefine((v, ctx) => {
    if (v == null) return
    const message =
      v.length > 100
        ? 'Upstream model is too long: use at most 100 characters.'
        : v !== v.trim()
          ? 'Upstream model has leading or trailing spaces; remove them.'
          : CONTROL_CHARACTERS.test(v)
            ? 'Upstream model contains control characters; remove them.'
            : null
    if (message) ctx.addIssue({ code: 'custom', message })
  })

/**
 * The NAME of the serving process's environment variable that holds the provider credential,
 * e.g. OPENAI_API_KEY; never the credential itself. Messages never repeat the value.
 */
export const UpstreamKeyEnv = z
  .union([z.string(), z.null()], { error: 'Upstream key variable must be text.' })
  .optional()
  .transform((v) => (v == null ? v : v.trim() === '' ? null : v.trim()))
  .superRefine((v, ctx) => {
    if (v == null) return
    if (v.length > 128 || !ENV_NAME.test(v))
      ctx.addIssue({
        code: 'custom',
        message:
          'Upstream key variable must be the NAME of an environment variable of the server (letters, digits and _, not starting with a digit; at most 128), e.g. OPENAI_API_KEY; never the key itself.'
      })
  })

export const ResourceAddInput = z
  .object({
    model: Model,
    type: ResourceType,
    tpmLimit: TpmLimit.nullable().optional(),
    status: ResourceStatus.default('active'),
    upstreamUrl: UpstreamUrl,
    upstreamModel: UpstreamModel,
    upstreamKeyEnv: UpstreamKeyEnv
  })
  .superRefine((v, ctx) => {
    if (v.type === 'TPM' && v.tpmLimit == null) {
      ctx.addIssue({
        code: 'custom',
        path: ['tpmLimit'],
        message: 'A TPM resource needs a TPM limit: the tokens per minute it provisions.'
      })
    }
    if (v.type === 'PYG' && v.tpmLimit != null) {
      ctx.addIssue({
        code: 'custom',
        path: ['tpmLimit'],
        message: 'A PYG (pay-as-you-go) resource takes no TPM limit; leave it empty.'
      })
    }
    needsUpstream(v, ctx, v.upstreamUrl == null)
  })
export type ResourceAddInput = z.input<typeof ResourceAddInput>

/** An upstream model or key variable means nothing without an upstream URL. */
function needsUpstream(
  v: { upstreamModel?: string | null; upstreamKeyEnv?: string | null },
  ctx: z.RefinementCtx,
  noUrl: boolean
): void {
  if (!noUrl) return
  for (const [field, label] of [
    ['upstreamModel', 'An upstream model'],
    ['upstreamKeyEnv', 'An upstream key variable']
  ] as const) {
    if (v[field] != null)
      ctx.addIssue({
        code: 'custom',
        path: [field],
        message: `${label} needs an upstream URL: give the upstream URL too, or leave it empty.`
      })
  }
}

/** undefined = unchanged; upstreamUrl '' or null removes the upstream with its model and key variable. */
export const ResourceEditInput = z
  .object({
    resource: ResourceRef,
    tpmLimit: TpmLimit.optional(),
    status: ResourceStatus.optional(),
    upstreamUrl: UpstreamUrl,
    upstreamModel: UpstreamModel,
    upstreamKeyEnv: UpstreamKeyEnv
  })
  .superRefine((v, ctx) => needsUpstream(v, ctx, v.upstreamUrl === null))
export const ResourceRefInput = z.object({ resource: ResourceRef })

/**
 * The desktop app only: a resource's provider key, kept encrypted with the OS keychain on this
 * computer (never in the registry). null or '' forgets it. Messages never repeat the key.
 */
export const UpstreamKeyInput = z.object({
  resource: ResourceRef,
  providerKey: z
    .union([z.string(), z.null()], { error: 'Provider key must be text, or null to forget it.' })
    .transform((v) => (v == null || v.trim() === '' ? null : v.trim()))
    .refine((v) => v == null || v.length <= 4096, 'Provider key is too long: use at most 4096 characters.')
    .refine(
      (v) => v == null || !CONTROL_CHARACTERS.test(v),
      'Provider key contains control characters or line breaks; paste the key alone.'
    )
})

export const PoolSetInput = z.object({
  tpmPool: z
    .number({ error: 'TPM pool must be a number of tokens per minute, or empty for no pool.' })
    .int('TPM pool must be a whole number.')
    .positive('TPM pool must be positive, or empty for no pool.')
    .max(1e15)
    .nullable()
})

export const AuditListInput = z.object({
  key: KeyRef.optional(),
  action: z.string().trim().min(1).max(64).optional(),
  limit: z.number().int().min(1, 'Limit must be at least 1.').max(1000, 'Limit must be at most 1000.').default(100),
  offset: z.number().int().min(0).default(0)
})

export const Empty = z.object({}).strict()

/** Turns a zod error into field → message; the first message per field wins. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {}
  for (const issue of error.issues) {
    const field = issue.path.length ? issue.path.map(String).join('.') : 'input'
    if (!(field in out)) out[field] = issue.message
  }
  return out
}

// ── Usage (issue 4) ───────────────────────────────────────────────────────

export const UsageInterval = z.enum(['per_minute', 'per_hour', 'per_day'], {
  error: 'Interval must be per_minute, per_hour or per_day.'
})
export type UsageInterval = z.infer<typeof UsageInterval>
export const USAGE_INTERVALS: readonly UsageInterval[] = UsageInterval.options
const IsoDate = z
  .string({ error: 'Give a date like 2026-11-01 or 2026-11-01T00:00:00Z.' })
  .refine(
    (v) => /^\d{4}-\d{2}-\d{2}/.test(v) && !Number.isNaN(Date.parse(v)),
    'Give a date like 2026-11-01 or 2026-11-01T00:00:00Z.'
  )
export const UsageReportInput = z.object({
  models: z.array(z.string().min(1)).max(100).optional(),
  /** A key's id or name; omitted = all keys. */
  key: KeyRef.optional(),
  department: z.string().trim().min(1).optional(),
  project: z.string().trim().min(1).optional(),
  start: IsoDate,
  end: IsoDate,
  interval: UsageInterval.default('per_hour')
})

// ── App settings (desktop preferences; never secrets) ───────────────────────

const TEAM_URL_MESSAGE =
  'Give the team server as http(s)://HOST:PORT, e.g. https://keys.example.com or http://10.0.0.5:8787.'
/** The address of a `keyward serve` node: http or https, no user name, password, query or fragment. */
export const TeamServerUrl = z
  .string({ error: TEAM_URL_MESSAGE })
  .trim()
  .min(1, TEAM_URL_MESSAGE)
  .max(2000, 'The server URL is too long: use at most 2000 characters.')
  .refine((value) => {
    try {
      const url = new URL(value)
      return (
        (url.protocol === 'http:' || url.protocol === 'https:') &&
        url.hostname !== '' &&
        !url.username &&
        !url.password &&
        !url.search &&
        !url.hash
      )
    } catch {
      return false
    }
  }, TEAM_URL_MESSAGE)
/** Where the desktop app's registry is: this computer's SQLite file (the default), or a team server. */
export const RegistryChoice = z.discriminatedUnion(
  'kind',
  [z.object({ kind: z.literal('local') }).strict(), z.object({ kind: z.literal('team'), url: TeamServerUrl }).strict()],
  { error: 'Registry must be local (this computer) or team (a server URL).' }
)
export type RegistryChoice = z.infer<typeof RegistryChoice>
/**
 * Switching registries: to a team server with its administrator key (write-only: kept in the OS
 * keychain, never in settings; omitted = the key already kept for that server), or back to this computer.
 */
export const RegistrySwitch = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('local') }).strict(),
    z
      .object({
        kind: z.literal('team'),
        url: TeamServerUrl,
        adminKey: z
          .string({ error: 'Give the administrator key (kwa_…) of the team server.' })
          .trim()
          .min(1, 'Give the administrator key (kwa_…) of the team server.')
          .max(200, 'An administrator key is 53 characters (kwa_…): check what was pasted.')
          .optional()
      })
      .strict()
  ],
  { error: 'Registry must be local (this computer) or team (a server URL).' }
)
export type RegistrySwitch = z.infer<typeof RegistrySwitch>

export const Theme = z.enum(['system', 'light', 'dark'], { error: 'Theme must be system, light or dark.' })
export type Theme = z.infer<typeof Theme>
export const THEMES: readonly Theme[] = Theme.options
/** The app's language: 'system' follows the OS where the app can read it, else English. */
export const Language = z.enum(['system', 'en', 'ar'], { error: 'Language must be system, en or ar.' })
export type Language = z.infer<typeof Language>
export const LANGUAGES: readonly Language[] = Language.options
export const AppSettings = z.object({
  theme: Theme,
  language: Language,
  /** Seconds after which the clipboard is cleared if it still holds a new key; 0 = never. */
  clipboardClearSeconds: z
    .number({ error: 'Clear after must be a number of seconds.' })
    .int('Use whole seconds.')
    .min(0, 'Use 0 (never) or more seconds.')
    .max(3600, 'Use at most 3600 seconds.'),
  /** Runs `keyward serve` inside the app (utility process). */
  serverEnabled: z.boolean(),
  serverPort: z
    .number({ error: 'Port must be a number.' })
    .int('Port must be a whole number.')
    .min(1024, 'Use a port from 1024 to 65535.')
    .max(65535, 'Use a port from 1024 to 65535.'),
  /** The local server also runs the OpenAI-compatible gateway (`keyward serve --gateway`). */
  serverGateway: z.boolean({ error: 'Gateway must be on (true) or off (false).' }),
  /** Which registry the window works on: this computer's file, or a team server (its admin key is in the keychain, never here). */
  registry: RegistryChoice
})
export type AppSettings = z.infer<typeof AppSettings>
export const DEFAULT_APP_SETTINGS: AppSettings = {
  theme: 'system',
  language: 'system',
  clipboardClearSeconds: 30,
  serverEnabled: false,
  serverPort: 8787,
  serverGateway: false,
  registry: { kind: 'local' }
}
/** A settings change; `registry` may carry the team server's admin key, which the desktop keeps in the keychain only. */
export const AppSettingsPatch = AppSettings.partial().extend({ registry: RegistrySwitch.optional() }).strict()

// ── Email notifications (issue 5) ─────────────────────────────────────────

export const SmtpSecurity = z.enum(['none', 'starttls', 'tls'], { error: 'Security must be none, starttls or tls.' })
export type SmtpSecurity = z.infer<typeof SmtpSecurity>
export const SMTP_SECURITY: readonly SmtpSecurity[] = SmtpSecurity.options
export const SmtpSettingsInput = z.object({
  host: z
    .string({ error: 'SMTP host is required.' })
    .trim()
    .min(1, 'SMTP host is required, e.g. smtp.example.com.')
    .max(255),
  port: z
    .number({ error: 'SMTP port must be a number.' })
    .int('SMTP port must be a whole number.')
    .min(1, 'SMTP port must be 1 to 65535.')
    .max(65535, 'SMTP port must be 1 to 65535.'),
  security: SmtpSecurity.default('starttls'),
  user: z.string().trim().max(255).nullable().optional(),
  from: z.email({ error: 'From must be one valid email address, like keyward@example.com.' }),
  /** Write-only. Only the desktop app stores it (encrypted with the OS key store); undefined = unchanged, null = remove. */
  password: z.string().max(1024).nullable().optional()
})
export const OutboxStatus = z.enum(['pending', 'sending', 'sent', 'failed'], {
  error: 'Status must be pending, sending, sent or failed.'
})
export type OutboxStatus = z.infer<typeof OutboxStatus>
export const OUTBOX_STATUSES: readonly OutboxStatus[] = OutboxStatus.options
export const OutboxListInput = z.object({
  status: OutboxStatus.optional(),
  limit: z.number().int().min(1).max(1000).default(200)
})
export const OutboxIdInput = z.object({ id: z.number({ error: 'Give the outbox message id.' }).int().positive() })
export const TestEmailInput = z.object({ to: z.email({ error: 'Give one valid email address to send the test to.' }) })

/** Demo data for a first look: generated by the core, secrets discarded, never on the clipboard. */
export const DemoLoadInput = z.object({
  keys: z
    .number({ error: 'Give how many demo keys to create.' })
    .int('Use a whole number of keys.')
    .min(1, 'Create at least 1 demo key.')
    .max(5000, 'Create at most 5000 demo keys from the app; use "keyward seed-demo" for more.')
    .default(50),
  seed: z.union([z.string().max(100), z.number().int()]).optional()
})

/**
 * "Export" on a screen: what the desktop app writes to a file the user picks in a save dialog.
 * Keys with the screen's filters (never a secret, never a hash), the audit log as JSON Lines, or
 * a usage report as CSV.
 */
export const FileExportInput = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('keys'), filters: KeyFilterInput.prefault({}), format: KeyExportFormat.default('csv') }),
    z.object({ kind: z.literal('audit') }),
    z.object({ kind: z.literal('usage'), report: UsageReportInput })
  ],
  { error: 'Export kind must be keys, audit or usage.' }
)
export type FileExportInput = z.input<typeof FileExportInput>
export interface FileExportResult {
  /** The file written, or null when the user cancelled the save dialog. */
  path: string | null
  /** Keys, audit entries or usage rows written. */
  count: number
}

/**
 * File ▸ Import Keys… in the desktop app. `files.importPick` asks for the file and checks every
 * row (a dry run); `files.import` imports the file that pick chose (by its token: the page never
 * names a path to read), asks where the new keys' secrets go, and writes them there: the secrets
 * never come to the page.
 */
export const FileImportInput = z.strictObject({
  token: z.string({ error: 'Choose the file to import first.' }).min(1, 'Choose the file to import first.').max(100),
  skipInvalid: z.boolean({ error: 'skipInvalid must be true or false.' }).default(false)
})
export type FileImportInput = z.input<typeof FileImportInput>
/** A key of an import as the page sees it: never a secret. */
export type ImportedKeyView = Omit<ImportedKey, 'secret'>
export interface FileImportPreview {
  /** null when the user cancelled the file dialog. */
  token: string | null
  /** The file's name and folder, for the dialog's title. */
  file: string
  format: KeyExportFormat
  /** The dry run: the rows that would be imported, and every problem by row and field. */
  created: number
  imported: number
  errors: KeyImportProblem[]
  keys: ImportedKeyView[]
}
export interface FileImportResult {
  /** True when the user cancelled the save dialog for the secrets: nothing was imported. */
  canceled: boolean
  created: number
  imported: number
  errors: KeyImportProblem[]
  keys: ImportedKeyView[]
  /** Where the new keys' secrets were written (0600), or null when there were none. */
  secretsFile: string | null
}
