import { defineStore } from 'pinia'
import { ref } from 'vue'
import { toErrorPayload, type ErrorPayload } from '@shared/errors'
import type { AuditEntry, AuditVerifyResult } from '@shared/types'
import { api } from '../api'

export interface AuditFilter {
  /** A key's name or id (also a deleted key's). */
  key: string
  action: string | null
}

/** The audit log, newest first, one page at a time, and the hash chain's status. */
export const useAuditStore = defineStore('audit', () => {
  const items = ref<AuditEntry[]>([])
  const total = ref(0)
  const loading = ref(false)
  const error = ref<ErrorPayload | null>(null)
  const filter = ref<AuditFilter>({ key: '', action: null })
  const pending = ref<string[]>([])
  const page = ref(1)
  const pageSize = ref(50)
  const chain = ref<AuditVerifyResult | null>(null)
  const chainError = ref<ErrorPayload | null>(null)

  let latest = 0
  async function load(): Promise<void> {
    const ticket = ++latest
    loading.value = true
    try {
      const key = filter.value.key.trim()
      const result = await api['audit.list']({
        key: key || undefined,
        action: filter.value.action ?? undefined,
        limit: pageSize.value,
        offset: (page.value - 1) * pageSize.value
      })
      if (ticket !== latest) return
      items.value = result.items
      total.value = result.total
      error.value = null
    } catch (e) {
      if (ticket !== latest) return
      error.value = toErrorPayload(e)
      items.value = []
      total.value = 0
    } finally {
      if (ticket === latest) loading.value = false
    }
  }

  async function verify(): Promise<void> {
    try {
      chain.value = await api['audit.verify']({})
      chainError.value = null
    } catch (e) {
      chainError.value = toErrorPayload(e)
    }
  }

  function setFilter(patch: Partial<AuditFilter>): Promise<void> {
    filter.value = { ...filter.value, ...patch }
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

  return {
    items,
    total,
    loading,
    error,
    filter,
    pending,
    page,
    pageSize,
    chain,
    chainError,
    load,
    verify,
    setFilter,
    setPage,
    setPageSize
  }
})
