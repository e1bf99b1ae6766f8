import { test, expect } from './support/fixtures'

/**
 * The seed's "Manage API Keys" page, walked as a user would in the real built renderer against
 * the real core: resources, create (shown once, copied once), assign under the TPM/PYG rule,
 * edit resources, edit the name, filter by department and project, remove, and the audit trail.
 */
test('the whole key workflow, from an empty registry to the audit log', async ({ app, page }) => {
  // A long walkthrough: on a CPU shared with other jobs it nears the default 60 s budget.
  test.slow()
  await app.open('keys')

  await test.step('an empty registry guides the user', async () => {
    const guide = page.getByTestId('first-run')
    await expect(guide.getByRole('heading', { name: 'Welcome to Keyward' })).toBeVisible()
    await expect(guide.getByRole('button', { name: 'Add a resource' })).toBeVisible()
    await expect(guide.getByRole('button', { name: 'Create a key' })).toBeVisible()
    await expect(guide.getByRole('button', { name: 'Load demo data' })).toBeVisible()
  })

  await test.step('add resources on the Resources screen', async () => {
    await app.nav('Resources').click()
    const add = async (model: string, type: 'TPM' | 'PYG', tpm?: number) => {
      await page.getByRole('button', { name: 'Add resource' }).first().click()
      const dialog = app.dialog('Add resource')
      await dialog.getByLabel('Model').fill(model)
      await dialog.getByLabel('Type').getByText(type, { exact: true }).click()
      if (tpm) await dialog.getByLabel('TPM limit').fill(String(tpm))
      await dialog.getByRole('button', { name: 'Add', exact: true }).click()
      await expect(dialog).toBeHidden()
    }
    await add('gpt-4o', 'TPM', 100000)
    await add('gpt-4o', 'PYG')
    await add('claude-sonnet-4', 'PYG')
    const table = page.getByTestId('resources-table')
    await expect(table.locator('tbody tr')).toHaveCount(3)
    await expect(page.getByTestId('pool-card')).toContainText('100,000')
  })

  let secret = ''
  await test.step('create a key with every field; the TPM/PYG rule disables the other type', async () => {
    await app.nav('API Keys').click()
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    const dialog = app.dialog('Create API key')
    await dialog.getByLabel('Select Resources').click()
    await page.getByRole('option', { name: 'gpt-4o · TPM', exact: true }).click()
    const pyg = page.getByRole('option', { name: 'gpt-4o · PYG', exact: true })
    await expect(pyg).toHaveAttribute('aria-disabled', 'true')
    await expect(pyg).toContainText(
      'gpt-4o is already chosen under TPM; a key may use a model under one resource type only.'
    )
    await page.getByRole('option', { name: 'claude-sonnet-4 · PYG', exact: true }).click()
    await dialog.getByRole('heading', { name: 'Create API key', exact: true }).click()
    await app.fillCreateForm({
      name: 'ChatbotProd',
      department: 'Engineering',
      project: 'Support Chatbot',
      environment: 'Production',
      requestor: 'Maya Patel',
      appId: 'chatbot-api',
      justification: 'Customer support assistant answers tier-1 tickets.',
      notes: 'Rotate every quarter.',
      notifyEmail: 'maya@example.com',
      expires: '2031-01-31'
    })
    await dialog.getByRole('button', { name: 'Create', exact: true }).click()

    const once = app.dialog('API key created')
    await expect(once).toBeVisible()
    secret = (await once.getByTestId('secret').textContent())!.trim()
    expect(secret).toMatch(/^kw_[A-Za-z0-9]{20,}$/)
    await expect(once.getByTestId('secret')).toHaveCSS('font-family', /mono/i)
    await expect(once.getByTestId('clipboard-status')).toContainText(/Copied; the clipboard is cleared in \d+ s/)
    await expect(once).toContainText('You can view this API key only once')
    await expect(once).toContainText('It cannot be viewed again after you close this dialog.')

    const clipboard = await app.clipboard()
    expect(clipboard.current).toBe(secret)
    expect(clipboard.writes.filter((w) => w.secret === secret)).toHaveLength(1)

    await once.getByRole('button', { name: 'I have stored it' }).click()
    await expect(once).toBeHidden()
    // After the dialog closes, the secret is nowhere in the renderer.
    expect(await page.content()).not.toContain(secret)
    expect(await app.piniaState()).not.toContain(secret)

    const row = app.keyRow('ChatbotProd')
    await expect(row).toBeVisible()
    for (const text of [
      'gpt-4o · TPM',
      'claude-sonnet-4 · PYG',
      'Engineering',
      'Support Chatbot',
      'Production',
      'Maya Patel',
      'chatbot-api',
      'Active',
      '2031'
    ]) {
      await expect(row).toContainText(text)
    }
  })

  await test.step('edit the resources from the Resources column: unselecting removes, Associate applies', async () => {
    await app.keyRow('ChatbotProd').getByRole('button', { name: 'gpt-4o · TPM' }).click()
    const dialog = app.dialog('Assign resources to ChatbotProd')
    const tpm = dialog.getByRole('checkbox', { name: 'gpt-4o · TPM' })
    const pyg = dialog.getByRole('checkbox', { name: 'gpt-4o · PYG' })
    await expect(tpm).toHaveAttribute('aria-checked', 'true')
    await expect(pyg).toHaveAttribute('aria-disabled', 'true')
    await expect(pyg).toHaveAccessibleDescription(
      'gpt-4o is already chosen under TPM; a key may use a model under one resource type only.'
    )
    await tpm.click()
    await expect(pyg).not.toHaveAttribute('aria-disabled', 'true')
    await pyg.click()
    await expect(tpm).toHaveAttribute('aria-disabled', 'true')
    await dialog.getByRole('checkbox', { name: 'claude-sonnet-4 · PYG' }).click()
    await expect(dialog).toContainText('1 selected · 1 to add · 2 to remove')
    await dialog.getByRole('button', { name: 'Associate' }).click()
    await expect(dialog).toBeHidden()
    const row = app.keyRow('ChatbotProd')
    await expect(row.getByRole('button', { name: 'gpt-4o · PYG' })).toBeVisible()
    await expect(row.getByRole('button', { name: 'gpt-4o · TPM' })).toHaveCount(0)
    await expect(row.getByRole('button', { name: 'claude-sonnet-4 · PYG' })).toHaveCount(0)
  })

  await test.step('edit the name: the rule is checked as the user types', async () => {
    await app.rowAction('ChatbotProd', 'Edit')
    const dialog = app.dialog('Edit API key ChatbotProd')
    const name = dialog.getByLabel('Name', { exact: true })
    await expect(name).toHaveValue('ChatbotProd')
    await name.fill('Chatbot Prod!')
    await expect(dialog).toContainText(
      'Name may contain only letters (A-Z, a-z) and digits (0-9), no spaces or special characters. Remove: space, "!".'
    )
    await name.fill('ChatbotProd2')
    await expect(dialog).not.toContainText('Remove:')
    await dialog.getByRole('button', { name: 'Save' }).click()
    await expect(dialog).toBeHidden()
    await expect(app.keyRow('ChatbotProd2')).toBeVisible()
    await expect(app.keyRow('ChatbotProd')).toHaveCount(0)
  })

  await test.step('a second key in another department and project', async () => {
    await app.createKey({
      name: 'InvoiceReader',
      resources: ['gpt-4o · TPM'],
      department: 'Finance',
      project: 'Accounts Payable',
      environment: 'Staging'
    })
    await expect(app.keyRow('InvoiceReader')).toBeVisible()
    expect(await app.keyNames()).toEqual(['ChatbotProd2', 'InvoiceReader'])
  })

  await test.step('filter by department, then by project; filters survive a reload', async () => {
    await app.choose('Department', 'Engineering')
    await expect.poll(() => app.keyNames()).toEqual(['ChatbotProd2'])
    await page.getByRole('button', { name: 'Clear filters' }).first().click()
    await expect.poll(() => app.keyNames()).toEqual(['ChatbotProd2', 'InvoiceReader'])
    await app.choose('Project', 'Accounts Payable')
    await expect.poll(() => app.keyNames()).toEqual(['InvoiceReader'])
    await page.reload()
    await expect(app.keyRow('InvoiceReader')).toBeVisible()
    await expect.poll(() => app.keyNames()).toEqual(['InvoiceReader'])
    await expect(page.getByRole('search', { name: 'Filter API keys' })).toContainText('Accounts Payable')
    // The filter is in localStorage; no key data is.
    const stored = await page.evaluate(() =>
      JSON.stringify({ ...(globalThis as unknown as { localStorage: Record<string, string> }).localStorage })
    )
    expect(stored).toContain('Accounts Payable')
    expect(stored).not.toContain('InvoiceReader')
    await page.getByRole('button', { name: 'Clear filters' }).first().click()
    await expect.poll(() => app.keyNames()).toEqual(['ChatbotProd2', 'InvoiceReader'])
  })

  await test.step('remove with confirmation', async () => {
    await app.rowAction('InvoiceReader', 'Remove')
    const dialog = app.dialog('Remove API key InvoiceReader')
    await expect(dialog).toContainText('Any requests in progress using this key will result in an error')
    await dialog.getByRole('button', { name: 'Delete' }).click()
    await expect(dialog).toBeHidden()
    await expect(app.keyRow('InvoiceReader')).toHaveCount(0)
    expect(await app.keyNames()).toEqual(['ChatbotProd2'])
  })

  await test.step('every step is in the audit log, and the chain verifies', async () => {
    await app.nav('Audit log').click()
    await expect(page.getByTestId('chain-status')).toContainText('Chain verified')
    const table = page.getByTestId('audit-table')
    const actions = table.locator('tbody tr td:nth-child(4)')
    await expect(actions).toHaveText([
      'Key removed',
      'Key created',
      'Key edited',
      'Resources changed',
      'Key created',
      'Resource added',
      'Resource added',
      'Resource added'
    ])
    // Recorded values are isolated (U+2068 … U+2069) so each keeps its direction in Arabic.
    await expect(table).toContainText('Name: \u2068ChatbotProd\u2069 → \u2068ChatbotProd2\u2069')
    await expect(table).toContainText('Added \u2068gpt-4o · PYG\u2069')
    await expect(table).toContainText('Removed \u2068claude-sonnet-4 · PYG\u2069, \u2068gpt-4o · TPM\u2069')
    await page.getByLabel('Key', { exact: true }).fill('InvoiceReader')
    await expect(actions).toHaveText(['Key removed', 'Key created'])
    expect(await page.content()).not.toContain(secret)
  })
})
