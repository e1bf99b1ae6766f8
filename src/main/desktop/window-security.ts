import { CONTENT_SECURITY_POLICY } from './window-options'

/** Only web links leave the app, and only to the OS browser. */
export function isExternalWebLink(url: string): boolean {
  try {
    const { protocol } = new URL(url)
    return protocol === 'https:' || protocol === 'http:'
  } catch {
    return false
  }
}

/** window.open / target=_blank: never a new Electron window; http(s) goes to the OS browser. */
export function windowOpenDecision(url: string): { action: 'deny'; openExternally: boolean } {
  return { action: 'deny', openExternally: isExternalWebLink(url) }
}

/** The page never navigates away from itself: a link click or a script setting location is refused. */
export function navigationAllowed(_url: string): false {
  return false
}

/** Camera, notifications, geolocation, clipboard reads...: the renderer needs none of them. */
export function permissionAllowed(_permission: string): false {
  return false
}

/** Adds the CSP header to a response's headers (header names are case-insensitive: replace any existing one). */
export function withCspHeader(headers: Record<string, string[] | string> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() === 'content-security-policy') continue
    out[name] = Array.isArray(value) ? value : [value]
  }
  out['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY]
  return out
}

/** The parts of webContents the hardening touches. */
export interface WebContentsLike {
  on(
    event: 'will-navigate' | 'will-redirect' | 'will-attach-webview',
    listener: (event: { preventDefault(): void }, ...args: unknown[]) => void
  ): unknown
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void
}

/** The parts of a session the hardening touches. */
export interface SessionLike {
  setPermissionRequestHandler(
    handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void) => void
  ): void
  setPermissionCheckHandler(handler: (webContents: unknown, permission: string) => boolean): void
  webRequest: {
    onHeadersReceived(
      listener: (
        details: { responseHeaders?: Record<string, string[] | string> },
        callback: (response: { responseHeaders: Record<string, string[]> }) => void
      ) => void
    ): void
  }
}

/** Applied to every webContents the app creates (app 'web-contents-created'). */
export function hardenWebContents(webContents: WebContentsLike, openExternal: (url: string) => unknown): void {
  const refuse = (event: { preventDefault(): void }, url: unknown) => {
    if (!navigationAllowed(String(url))) event.preventDefault()
  }
  webContents.on('will-navigate', (event, url) => refuse(event, url))
  webContents.on('will-redirect', (event, url) => refuse(event, url))
  webContents.on('will-attach-webview', (event) => event.preventDefault())
  webContents.setWindowOpenHandler(({ url }) => {
    const decision = windowOpenDecision(url)
    if (decision.openExternally) void Promise.resolve(openExternal(url)).catch(() => undefined)
    return { action: decision.action }
  })
}

/** Applied once to the default session. `sendCspHeader` in production (dev: Vite's HMR needs its own scripts). */
export function hardenSession(session: SessionLike, options: { sendCspHeader: boolean }): void {
  session.setPermissionRequestHandler((_webContents, permission, callback) => callback(permissionAllowed(permission)))
  session.setPermissionCheckHandler((_webContents, permission) => permissionAllowed(permission))
  if (options.sendCspHeader) {
    session.webRequest.onHeadersReceived((details, callback) =>
      callback({ responseHeaders: withCspHeader(details.responseHeaders) })
    )
  }
}
