import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer, type RunningServer } from '../../src/main/server/server'
import { TestRegistry } from '../helpers/registry'
import { test, expect } from './support/fixtures'

/**
 * The desktop app on a team registry, in Chromium: the built renderer and preload against the
 * app's real main-process table (Settings → Registry switch included), and a REAL `keyward serve`
 * on its own registry file as the team server, stopped and started again under the window.
 */
let dir: string
let team: RunningServer
let port = 0
let adminSecret: string

async function startTeam(): Promise<void> {
  team = await startServer({
    dbPath: join(dir, 'team.sqlite3'),
    host: '127.0.0.1',
    port,
    outboxIntervalMs: 0,
    smtpPassword: null,
    log: () => undefined
  })
  port = team.port
}

test.beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-team-'))
  const seed = TestRegistry.open(join(dir, 'team.sqlite3'))
  adminSecret = seed.createKey({ name: 'TeamOps', kind: 'admin' }, 'setup').secret
  seed.createKey({ name: 'SharedGateway' }, 'setup')
  seed.close()
  port = 0
  await startTeam()
})
test.afterEach(async () => {
  await team.close().catch(() => undefined)
  rmSync(dir, { recursive: true, force: true })
})

test('connect to a team server, lose it (banner, retries), get it back; in English and Arabic', async ({
  app,
  page,
  server
}) => {
  // Two registries, a server stopped and started, two languages: longer than one screen's test.
  test.setTimeout(120_000)
  server.registry.createKey({ name: 'OnThisComputer' }, 'setup')
  await app.open('keys')
  await expect.poll(() => app.keyNames()).toEqual(['OnThisComputer'])
  const chip = page.getByTestId('registry-indicator')
  await expect(chip).toHaveText('This computer')

  await app.nav('Settings').click()
  const section = page.getByTestId('registry-settings')
  await section.getByText('Team server', { exact: true }).click()
  await page.getByLabel('Server URL').fill(team.url)
  await page.getByLabel('Administrator key').fill('kwa_wrong')
  await section.getByRole('button', { name: 'Connect' }).click()
  await expect(page.getByTestId('registry-error')).toBeVisible()
  // Refused: nothing saved, and what was typed is still there.
  await expect(page.getByLabel('Server URL')).toHaveValue(team.url)
  await expect(chip).toHaveText('This computer')

  await page.getByLabel('Administrator key').fill(adminSecret)
  await section.getByRole('button', { name: 'Connect' }).click()
  await expect(page.getByText(`Connected to the team server`)).toBeVisible()
  await expect(chip).toHaveText(`127.0.0.1:${port}`)
  await expect(page.getByLabel('Administrator key')).toHaveValue('')
  expect(await page.content()).not.toContain(adminSecret)

  await app.nav('API Keys').click()
  await expect.poll(() => app.keyNames()).toEqual(['SharedGateway', 'TeamOps'])

  // The team server goes away: the next read shows the banner.
  await team.close()
  await app.nav('Resources').click()
  const banner = page.getByTestId('team-server-banner')
  await expect(banner).toContainText(`The team server 127.0.0.1:${port} cannot be reached. Retrying…`)
  await expect(banner).toContainText('connection refused')
  await page.screenshot({ path: 'test-results/team-registry-unreachable-en.png' })

  await server.call('settings.set', { language: 'ar' })
  await page.reload()
  await expect(banner).toContainText('يتعذّر الوصول إلى خادم الفريق')
  await page.screenshot({ path: 'test-results/team-registry-unreachable-ar.png' })
  await server.call('settings.set', { language: 'en' })
  await page.reload()
  await expect(banner).toBeVisible()

  // Back on the same port: the banner's retry finds it and goes away by itself.
  await startTeam()
  await expect(banner).toBeHidden({ timeout: 15_000 })
  await app.nav('API Keys').click()
  await expect.poll(() => app.keyNames()).toEqual(['SharedGateway', 'TeamOps'])

  // Back to this computer.
  await app.nav('Settings').click()
  await section.getByText('This computer', { exact: true }).click()
  await section.getByRole('button', { name: 'Use this computer' }).click()
  await expect(chip).toHaveText('This computer')
  await app.nav('API Keys').click()
  await expect.poll(() => app.keyNames()).toEqual(['OnThisComputer'])
})
