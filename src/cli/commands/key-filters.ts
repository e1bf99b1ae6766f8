import type { Command } from 'commander'
import type { KeyListInput } from '../../shared/schemas'
import { collect, integerOption } from '../parse'

/** The flags of `keys list` that select and order keys (not paging): list, export and bulk share them. */
export interface KeyFilterFlags {
  department?: string[]
  project?: string[]
  environment?: string
  status?: string
  resource?: string
  search?: string
  expiringWithin?: number
  sort: string
  desc?: boolean
}

export function keyFilterOptions(command: Command): Command {
  return command
    .option('--department <name>', 'only keys of this department (repeatable)', collect)
    .option('--project <name>', 'only keys of this project (repeatable)', collect)
    .option('--environment <name>', 'only keys of this environment')
    .option('--status <status>', 'active, disabled or expired')
    .option('--resource <RREF>', 'only keys holding this resource')
    .option('--search <text>', 'text in the name, requestor, app ID or notes')
    .option('--expiring-within <days>', 'only keys expiring within this many days', integerOption('--expiring-within'))
    .option('--sort <field>', 'name, createdAt, lastUsedAt or expiresAt', 'name')
    .option('--desc', 'sort in descending order')
}

/** The flags as the contract's filters; the schema checks the values (and names the field). */
export function keyFiltersFrom(opts: KeyFilterFlags): Omit<KeyListInput, 'limit' | 'offset'> {
  return {
    departments: opts.department,
    projects: opts.project,
    environment: opts.environment,
    status: opts.status as 'active' | undefined,
    resource: opts.resource,
    search: opts.search,
    expiringWithinDays: opts.expiringWithin,
    sort: opts.sort as 'name',
    desc: opts.desc === true
  }
}
