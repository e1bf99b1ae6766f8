/**
 * How this page reaches Keyward. Decided once at start-up:
 *  - "desktop": the Electron preload exposed `window.keyward` (IPC).
 *  - "web-console": `keyward serve --ui` injected `<meta name="keyward-mode" content="web-console">`
 *    (or the URL has `?mode=web-console`): HTTP to the admin API with an admin key from a sign-in screen.
 *  - "http": any other browser page (the e2e test server, `npm run e2e:server`): HTTP to `/rpc`.
 * The RPC base can be overridden with `<meta name="keyward-rpc-base" content="/some/base">`.
 */
export type AppMode = 'desktop' | 'web-console' | 'http'

export interface ModeInfo {
  mode: AppMode
  /** Base URL for `POST <base>/<operation>`; unused in desktop mode. */
  rpcBase: string
}

export const DEFAULT_RPC_BASE = '/rpc'
export const WEB_CONSOLE_RPC_BASE = '/v1/admin/rpc'

function meta(name: string): string | null {
  return document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content.trim() || null
}

export function detectMode(win: Window = window): ModeInfo {
  const override = meta('keyward-rpc-base')
  if ((win as { keyward?: unknown }).keyward) return { mode: 'desktop', rpcBase: '' }
  const declared = meta('keyward-mode') ?? new URLSearchParams(win.location.search).get('mode')
  if (declared === 'web-console') return { mode: 'web-console', rpcBase: override ?? WEB_CONSOLE_RPC_BASE }
  return { mode: 'http', rpcBase: override ?? DEFAULT_RPC_BASE }
}
