import { defineStore } from 'pinia'
import { ref } from 'vue'
import { toErrorPayload, type ErrorPayload } from '@shared/errors'
import { DEFAULT_APP_SETTINGS, type AppSettings } from '@shared/schemas'
import { api } from '../api'

/**
 * The app's preferences (theme, clipboard clearing, local server). Preferences only: nothing
 * here is a secret. Where the host has no settings (the web console), the defaults apply and
 * changes last for this tab.
 */
export const useSettingsStore = defineStore('settings', () => {
  const items = ref<AppSettings>({ ...DEFAULT_APP_SETTINGS })
  const loading = ref(false)
  const error = ref<ErrorPayload | null>(null)
  const filter = ref(null)
  const pending = ref<string[]>([])
  /** False when the host does not keep settings (they then last for this tab only). */
  const persisted = ref(true)

  async function load(): Promise<void> {
    loading.value = true
    try {
      items.value = await api['settings.get']({})
      persisted.value = true
      error.value = null
    } catch (e) {
      const payload = toErrorPayload(e)
      if (payload.code === 'NOT_FOUND' || payload.code === 'FORBIDDEN') persisted.value = false
      else error.value = payload
    } finally {
      loading.value = false
    }
  }

  async function save(patch: Partial<AppSettings>): Promise<AppSettings> {
    pending.value = [...pending.value, ...Object.keys(patch)]
    try {
      if (!persisted.value) {
        items.value = { ...items.value, ...patch }
        return items.value
      }
      items.value = await api['settings.set'](patch)
      error.value = null
      return items.value
    } finally {
      pending.value = pending.value.filter((k) => !(k in patch))
    }
  }

  return { items, loading, error, filter, pending, persisted, load, save }
})
