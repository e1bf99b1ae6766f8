import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CONTENT_SECURITY_POLICY, mainWindowOptions, MIN_WINDOW_SIZE } from '../../../src/main/desktop/window-options'
import {
  hardenSession,
  hardenWebContents,
  isExternalWebLink,
  navigationAllowed,
  permissionAllowed,
  windowOpenDecision,
  withCspHeader,
  type SessionLike,
  type WebContentsLike
} from '../../../src/main/desktop/window-security'
import { captureWindowState, restoreWindowState } from '../../../src/main/desktop/window-state'

describe('main window options', () => {
  const options = mainWindowOptions({ preloadPath: '/app/out/preload/index.js', dark: false, devTools: false })

  it('pins every security flag of webPreferences', () => {
    expect(options.webPreferences).toEqual({
      preload: '/app/out/preload/index.js',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: false
    })
  })

  it('opens hidden (shown when painted), with a minimum size, and restores the saved bounds', () => {
    expect(options).toMatchObject({
      show: false,
      title: 'Keyward',
      minWidth: MIN_WINDOW_SIZE.width,
      minHeight: MIN_WINDOW_SIZE.height
    })
    expect(options.x).toBeUndefined()
    const restored = mainWindowOptions({
      preloadPath: 'p',
      dark: true,
      devTools: true,
      state: { x: 5, y: 6, width: 1000, height: 700 }
    })
    expect(restored).toMatchObject({ x: 5, y: 6, width: 1000, height: 700, backgroundColor: '#18181c' })
    expect(restored.webPreferences?.devTools).toBe(true)
  })
})

describe('content security policy', () => {
  it('allows scripts only from the app itself and forbids frames, plugins, forms and base changes', () => {
    const directives = Object.fromEntries(
      CONTENT_SECURITY_POLICY.split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([k, ...v]) => [k, v.join(' ')])
    )
    expect(directives['default-src']).toBe("'self'")
    expect(directives['script-src']).toBe("'self'")
    expect(directives['script-src']).not.toMatch(/unsafe-(inline|eval)/)
    expect(directives['object-src']).toBe("'none'")
    expect(directives['frame-src']).toBe("'none'")
    expect(directives['frame-ancestors']).toBe("'none'")
    expect(directives['base-uri']).toBe("'none'")
    expect(directives['form-action']).toBe("'none'")
    expect(directives['connect-src']).toBe("'self'")
  })

  it("is no weaker than the renderer page's own meta policy for scripts and connections", () => {
    const html = readFileSync('src/renderer/index.html', 'utf8')
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1]
    expect(meta, 'src/renderer/index.html keeps a CSP meta tag').toBeTruthy()
    expect(meta).toMatch(/script-src 'self'(;|$)/)
    expect(meta).not.toMatch(/unsafe-eval/)
  })

  it('is sent as a response header, replacing any other CSP header', () => {
    const headers = withCspHeader({
      'content-type': ['text/html'],
      'content-security-policy': 'default-src *',
      Server: 'x'
    })
    expect(headers['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY])
    expect(headers['content-security-policy']).toBeUndefined()
    expect(headers['content-type']).toEqual(['text/html'])
    expect(headers.Server).toEqual(['x'])
  })
})

describe('navigation, new windows and permissions', () => {
  it('only http(s) links count as external', () => {
    expect(isExternalWebLink('https://platform.example.com/docs')).toBe(true)
    expect(isExternalWebLink('http://example.com')).toBe(true)
    for (const url of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://host/share',
      'data:text/html,x',
      'keyward://x',
      'not a url',
      'mailto:a@b.c'
    ]) {
      expect(isExternalWebLink(url), url).toBe(false)
    }
  })

  it('window.open is always denied; web links go to the OS browser, nothing else does', () => {
    expect(windowOpenDecision('https://example.com')).toEqual({ action: 'deny', openExternally: true })
    expect(windowOpenDecision('file:///tmp/x.html')).toEqual({ action: 'deny', openExternally: false })
  })

  it('navigation and every permission are refused', () => {
    expect(navigationAllowed('https://example.com')).toBe(false)
    for (const p of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'clipboard-sanitized-write',
      'openExternal',
      'fullscreen'
    ])
      expect(permissionAllowed(p)).toBe(false)
  })

  it('hardenWebContents wires those decisions into the real events', () => {
    const listeners = new Map<string, (event: { preventDefault(): void }, ...args: unknown[]) => void>()
    let openHandler: ((d: { url: string }) => { action: 'deny' }) | undefined
    const contents: WebContentsLike = {
      on: (event, listener) => listeners.set(event, listener),
      setWindowOpenHandler: (h) => void (openHandler = h)
    }
    const opened: string[] = []
    hardenWebContents(contents, (url) => opened.push(url))
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      let prevented = false
      listeners.get(event)!({ preventDefault: () => void (prevented = true) }, 'https://evil.example.com')
      expect(prevented, event).toBe(true)
    }
    expect(openHandler!({ url: 'https://docs.example.com' })).toEqual({ action: 'deny' })
    expect(openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' })
    expect(opened).toEqual(['https://docs.example.com'])
  })

  it('hardenSession denies permission requests and checks, and sends the CSP header in production', () => {
    const calls: Record<string, unknown> = {}
    const session: SessionLike = {
      setPermissionRequestHandler: (h) => void (calls.request = h),
      setPermissionCheckHandler: (h) => void (calls.check = h),
      webRequest: { onHeadersReceived: (l) => void (calls.headers = l) }
    }
    hardenSession(session, { sendCspHeader: true })
    let granted: boolean | undefined
    ;(calls.request as (w: unknown, p: string, cb: (g: boolean) => void) => void)(null, 'media', (g) => (granted = g))
    expect(granted).toBe(false)
    expect((calls.check as (w: unknown, p: string) => boolean)(null, 'clipboard-read')).toBe(false)
    let response: { responseHeaders: Record<string, string[]> } | undefined
    ;(calls.headers as (d: unknown, cb: (r: typeof response) => void) => void)(
      { responseHeaders: {} },
      (r) => (response = r)
    )
    expect(response?.responseHeaders['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY])

    const dev: Record<string, unknown> = {}
    hardenSession(
      { ...session, webRequest: { onHeadersReceived: (l) => void (dev.headers = l) } },
      { sendCspHeader: false }
    )
    expect(dev.headers).toBeUndefined()
  })
})

describe('window state', () => {
  const screen = [{ x: 0, y: 0, width: 1920, height: 1040 }]

  it('restores bounds that are on a display', () => {
    expect(restoreWindowState({ x: 100, y: 50, width: 1200, height: 800, maximized: true }, screen)).toEqual({
      bounds: { x: 100, y: 50, width: 1200, height: 800 },
      maximized: true
    })
  })

  it('drops a position that is off every display (monitor unplugged), keeping the size', () => {
    expect(restoreWindowState({ x: 3000, y: 50, width: 1200, height: 800, maximized: false }, screen)).toEqual({
      bounds: { width: 1200, height: 800 },
      maximized: false
    })
  })

  it('ignores a broken record', () => {
    expect(restoreWindowState({ width: 'big' }, screen)).toEqual({ maximized: false })
    expect(restoreWindowState(undefined, screen)).toEqual({ maximized: false })
  })

  it('captures the normal bounds and the maximised flag', () => {
    expect(
      captureWindowState({
        getNormalBounds: () => ({ x: 10.4, y: 20.6, width: 1000, height: 700 }),
        isMaximized: () => true
      })
    ).toEqual({
      x: 10,
      y: 21,
      width: 1000,
      height: 700,
      maximized: true
    })
  })
})
