import { defineConfig } from '@playwright/test'
import { find } from './scripts/browser.cjs'

/**
 * Browser tests run the real built renderer in Chromium: Playwright's own where installed, else
 * the system's (Debian's /usr/bin/chromium on CI). scripts/browser.cjs decides (and installs
 * Playwright's when there is neither; `npm test` runs it first); this file launches what it found.
 */
const browser = find()

export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results',
  fullyParallel: false,
  workers: 1,
  // One retry: a test that fails twice fails the run; one that passes on its retry is listed as
  // "flaky" in the report, to be fixed, rather than throwing away a whole CI run on a timing race.
  retries: 1,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: browser?.launchOptions ?? {}
  }
})
