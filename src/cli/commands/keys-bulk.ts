import { Argument, type Command } from 'commander'
import { KeywardError } from '../../shared/errors'
import { KEY_BULK_ACTIONS, type KeyBulkAction } from '../../shared/schemas'
import { loadCore, type CliContext } from '../context'
import { plural } from '../output'
import { collect, expiresOption } from '../parse'
import { keyFilterOptions, keySelectionFrom, type KeyFilterFlags } from './key-filters'

interface BulkFlags extends Omit<KeyFilterFlags, 'resource'> {
  holding?: string
  resource?: string[]
  set?: string[]
  dryRun?: boolean
  yes?: boolean
}

const SET_FIELDS = { department: 'department', project: 'project', environment: 'environment', expires: 'expiresAt' }
type SetField = keyof typeof SET_FIELDS

/** --set FIELD=VALUE… → the set input; an empty value clears the field. */
function setFrom(values: readonly string[], now: () => number = Date.now): Record<string, string> {
  const out: Record<string, string> = {}
  for (const text of values) {
    const at = text.indexOf('=')
    const field = (at < 0 ? text : text.slice(0, at)).trim()
    if (at < 0 || !(field in SET_FIELDS)) {
      throw KeywardError.validation({
        '--set': `"${text}" is not FIELD=VALUE with FIELD one of department, project, environment, expires (e.g. --set department=Finance; an empty value clears).`
      })
    }
    const value = text.slice(at + 1)
    out[SET_FIELDS[field as SetField]] = field === 'expires' ? expiresOption('--set expires', now)(value) : value
  }
  return out
}

/** The core's field names (filters.departments, set.expiresAt…) → the flags a CLI user typed. */
const FLAG_FOR = {
  'filters.departments': '--department',
  'filters.projects': '--project',
  'filters.environment': '--environment',
  'filters.status': '--status',
  'filters.resource': '--holding',
  'filters.search': '--search',
  'filters.expiringWithinDays': '--expiring-within',
  resources: '--resource',
  'set.department': '--set department',
  'set.project': '--set project',
  'set.environment': '--set environment',
  'set.expiresAt': '--set expires',
  set: '--set',
  action: 'ACTION'
} as Record<string, string>

function withFlags(error: unknown): unknown {
  if (!(error instanceof KeywardError) || !error.fields) return error
  const fields: Record<string, string> = {}
  for (const [field, message] of Object.entries(error.fields)) {
    const flag = FLAG_FOR[field] ?? FLAG_FOR[field.replace(/\.\d+$/, '')] ?? field
    fields[flag] ??= message
  }
  return error.code === 'VALIDATION'
    ? KeywardError.validation(fields)
    : new KeywardError(error.code, error.message, fields)
}

const DONE: Record<KeyBulkAction, [would: string, did: string]> = {
  disable: ['would be disabled', 'disabled'],
  enable: ['would be enabled', 'enabled'],
  delete: ['would be deleted', 'deleted (their secrets now verify as REVOKED)'],
  assign: ['would be given the resources', 'given the resources'],
  unassign: ['would lose the resources', 'lost the resources'],
  set: ['would change', 'changed']
}

const SHOWN = 20

/**
 * "keys bulk disable: 5000 of 10000 keys (50%)", rewritten in place on stderr after each chunk
 * and erased at the end; only when stderr is a terminal (a pipe or a log file gets nothing).
 */
function progressLine(
  action: KeyBulkAction,
  stderr: NodeJS.WriteStream = process.stderr
): { show: (p: { done: number; total: number }) => void; end: () => void } | undefined {
  if (!stderr.isTTY) return undefined
  let shown = false
  return {
    show({ done, total }) {
      if (total === 0) return
      shown = true
      stderr.write(
        `\r\x1b[Kkeys bulk ${action}: ${done} of ${plural(total, 'key')} (${Math.floor((100 * done) / total)}%)`
      )
    },
    end() {
      if (shown) stderr.write('\r\x1b[K')
    }
  }
}

/** `keys bulk ACTION [filters]`: one action on every key the filters of `keys list` select, in one transaction. */
export function registerKeysBulk(keys: Command, ctx: CliContext): void {
  keyFilterOptions(
    keys
      .command('bulk')
      .description(
        'act on every key the filters select (as keys list, without paging), all or nothing, one audit entry per changed key'
      )
      .addArgument(new Argument('<ACTION>', 'what to do').choices(KEY_BULK_ACTIONS)),
    { resourceFlag: '--holding', sort: false }
  )
    .option('--resource <RREF>', 'for assign/unassign: the resource to assign or unassign (repeatable)', collect)
    .option(
      '--set <FIELD=VALUE>',
      'for set: department=D, project=P, environment=E, expires=DATE|Nd|never (repeatable; empty clears)',
      collect
    )
    .option('--dry-run', 'print what would change; change nothing')
    .option('--yes', 'confirm a delete')
    .action(async (action: KeyBulkAction, opts: BulkFlags) => {
      if (action === 'delete' && !opts.yes && !opts.dryRun) {
        throw KeywardError.validation({
          '--yes':
            'Deleting keys cannot be undone: add --yes to confirm, or --dry-run to see which keys would be deleted.'
        })
      }
      const takesResources = action === 'assign' || action === 'unassign'
      if (takesResources && !opts.resource?.length) {
        throw KeywardError.validation({
          '--resource': `Name at least one resource to ${action}, e.g. --resource gpt-4o:TPM (repeat the flag for more).`
        })
      }
      if (!takesResources && opts.resource) {
        throw KeywardError.validation({
          '--resource':
            'Only assign and unassign take --resource; to select keys holding a resource use --holding RREF.'
        })
      }
      if ((action === 'set') !== Boolean(opts.set?.length)) {
        throw KeywardError.validation({
          '--set':
            action === 'set'
              ? 'Give at least one --set FIELD=VALUE, e.g. --set department=Finance.'
              : 'Only the set action takes --set.'
        })
      }
      let result
      try {
        const line = ctx.json ? undefined : progressLine(action)
        result = await ctx.call(
          'keys.bulk',
          {
            action,
            filters: keySelectionFrom({ ...opts, resource: opts.holding }),
            resources: takesResources ? opts.resource : undefined,
            set: action === 'set' ? setFrom(opts.set ?? []) : undefined,
            dryRun: opts.dryRun === true
          },
          line && {
            'keys.bulk': (input, c) =>
              loadCore().bulkInTurns(ctx.registry(), { onProgress: line.show })(input, c).finally(line.end)
          }
        )
      } catch (error) {
        throw withFlags(error)
      }
      ctx.print(result, (doc) => {
        const [would, did] = DONE[action]
        const head = `${plural(doc.matched, 'key')} matched; ${doc.changed} ${opts.dryRun ? would : did}.`
        if (doc.changed === 0) return opts.dryRun ? `${head} Nothing would change.` : `${head} Nothing changed.`
        const names = doc.keys.slice(0, SHOWN).map((k) => `  ${k.name} (${k.id})`)
        if (doc.keys.length > SHOWN) names.push(`  … and ${doc.keys.length - SHOWN} more (see --json)`)
        const tail = opts.dryRun ? '\n\nDry run: nothing was changed.' : ''
        return `${head}\n\n${names.join('\n')}${tail}`
      })
    })
}
