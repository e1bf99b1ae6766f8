import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Locator, Page } from '@playwright/test'
import { test, expect } from './support/fixtures'
import {
  expectColumnsShown,
  expectReachable,
  expectRowActionsReachable,
  expectScrollbarShown,
  seedAll,
  shot,
  SIZES
} from './support/layout'

/**
 * The app at the smallest window it allows (900x600, src/main/desktop/window-options.ts) and at a
 * common laptop size, light and dark: every screen keeps its essential columns, every visible
 * row's actions and every dialog's buttons lie whole inside the window where a click reaches
 * them, and tables show their scrollbars. Screenshots go to test-results/screenshots/small/.
 */
const scanFolder = mkdtempSync(join(tmpdir(), 'keyward-e2e-small-scan-'))
const importFile = join(mkdtempSync(join(tmpdir(), 'keyward-e2e-small-import-')), 'keys.csv')
writeFileSync(importFile, 'name,department,resources\nReportsBot,Finance,gpt-4o:PYG\nBad Name!,Finance,\n')
test.use({ serverOptions: { scanFolder, importFile } })

/** The dialog's buttons (its footer's, or all of them) are whole inside the window. */
async function expectDialogButtons(dialog: Locator, what: string): Promise<void> {
  await expect(dialog).toBeVisible()
  const footer = dialog.locator('.n-card__footer, .n-dialog__action')
  const buttons = (await footer.count()) ? footer.locator('button') : dialog.locator('button')
  const all = await buttons.all()
  expect(all.length, `${what}: no buttons`).toBeGreaterThan(0)
  for (const button of all) await expectReachable(button, `${what}: button "${(await button.innerText()).trim()}"`)
}

async function closeDialog(page: Page, dialog: Locator): Promise<void> {
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  await expect(dialog).toBeHidden()
  await expect(page.locator('.n-modal-mask')).toHaveCount(0)
}

