import type { Command } from 'commander'
import { KeywardError } from '../../shared/errors'
import type { KeyChanges } from '../../shared/schemas'
import type { ApiKey, VerifyCode, VerifyResult } from '../../shared/types'
import type { CliContext } from '../context'
import { formatDate, formatFields, formatTable, formatTime, plural, type Column } from '../output'
import { collect, durationOption, expiresOption, integerOption } from '../parse'
import type { Registrar } from './index'
import { registerKeysBulk } from './keys-bulk'
import { keyFilterOptions, keyFiltersFrom, type KeyFilterFlags } from './key-filters'
import { registerKeysExport } from './keys-export'
import { registerKeysImport } from './keys-import'

function resourceList(key: ApiKey, max = Infinity): string {
  const labels = key.resources.map((r) => `${r.model}:${r.type}${r.status === 'inactive' ? ' (inactive)' : ''}`)
  if (labels.length <= max) return labels.join(', ')
  return `${labels.slice(0, max).join(', ')} +${labels.length - max} more`
}

const KEY_COLUMNS: Column<ApiKey>[] = [
  { header: 'Name', value: (k) => (k.kind === 'admin' ? `${k.name} (admin)` : k.name) },
  { header: 'Key hint', value: (k) => k.hint },
  { header: 'Resources', value: (k) => resourceList(k, 2), max: 48 },
  { header: 'Department', value: (k) => k.department, max: 24 },
  { header: 'Project', value: (k) => k.project, max: 24 },
  { header: 'Environment', value: (k) => k.environment, max: 16 },
  { header: 'Status', value: (k) => k.status },
  { header: 'Expires', value: (k) => formatDate(k.expiresAt) },
  { header: 'Last used', value: (k) => formatTime(k.lastUsedAt) }
]

function describeKey(key: ApiKey): string {
  return formatFields([
    ['Name', key.name],
    ['Id', key.id],
    ['Kind', key.kind],
    ['Key hint', key.hint],
    ['Status', key.status],
    ['Resources', resourceList(key)],
    ['Department', key.department],
    ['Project', key.project],
    ['Environment', key.environment],
    ['Requestor', key.requestor],
    ['App ID', key.appId],
    ['Justification', key.justification],
    ['Notes', key.notes],
    ['Notify', key.notifyEmail],
    ['Created', formatTime(key.createdAt)],
    ['Updated', formatTime(key.updatedAt)],
    ['Expires', formatTime(key.expiresAt)],
    ['Last used', formatTime(key.lastUsedAt)]
  ])
}

/** The one place a secret is written: stdout, after a create or rotate, with a warning it is shown once. */
function describeSecret(verb: string, doc: { key: ApiKey; secret: string }): string {
  return [
    `${verb} key ${doc.key.name} (${doc.key.id}).`,
    '',
    `  ${doc.secret}`,
    '',
    'This secret is shown once — store it now. Keyward keeps only its hash and cannot show it again.'
  ].join('\n')
}

const VERIFY_MEANING: Record<VerifyCode, string> = {
  VALID: 'the key is valid',
  MALFORMED: 'this is not a Keyward key (wrong format or checksum: check for a typo or a truncated copy)',
  NOT_FOUND: 'no key in this registry has that secret',
  REVOKED: 'the key was deleted, or this secret was replaced by a rotation and its grace window has ended',
  DISABLED: 'the key is disabled; "keyward keys enable" turns it back on',
  EXPIRED: 'the key has expired; "keyward keys edit KREF --expires …" sets a new date',
  APP_MISMATCH: 'the key is bound to an app: give its exact x-app-name with --app-name',
  MODEL_NOT_ASSIGNED: 'the key has no resource for that model',
  RESOURCE_INACTIVE: "the key's resource for that model is inactive",
  RATE_LIMITED: "the model's TPM limit is used up for this minute"
}

function describeVerify(result: VerifyResult): string {
  const who = result.key ? ` (key ${result.key.name}, ${result.key.id})` : ''
  const retry = result.retryAfter !== undefined ? `; retry in ${result.retryAfter}s` : ''
  return `${result.code}: ${VERIFY_MEANING[result.code]}${retry}${who}.`
}

interface DetailOptions {
  department?: string
  project?: string
  environment?: string
  requestor?: string
  appId?: string
  justification?: string
  notes?: string
  notify?: string
  expires?: string
}

