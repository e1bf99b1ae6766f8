/**
 * The renderer's Content-Security-Policy, for the desktop window and the web console alike.
 * Scripts only from the app itself; styles may be inline because Naive UI injects its CSS at run
 * time; no frames, plugins, forms or remote connections. src/renderer/index.html carries the same
 * policy as a meta tag (a test pins that they agree).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'"
].join('; ')
