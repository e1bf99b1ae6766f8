import type { Page } from '@playwright/test'
import { test, expect } from './support/fixtures'

/**
 * The keyboard alone, as a user who cannot use a mouse: Tab and Shift+Tab to move, Enter, Space,
 * arrows, Esc and typing. No click and no locator.focus() below. Create a key with a resource,
 * store its secret, sort by name, go to page 3, delete a key.
 */

/** What has focus, in words: tag, role and accessible name or text. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    // Node's types here, not the DOM's: only what is used.
    type El = { tagName: string; textContent: string | null; getAttribute(name: string): string | null }
    const el = (globalThis as unknown as { document: { activeElement: El | null } }).document.activeElement
    const name = el?.getAttribute('aria-label') ?? el?.textContent?.trim().slice(0, 60) ?? ''
    return `${el?.tagName ?? ''} ${el?.getAttribute('role') ?? ''} ${name}`
  })
}

/** Presses Tab (or Shift+Tab) until what has focus matches `target`; fails after `max` presses. */
async function tabTo(page: Page, target: RegExp, { back = false, max = 400 } = {}): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (target.test(await focused(page))) return
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab')
  }
  throw new Error(`Tab never reached ${target}; focus is on: ${await focused(page)}`)
}

test('keyboard only: create a key with a resource, sort, go to page 3, delete a key', async ({ app, page, server }) => {
  test.setTimeout(240_000)
  server.registry.addResource({ model: 'gpt-4o', type: 'PYG' }, 'e2e')
  server.registry.seedDemo({ keys: 80, seed: 3, actor: 'e2e' })
  await app.open('keys')
  const total = server.registry.listKeys({ limit: 1 }).total

  // Create: Ctrl+N, the name, the resource picked from its list by typing, then the Create button.
  await page.keyboard.press('Control+n')
  const create = app.dialog('Create API key')
  await expect(create).toBeVisible()
  await page.keyboard.type('KeyboardBot')
  await page.keyboard.press('Tab')
  await page.keyboard.press('Enter')
  await page.keyboard.type('gpt-4o · PYG')
  await page.keyboard.press('ArrowDown')
  await page.keyboard.press('Enter')
  await page.keyboard.press('Escape')
  await expect(create).toBeVisible()
  await tabTo(page, /^BUTTON +Create$/)
  await page.keyboard.press('Enter')
  const once = app.dialog('API key created')
  await expect(once).toBeVisible()
  await tabTo(page, /^BUTTON +I have stored it$/)
  await page.keyboard.press('Enter')
  await expect(once).toHaveCount(0)
  const made = server.registry.getKey({ key: 'KeyboardBot' }).key
  expect(made.resources.map((r) => `${r.model}:${r.type}`)).toEqual(['gpt-4o:PYG'])
  await expect(app.table.getByText(`${total + 1} keys`, { exact: true })).toBeVisible()

  // Sort: the Name header, Enter; it says so.
  await tabTo(page, /^TH +Name/)
  await page.keyboard.press('Enter')
  await expect(app.table.getByRole('columnheader', { name: 'Name' })).toHaveAttribute('aria-sort', 'descending')

  // Page 3 from the pager.
  await tabTo(page, /^DIV button Page 3$/)
  await page.keyboard.press('Enter')
  await expect(app.table.locator('.n-pagination').getByRole('button', { name: 'Page 3' })).toHaveAttribute(
    'aria-current',
    'page'
  )
  const names = await app.keyNames()
  expect(names.length).toBeGreaterThan(0)

  // Delete the first key of page 3: its ⋯ menu, arrows to Remove, Enter, then Delete.
  const victim = names[0]!
  await tabTo(page, new RegExp(`^BUTTON +Actions for ${victim}$`), { back: true })
  await page.keyboard.press('Enter')
  await expect(page.getByRole('menu')).toBeVisible()
  const pending = page.locator('.n-dropdown-option-body--pending')
  for (let i = 0; i < 10 && !/Remove/.test((await pending.allTextContents()).join()); i++)
    await page.keyboard.press('ArrowDown')
  await expect(pending).toHaveText(/Remove/)
  await page.keyboard.press('Enter')
  const remove = app.dialog(`Remove API key ${victim}`)
  await expect(remove).toBeVisible()
  await tabTo(page, /^BUTTON +Delete$/)
  await page.keyboard.press('Enter')
  await expect(remove).toHaveCount(0)
  expect(server.registry.findKey(victim)).toBeUndefined()
  // Focus is on the row that took its place, not lost to the page.
  expect(await focused(page)).toMatch(/^BUTTON +Actions for /)
})
