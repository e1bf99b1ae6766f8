import { defineComponent, h, nextTick, reactive, type Component } from 'vue'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { NConfigProvider, NDialogProvider, NMessageProvider } from 'naive-ui'
import type { KeywardClient, OperationName, Reply } from '@shared/contract'
import { KeywardError, toErrorPayload } from '@shared/errors'
import type { ApiKey, Resource } from '@shared/types'
import { buildDesktopBridge } from '../../src/preload/bridge'
import { i18n } from '../../src/renderer/src/i18n'

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
      h(NConfigProvider, null, () =>
        h(NMessageProvider, null, () => h(NDialogProvider, null, () => h(component, { ...props })))
      )
  })
  const wrapper = mount(Host, { attachTo: document.body, global: { plugins: [pinia, i18n] } })
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
  return {
    id,
    model,
    type,
    status: 'active',
    tpmLimit: type === 'TPM' ? 100_000 : null,
    keyCount: 0,
    upstream: null,
    ...extra
  }
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

type Handlers = Partial<{ [K in keyof KeywardClient]: (input: Parameters<KeywardClient[K]>[0]) => unknown }>

/** Runs the test's handler for an operation as a host would: a reply, errors as their payload. */
async function answer(handlers: Handlers, calls: Call[], op: string, input: unknown): Promise<Reply> {
  calls.push({ op, input })
  const handler = (handlers as Record<string, (input: unknown) => unknown>)[op]
  try {
    if (!handler) throw new KeywardError('INTERNAL', `Test did not expect ${op}`)
    return { ok: true, result: structuredClone(await handler(input)) }
  } catch (error) {
    return { ok: false, error: toErrorPayload(error) }
  }
}

function recorder(handlers: Handlers) {
  const calls: Call[] = []
  return {
    calls,
    callsTo: (op: string) => calls.filter((c) => c.op === op),
    answer: (op: string, input: unknown) => answer(handlers, calls, op, input)
  }
}

/**
 * The desktop app in miniature: `window.keyward` is the real preload bridge (src/preload/bridge.ts)
 * over a stand-in ipcRenderer whose main answers from the test's handlers, recording every call.
 * Ops a test does not expect fail loudly, so a dialog calling something unplanned is caught.
 */
export function fakeClient(handlers: Handlers) {
  const recorded = recorder(handlers)
  const listeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>()
  const bridge = buildDesktopBridge({
    invoke: (channel, input) => recorded.answer(channel.slice(channel.indexOf(':') + 1), input),
    on: (channel, listener) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set())
      listeners.get(channel)!.add(listener)
    },
    removeListener: (channel, listener) => void listeners.get(channel)?.delete(listener)
  })
  Object.defineProperty(window, 'keyward', { value: bridge, configurable: true, writable: true })
  /** Main → page, as webContents.send(channel, value) would. */
  const send = (channel: string, value: unknown) => {
    for (const listener of listeners.get(channel) ?? []) listener({}, value)
  }
  return { calls: recorded.calls, callsTo: recorded.callsTo, send }
}

/**
 * The web console in miniature: no `window.keyward`, and `fetch` answers the admin API
 * (`POST /v1/admin/rpc/<operation>`) from the test's handlers, as `keyward serve` would.
 */
export function fakeWebConsole(handlers: Handlers) {
  const recorded = recorder(handlers)
  const requests: { url: string; headers: Record<string, string> }[] = []
  delete (window as { keyward?: unknown }).keyward
  const fetch = async (url: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    requests.push({ url: String(url), headers: (init?.headers ?? {}) as Record<string, string> })
    const op = String(url).replace(/^.*\/v1\/admin\/rpc\//, '') as OperationName
    const reply = await recorded.answer(op, JSON.parse(String(init?.body ?? '{}')))
    const status = reply.ok ? 200 : reply.error.code === 'UNAUTHORIZED' ? 401 : 400
    return new Response(JSON.stringify(reply.ok ? { result: reply.result } : { error: reply.error }), {
      status,
      headers: { 'content-type': 'application/json' }
    })
  }
  globalThis.fetch = fetch as typeof globalThis.fetch
  return { calls: recorded.calls, callsTo: recorded.callsTo, requests }
}
