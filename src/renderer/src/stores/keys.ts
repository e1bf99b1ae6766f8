import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import type { ClipboardOutcome } from '@shared/clipboard'
import type { Input } from '@shared/contract'
import { toErrorPayload, type ErrorPayload } from '@shared/errors'
import type { KEY_SORTS, KeyChanges } from '@shared/schemas'
import type { ApiKey } from '@shared/types'
import { api } from '../api'
import {
  emptyKeyFilter,
  filterInput as toFilterInput,
  isFilterActive,
  loadKeyFilter,
  saveKeyFilter,
  type KeyFilter
} from '../lib/filter-storage'

export type KeySort = (typeof KEY_SORTS)[number]

/**
 * What create and rotate hand back to the caller. The secret is passed through, never kept here;
 * `clipboard` says what the desktop host did with it (absent in the web console).
 */
export interface RevealedSecret {
  key: ApiKey
  secret: string
  clipboard: ClipboardOutcome | null
}

/**
 * The API Keys table: one page of keys as the server sorted and filtered them. The whole
 * registry is never in memory; `items` is the page on screen.
 */
export const useKeysStore = defineStore('keys', () => {
  const items = ref<ApiKey[]>([])
  const total = ref(0)
  const loading = ref(false)
  const error = ref<ErrorPayload | null>(null)
  const filter = ref<KeyFilter>(loadKeyFilter())
  /** Ids of keys with a change in flight. */
  const pending = ref<string[]>([])
  const page = ref(1)
  const pageSize = ref(25)
  const sort = ref<{ by: KeySort; desc: boolean }>({ by: 'name', desc: false })
  /** True once a load has answered: tells "empty registry" from "not loaded yet". */
  const loaded = ref(false)

  const filterActive = computed(() => isFilterActive(filter.value))
  /** No keys at all, no filter hiding any: the first-run guide's cue. */
  const registryEmpty = computed(() => loaded.value && !error.value && total.value === 0 && !filterActive.value)

  watch(filter, (f) => saveKeyFilter(f), { deep: true })

  let latest = 0
  /** The current filters as the host takes them (keys.list, keys.bulk, exports), without paging. */
  const filterInput = (): ReturnType<typeof toFilterInput> => toFilterInput(filter.value)

  function listInput(): Input<'keys.list'> {
    return {
      ...filterInput(),
      sort: sort.value.by,
      desc: sort.value.desc,
      limit: pageSize.value,
      offset: (page.value - 1) * pageSize.value
    }
  }

  async function load(): Promise<void> {
    const ticket = ++latest
    loading.value = true
    try {
      const result = await api['keys.list'](listInput())
      if (ticket !== latest) return
      // The page fell off the end (keys removed elsewhere): show the last page that has keys.
      if (result.items.length === 0 && result.total > 0 && page.value > 1) {
        page.value = Math.max(1, Math.ceil(result.total / pageSize.value))
        return load()
      }
      items.value = result.items
      total.value = result.total
      error.value = null
      loaded.value = true
    } catch (e) {
      if (ticket !== latest) return
      error.value = toErrorPayload(e)
    } finally {
      if (ticket === latest) loading.value = false
    }
  }

  function setFilter(patch: Partial<KeyFilter>): Promise<void> {
    filter.value = { ...filter.value, ...patch }
    page.value = 1
    return load()
  }

  function clearFilter(): Promise<void> {
    filter.value = emptyKeyFilter()
    page.value = 1
    return load()
  }

  function setPage(next: number): Promise<void> {
    page.value = next
    return load()
  }

  function setPageSize(next: number): Promise<void> {
    pageSize.value = next
    page.value = 1
    return load()
  }

  function setSort(by: KeySort, desc: boolean): Promise<void> {
    sort.value = { by, desc }
    page.value = 1
    return load()
  }

  /** Runs one change to a key, marking it pending, then refreshes the page (its sort position may move). */
  async function change<T>(keyId: string | null, run: () => Promise<T>): Promise<T> {
    if (keyId) pending.value = [...pending.value, keyId]
    try {
      const result = await run()
      await load()
      return result
    } finally {
      if (keyId) pending.value = pending.value.filter((id) => id !== keyId)
    }
  }

  async function create(input: Input<'keys.create'>): Promise<RevealedSecret> {
    const { key, secret, clipboard } = await change(null, () => api['keys.create'](input))
    return { key, secret, clipboard: clipboard ?? null }
  }

  function save(key: ApiKey, changes: KeyChanges): Promise<ApiKey> {
    return change(key.id, async () => (await api['keys.edit']({ key: key.id, changes })).key)
  }

  function setResources(key: ApiKey, resourceIds: string[]): Promise<ApiKey> {
    return change(key.id, async () => (await api['keys.setResources']({ key: key.id, resources: resourceIds })).key)
  }

  function setEnabled(key: ApiKey, enabled: boolean): Promise<ApiKey> {
    return change(key.id, async () => (await api[enabled ? 'keys.enable' : 'keys.disable']({ key: key.id })).key)
  }

  async function rotate(key: ApiKey, graceSeconds: number): Promise<RevealedSecret> {
    const {
      key: after,
      secret,
      clipboard
    } = await change(key.id, () => api['keys.rotate']({ key: key.id, graceSeconds }))
    return { key: after, secret, clipboard: clipboard ?? null }
  }

  function remove(key: ApiKey): Promise<{ id: string; name: string }> {
    return change(key.id, async () => (await api['keys.delete']({ key: key.id })).deleted)
  }

  return {
    items,
    total,
    loading,
    error,
    filter,
    pending,
    page,
    pageSize,
    sort,
    loaded,
    filterActive,
    registryEmpty,
    filterInput,
    load,
    setFilter,
    clearFilter,
    setPage,
    setPageSize,
    setSort,
    create,
    save,
    setResources,
    setEnabled,
    rotate,
    remove
  }
})
