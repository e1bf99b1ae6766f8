import { defineStore } from 'pinia'
import { ref } from 'vue'
import { toErrorPayload, type ErrorPayload } from '@shared/errors'
import type { FlushResult, OutboxItem } from '@shared/types'
import { api } from '../api'

export type OutboxStatus = OutboxItem['status']

export interface OutboxFilter {
  /** null = every status. */
  status: OutboxStatus | null
}

/** The newest messages the screen lists; an outbox holds one alert per key created with Notify via Email. */
export const OUTBOX_LIMIT = 500

/**
 * The email outbox: alerts waiting, being sent, sent or failed, newest first, filtered by status
 * on the host. Messages hold only the recipient, subject and delivery state; never a key's secret.
 */
export const useOutboxStore = defineStore('outbox', () => {
  const items = ref<OutboxItem[]>([])
  const loading = ref(false)
  const error = ref<ErrorPayload | null>(null)
  const filter = ref<OutboxFilter>({ status: null })
  /** Ids of messages with a retry or discard in flight. */
  const pending = ref<number[]>([])
  const loaded = ref(false)
  /** The SMTP relay is set up (host and From saved); null until known. */
  const configured = ref<boolean | null>(null)
  /** The answer of the last "Send now" (or "Retry now", which sends too). */
  const lastFlush = ref<FlushResult | null>(null)
  const flushing = ref(false)

  let latest = 0
  async function load(): Promise<void> {
    const ticket = ++latest
    loading.value = true
    try {
      const [list, smtp] = await Promise.all([
        api['notify.outbox']({ status: filter.value.status ?? undefined, limit: OUTBOX_LIMIT }),
        // Only for the "not set up" hint: the list still shows if this one fails.
        api['notify.settings.get']({}).catch(() => null)
      ])
      if (ticket !== latest) return
      items.value = list.items
      configured.value = smtp ? smtp.host != null && smtp.from != null : null
      error.value = null
      loaded.value = true
    } catch (e) {
      if (ticket !== latest) return
      error.value = toErrorPayload(e)
      items.value = []
    } finally {
      if (ticket === latest) loading.value = false
    }
  }

  function setFilter(status: OutboxStatus | null): Promise<void> {
    filter.value = { status }
    return load()
  }

  /** Delivers everything pending now, backoff or not, and reloads. */
  async function flush(): Promise<FlushResult> {
    flushing.value = true
    try {
      const result = await api['notify.flush']({}).finally(load)
      // After the reload, so the answer and the table it describes appear together.
      lastFlush.value = result
      return result
    } finally {
      flushing.value = false
    }
  }

  async function change<T>(id: number, run: () => Promise<T>): Promise<T> {
    pending.value = [...pending.value, id]
    try {
      return await run()
    } finally {
      pending.value = pending.value.filter((x) => x !== id)
    }
  }

  /**
   * "Retry now": the message becomes due at once with a fresh count of attempts, then is sent
   * straight away (the background sender would otherwise take it on its next round).
   */
  function retry(item: OutboxItem): Promise<FlushResult> {
    return change(item.id, async () => {
      try {
        await api['notify.retry']({ id: item.id })
      } catch (e) {
        await load()
        throw e
      }
      return flush()
    })
  }

  /** Removes a message from the outbox; one not sent yet never will be. */
  function remove(item: OutboxItem): Promise<OutboxItem> {
    return change(item.id, async () => {
      try {
        return (await api['notify.discard']({ id: item.id })).discarded
      } finally {
        await load()
      }
    })
  }

  return {
    items,
    loading,
    error,
    filter,
    pending,
    loaded,
    configured,
    lastFlush,
    flushing,
    load,
    setFilter,
    flush,
    retry,
    remove
  }
})