/** The detail flags shared by create and edit; an empty value ("") clears a field on edit. */
function detailOptions(command: Command, verb: 'create' | 'edit'): Command {
  const clear = verb === 'edit' ? ' ("" clears)' : ''
  return command
    .option('--department <name>', `department${clear}`)
    .option('--project <name>', `project${clear}`)
    .option('--environment <name>', `environment, e.g. production${clear}`)
    .option('--requestor <name>', `who asked for the key${clear}`)
    .option('--app-id <x-app-name>', `bind the key to this exact x-app-name header value${clear}`)
    .option('--justification <text>', `business justification${clear}`)
    .option('--notes <text>', `notes${clear}`)
    .option('--notify <email>', `address alerted that the key was created (never sent the key)${clear}`)
    .option(
      '--expires <when>',
      verb === 'edit'
        ? 'a date (2027-01-31), Nd (N days from now), or never'
        : 'a date (2027-01-31) or Nd (N days from now)',
      expiresOption('--expires')
    )
}

function detailsFrom(opts: DetailOptions) {
  return {
    department: opts.department,
    project: opts.project,
    environment: opts.environment,
    requestor: opts.requestor,
    appId: opts.appId,
    justification: opts.justification,
    notes: opts.notes,
    notifyEmail: opts.notify,
    expiresAt: opts.expires
  }
}

/** One of --resource RREF… is required for assign/unassign. */
function requireResources(resources: string[] | undefined, verb: string): string[] {
  if (!resources?.length) {
    throw KeywardError.validation({
      '--resource': `Name at least one resource to ${verb}, e.g. --resource gpt-4o:TPM (repeat the flag for more).`
    })
  }
  return resources
}

/** 5400 → "1h 30m". */
function formatDuration(seconds: number): string {
  const parts: string[] = []
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1]
  ] as const) {
    if (seconds >= size) {
      parts.push(`${Math.floor(seconds / size)}${unit}`)
      seconds %= size
    }
  }
  return parts.join(' ')
}

/** The secret from stdin, without the line ending a shell or `echo` adds. */
async function secretFromStdin(ctx: CliContext): Promise<string> {
  const text = await ctx.readStdin('Key to verify (input hidden): ')
  const secret = text.replace(/[\r\n]+$/, '')
  if (secret === '') {
    throw KeywardError.validation({
      stdin: 'No key on stdin. Pipe the key in, e.g. `printf %s "$KEY" | keyward keys verify`.'
    })
  }
  return secret
}

