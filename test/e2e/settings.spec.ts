import { test, expect } from './support/fixtures'
import { seedRegistry } from './support/seed'

test.use({ colorScheme: 'dark' })

test('theme follows the OS until one is chosen; clipboard clearing is a setting the show-once dialog honours', async ({
  app,
  page
}) => {
  await app.open('settings')
  const html = page.locator('html')
  await expect(html).toHaveAttribute('data-theme', 'dark')
  await page.getByText('Light', { exact: true }).click()
  await expect(html).toHaveAttribute('data-theme', 'light')
  await page.reload()
  await expect(html).toHaveAttribute('data-theme', 'light')
  await page.getByLabel('Theme').getByText('Follow the system').click()
  await expect(html).toHaveAttribute('data-theme', 'dark')

  const seconds = page.getByLabel('Clear after')
  await seconds.fill('5000')
  await expect(page.getByText('Use at most 3600 seconds.')).toBeVisible()
  await seconds.fill('0')
  await page.getByRole('button', { name: 'Save' }).first().click()
  await expect(page.getByText('Clipboard setting saved')).toBeVisible()

  await app.nav('API Keys').click()
  await app.page.getByRole('button', { name: 'Create', exact: true }).click()
  await app.fillCreateForm({ name: 'NeverCleared' })
  await app.dialog('Create API key').getByRole('button', { name: 'Create', exact: true }).click()
  await expect(app.dialog('API key created').getByTestId('clipboard-status')).toContainText(
    'Copied. It stays on the clipboard until you copy something else.'
  )
})

test('the Keys count on the Resources screen opens the keys that use that resource', async ({ app, page, server }) => {
  seedRegistry(server.registry)
  await app.open('resources')
  await page
    .getByTestId('resources-table')
    .locator('tbody tr')
    .filter({ hasText: 'gpt-4o-mini' })
    .getByRole('button', { name: '3' })
    .click()
  await expect(page.getByRole('heading', { name: 'API Keys' })).toBeVisible()
  await expect.poll(() => app.keyNames()).toEqual(['CodeReviewBot', 'HRPolicyAssistant', 'SupportChatbotStaging'])
  await expect(page.getByRole('combobox', { name: 'Resource' })).toContainText('gpt-4o-mini · PYG')
})
