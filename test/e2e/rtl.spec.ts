import { test, expect } from './support/fixtures'
import { CORE_CATALOGS } from '../../src/shared/core-messages'
import { seedRegistry } from './support/seed'
import { expectRowActionsReachable, shot, SIZES } from './support/layout'

/**
 * Arabic mirrors the layout: <html lang="ar" dir="rtl">, the sidebar on the right, a table's first
 * column at the right, while a key's hint stays left to right; English turns it all back.
 */
test('in Arabic the layout mirrors and keys stay left to right; English restores it', async ({ app, page, server }) => {
  seedRegistry(server.registry)
  await server.call('settings.set', { language: 'ar' })
  await page.setViewportSize({ width: 1440, height: 900 })
  await app.open('keys')
  const html = page.locator('html')
  await expect(html).toHaveAttribute('dir', 'rtl')
  await expect(html).toHaveAttribute('lang', 'ar')
  await expect(app.keyRow('SupportChatbot')).toBeVisible()
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('مفاتيح API')
  await expect(page.getByRole('navigation', { name: 'التنقل الرئيسي' })).toBeVisible()

  const sidebar = (await page.locator('aside.sidebar').boundingBox())!
  const main = (await page.locator('main.content').boundingBox())!
  expect(sidebar.x, 'the sidebar is to the right of the screen').toBeGreaterThanOrEqual(main.x + main.width - 1)

  // The first column (the row's checkbox, then Name) starts at the table's right edge.
  const row = app.keyRow('SupportChatbot')
  const first = (await row.locator('td').first().boundingBox())!
  const name = (await row.locator('td').nth(1).boundingBox())!
  expect(first.x, 'the first column is right of the second').toBeGreaterThan(name.x)
  const table = (await app.table.boundingBox())!
  expect(first.x + first.width).toBeGreaterThan(table.x + table.width - 4)

  // Tests type-check without DOM types: the page's getComputedStyle, as much of it as is used here.
  const direction = (el: unknown) =>
    (globalThis as unknown as { getComputedStyle(e: unknown): { direction: string } }).getComputedStyle(el).direction
  expect(await row.locator('.cell-hint').evaluate(direction)).toBe('ltr')
  expect(await row.locator('.chip').first().evaluate(direction)).toBe('ltr')

  await server.call('settings.set', { language: 'en' })
  await page.reload()
  await expect(html).toHaveAttribute('dir', 'ltr')
  await expect(html).toHaveAttribute('lang', 'en')
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('API Keys')
  const sidebarEn = (await page.locator('aside.sidebar').boundingBox())!
  const mainEn = (await page.locator('main.content').boundingBox())!
  expect(sidebarEn.x + sidebarEn.width).toBeLessThanOrEqual(mainEn.x + 1)
  const firstEn = (await app.keyRow('SupportChatbot').locator('td').first().boundingBox())!
  const nameEn = (await app.keyRow('SupportChatbot').locator('td').nth(1).boundingBox())!
  expect(firstEn.x).toBeLessThan(nameEn.x)
})

/** Every screen in Arabic, light and dark, at both sizes, into test-results/screenshots/ar/. */
for (const size of SIZES) {
  for (const theme of ['light', 'dark'] as const) {
    const tag = `${size.width}x${size.height}-${theme}`
    test(`Arabic screenshots (${tag})`, async ({ app, page, server }) => {
      test.slow()
      seedRegistry(server.registry)
      await server.call('settings.set', { language: 'ar', theme })
      await page.setViewportSize(size)
      const snap = (name: string) => shot(page, 'ar', `${tag}-${name}`)
      await app.open('keys')
      await expect(page.locator('html')).toHaveAttribute('dir', 'rtl')
      await expect(app.keyRow('SupportChatbot')).toBeVisible()
      await snap('01-keys')
      // The sticky columns change sides: each visible row's menu button is still in view.
      await expectRowActionsReachable(app.table, `API Keys in Arabic (${tag})`)
      await page.getByTestId('create-key').click()
      const create = page.getByTestId('create-dialog')
      await expect(create).toBeVisible()
      await snap('02-create')
      await page.keyboard.press('Escape')
      await expect(create).toBeHidden()
      for (const [screen, testid] of [
        ['resources', 'resources-screen'],
        ['audit', 'audit-screen'],
        ['outbox', 'outbox-screen'],
        ['settings', 'settings-screen']
      ] as const) {
        await page.goto(`${server.url}#/${screen}`)
        await expect(page.getByTestId(testid)).toBeVisible()
        if (screen === 'resources') {
          const resources = page.getByTestId('resources-table')
          await expect(resources.locator('tbody tr')).toHaveCount(7)
          await expectRowActionsReachable(resources, `Resources in Arabic (${tag})`)
        }
        if (screen === 'audit') await expect(page.getByTestId('chain-status')).toBeVisible()
        await snap(`0${['resources', 'audit', 'outbox', 'settings'].indexOf(screen) + 3}-${screen}`)
      }
    })
  }
}

/**
 * Main answers in English (the CLI's words); in Arabic the window shows its answer in Arabic, with
 * the name the user typed kept as typed: a name already taken, refused by the core itself.
 */
test("in Arabic the core's refusal reads in Arabic, the name kept left to right", async ({ app, page, server }) => {
  seedRegistry(server.registry)
  await server.call('settings.set', { language: 'ar' })
  await app.open('keys')
  await page.getByTestId('create-key').click()
  const dialog = page.getByTestId('create-dialog')
  await expect(dialog).toBeVisible()
  await dialog.locator('#create-name').fill('supportchatbot')
  await page.getByTestId('create-submit').click()
  // The core's field message, '"SupportChatbot" is taken.', through the Arabic catalog.
  const taken = CORE_CATALOGS.ar['"{0}" is taken.']!.replace('{0}', '\u2068SupportChatbot\u2069')
  await expect(dialog).toContainText(taken)
  await expect(dialog).not.toContainText('is taken')
  await expect(dialog).not.toContainText('already exists')
  await shot(page, 'ar', 'create-name-taken')
})
