import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { Input } from '@shared/contract'
import { toErrorPayload, type ErrorPayload } from '@shared/errors'
import type { Resource, TpmPool } from '@shared/types'
import { api } from '../api'

/** The Resources table (all of them: a registry has tens, not thousands) and the TPM pool. */
export const useResourcesStore = defineStore('resources', () => {
  const items = ref<Resource[]>([])
  const pool = ref<TpmPool | null>(null)
  const loading = ref(false)
  const error = ref<ErrorPayload | null>(null)
  const filter = ref<{ search: string }>({ search: '' })
  const pending = ref<string[]>([])
  const loaded = ref(false)

  const filtered = computed(() => {
    const q = filter.value.search.trim().toLowerCase()
    return q ? items.value.filter((r) => r.model.toLowerCase().includes(q) || r.type.toLowerCase() === q) : items.value
  })

  let latest = 0
  async function load(): Promise<void> {
    const ticket = ++latest
    loading.value = true
    try {
      const [list, tpm] = await Promise.all([api['resources.list']({}), api['pool.get']({})])
      if (ticket !== latest) return
      items.value = list.items
      pool.value = tpm
      error.value = null
      loaded.value = true
    } catch (e) {
      if (ticket === latest) error.value = toErrorPayload(e)
    } finally {
      if (ticket === latest) loading.value = false
    }
  }

  async function change<T>(id: string | null, run: () => Promise<T>): Promise<T> {
    if (id) pending.value = [...pending.value, id]
    try {
      const result = await run()
      await load()
      return result
    } finally {
      if (id) pending.value = pending.value.filter((x) => x !== id)
    }
  }

  function add(input: Input<'resources.add'>): Promise<Resource> {
    return change(null, async () => (await api['resources.add'](input)).resource)
  }

  function save(resource: Resource, changes: Omit<Input<'resources.edit'>, 'resource'>): Promise<Resource> {
    return change(
      resource.id,
      async () => (await api['resources.edit']({ resource: resource.id, ...changes })).resource
    )
  }

  function remove(resource: Resource): Promise<Resource> {
    return change(resource.id, async () => (await api['resources.remove']({ resource: resource.id })).removed)
  }

  function setPool(tpmPool: number | null): Promise<TpmPool> {
    return change(null, () => api['pool.set']({ tpmPool }))
  }

  return { items, pool, loading, error, filter, pending, loaded, filtered, load, add, save, remove, setPool }
})
