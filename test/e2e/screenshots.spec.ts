import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Locator, Page } from '@playwright/test'
import { test, expect } from './support/fixtures'
import { seedRegistry } from './support/seed'

/**
 * Every screen and dialog, in light and dark, into test-results/screenshots/<theme>/ for a
 * person to look at. Each shot waits for what it shows, so a missing screen fails the test.
 */
const DIR = join(__dirname, '../../test-results/screenshots')

for (const theme of ['light', 'dark'] as const) {
  test.describe(`${theme} theme`, () => {
    test.use({ viewport: { width: 1440, height: 900 }, colorScheme: theme })

    const shot = async (page: Page, name: string, target?: Locator) => {
      mkdirSync(join(DIR, theme), { recursive: true })
      await (target ?? page).screenshot({ path: join(DIR, theme, `${name}.png`), animations: 'disabled' })
    }

    test(`first run and sign-in (${theme})`, async ({ app, page, server }) => {
      await server.call('settings.set', { theme })
      await app.open('keys')
      await expect(page.getByTestId('first-run')).toBeVisible()
      await shot(page, '01-first-run')
      await page.goto(`${server.url}?host=web-console`)
      await expect(page.getByTestId('sign-in')).toBeVisible()
      await shot(page, '19-web-console-sign-in')
    })

    test(`screens and dialogs (${theme})`, async ({ app, page, server }) => {
      // A long walkthrough: on a CPU shared with other jobs it nears the default 60 s budget.
      test.slow()
      seedRegistry(server.registry)
      await server.call('settings.set', { theme })
      await app.open('keys')
      await expect(app.keyRow('SupportChatbot')).toBeVisible()
      await shot(page, '02-keys')

      await page.getByRole('button', { name: 'Actions for InvoiceExtractor', exact: true }).click()
      await expect(page.getByRole('menuitem', { name: 'Rotate' })).toBeVisible()
      await shot(page, '03-row-actions')
      await page.keyboard.press('Escape')
      await page.getByRole('heading', { name: 'API Keys' }).click()
      await expect(page.getByRole('menuitem', { name: 'Rotate' })).toBeHidden()

      await app.choose('Department', 'Engineering')
      await expect.poll(() => app.keyNames()).toEqual(['CodeReviewBot', 'RegistryAutomation', 'SearchEmbeddings'])
      await shot(page, '04-keys-filtered')
      await page.getByRole('button', { name: 'Clear filters' }).first().click()
      await expect(app.keyRow('SupportChatbot')).toBeVisible()

      await page.getByRole('button', { name: 'Create', exact: true }).click()
      const create = app.dialog('Create API key')
      await expect(create).toBeVisible()
      await shot(page, '05-create')
      await create.getByLabel('Name', { exact: true }).fill('Billing bot#1')
      await expect(create).toContainText('Remove: space, "#".')
      await create.getByLabel('Notify via Email', { exact: true }).fill('not-an-email')
      await create.getByLabel('Requestor', { exact: true }).click()
      await expect(create).toContainText('Notify via Email must be one valid email address')
      await shot(page, '06-create-validation')
      await create.getByLabel('Select Resources').click()
      await page.getByRole('option', { name: 'gpt-4o · TPM', exact: true }).click()
      await expect(page.getByRole('option', { name: 'gpt-4o · PYG', exact: true })).toHaveAttribute(
        'aria-disabled',
        'true'
      )
      await shot(page, '07-create-select-resources')
      await create.getByRole('heading', { name: 'Create API key', exact: true }).click()
      await create.getByRole('switch', { name: 'Administrator key' }).click()
      const confirm = page.getByRole('dialog').filter({ hasText: 'Create an administrator key?' })
      await expect(confirm).toBeVisible()
      await shot(page, '08-create-admin-confirm')
      await confirm.getByRole('button', { name: 'Keep it standard' }).click()
      await expect(confirm).toBeHidden()

      await app.fillCreateForm({
        name: 'BillingBot01',
        department: 'Finance',
        project: 'Billing',
        environment: 'Production',
        requestor: 'Omar Haddad',
        notifyEmail: ''
      })
      await create.getByRole('button', { name: 'Create', exact: true }).click()
      const once = app.dialog('API key created')
      await expect(once.getByTestId('clipboard-status')).toContainText(/Copied; the clipboard is cleared in \d+ s/)
      await expect(create).toBeHidden()
      await shot(page, '09-show-once')
      await once.getByRole('button', { name: 'I have stored it' }).click()
      await expect(once).toBeHidden()

      await app.keyRow('ResearchNotebook').getByRole('button', { name: 'gpt-4o · PYG' }).click()
      const assign = app.dialog('Assign resources to ResearchNotebook')
      await expect(assign.getByRole('checkbox', { name: 'gpt-4o · TPM' })).toHaveAttribute('aria-disabled', 'true')
      await shot(page, '10-assign-resources')
      await assign.getByRole('button', { name: 'Cancel' }).click()
      await expect(assign).toBeHidden()

      await app.rowAction('CodeReviewBot', 'Edit')
      const edit = app.dialog('Edit API key CodeReviewBot')
      await expect(edit.getByLabel('Name', { exact: true })).toHaveValue('CodeReviewBot')
      await shot(page, '11-edit')
      await edit.getByRole('button', { name: 'Cancel' }).click()
      await expect(edit).toBeHidden()

      await app.rowAction('CodeReviewBot', 'Rotate')
      const rotate = app.dialog('Rotate API key CodeReviewBot')
      await rotate.getByText('24 hours').click()
      await shot(page, '12-rotate')
      await rotate.getByRole('button', { name: 'Rotate' }).click()
      const rotated = app.dialog('API key rotated')
      await expect(rotated).toContainText('keeps working until')
      await expect(rotate).toBeHidden()
      await shot(page, '13-rotated-show-once')
      await rotated.getByRole('button', { name: 'I have stored it' }).click()
      await expect(rotated).toBeHidden()

      await app.rowAction('MarketingCopyDrafts', 'Remove')
      const remove = app.dialog('Remove API key MarketingCopyDrafts')
      await expect(remove).toContainText('Requests in progress will fail')
      await shot(page, '14-remove')
      await remove.getByRole('button', { name: 'Cancel' }).click()
      await expect(remove).toBeHidden()

      await app.nav('Resources').click()
      await expect(page.getByTestId('resources-table').locator('tbody tr')).toHaveCount(7)
      await shot(page, '15-resources')
      await page.getByRole('button', { name: 'Add resource' }).first().click()
      const add = app.dialog('Add resource')
      await add.getByLabel('Model').fill('mistral-large')
      await add.getByLabel('TPM limit').fill('900000')
      await expect(add).toContainText('Only')
      await shot(page, '16-add-resource')
      await add.getByRole('button', { name: 'Cancel' }).click()
      await page.getByRole('button', { name: 'Set pool' }).click()
      await expect(app.dialog('TPM pool')).toBeVisible()
      await shot(page, '17-pool')
      await app.dialog('TPM pool').getByRole('button', { name: 'Cancel' }).click()

      await app.nav('Audit log').click()
      await expect(page.getByTestId('chain-status')).toContainText('Chain verified')
      await shot(page, '18-audit')

      await app.nav('Settings').click()
      await expect(page.getByRole('heading', { name: 'Clipboard' })).toBeVisible()
      await shot(page, '20-settings')
    })
  })
}
