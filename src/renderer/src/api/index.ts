import { shallowRef } from 'vue'
import { OPERATION_NAMES, type KeywardClient, type OperationName } from '@shared/contract'
import type { KeywardError } from '@shared/errors'
import { toKeywardError, type DesktopBridge } from '@shared/ipc'
import { createHttpClient } from './http-client'
import { detectMode, type ModeInfo } from './mode'

declare global {
  interface Window {
    /** The Electron preload's client (src/preload/bridge.ts); absent in a browser. */
    keyward?: Partial<DesktopBridge>
  }
}

/**
 * The renderer's one way to reach Keyward. Views and stores import `api` and nothing else:
 * never `window.keyward`, never `fetch`.
 */
export const modeInfo: ModeInfo = typeof window === 'undefined' ? { mode: 'http', rpcBase: '/rpc' } : detectMode()

/**
 * The web console's admin key: this tab's memory only (a module variable, not Pinia, not
 * storage), so a reload or a closed tab signs the user out.
 */
let adminKey: string | null = null
/** Whether the web console has a key to send; reactive for the sign-in screen. */
export const signedIn = shallowRef(modeInfo.mode !== 'web-console')
/** The reason the user was signed out (a 401 from the server), shown on the sign-in screen. */
export const signOutReason = shallowRef<string | null>(null)

/**
 * Signs the web console in, once one harmless read shows the server takes the key. The screens
 * (and their requests) appear only for a key that works: a refused key stays on the sign-in
 * screen with its reason, and costs the server's sign-in throttle one failure, not one per request.
 */
export async function signIn(key: string): Promise<void> {
  adminKey = key
  try {
    await api['resources.list']({})
  } catch (error) {
    adminKey = null
    throw error
  }
  signOutReason.value = null
  signedIn.value = true
}

export function signOut(reason: string | null = null): void {
  adminKey = null
  signOutReason.value = reason
  signedIn.value = modeInfo.mode !== 'web-console'
}

/**
 * The preload's client, with each rejection rebuilt as a KeywardError: contextBridge delivers
 * `{name, code, message, fields}` as plain data, and the views expect the same errors as over HTTP.
 */
export function desktopClient(bridge: Partial<DesktopBridge>): KeywardClient {
  const client = {} as Record<OperationName, (input: unknown) => Promise<unknown>>
  for (const name of OPERATION_NAMES) {
    client[name] = async (input: unknown) => {
      const call = bridge[name] as ((input: unknown) => Promise<unknown>) | undefined
      if (!call) throw toKeywardError({ code: 'INTERNAL', message: `This version of the app cannot do ${name}. Update Keyward.` })
      try {
        return await call(input)
      } catch (error) {
        throw toKeywardError(error)
      }
    }
  }
  return client as unknown as KeywardClient
}

function buildClient(): KeywardClient {
  if (modeInfo.mode === 'desktop') return desktopClient(window.keyward!)
  return createHttpClient({
    base: modeInfo.rpcBase,
    headers: (): Record<string, string> => (adminKey ? { authorization: `Bearer ${adminKey}` } : {}),
    onUnauthorized: (error: KeywardError) => {
      if (modeInfo.mode === 'web-console') signOut(error.message)
    }
  })
}

let client: KeywardClient | null = null

/** Replaces the transport (component tests hand in a fake client). */
export function useClient(next: KeywardClient | null): void {
  client = next
}

/** The contract client. A Proxy so tests can swap the transport after modules imported `api`. */
export const api: KeywardClient = new Proxy({} as KeywardClient, {
  get(_target, name: string) {
    client ??= buildClient()
    return (client as unknown as Record<string, unknown>)[name]
  }
})

/** Subscribes to the native menu (desktop only); a no-op elsewhere. */
export function onMenuCommand(callback: (command: string) => void): () => void {
  if (typeof window === 'undefined') return () => {}
  const onMenu = window.keyward?.onMenu
  if (typeof onMenu !== 'function') return () => {}
  const off = onMenu((command) => callback(String(command)))
  return typeof off === 'function' ? off : () => {}
}

/**
 * Whether the host puts a new secret on the clipboard itself (desktop, and the test server that
 * stands in for it). In the web console the server cannot reach this computer's clipboard, so the
 * browser's clipboard is used when the user clicks Copy.
 */
export const hostClipboard = modeInfo.mode !== 'web-console'

/** Copies a secret: through the host (it clears it later), or the browser's clipboard in the web console. */
export async function copySecret(secret: string): Promise<{ clearsInSeconds: number }> {
  if (hostClipboard) return api['clipboard.writeSecret']({ secret })
  await navigator.clipboard.writeText(secret)
  return { clearsInSeconds: 0 }
}
