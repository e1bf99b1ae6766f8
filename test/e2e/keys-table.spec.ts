import { test, expect } from './support/fixtures'
import { seedRegistry } from './support/seed'

/** The API Keys table against a larger registry: the server pages and sorts; the renderer holds one page. */
test('pages and sorts on the server and never holds the whole registry', async ({ app, page, server }) => {
  server.registry.addResource({ model: 'gpt-4o', type: 'PYG' }, 'e2e')
  for (let i = 0; i < 130; i++) {
    const n = String(i).padStart(3, '0')
    server.registry.createKey(
      {
        name: `Service${n}`,
        department: i % 2 ? 'Engineering' : 'Finance',
        project: `Project${i % 5}`,
        resources: i % 3 ? ['gpt-4o:PYG'] : []
      },
      'e2e'
    )
  }
  const listCalls: unknown[] = []
  page.on('request', (r) => {
    const call = r.url().endsWith('/__e2e/ipc') ? (r.postDataJSON() as { channel: string; args: unknown[] }) : null
    if (call?.channel === 'keyward:keys.list') listCalls.push(call.args[0])
  })
  await app.open('keys')
  await expect(app.table.getByText('130 keys', { exact: true })).toBeVisible()
  await expect(page.locator('[data-testid="keys-table"] tbody tr')).toHaveCount(25)
  expect((await app.keyNames())[0]).toBe('Service000')
  expect(listCalls.at(-1)).toMatchObject({ sort: 'name', desc: false, limit: 25, offset: 0 })

  await page
    .getByRole('listitem', { name: '3' })
    .or(page.locator('.n-pagination-item', { hasText: /^3$/ }))
    .first()
    .click()
  await expect.poll(() => app.keyNames().then((n) => n[0])).toBe('Service050')
  expect(listCalls.at(-1)).toMatchObject({ limit: 25, offset: 50 })

  await page.getByRole('columnheader', { name: 'Name' }).click()
  await expect
    .poll(() => app.keyNames().then((n) => n[0]), { message: JSON.stringify(listCalls.slice(-2)) })
    .toBe('Service129')
  expect(listCalls.at(-1)).toMatchObject({ sort: 'name', desc: true, offset: 0 })

  const state = JSON.parse(await app.piniaState()) as { keys: { items: unknown[]; total: number } }
  expect(state.keys.items).toHaveLength(25)
  expect(state.keys.total).toBe(130)

  // Filters go to the server too.
  await app.choose('Department', 'Finance')
  await expect(app.table.getByText('65 keys', { exact: true })).toBeVisible()
  expect(listCalls.at(-1)).toMatchObject({ departments: ['Finance'], offset: 0 })
  await page.getByLabel('Search keys').fill('Service12')
  await expect
    .poll(() => app.keyNames())
    .toEqual(['Service128', 'Service126', 'Service124', 'Service122', 'Service120'])
})

test('keyboard: Ctrl+N opens Create, Esc closes it, Ctrl+F focuses the search', async ({ app, page, server }) => {
  seedRegistry(server.registry)
  await app.open('resources')
  await expect(page.getByRole('heading', { name: 'Resources' })).toBeVisible()
  await page.keyboard.press('Control+n')
  const create = app.dialog('Create API key')
  await expect(create).toBeVisible()
  await expect(page.getByRole('heading', { name: 'API Keys' })).toBeVisible()
  await page.keyboard.press('Escape')
  await expect(create).toBeHidden()
  await page.keyboard.press('Control+f')
  await expect(page.getByLabel('Search keys')).toBeFocused()
  await page.keyboard.type('Invoice')
  await expect.poll(() => app.keyNames()).toEqual(['InvoiceExtractor'])
})

/**
 * Visible controls without any accessible name (aria-label, a label, text, title or placeholder).
 * Runs in the page; kept as source text because this project type-checks tests without DOM types.
 */
const UNNAMED_CONTROLS = `(() => {
  const controls = [...document.querySelectorAll('button, a[href], input:not([type=hidden]), textarea, [role=combobox], [role=switch], [role=checkbox], [role=radio]')]
  return controls
    .filter((el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden')
    .filter((el) => {
      const label = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.getAttribute('title') || el.textContent.trim()
      const byFor = el.id && document.querySelector('label[for="' + el.id + '"]')
      const wrapped = el.closest('label') && el.closest('label').textContent.trim()
      return !label && !byFor && !wrapped && !el.placeholder
    })
    .map((el) => el.outerHTML.slice(0, 160))
})()`

async function unnamedControls(page: import('@playwright/test').Page): Promise<string[]> {
  return page.evaluate<string[]>(UNNAMED_CONTROLS)
}

test('every control has an accessible name, on every screen and in the dialogs', async ({ app, page, server }) => {
  seedRegistry(server.registry)
  await app.open('keys')
  await expect(app.keyRow('SupportChatbot')).toBeVisible()
  expect(await unnamedControls(page)).toEqual([])
  await page.getByRole('button', { name: 'Create', exact: true }).click()
  await expect(app.dialog('Create API key')).toBeVisible()
  expect(await unnamedControls(page)).toEqual([])
  await page.keyboard.press('Escape')
  await app.keyRow('SupportChatbot').getByRole('button', { name: 'gpt-4o · TPM' }).click()
  await expect(app.dialog('Assign resources to SupportChatbot')).toBeVisible()
  expect(await unnamedControls(page)).toEqual([])
  await page.keyboard.press('Escape')
  for (const screen of ['Resources', 'Audit log', 'Settings'] as const) {
    await app.nav(screen).click()
    await expect(page.getByRole('heading', { level: 1, name: screen })).toBeVisible()
    expect(await unnamedControls(page), screen).toEqual([])
  }
})
