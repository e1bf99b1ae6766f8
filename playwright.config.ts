import { existsSync } from 'node:fs'
import { defineConfig } from '@playwright/test'

/**
 * Browser tests run the real built renderer in Chromium. Where Playwright's own browsers are not
 * installed (this project's CI image has no browser download), Debian's /usr/bin/chromium is used.
 */
const systemChromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p))
const useSystemChromium = !!systemChromium && !process.env.KEYWARD_PLAYWRIGHT_BUNDLED

export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: useSystemChromium
      ? {
          executablePath: systemChromium,
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync'
          ]
        }
      : {}
  }
})
