import { join } from 'node:path'
import { test, expect } from './support/fixtures'
import { seedRegistry } from './support/seed'

/** Bulk actions in the real renderer against main's real handlers: select rows, confirm, check the registry. */
const SHOTS = join(__dirname, '../../test-results/screenshots')

test.use({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' })

test('two selected keys are disabled after a confirmation naming the count; the others are untouched', async ({
  app,
  page,
  server
}) => {
  seedRegistry(server.registry)
  const disabledBefore = server.registry.listAudit({ action: 'key.disable' }).total
  await app.open('keys')
  for (const name of ['InvoiceExtractor', 'CodeReviewBot'])
    await app.keyRow(name).locator('.n-data-table-td--selection .n-checkbox').click()
  await expect(page.getByTestId('bulk-count')).toHaveText('2 keys selected')
  await page.screenshot({ path: join(SHOTS, 'light', 'bulk-selected.png') })

  await page.getByTestId('bulk-disable').click()
  const confirm = page.getByRole('dialog').filter({ hasText: 'Disable 2 keys?' })
  await expect(confirm).toContainText('requests in flight will fail')
  await confirm.getByRole('button', { name: 'Disable 2 keys' }).click()
  await expect(page.getByText('2 keys disabled')).toBeVisible()

  const status = (name: string) => server.registry.getKey({ key: name }).key.status
  expect(status('InvoiceExtractor')).toBe('disabled')
  expect(status('CodeReviewBot')).toBe('disabled')
  expect(status('SupportChatbot')).not.toBe('disabled')
  // One audit entry per changed key (newest first).
  const audit = server.registry.listAudit({ action: 'key.disable' })
  expect(audit.total).toBe(disabledBefore + 2)
  expect(
    audit.items
      .slice(0, 2)
      .map((e) => e.targetName)
      .sort()
  ).toEqual(['CodeReviewBot', 'InvoiceExtractor'])
})

test('Select all N matching, then Delete: every key goes, after a warning that in-flight requests will fail', async ({
  app,
  page,
  server
}) => {
  seedRegistry(server.registry)
  const total = server.registry.listKeys({}).total
  await app.open('keys')
  await app.table.locator('.n-data-table-th--selection .n-checkbox').click()
  const selectAll = page.getByTestId('bulk-select-all')
  if (await selectAll.isVisible()) await selectAll.click()
  await expect(page.getByTestId('bulk-count')).toContainText(`${total} keys selected`)

  await page.getByTestId('bulk-delete').click()
  const confirm = page.getByRole('dialog').filter({ hasText: `Delete ${total} keys?` })
  await expect(confirm).toContainText('requests in flight with them will fail')
  await confirm.getByRole('button', { name: `Delete ${total} keys` }).click()
  await expect(page.getByText(`${total} keys deleted`)).toBeVisible()
  expect(server.registry.listKeys({}).total).toBe(0)
  expect(server.registry.listAudit({ action: 'key.delete' }).total).toBe(total)
})
