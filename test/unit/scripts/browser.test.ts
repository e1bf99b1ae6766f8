import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'

type BrowserScript = typeof import('../../../scripts/browser.cjs')
const browser = createRequire(import.meta.url)('../../../scripts/browser.cjs') as BrowserScript
const SCRIPT = resolve('scripts/browser.cjs')

const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nID=debian\n'
const UBUNTU = 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n'
const FEDORA = 'NAME="Fedora Linux"\nID=fedora\n'

const roots: string[] = []
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true })
})

/** A machine in a temp folder: where Playwright keeps its Chromium and where the system ones would be. */
function machine() {
  const root = mkdtempSync(join(tmpdir(), 'keyward-browser-'))
  roots.push(root)
  const playwrightChromium = join(root, 'ms-playwright', 'chromium-1', 'chrome-linux64', 'chrome')
  const systemChromium = [join(root, 'usr/bin/chromium'), join(root, 'usr/bin/chromium-browser')]
  const put = (file: string) => {
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, '#!/bin/sh\n')
  }
  const find = () => browser.find({ playwrightChromium, systemChromium })
  return { root, playwrightChromium, systemChromium, put, find }
}

describe('which Chromium the browser tests use', () => {
  it("prefers Playwright's own Chromium, launched through its channel, even where a system one exists", () => {
    const m = machine()
    m.put(m.playwrightChromium)
    m.put(m.systemChromium[0]!)
    expect(m.find()).toEqual({
      source: 'playwright',
      executablePath: m.playwrightChromium,
      launchOptions: { channel: 'chromium' }
    })
  })

  it('falls back to the system Chromium (chromium, else chromium-browser) with its executable path and headless flags', () => {
    const m = machine()
    m.put(m.systemChromium[1]!)
    const found = m.find()
    expect(found).toMatchObject({
      source: 'system',
      executablePath: m.systemChromium[1],
      launchOptions: { executablePath: m.systemChromium[1] }
    })
    expect(found!.launchOptions.args).toEqual(expect.arrayContaining(['--headless', '--no-sandbox']))
    m.put(m.systemChromium[0]!)
    expect(m.find()!.executablePath).toBe(m.systemChromium[0])
  })

  it('finds nothing where neither exists', () => {
    expect(machine().find()).toBeNull()
  })

  it("looks for Playwright's Chromium where Playwright itself puts it (PLAYWRIGHT_BROWSERS_PATH)", () => {
    const m = machine()
    const where = spawnSync(process.execPath, ['-p', `require(${JSON.stringify(SCRIPT)}).playwrightChromiumPath()`], {
      env: { ...process.env, PLAYWRIGHT_BROWSERS_PATH: m.root },
      encoding: 'utf8'
    })
    expect(where.status).toBe(0)
    expect(where.stdout.trim().startsWith(join(m.root, 'chromium-'))).toBe(true)
  })
})

describe('setting the browser up before the suite', () => {
  it('installs nothing when a Chromium is already there', () => {
    const m = machine()
    m.put(m.systemChromium[0]!)
    let installs = 0
    const result = browser.ensure({
      find: m.find,
      install: () => (installs++, { ok: true, detail: '' }),
      log: () => {}
    })
    expect(result).toMatchObject({ ok: true, installed: false, browser: { source: 'system' } })
    expect(installs).toBe(0)
  })

  it("runs the install once where there is none, and then uses Playwright's Chromium", () => {
    const m = machine()
    const logged: string[] = []
    let installs = 0
    const result = browser.ensure({
      find: m.find,
      install: () => {
        installs++
        m.put(m.playwrightChromium)
        return { ok: true, detail: '' }
      },
      log: (line) => logged.push(line)
    })
    expect(installs).toBe(1)
    expect(result).toEqual({
      ok: true,
      installed: true,
      browser: { source: 'playwright', executablePath: m.playwrightChromium, launchOptions: { channel: 'chromium' } }
    })
    expect(logged.join('\n')).toContain('playwright install chromium')
  })

  it('stops with one line naming the package to install when the install fails', () => {
    const m = machine()
    const result = browser.ensure({
      find: m.find,
      install: () => ({ ok: false, detail: 'Error: getaddrinfo ENOTFOUND cdn.playwright.dev' }),
      platform: 'linux',
      osRelease: () => DEBIAN,
      log: () => {}
    })
    expect(result.ok).toBe(false)
    const message = (result as { message: string }).message
    expect(message.split('\n')).toHaveLength(1)
    expect(message).toContain("install Debian's chromium: apt-get install chromium")
    expect(message).toContain('ENOTFOUND cdn.playwright.dev')
  })

  it('says so when the install reports success but leaves no browser', () => {
    const m = machine()
    const result = browser.ensure({
      find: m.find,
      install: () => ({ ok: true, detail: '' }),
      platform: 'linux',
      osRelease: () => FEDORA,
      log: () => {}
    })
    expect(result).toEqual({ ok: false, message: expect.stringContaining('finished but left no browser') })
    expect((result as { message: string }).message).toContain('dnf install chromium')
  })

  it('names the package of the machine it runs on', () => {
    expect(browser.packageHint('linux', DEBIAN)).toBe("install Debian's chromium: apt-get install chromium")
    expect(browser.packageHint('linux', 'ID=linuxmint\nID_LIKE="ubuntu debian"\n')).toContain(
      'npx playwright install chromium'
    )
    expect(browser.packageHint('linux', UBUNTU)).toContain('only a snap')
    expect(browser.packageHint('linux', FEDORA)).toBe("install Fedora's chromium: dnf install chromium")
    expect(browser.packageHint('linux', '')).toContain('/usr/bin/chromium')
    expect(browser.packageHint('darwin', '')).toContain('npx playwright install chromium')
  })

  it("the install command is Playwright's own and valid for the installed version (checked with --dry-run: nothing is downloaded)", () => {
    const m = machine()
    const previous = process.env.PLAYWRIGHT_BROWSERS_PATH
    process.env.PLAYWRIGHT_BROWSERS_PATH = m.root
    try {
      const result = browser.installPlaywrightChromium({ extraArgs: ['--dry-run'] })
      expect(result).toMatchObject({ ok: true })
    } finally {
      if (previous === undefined) delete process.env.PLAYWRIGHT_BROWSERS_PATH
      else process.env.PLAYWRIGHT_BROWSERS_PATH = previous
    }
  })
})

describe('scripts/browser.cjs as npm test runs it', () => {
  it("reports Playwright's Chromium and exits 0 where it is installed", () => {
    const m = machine()
    const env = { ...process.env, PLAYWRIGHT_BROWSERS_PATH: m.root }
    const where = spawnSync(process.execPath, ['-p', `require(${JSON.stringify(SCRIPT)}).playwrightChromiumPath()`], {
      env,
      encoding: 'utf8'
    }).stdout.trim()
    m.put(where)
    chmodSync(where, 0o755)
    const run = spawnSync(process.execPath, [SCRIPT], { env, encoding: 'utf8' })
    expect(run.status).toBe(0)
    expect(run.stdout).toContain(`Playwright's Chromium (${where})`)
  })

  it('playwright.config.ts launches what the script finds on this machine', async () => {
    const { default: config } = await import('../../../playwright.config')
    expect(config.use?.launchOptions).toEqual(browser.find()?.launchOptions ?? {})
  })
})
