import { defineComponent, h, nextTick, reactive, type Component } from 'vue'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { NConfigProvider, NDialogProvider, NMessageProvider } from 'naive-ui'
import type { KeywardClient } from '@shared/contract'
import { KeywardError } from '@shared/errors'
import type { ApiKey, Resource } from '@shared/types'
import { useClient } from '@renderer/api'

/**
 * Mounts a dialog inside the providers the app gives it (theme, messages, dialogs) with a fresh
 * Pinia, attached to document.body because Naive UI teleports modals there.
 */
export function mountInApp<P extends Record<string, unknown>>(component: Component, initialProps: P = {} as P) {
  const pinia = createPinia()
  setActivePinia(pinia)
  /** Change these to re-render the component with new props, as its parent would. */
  const props = reactive({ ...initialProps }) as P
  const Host = defineComponent({
    setup: () => () =>
      h(NConfigProvider, null, () => h(NMessageProvider, null, () => h(NDialogProvider, null, () => h(component, { ...props }))))
  })
  const wrapper = mount(Host, { attachTo: document.body, global: { plugins: [pinia] } })
  return { wrapper, props, pinia }
}

export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await flushPromises()
    await nextTick()
  }
}

/** What the user sees: the page's visible text, as one string with spaces collapsed. */
export function screenText(): string {
  return (document.body.textContent ?? '').replace(/\s+/g, ' ')
}

export function resource(id: string, model: string, type: 'TPM' | 'PYG', extra: Partial<Resource> = {}): Resource {
  return { id, model, type, status: 'active', tpmLimit: type === 'TPM' ? 100_000 : null, keyCount: 0, ...extra }
}

export function apiKey(extra: Partial<ApiKey> = {}): ApiKey {
  return {
    id: 'k_test1',
    name: 'ChatbotProd',
    kind: 'standard',
    hint: 'kw_AbCd…9xYz',
    status: 'active',
    department: 'Engineering',
    project: 'Support',
    environment: 'Production',
    requestor: 'Maya',
    appId: 'chatbot',
    justification: null,
    notes: null,
    notifyEmail: null,
    resources: [],
    createdAt: '2026-06-01T12:00:00.000Z',
    updatedAt: '2026-06-01T12:00:00.000Z',
    expiresAt: null,
    lastUsedAt: null,
    ...extra
  }
}

export interface Call {
  op: string
  input: unknown
}

/**
 * A client of the contract answering from a tiny in-memory registry, recording every call. Ops a
 * test does not expect fail loudly, so a dialog calling something unplanned is caught.
 */
export function fakeClient(handlers: Partial<{ [K in keyof KeywardClient]: (input: Parameters<KeywardClient[K]>[0]) => unknown }>) {
  const calls: Call[] = []
  const client = new Proxy({} as KeywardClient, {
    get(_t, op: string) {
      return async (input: unknown) => {
        calls.push({ op, input })
        const handler = (handlers as Record<string, (input: unknown) => unknown>)[op]
        if (!handler) throw new KeywardError('INTERNAL', `Test did not expect ${op}`)
        return handler(input)
      }
    }
  })
  useClient(client)
  return { client, calls, callsTo: (op: string) => calls.filter((c) => c.op === op) }
}
