import { shallowRef } from 'vue'
import type { KeywardClient } from '@shared/contract'
import type { KeywardError } from '@shared/errors'
import { createHttpClient } from './http-client'
import { detectMode, type ModeInfo } from './mode'

/** What the Electron preload exposes: the contract client plus the native menu's commands. */
export type DesktopBridge = KeywardClient & {
  /** Native menu commands, e.g. "new-key". Returns an unsubscribe function (if the preload offers one). */
  onMenu?: (callback: (command: string) => void) => (() => void) | void
}

declare global {
  interface Window {
    keyward?: DesktopBridge
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

export function signIn(key: string): void {
  adminKey = key
  signOutReason.value = null
  signedIn.value = true
}

export function signOut(reason: string | null = null): void {
  adminKey = null
  signOutReason.value = reason
  signedIn.value = modeInfo.mode !== 'web-console'
}

function buildClient(): KeywardClient {
  if (modeInfo.mode === 'desktop') return window.keyward as KeywardClient
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
  const off = window.keyward?.onMenu?.(callback)
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
