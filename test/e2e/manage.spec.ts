import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { test, expect } from './support/fixtures'
import { seedRegistry } from './support/seed'

test('rotate with a grace window: the new secret is shown once, copied once, and Copy copies it again', async ({
  app,
  page,
  server
}) => {
  seedRegistry(server.registry)
  await app.open('keys')
  const before = await app.keyRow('InvoiceExtractor').locator('.cell-hint').textContent()
  await app.rowAction('InvoiceExtractor', 'Rotate')
  const rotate = app.dialog('Rotate API key InvoiceExtractor')
  for (const choice of ['None', '1 hour', '24 hours', '7 days'])
    await expect(rotate.getByText(choice, { exact: true })).toBeVisible()
  await expect(rotate.getByRole('radio', { name: /^None/ })).toBeChecked()
  await rotate.getByText('7 days', { exact: true }).click()
  await expect(rotate.getByRole('radio', { name: /^7 days/ })).toBeChecked()
  await rotate.getByRole('button', { name: 'Rotate' }).click()
  const once = app.dialog('API key rotated')
  await expect(once).toContainText('keeps working until')
  const secret = (await once.getByTestId('secret').textContent())!.trim()
  let clipboard = await app.clipboard()
  expect(clipboard.writes.filter((w) => w.secret === secret).map((w) => w.source)).toEqual(['keys.rotate'])
  await once.getByRole('button', { name: 'Copy' }).click()
  await expect.poll(async () => (await app.clipboard()).writes.filter((w) => w.secret === secret).length).toBe(2)
  clipboard = await app.clipboard()
  expect(clipboard.writes.at(-1)).toMatchObject({ source: 'clipboard.copySecret', secret })
  await once.getByRole('button', { name: 'I have stored it' }).click()
  await expect(once).toBeHidden()
  expect(await page.content()).not.toContain(secret)
  expect(await app.piniaState()).not.toContain(secret)
  await expect(app.keyRow('InvoiceExtractor').locator('.cell-hint')).not.toHaveText(before!)
  // The secret the dialog showed is the one the registry now accepts for this key.
  expect(server.registry.verify({ secret, appName: 'ap-extractor' })).toMatchObject({
    code: 'VALID',
    key: { name: 'InvoiceExtractor' }
  })

  await app.nav('Audit log').click()
  await expect(page.getByTestId('audit-table').locator('tbody tr').first()).toContainText('Key rotated')
  await expect(page.getByTestId('audit-table').locator('tbody tr').first()).toContainText(
    'Old secret valid for 7 day(s)'
  )
})

const SHOTS = join(__dirname, '../../test-results/screenshots')

test.describe('when the system clipboard refuses the new key', () => {
  test.use({ serverOptions: { clipboardRefusals: 1 }, viewport: { width: 1440, height: 900 }, colorScheme: 'light' })

  test('the dialog says it was not copied; Copy asks main to copy the secret it holds; once closed, main holds it no more', async ({
    app,
    page,
    server
  }) => {
    await app.open('keys')
    await page.getByTestId('create-key').click()
    await app.fillCreateForm({ name: 'ClipboardBusy' })
    await app.dialog('Create API key').getByRole('button', { name: 'Create', exact: true }).click()
    const once = app.dialog('API key created')
    await expect(once.getByTestId('clipboard-status')).toHaveText(
      'Not copied: the system clipboard could not be written. Use Copy.'
    )
    // For a person to look at, beside screenshots.spec.ts's shots.
    mkdirSync(join(SHOTS, 'light'), { recursive: true })
    await page.screenshot({ path: join(SHOTS, 'light', '21-show-once-not-copied.png'), animations: 'disabled' })
    const secret = (await once.getByTestId('secret').textContent())!.trim()
    expect((await app.clipboard()).current).toBeNull()

    const copyCalls: unknown[] = []
    page.on('request', (r) => {
      if (r.url().endsWith('/__e2e/ipc')) copyCalls.push(r.postDataJSON())
    })
    await once.getByRole('button', { name: 'Copy' }).click()
    await expect(once.getByTestId('clipboard-status')).toContainText(/Copied; the clipboard is cleared in \d+ s/)
    const clipboard = await app.clipboard()
    expect(clipboard.current).toBe(secret)
    expect(clipboard.writes).toEqual([expect.objectContaining({ secret, source: 'clipboard.copySecret' })])
    // The page named the key; the secret never went back to main.
    expect(JSON.stringify(copyCalls)).not.toContain(secret)

    await once.getByRole('button', { name: 'I have stored it' }).click()
    await expect(once).toBeHidden()
    const got = await server.call('keys.get', { key: 'ClipboardBusy' })
    const keyId = got.ok ? (got.result as { key: { id: string } }).key.id : ''
    await expect
      .poll(async () => server.call('clipboard.copySecret', { keyId }))
      .toMatchObject({ ok: true, result: { copied: false } })
    expect((await app.clipboard()).writes).toHaveLength(1)
  })
})

