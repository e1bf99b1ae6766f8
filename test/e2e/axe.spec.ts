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

for (const theme of ['light', 'dark'] as const)
  test.describe(`${theme} theme`, () => {
    test.use({ serverOptions: { settings: { theme } } })

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
  })
