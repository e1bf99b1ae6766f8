import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import AxeBuilder from '@axe-core/playwright'
import { seedRegistry } from './support/seed'
import type { Page } from '@playwright/test'
import { test, expect } from './support/fixtures'

/**
 * axe-core on every screen with data, in both themes: no critical and no serious violation
 * (WCAG 2.1 A and AA rules, contrast included). Naive UI's markup gets what it lacks at the source
 * (lib/a11y.ts: named comboboxes, table checkboxes, pager and expanders; hidden decorative icons)
 * and the theme's text colours reach 4.5:1 (lib/theme.ts).
 */
const SCREENS = ['keys', 'resources', 'audit', 'outbox', 'settings'] as const

/** The critical and serious violations on the page as it is now, one line each. */
async function violations(page: Page, where: string): Promise<string[]> {
  const { violations: found } = await new AxeBuilder({ page }).analyze()
  return found
    .filter((v) => v.impact === 'critical' || v.impact === 'serious')
    .map(
      (v) =>
        `${where}: ${v.id} (${v.impact}) on ${v.nodes.length}: ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join(', ')}`
    )
}

// The stand-in file dialogs answer these (Electron's would ask the user).
const folder = mkdtempSync(join(tmpdir(), 'keyward-e2e-axe-'))
const importFile = join(folder, 'keys.csv')
const scanFolder = join(folder, 'scan')

for (const theme of ['light', 'dark'] as const)
  test.describe(`${theme} theme`, () => {
    test.use({ serverOptions: { settings: { theme }, importFile, scanFolder, saveFolder: folder } })

    test(`every screen: 0 critical and 0 serious axe violations (${theme})`, async ({ app, page, server }) => {
      test.setTimeout(180_000)
      seedRegistry(server.registry)
      server.registry.disableKey({ key: 'SupportChatbotStaging' }, 'e2e')
      const found: string[] = []
      for (const screen of SCREENS) {
        await app.open(screen)
        await expect(page.locator('.n-data-table-loading-wrapper, .n-spin-container--spinning')).toHaveCount(0)
        found.push(...(await violations(page, screen)))
      }
      expect(found).toEqual([])
    })

    test(`the API Keys dialogs and row menu: 0 critical and 0 serious (${theme})`, async ({ app, page, server }) => {
      test.setTimeout(180_000)
      seedRegistry(server.registry)
      await app.open('keys')
      const found: string[] = []
      await page.getByTestId('create-key').click()
      await expect(app.dialog('Create API key')).toBeVisible()
      found.push(...(await violations(page, 'Create')))
      await page.keyboard.press('Escape')
      await expect(app.dialog('Create API key')).toHaveCount(0)
      await page.getByRole('button', { name: 'Actions for SupportChatbot', exact: true }).click()
      await expect(page.getByRole('menu')).toBeVisible()
      found.push(...(await violations(page, 'row menu')))
      await page.keyboard.press('Escape')
      await expect(page.getByRole('menu')).toHaveCount(0)
      for (const [action, title] of [
        ['Edit', 'Edit API key SupportChatbot'],
        ['Assign resources', 'Assign resources to SupportChatbot'],
        ['Rotate', 'Rotate API key SupportChatbot'],
        ['Usage', 'Usage of SupportChatbot'],
        ['Remove', 'Remove API key SupportChatbot']
      ] as const) {
        await app.rowAction('SupportChatbot', action)
        await expect(app.dialog(title)).toBeVisible()
        found.push(...(await violations(page, action)))
        await page.keyboard.press('Escape')
        await expect(app.dialog(title)).toHaveCount(0)
      }
      expect(found).toEqual([])
    })

    test(`the Resources dialogs: 0 critical and 0 serious (${theme})`, async ({ app, page, server }) => {
      test.setTimeout(180_000)
      seedRegistry(server.registry)
      await app.open('resources')
      const found: string[] = []
      const dialog = page.getByRole('dialog')
      for (const [what, open] of [
        ['Add resource', page.getByRole('button', { name: 'Add resource' })],
        ['Set pool', page.getByRole('button', { name: 'Set pool' })],
        ['Edit resource', page.getByRole('button', { name: 'Edit' }).first()],
        ['Remove resource', page.getByRole('button', { name: 'Remove' }).last()]
      ] as const) {
        await open.click()
        await expect(dialog).toBeVisible()
        found.push(...(await violations(page, what)))
        await page.keyboard.press('Escape')
        await expect(dialog).toHaveCount(0)
      }
      expect(found).toEqual([])
    })

    test(`bulk actions, import, leak scan and audit details: 0 critical and 0 serious (${theme})`, async ({
      app,
      page,
      server
    }) => {
      test.setTimeout(180_000)
      seedRegistry(server.registry)
      const leaked = server.registry.createKey({ name: 'LeakedBot' }, 'e2e').secret
      writeFileSync(importFile, 'name,department,resources\nReportsBot,Finance,gpt-4o:PYG\nBad Name!,Finance,\n')
      mkdirSync(scanFolder, { recursive: true })
      writeFileSync(join(scanFolder, 'settings.py'), `API_KEY = "${leaked}"\n`)
      const found: string[] = []
      const dialog = page.getByRole('dialog')

      await app.open('keys')
      for (const name of ['InvoiceExtractor', 'CodeReviewBot'])
        await app.keyRow(name).locator('.n-data-table-td--selection .n-checkbox').click()
      await expect(page.getByTestId('bulk-count')).toHaveText('2 keys selected')
      found.push(...(await violations(page, 'bulk bar')))
      for (const action of ['bulk-assign', 'bulk-disable']) {
        await page.getByTestId(action).click()
        await expect(dialog).toBeVisible()
        found.push(...(await violations(page, action)))
        await page.keyboard.press('Escape')
        await expect(dialog).toHaveCount(0)
      }

      await page.getByTestId('import-keys').click()
      await expect(dialog.getByTestId('import-summary')).toBeVisible()
      found.push(...(await violations(page, 'import preview')))
      await page.keyboard.press('Escape')
      await expect(dialog).toHaveCount(0)

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Leak scan' }).click()
      await page.getByTestId('scan-pick').click()
      await expect(page.getByTestId('scan-table').locator('tbody tr')).toHaveCount(1)
      found.push(...(await violations(page, 'leak scan')))

      await app.open('audit')
      await page.getByTestId('audit-table').locator('.n-data-table-expand-trigger').first().click()
      await expect(
        page.getByTestId('audit-table').locator('.n-data-table-td--expanded, .n-data-table-tr--expanded')
      ).not.toHaveCount(0)
      found.push(...(await violations(page, 'audit details')))
      expect(found).toEqual([])
    })
  })

test('every screen in Arabic (right to left): 0 critical and 0 serious axe violations', async ({
  app,
  page,
  server
}) => {
  test.setTimeout(180_000)
  seedRegistry(server.registry)
  await server.call('settings.set', { language: 'ar' })
  const found: string[] = []
  for (const screen of SCREENS) {
    await app.open(screen)
    await expect(page.locator('html')).toHaveAttribute('lang', 'ar')
    await expect(page.locator('.n-data-table-loading-wrapper, .n-spin-container--spinning')).toHaveCount(0)
    found.push(...(await violations(page, `${screen} (ar)`)))
  }
  await app.open('keys')
  await page.getByTestId('create-key').click()
  await expect(page.getByTestId('create-dialog')).toBeVisible()
  found.push(...(await violations(page, 'Create (ar)')))
  expect(found).toEqual([])
})
