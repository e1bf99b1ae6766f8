#!/usr/bin/env node
'use strict'
/**
 * The Chromium the browser tests run in. `npm test` and `npm run e2e` run this script before
 * `playwright test`, and playwright.config.ts launches what `find()` here returns, so the check
 * and the run agree:
 *
 *   1. Playwright's own Chromium, where `playwright install chromium` has put it;
 *   2. else the system's (/usr/bin/chromium on Debian, as CI installs it; /usr/bin/chromium-browser);
 *   3. else `playwright install chromium` is run once, and 1. is looked for again;
 *   4. if that fails too: one line naming the package to install, and exit 1, before the suite
 *      starts (rather than one "Executable doesn't exist" trace per test).
 *
 * `find()` and `ensure()` take what they look at as arguments and are unit-tested with fakes.
 */
const fs = require('node:fs')
const childProcess = require('node:child_process')

const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser']

/** A distribution's Chromium, run headless by Playwright: no sandbox (CI runs as root), no network chatter. */
const SYSTEM_CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]

/** Where Playwright keeps its Chromium (honours PLAYWRIGHT_BROWSERS_PATH), whether or not it is there. */
function playwrightChromiumPath() {
  try {
    return require('@playwright/test').chromium.executablePath()
  } catch {
    return null
  }
}

/**
 * The browser to launch, or null when there is none. Playwright's own Chromium goes through
 * `channel: 'chromium'` (the full browser in headless mode, so the headless shell need not be
 * installed too); a system one through its executablePath.
 */
function find({
  playwrightChromium = playwrightChromiumPath(),
  systemChromium = SYSTEM_CHROMIUM,
  exists = fs.existsSync
} = {}) {
  if (playwrightChromium && exists(playwrightChromium)) {
    return { source: 'playwright', executablePath: playwrightChromium, launchOptions: { channel: 'chromium' } }
  }
  const system = systemChromium.find((candidate) => exists(candidate))
  if (system) {
    return {
      source: 'system',
      executablePath: system,
      launchOptions: { executablePath: system, args: [...SYSTEM_CHROMIUM_ARGS] }
    }
  }
  return null
}

/** The package that gives this machine a Chromium, from its platform and /etc/os-release. */
function packageHint(platform, osRelease) {
  if (platform !== 'linux') {
    return 'run `npx playwright install chromium` on a network that reaches cdn.playwright.dev'
  }
  const field = (name) => {
    const match = new RegExp(`^${name}=("?)([^"\\n]*)\\1$`, 'm').exec(osRelease || '')
    return match ? match[2].toLowerCase().split(/\s+/) : []
  }
  const ids = [...field('ID'), ...field('ID_LIKE')]
  // Ubuntu ships Chromium only as a snap, whose confinement Playwright cannot drive.
  if (ids.includes('ubuntu'))
    return 'Ubuntu has no usable chromium package (only a snap): run `npx playwright install chromium` on a network that reaches cdn.playwright.dev'
  if (ids.includes('debian')) return "install Debian's chromium: apt-get install chromium"
  if (ids.includes('fedora') || ids.includes('rhel')) return "install Fedora's chromium: dnf install chromium"
  if (ids.includes('arch')) return "install Arch's chromium: pacman -S chromium"
  if (ids.includes('alpine')) return "install Alpine's chromium: apk add chromium"
  if (ids.includes('opensuse') || ids.includes('suse')) return "install openSUSE's chromium: zypper install chromium"
  return `install your distribution's chromium package (it must provide ${SYSTEM_CHROMIUM.join(' or ')})`
}

/** `playwright install chromium`, with the Playwright the tests use. Stdout (progress) shows; stderr is kept for the one line. */
function installPlaywrightChromium({ extraArgs = [] } = {}) {
  const cli = require.resolve('@playwright/test/cli')
  const result = childProcess.spawnSync(process.execPath, [cli, 'install', '--no-shell', 'chromium', ...extraArgs], {
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8'
  })
  const lines = String(result.stderr || (result.error && result.error.message) || '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
  const detail = lines.find((l) => /error|fail/i.test(l)) || lines[lines.length - 1] || `exit ${result.status}`
  return { ok: result.status === 0, detail: detail.slice(0, 200) }
}

function readOsRelease() {
  try {
    return fs.readFileSync('/etc/os-release', 'utf8')
  } catch {
    return ''
  }
}

/**
 * Finds a Chromium, installing Playwright's when there is none. Answers
 * `{ok: true, browser, installed}` or `{ok: false, message}` (one line).
 */
function ensure({
  find: findBrowser = () => find(),
  install = installPlaywrightChromium,
  platform = process.platform,
  osRelease = readOsRelease,
  log = (line) => console.log(line)
} = {}) {
  const found = findBrowser()
  if (found) return { ok: true, browser: found, installed: false }
  log(
    `keyward: no Chromium for the browser tests (neither Playwright's nor ${SYSTEM_CHROMIUM.join(', ')}); running \`playwright install chromium\`…`
  )
  const result = install()
  const after = findBrowser()
  if (after) return { ok: true, browser: after, installed: true }
  const why = result.ok ? 'it finished but left no browser' : `it failed: ${result.detail}`
  return {
    ok: false,
    message:
      `keyward: cannot run the browser tests: no Chromium, and \`playwright install chromium\` ${why}; ${packageHint(platform, osRelease())}.`.replace(
        /\s*\r?\n\s*/g,
        ' '
      )
  }
}

function describe(browser) {
  return browser.source === 'playwright'
    ? `Playwright's Chromium (${browser.executablePath})`
    : `the system Chromium (${browser.executablePath})`
}

function main() {
  const result = ensure()
  if (!result.ok) {
    console.error(result.message)
    process.exit(1)
  }
  console.log(`keyward: browser tests run in ${describe(result.browser)}`)
}

if (require.main === module) main()

module.exports = {
  find,
  ensure,
  packageHint,
  installPlaywrightChromium,
  playwrightChromiumPath,
  SYSTEM_CHROMIUM,
  SYSTEM_CHROMIUM_ARGS
}