test('disable and enable a key from its menu', async ({ app, page, server }) => {
  seedRegistry(server.registry)
  await app.open('keys')
  await app.rowAction('CodeReviewBot', 'Disable')
  await expect(app.keyRow('CodeReviewBot')).toContainText('Disabled')
  await expect(page.getByText('Disabled CodeReviewBot: requests with it are refused until you enable it')).toBeVisible()
  await app.choose('Status', 'Disabled')
  await expect.poll(() => app.keyNames()).toEqual(['CodeReviewBot', 'SupportChatbotStaging'])
  await app.rowAction('CodeReviewBot', 'Enable')
  await expect.poll(() => app.keyNames()).toEqual(['SupportChatbotStaging'])
})

test('errors are shown in words on the field they concern, and nothing changes', async ({ app, page, server }) => {
  seedRegistry(server.registry)
  await app.open('keys')
  await page.getByRole('button', { name: 'Create', exact: true }).click()
  const dialog = app.dialog('Create API key')
  await dialog.getByLabel('Name', { exact: true }).fill('supportchatbot')
  await dialog.getByRole('button', { name: 'Create', exact: true }).click()
  await expect(dialog.getByRole('alert')).toContainText('Already exists or still in use')
  await expect(dialog.getByRole('alert')).toContainText(
    'A key named "SupportChatbot" already exists (names are unique, ignoring case). Choose another name.'
  )
  await expect(dialog.locator('.n-form-item', { has: page.getByLabel('Name', { exact: true }) })).toContainText(
    '"SupportChatbot" is taken.'
  )
  expect((await app.clipboard()).writes).toHaveLength(0)
  await page.keyboard.press('Escape')
  await expect(app.table.getByText('10 keys', { exact: true })).toBeVisible()
})

test('a failed load says what happened and offers to try again', async ({ app, page }) => {
  // Main answers keys.list with INTERNAL, as its dispatch does for an unexpected failure.
  await page.route('**/__e2e/ipc', (route) =>
    route.request().postDataJSON()?.channel === 'keyward:keys.list'
      ? route.fulfill({
          status: 200,
          contentType: 'application/json',
          body: JSON.stringify({
            ok: false,
            error: {
              code: 'INTERNAL',
              message:
                'Something went wrong inside Keyward. The change was not applied; try again, and report it if it persists.'
            }
          })
        })
      : route.continue()
  )
  await app.open('keys')
  const alert = page.getByRole('alert').filter({ hasText: 'Unexpected error' })
  await expect(alert).toContainText('Something went wrong inside Keyward.')
  await page.unroute('**/__e2e/ipc')
  await alert.getByRole('button', { name: 'Try again' }).click()
  await expect(alert).toBeHidden()
  await expect(page.getByTestId('first-run')).toBeVisible()
})

