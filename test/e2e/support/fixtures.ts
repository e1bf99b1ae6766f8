import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test as base, expect } from '@playwright/test'
import { startE2eServer, type E2eServer, type E2eServerOptions } from '../../e2e-server/server'
import { KeywardApp } from './keyward-app'

/**
 * Each test gets its own e2e server on a loopback port, over a fresh registry file in a fresh
 * temp folder, serving the built renderer (npx electron-vite build) in real Chromium.
 */
export const test = base.extend<{ serverOptions: Partial<E2eServerOptions>; server: E2eServer; app: KeywardApp }>({
  /** Extra server options for a file or describe block: test.use({ serverOptions: { passwordStorage: 'basic_text' } }). */
  serverOptions: [{}, { option: true }],
  server: async ({ serverOptions }, use) => {
    const dir = mkdtempSync(join(tmpdir(), 'keyward-e2e-'))
    const server = await startE2eServer({ dbPath: join(dir, 'registry.sqlite3'), actor: 'e2e-user', ...serverOptions })
    try {
      await use(server)
    } finally {
      await server.close()
      rmSync(dir, { recursive: true, force: true })
    }
  },
  app: async ({ page, server }, use) => {
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    page.on('console', (message) => {
      // The renderer must work under index.html's strict CSP: a blocked script or style is a failure.
      // (Chromium also notes that frame-ancestors is ignored in a <meta> policy: not a violation.)
      if (/Content Security Policy/.test(message.text()) && !/frame-ancestors/.test(message.text()))
        errors.push(message.text())
    })
    await use(new KeywardApp(page, server))
    // An uncaught exception or a CSP violation in the renderer fails the test that caused it.
    expect(errors, 'uncaught errors or CSP violations in the renderer').toEqual([])
  }
})

export { expect }