/** `keys …`: create, list, show, edit, assign/unassign/set-resources, disable/enable, rotate, delete, verify. */
export const registerKeys: Registrar = (program, ctx) => {
  const keys = program
    .command('keys')
    .description('API keys: create, list, edit, assign resources, rotate, delete, verify')
  const resourceFlag = [
    '--resource <RREF>',
    'resource id or MODEL:TYPE, e.g. gpt-4o:TPM (repeatable)',
    collect
  ] as const

  detailOptions(
    keys
      .command('create')
      .description('create a key; its secret is printed once')
      .requiredOption('--name <name>', '1-64 letters and digits, unique')
      .option(...resourceFlag),
    'create'
  )
    .option('--admin', 'an administrator key (kwa_…) for the admin API; takes no resources')
    .action(async (opts: DetailOptions & { name: string; resource?: string[]; admin?: boolean }) => {
      const result = await ctx.call('keys.create', {
        name: opts.name,
        kind: opts.admin ? 'admin' : 'standard',
        resources: opts.resource ?? [],
        ...detailsFrom(opts)
      })
      ctx.print(result, (doc) => describeSecret('Created', doc))
    })

  const list = keys.command('list').description('list keys, filtered, sorted and paged')
  keyFilterOptions(list)
    .option('--limit <n>', 'at most this many keys (1-1000)', integerOption('--limit', { min: 1, max: 1000 }), 50)
    .option('--offset <n>', 'skip this many keys', integerOption('--offset'), 0)
    .action(async (opts: KeyFilterFlags & { limit: number; offset: number }) => {
      const page = await ctx.call('keys.list', { ...keyFiltersFrom(opts), limit: opts.limit, offset: opts.offset })
      ctx.print(page, (doc) => {
        if (doc.total === 0) return 'No keys match.'
        if (doc.items.length === 0)
          return `No keys on this page: ${plural(doc.total, 'key')} match; use a smaller --offset.`
        const last = opts.offset + doc.items.length
        const more = last < doc.total ? ` Next page: --offset ${last}.` : ''
        return `${formatTable(doc.items, KEY_COLUMNS)}\n\nShowing ${opts.offset + 1}-${last} of ${plural(doc.total, 'key')}.${more}`
      })
    })
  registerKeysExport(keys, ctx)
  registerKeysImport(keys, ctx)

  keys
    .command('show')
    .description("show one key's details")
    .argument('<KREF>', 'key id or name')
    .action(async (ref: string) => {
      ctx.print(await ctx.call('keys.get', { key: ref }), (doc) => describeKey(doc.key))
    })

  detailOptions(
    keys
      .command('edit')
      .description("change a key's details (everything but its kind)")
      .argument('<KREF>', 'key id or name')
      .option('--name <name>', 'new name'),
    'edit'
  ).action(async (ref: string, opts: DetailOptions & { name?: string }) => {
    const changes: KeyChanges = { name: opts.name, ...detailsFrom(opts) }
    for (const field of Object.keys(changes) as (keyof KeyChanges)[])
      if (changes[field] === undefined) delete changes[field]
    if (Object.keys(changes).length === 0) {
      throw new KeywardError(
        'VALIDATION',
        'Nothing to change: give at least one flag, e.g. --notes "rotated monthly". See "keyward keys edit --help".'
      )
    }
    ctx.print(
      await ctx.call('keys.edit', { key: ref, changes }),
      (doc) => `Saved key ${doc.key.name} (${doc.key.id}).\n\n${describeKey(doc.key)}`
    )
  })

  keys
    .command('assign')
    .description('add resources to a key (one resource type per model)')
    .argument('<KREF>', 'key id or name')
    .option(...resourceFlag)
    .action(async (ref: string, opts: { resource?: string[] }) => {
      const result = await ctx.call('keys.assign', { key: ref, resources: requireResources(opts.resource, 'assign') })
      ctx.print(result, (doc) => `Key ${doc.key.name} now holds: ${resourceList(doc.key) || 'no resources'}.`)
    })

  keys
    .command('unassign')
    .description('remove resources from a key')
    .argument('<KREF>', 'key id or name')
    .option(...resourceFlag)
    .action(async (ref: string, opts: { resource?: string[] }) => {
      const result = await ctx.call('keys.unassign', {
        key: ref,
        resources: requireResources(opts.resource, 'unassign')
      })
      ctx.print(result, (doc) => `Key ${doc.key.name} now holds: ${resourceList(doc.key) || 'no resources'}.`)
    })

  keys
    .command('set-resources')
    .description("replace a key's resources with exactly these (none: remove all)")
    .argument('<KREF>', 'key id or name')
    .option(...resourceFlag)
    .action(async (ref: string, opts: { resource?: string[] }) => {
      const result = await ctx.call('keys.setResources', { key: ref, resources: opts.resource ?? [] })
      ctx.print(result, (doc) => `Key ${doc.key.name} now holds: ${resourceList(doc.key) || 'no resources'}.`)
    })

  for (const [verb, op, text] of [
    ['disable', 'keys.disable', 'stop a key from verifying until it is enabled again'],
    ['enable', 'keys.enable', 'let a disabled key verify again']
  ] as const) {
    keys
      .command(verb)
      .description(text)
      .argument('<KREF>', 'key id or name')
      .action(async (ref: string) => {
        ctx.print(
          await ctx.call(op, { key: ref }),
          (doc) => `Key ${doc.key.name} (${doc.key.id}) is ${doc.key.status}.`
        )
      })
  }

  keys
    .command('rotate')
    .description('give a key a new secret; the old one keeps verifying for the grace window')
    .argument('<KREF>', 'key id or name')
    .option(
      '--grace <duration>',
      'how long the old secret keeps working: 30m, 24h, 7d (default: 0, it stops now)',
      durationOption('--grace'),
      0
    )
    .action(async (ref: string, opts: { grace: number }) => {
      const result = await ctx.call('keys.rotate', { key: ref, graceSeconds: opts.grace })
      ctx.print(result, (doc) => {
        const old =
          opts.grace > 0
            ? `The previous secret keeps verifying for ${formatDuration(opts.grace)}, until ${formatTime(new Date(Date.parse(doc.key.updatedAt) + opts.grace * 1000).toISOString())}.`
            : 'The previous secret no longer verifies.'
        return `${describeSecret('Rotated', doc)}\n${old}`
      })
    })

  keys
    .command('delete')
    .description('delete a key for good (its secret will verify as REVOKED)')
    .argument('<KREF>', 'key id or name')
    .option('--yes', 'confirm the deletion')
    .action(async (ref: string, opts: { yes?: boolean }) => {
      if (!opts.yes) {
        throw KeywardError.validation({
          '--yes': `Deleting a key cannot be undone: add --yes to confirm, e.g. keyward keys delete ${ref} --yes.`
        })
      }
      const result = await ctx.call('keys.delete', { key: ref })
      ctx.print(
        result,
        (doc) => `Deleted key ${doc.deleted.name} (${doc.deleted.id}). Its secret now verifies as REVOKED.`
      )
    })

  registerKeysBulk(keys, ctx)

  keys
    .command('verify')
    .description('check a key read from stdin (never from the command line); exit 1 when not valid')
    .option('--model <model>', 'the model the request is for')
    .option('--app-name <name>', 'the x-app-name header value of the request')
    .action(async (opts: { model?: string; appName?: string }) => {
      const secret = await secretFromStdin(ctx)
      const result = await ctx.verify({ secret, model: opts.model, appName: opts.appName })
      if (!result.valid) ctx.setExitCode(1)
      ctx.print(result, describeVerify)
    })
}