test('resources: edit the TPM limit against the pool, deactivate, remove, and set the pool', async ({
  app,
  page,
  server
}) => {
  seedRegistry(server.registry)
  await app.open('resources')
  const table = page.getByTestId('resources-table')
  const row = (model: string, type: string) =>
    table.locator('tbody tr').filter({ hasText: model }).filter({ hasText: type })
  await expect(page.getByTestId('pool-card')).toContainText('750,000')
  await expect(page.getByTestId('pool-card')).toContainText('600,000')

  await page.getByRole('button', { name: 'Edit gpt-4o TPM' }).click()
  const edit = app.dialog('Edit resource')
  await expect(edit.getByLabel('Model')).toBeDisabled()
  await edit.getByLabel('TPM limit').fill('500000')
  await expect(edit).toContainText('Only 450,000 TPM remain in the pool of 750,000')
  await edit.getByLabel('TPM limit').fill('350000')
  await edit.getByRole('button', { name: 'Save' }).click()
  await expect(edit).toBeHidden()
  await expect(row('gpt-4o', 'TPM')).toContainText('350,000')
  await expect(page.getByTestId('pool-card')).toContainText('650,000')

  await page.getByRole('button', { name: 'Deactivate gpt-4o-mini PYG' }).click()
  await expect(row('gpt-4o-mini', 'PYG')).toContainText('Inactive')

  await page.getByRole('button', { name: 'Remove claude-sonnet-4 PYG' }).click()
  const confirm = page.getByRole('dialog').filter({ hasText: 'Remove claude-sonnet-4 · PYG?' })
  await expect(confirm).toContainText('1 key uses it. Unassign it from them first, or deactivate it instead.')
  await expect(confirm.getByRole('button', { name: 'Remove' })).toBeDisabled()
  await confirm.getByRole('button', { name: 'Cancel' }).click()

  await page.getByRole('button', { name: 'Add resource' }).first().click()
  const add = app.dialog('Add resource')
  await add.getByLabel('Model').fill('mistral-large')
  await add.getByLabel('Type').getByText('PYG', { exact: true }).click()
  await add.getByRole('button', { name: 'Add', exact: true }).click()
  await expect(add).toBeHidden()
  await page.getByRole('button', { name: 'Remove mistral-large PYG' }).click()
  const confirm2 = page.getByRole('dialog').filter({ hasText: 'Remove mistral-large · PYG?' })
  await confirm2.getByRole('button', { name: 'Remove' }).click()
  await expect(row('mistral-large', 'PYG')).toHaveCount(0)

  await page.getByRole('button', { name: 'Set pool' }).click()
  const pool = app.dialog('TPM pool')
  await expect(pool.getByRole('checkbox', { name: 'No pool limit' })).toHaveAttribute('aria-checked', 'false')
  await pool.getByLabel('Pool size').fill('500000')
  await pool.getByRole('button', { name: 'Save' }).click()
  await expect(pool.getByRole('alert')).toContainText('TPM resources already provision 650000 tokens per minute')
  await expect(pool).toContainText('Must be at least 650000, the TPM already assigned.')
  await pool.getByLabel('Pool size').fill('1000000')
  await pool.getByRole('button', { name: 'Save' }).click()
  await expect(pool).toBeHidden()
  await expect(page.getByTestId('pool-card')).toContainText('1,000,000')
  await expect(page.getByTestId('pool-card')).toContainText('350,000')

  await app.nav('Audit log').click()
  await app.choose('Action', 'Resource edited')
  await expect(page.getByTestId('audit-table').locator('tbody tr')).toHaveCount(2)
  await expect(page.getByTestId('audit-table')).toContainText('TPM limit: 300,000 → 350,000')
  await expect(page.getByTestId('audit-table')).toContainText('Status: active → inactive')
})

test('first run: load demo data, then find it by department and project', async ({ app, page, server }) => {
  await app.open('keys')
  await page.getByTestId('first-run').getByRole('button', { name: 'Load demo data' }).click()
  await expect(app.table.getByText('50 keys', { exact: true })).toBeVisible()
  // The core generated the data: ask the registry file which project to filter by, and what to expect.
  const all = server.registry.listKeys({ limit: 1000 }).items
  expect(all).toHaveLength(50)
  const project = all.find((k) => k.project)!.project!
  const expected = all
    .filter((k) => k.project === project)
    .map((k) => k.name)
    .sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' }))
  await app.choose('Project', project)
  await expect
    .poll(async () => (await app.keyNames()).slice().sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })))
    .toEqual(expected)
  // Demo keys are never put on the clipboard: their secrets are discarded in the core.
  expect((await app.clipboard()).writes).toHaveLength(0)
  await app.nav('Resources').click()
  await expect(page.getByTestId('resources-table').locator('tbody tr')).toHaveCount(
    server.registry.listResources().items.length
  )
})

test('the audit screen says where the hash chain breaks when an entry was changed outside Keyward', async ({
  app,
  page,
  server
}) => {
  seedRegistry(server.registry)
  await app.open('audit')
  await expect(page.getByTestId('chain-status')).toContainText('Chain verified')
  await expect(page.getByTestId('chain-status')).toContainText('All 19 entries link up')
  // Someone edits the file behind Keyward's back.
  server.registry.db.prepare("UPDATE audit_log SET actor = 'mallory' WHERE seq = 4").run()
  await page.getByRole('button', { name: 'Verify again' }).click()
  await expect(page.getByTestId('chain-status')).toContainText('Chain broken at seq 4')
  await expect(page.getByTestId('chain-status')).toContainText('was changed or removed outside Keyward')
})
