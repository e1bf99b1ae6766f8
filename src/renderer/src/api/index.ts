import { shallowRef } from 'vue'
import type { ClipboardOutcome } from '@shared/clipboard'
import type { Transport } from '@shared/contract'
import type { BulkProgressEvent, DesktopBridge } from '@shared/ipc'
import { createClient } from './client'
import { httpTransport } from './http'

declare global {
  interface Window {
    /** The Electron preload's transport (src/preload/bridge.ts); absent in the web console. */
    keyward?: DesktopBridge
  }
}

/** Where `keyward serve --ui` answers the contract for an administrator key. */
export const WEB_CONSOLE_RPC_BASE = '/v1/admin/rpc'

function desktopBridge(): DesktopBridge | undefined {
  return typeof window === 'undefined' ? undefined : window.keyward
}

/**
 * The page runs in one of two hosts: the desktop app (the preload exposed `window.keyward`
 * before any page script ran) or the web console (`keyward serve --ui`, over HTTP with an
 * administrator key).
 */
export function isDesktop(): boolean {
  return desktopBridge() !== undefined
}

/**
 * The web console's admin key: this tab's memory only (a module variable, not Pinia, not
 * storage), so a reload or a closed tab signs the user out.
 */
let adminKey: string | null = null
/** Whether the web console has a key to send; reactive for the sign-in screen. Always true on the desktop. */
export const signedIn = shallowRef(isDesktop())
/** The reason the user was signed out (a 401 from the server), shown on the sign-in screen. */
export const signOutReason = shallowRef<string | null>(null)

const webConsole = httpTransport({
  base: WEB_CONSOLE_RPC_BASE,
  headers: (): Record<string, string> => (adminKey ? { authorization: `Bearer ${adminKey}` } : {})
})

/**
 * The team server the desktop app is on did not answer its last call (an UNREACHABLE error):
 * the message to show, until the next call that the server answers. Null when all is well.
 */
export const registryOutOfReach = shallowRef<string | null>(null)

/** Operations the desktop app answers itself: their answer says nothing about the team server. */
const ANSWERED_BY_THE_APP = /^(settings|clipboard|server|files)\.|^scan\.pickFolder$|^resources\.setUpstreamKey$/

/** The desktop bridge when there is one, else the admin API; a 401 there signs the console out. */
const transport: Transport = async (operation, input) => {
  const bridge = desktopBridge()
  if (bridge) {
    const reply = await bridge.call(operation, input)
    if (!reply.ok && reply.error.code === 'UNREACHABLE') registryOutOfReach.value = reply.error.message
    else if (registryOutOfReach.value !== null && !ANSWERED_BY_THE_APP.test(operation)) registryOutOfReach.value = null
    return reply
  }
  const reply = await webConsole(operation, input)
  if (!reply.ok && reply.error.code === 'UNAUTHORIZED') signOut(reply.error.message)
  return reply
}

/**
 * The renderer's one way to reach Keyward. Stores and views import `api` and nothing else:
 * never `window.keyward`, never `fetch`. Failures reject with a KeywardError.
 */
export const api = createClient(transport)

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
  signedIn.value = isDesktop()
}

/** Subscribes to the native menu (desktop only); a no-op in the web console. */
export function onMenuCommand(callback: (command: string) => void): () => void {
  const bridge = desktopBridge()
  if (!bridge) return () => {}
  const off = bridge.onMenu((command) => callback(String(command)))
  return typeof off === 'function' ? off : () => {}
}

/**
 * A running bulk action's progress after each chunk (desktop only: the web console's request
 * answers once, at the end, so there the bar stays indeterminate).
 */
export function onBulkProgress(callback: (progress: BulkProgressEvent) => void): () => void {
  const bridge = desktopBridge()
  if (!bridge || typeof bridge.onBulkProgress !== 'function') return () => {}
  const off = bridge.onBulkProgress(callback)
  return typeof off === 'function' ? off : () => {}
}

/**
 * The show-once dialog's Copy button. On the desktop, main copies the secret it still holds for
 * that key (the secret never travels back); the web console's server cannot reach this
 * computer's clipboard, so the browser's is used, and nothing clears it later.
 */
export async function copyShownSecret(keyId: string, secret: string): Promise<ClipboardOutcome> {
  if (isDesktop()) return api['clipboard.copySecret']({ keyId })
  try {
    await navigator.clipboard.writeText(secret)
    return { copied: true, clearsInSeconds: 0 }
  } catch {
    return { copied: false, reason: 'this browser did not allow the page to write to the clipboard' }
  }
}

/** The show-once dialog closed: the desktop host forgets the secret it held for that key. */
export function releaseShownSecret(keyId: string): void {
  if (isDesktop()) void api['clipboard.release']({ keyId }).catch(() => undefined)
}
