import AxeBuilder from '@axe-core/playwright'
import { seedRegistry } from './support/seed'
import { test, expect } from './support/fixtures'

/**
 * axe-core on every screen with data, in both themes: no critical and no serious violation
 * (WCAG 2.1 A and AA rules, contrast included). Naive UI's markup gets what it lacks at the source
 * (lib/a11y.ts: named comboboxes, table checkboxes, pager and expanders; hidden decorative icons)
 * and the theme's text colours reach 4.5:1 (lib/theme.ts).
 */
const SCREENS = ['keys', 'resources', 'audit', 'outbox', 'settings'] as const

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
        const { violations } = await new AxeBuilder({ page }).analyze()
        for (const v of violations.filter((x) => x.impact === 'critical' || x.impact === 'serious'))
          found.push(
            `${screen}: ${v.id} (${v.impact}) on ${v.nodes.length}: ${v.nodes
              .slice(0, 3)
              .map((n) => n.target.join(' '))
              .join(', ')}`
          )
      }
      expect(found).toEqual([])
    })
  })
