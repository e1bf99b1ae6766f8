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
  sort?: string
  desc?: boolean
}

/**
 * Declares the filter flags on `command`. `resourceFlag` names the resource filter's flag (bulk
 * assign/unassign use --resource for the resources to act with, so there the filter is
 * --holding); `sort: false` leaves out --sort and --desc (a bulk action has no order).
 */
export function keyFilterOptions(
  command: Command,
  { resourceFlag = '--resource', sort = true }: { resourceFlag?: string; sort?: boolean } = {}
): Command {
  command
    .option('--department <name>', 'only keys of this department (repeatable)', collect)
    .option('--project <name>', 'only keys of this project (repeatable)', collect)
    .option('--environment <name>', 'only keys of this environment')
    .option('--status <status>', 'active, disabled or expired')
    .option(`${resourceFlag} <RREF>`, 'only keys holding this resource')
    .option('--search <text>', 'text in the name, requestor, app ID or notes')
    .option('--expiring-within <days>', 'only keys expiring within this many days', integerOption('--expiring-within'))
  if (sort)
    command
      .option('--sort <field>', 'name, createdAt, lastUsedAt or expiresAt', 'name')
      .option('--desc', 'sort in descending order')
  return command
}

/** The flags as the contract's filters, without order: what a bulk action selects by. */
export function keySelectionFrom(opts: KeyFilterFlags): Omit<KeyListInput, 'sort' | 'desc' | 'limit' | 'offset'> {
  return {
    departments: opts.department,
    projects: opts.project,
    environment: opts.environment,
    status: opts.status as 'active' | undefined,
    resource: opts.resource,
    search: opts.search,
    expiringWithinDays: opts.expiringWithin
  }
}

/** The flags as the contract's filters and order; the schema checks the values (and names the field). */
export function keyFiltersFrom(opts: KeyFilterFlags): Omit<KeyListInput, 'limit' | 'offset'> {
  return { ...keySelectionFrom(opts), sort: opts.sort as 'name', desc: opts.desc === true }
}
