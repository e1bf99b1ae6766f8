import { test, expect } from './support/fixtures'

/**
 * The keys table's pager from the keyboard: Naive UI draws its page items as <div>s that take
 * clicks only; the app makes them named buttons in the tab order, and adds a page box.
 */
test('the pager and the sort headers are reachable and operable from the keyboard, named, with a page box', async ({
  app,
  page,
  server
}) => {
  server.registry.seedDemo({ keys: 1200, seed: 7, actor: 'e2e' })
  await app.open('keys')
  // Thousands separated, as Intl writes them for the language.
  await expect(app.table.getByText('1,200 keys', { exact: true })).toBeVisible()
  const pager = app.table.locator('.n-pagination')
  const firstName = async () => (await app.keyNames())[0]
  const page1 = await firstName()

  await expect(pager.getByRole('button', { name: 'Page 1' })).toHaveAttribute('aria-current', 'page')
  await expect(pager.getByRole('button', { name: 'Previous page' })).toHaveAttribute('aria-disabled', 'true')
  await pager.getByRole('button', { name: 'Next page' }).focus()
  await page.keyboard.press('Enter')
  await expect(pager.getByRole('button', { name: 'Page 2' })).toHaveAttribute('aria-current', 'page')
  expect(await firstName()).not.toBe(page1)

  // Tab order: from "Next page" back to "Page 3", then Space.
  await pager.getByRole('button', { name: 'Page 3' }).focus()
  await page.keyboard.press(' ')
  await expect(pager.getByRole('button', { name: 'Page 3' })).toHaveAttribute('aria-current', 'page')
  await expect(pager.getByRole('button', { name: 'Page 3' })).toBeFocused()
  await page.keyboard.press('Shift+Tab')
  await expect(pager.getByRole('button', { name: 'Page 2' })).toBeFocused()

  // The page box: page 40 of 48 typed, not clicked to.
  const box = pager.getByRole('textbox', { name: 'Go to page' })
  await box.fill('40')
  await box.press('Enter')
  await expect(pager.getByRole('button', { name: 'Page 40' })).toHaveAttribute('aria-current', 'page')
  await expect(pager.getByRole('button', { name: 'Earlier pages' })).toHaveAttribute('tabindex', '0')
  await expect(pager.getByRole('combobox', { name: 'Rows per page' })).toBeVisible()

  // Sort headers take focus and sort on Enter, saying how the table is sorted.
  const nameHeader = app.table.getByRole('columnheader', { name: 'Name' })
  await expect(nameHeader).toHaveAttribute('aria-sort', 'ascending')
  await nameHeader.focus()
  await page.keyboard.press('Enter')
  await expect(nameHeader).toHaveAttribute('aria-sort', 'descending')
  await expect(pager.getByRole('button', { name: 'Page 1' })).toHaveAttribute('aria-current', 'page')
  const names = await app.keyNames()
  expect(names).toEqual([...names].sort((a, b) => b.localeCompare(a)))
  const created = app.table.getByRole('columnheader', { name: 'Created' })
  await expect(created).toHaveAttribute('aria-sort', 'none')
  await expect(created).toHaveAttribute('tabindex', '0')
})

test('after Remove, focus goes to the row that took the removed key’s place, then to Create on an empty page', async ({
  app,
  page,
  server
}) => {
  for (const name of ['Alpha', 'Bravo', 'Charlie']) server.registry.createKey({ name }, 'e2e')
  await app.open('keys')
  const remove = async (name: string) => {
    await app.rowAction(name, 'Remove')
    const dialog = app.dialog(`Remove API key ${name}`)
    await dialog.getByRole('button', { name: 'Delete' }).press('Enter')
    await expect(dialog).toHaveCount(0)
  }
  await remove('Bravo')
  await expect(page.getByRole('button', { name: 'Actions for Charlie', exact: true })).toBeFocused()
  await remove('Charlie')
  await expect(page.getByRole('button', { name: 'Actions for Alpha', exact: true })).toBeFocused()
  await remove('Alpha')
  await expect(page.getByTestId('create-key')).toBeFocused()

  // Cancel keeps focus on the row's menu button, where the modal gives it back.
  server.registry.createKey({ name: 'Delta' }, 'e2e')
  await page.getByRole('button', { name: 'Refresh' }).click()
  await app.rowAction('Delta', 'Remove')
  await app.dialog('Remove API key Delta').getByRole('button', { name: 'Cancel' }).press('Enter')
  await expect(page.getByRole('button', { name: 'Actions for Delta', exact: true })).toBeFocused()
})
