import { defineStore } from 'pinia'
import { ref } from 'vue'
import { toErrorPayload, type ErrorPayload } from '@shared/errors'
import type { Suggestions } from '@shared/types'
import { api } from '../api'

/** Names already in use (departments, projects, environments) for filters and form suggestions. */
export const useSuggestionsStore = defineStore('suggestions', () => {
  const items = ref<Suggestions>({ departments: [], projects: [], environments: [] })
  const loading = ref(false)
  const error = ref<ErrorPayload | null>(null)
  const filter = ref(null)
  const pending = ref<string[]>([])

  async function load(): Promise<void> {
    loading.value = true
    try {
      items.value = await api['suggestions.get']({})
      error.value = null
    } catch (e) {
      error.value = toErrorPayload(e)
    } finally {
      loading.value = false
    }
  }

  return { items, loading, error, filter, pending, load }
})