for (const size of SIZES) {
  for (const theme of ['light', 'dark'] as const) {
    const tag = `${size.width}x${size.height}-${theme}`
    test.describe(`${size.width}x${size.height}, ${theme}`, () => {
      test.use({ viewport: size, colorScheme: theme })

      test(`every screen and dialog fits (${tag})`, async ({ app, page, server }) => {
        test.slow()
        seedAll(server, scanFolder)
        await server.call('settings.set', { theme })
        const snap = (name: string) => shot(page, 'small', `${tag}-${name}`)

        // API Keys: Name, Key, Resources and Status in view; each row's menu button reachable.
        await app.open('keys')
        await expect(app.keyRow('SupportChatbot')).toBeVisible()
        await snap('01-keys')
        await expectColumnsShown(app.table, ['Name', 'Key', 'Resources', 'Status'], 'API Keys')
        await expectRowActionsReachable(app.table, 'API Keys')
        await expectScrollbarShown(app.table, 'API Keys')

        const keyActions = page.getByRole('button', { name: 'Actions for SupportChatbot', exact: true })
        await keyActions.click()
        for (const item of await page.getByRole('menuitem').all()) await expectReachable(item, 'row menu item')
        await snap('02-row-menu')
        await page.keyboard.press('Escape')
        await expect(page.getByRole('menuitem')).toHaveCount(0)

        // Create: its buttons in view, and a suggestion list leaves the neighbouring fields visible.
        await page.getByTestId('create-key').click()
        const create = app.dialog('Create API key')
        await expectDialogButtons(create, 'Create API key')
        await snap('03-create')
        const department = create.getByLabel('Department Name', { exact: true })
        await department.click()
        const menu = page.locator('.n-auto-complete-menu:visible, .n-base-select-menu:visible').first()
        await expect(menu).toBeVisible()
        await snap('04-create-suggestions')
        const menuBox = (await menu.boundingBox())!
        for (const neighbour of ['Project', 'Name']) {
          const box = (await create.getByLabel(neighbour, { exact: true }).boundingBox())!
          const overlaps =
            menuBox.x < box.x + box.width &&
            box.x < menuBox.x + menuBox.width &&
            menuBox.y < box.y + box.height &&
            box.y < menuBox.y + menuBox.height
          expect(overlaps, `the Department suggestions cover the ${neighbour} field`).toBe(false)
        }
        await department.blur()
        await create.getByRole('heading', { name: 'Create API key', exact: true }).click()
        await closeDialog(page, create)

        await app.rowAction('CodeReviewBot', 'Edit')
        const edit = app.dialog('Edit API key CodeReviewBot')
        await expectDialogButtons(edit, 'Edit')
        await snap('05-edit')
        await closeDialog(page, edit)

        await app.rowAction('CodeReviewBot', 'Assign resources')
        const assign = app.dialog('Assign resources to CodeReviewBot')
        await expectDialogButtons(assign, 'Assign resources')
        await snap('06-assign')
        await closeDialog(page, assign)

        await app.rowAction('CodeReviewBot', 'Rotate')
        const rotate = app.dialog('Rotate API key CodeReviewBot')
        await expectDialogButtons(rotate, 'Rotate')
        await snap('07-rotate')
        await closeDialog(page, rotate)

        await page.getByTestId('import-keys').click()
        const importDialog = app.dialog('Import keys')
        await expect(importDialog.getByTestId('import-summary')).toBeVisible()
        await expectDialogButtons(importDialog, 'Import keys')
        await snap('08-import')
        await closeDialog(page, importDialog)

        // Resources: Edit / Deactivate / Remove whole on every visible row.
        await app.nav('Resources').click()
        const resources = page.getByTestId('resources-table')
        await expect(resources.locator('tbody tr')).toHaveCount(7)
        await snap('09-resources')
        await expectColumnsShown(resources, ['Model', 'Type', 'Status'], 'Resources')
        await expectRowActionsReachable(resources, 'Resources')
        await expectScrollbarShown(resources, 'Resources')
        await page.getByRole('button', { name: 'Add resource' }).first().click()
        const add = app.dialog('Add resource')
        await expectDialogButtons(add, 'Add resource')
        await snap('10-add-resource')
        await closeDialog(page, add)
        await page.getByRole('button', { name: 'Edit gpt-4o TPM', exact: true }).click()
        const editResource = app.dialog(/^Edit resource/)
        await expectDialogButtons(editResource, 'Edit resource')
        await snap('11-edit-resource')
        await closeDialog(page, editResource)
        await page.getByRole('button', { name: 'Set pool' }).click()
        const pool = app.dialog('TPM pool')
        await expectDialogButtons(pool, 'TPM pool')
        await snap('12-pool')
        await closeDialog(page, pool)

        // Audit: what happened (Action, Target, Details) in view.
        await app.nav('Audit log').click()
        await expect(page.getByTestId('chain-status')).toContainText('Chain verified')
        const audit = page.getByTestId('audit-table')
        await expect(audit.locator('tbody tr').first()).toBeVisible()
        await snap('13-audit')
        await expectColumnsShown(audit, ['When', 'Action', 'Target', 'Details'], 'Audit log')
        await expectScrollbarShown(audit, 'Audit log')

        // Outbox: each alert's Retry / Discard, and its date.
        await app.nav('Outbox').click()
        const outbox = page.getByTestId('outbox-table')
        await expect(outbox.locator('tbody tr')).toHaveCount(2)
        await snap('14-outbox')
        await expectColumnsShown(outbox, ['To · Subject', 'Status', 'Created'], 'Outbox')
        await expectRowActionsReachable(outbox, 'Outbox')
        await expectScrollbarShown(outbox, 'Outbox')

        // Leak scan: the finding's Disable / Delete.
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Leak scan' }).click()
        await page.getByTestId('scan-pick').click()
        const scan = page.getByTestId('scan-table')
        await expect(scan.locator('tbody tr')).toHaveCount(1)
        await snap('15-leak-scan')
        await expectColumnsShown(scan, ['File', 'Key', 'Status'], 'Leak scan')
        await expectRowActionsReachable(scan, 'Leak scan')

        // Settings scrolls as a page; its first section's controls are in view.
        await app.nav('Settings').click()
        await expect(page.getByRole('heading', { name: 'Clipboard' })).toBeVisible()
        await snap('16-settings')
        const settings = page.getByTestId('settings-screen')
        const scrolls = await settings.evaluate((el) => el.scrollHeight > el.clientHeight)
        if (scrolls) {
          await settings.evaluate((el) => el.scrollTo(0, el.scrollHeight))
          await snap('17-settings-end')
        }
      })
    })
  }
}
