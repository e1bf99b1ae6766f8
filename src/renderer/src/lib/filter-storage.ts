import { KEY_STATUSES } from '@shared/schemas'
import type { Input } from '@shared/contract'
import type { KeyStatus } from '@shared/types'

/** The API Keys filter bar. Persisted so it survives a reload: filters only, never key data. */
export interface KeyFilter {
  departments: string[]
  projects: string[]
  environment: string | null
  status: KeyStatus | null
  /** A resource as MODEL:TYPE. */
  resource: string | null
  search: string
}

export const FILTER_STORAGE_KEY = 'keyward.keys.filter.v1'

export function emptyKeyFilter(): KeyFilter {
  return { departments: [], projects: [], environment: null, status: null, resource: null, search: '' }
}

/** The filter as the host takes it (keys.list, keys.bulk, exports): empty parts left out, search trimmed. */
export function filterInput(f: KeyFilter): NonNullable<Input<'keys.export'>['filters']> {
  const search = f.search.trim()
  return {
    departments: f.departments.length ? [...f.departments] : undefined,
    projects: f.projects.length ? [...f.projects] : undefined,
    environment: f.environment ?? undefined,
    status: f.status ?? undefined,
    resource: f.resource ?? undefined,
    search: search ? search : undefined
  }
}

export function isFilterActive(f: KeyFilter): boolean {
  return (
    f.departments.length > 0 ||
    f.projects.length > 0 ||
    !!f.environment ||
    !!f.status ||
    !!f.resource ||
    f.search.trim() !== ''
  )
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim() !== '').slice(0, 100) : []
const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null)

/** Reads the saved filter; anything unexpected (an older version, a hand edit) falls back to "no filter". */
export function loadKeyFilter(storage: Storage | undefined = globalThis.localStorage): KeyFilter {
  try {
    const raw = storage?.getItem(FILTER_STORAGE_KEY)
    if (!raw) return emptyKeyFilter()
    const v = JSON.parse(raw) as Record<string, unknown>
    const status = text(v.status)
    return {
      departments: strings(v.departments),
      projects: strings(v.projects),
      environment: text(v.environment),
      status: status && (KEY_STATUSES as readonly string[]).includes(status) ? (status as KeyStatus) : null,
      resource: text(v.resource),
      search: typeof v.search === 'string' ? v.search.slice(0, 200) : ''
    }
  } catch {
    return emptyKeyFilter()
  }
}

export function saveKeyFilter(filter: KeyFilter, storage: Storage | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(FILTER_STORAGE_KEY, JSON.stringify(filter))
  } catch {
    // Storage full or disabled: the filter just won't survive a reload.
  }
}
