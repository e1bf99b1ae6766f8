import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test, expect } from './support/fixtures'

/**
 * Resource upstreams (issue 10) in the real renderer on the desktop host: the Resources dialog's
 * upstream fields, the provider key kept by main's keychain adapter (never in the registry, the
 * page or Pinia), the Upstream column, the audit lines, and the Gateway switch in Settings.
 */
const SHOTS = process.env.KEYWARD_SCREENSHOTS ?? join(__dirname, '../../test-results/screenshots')
const PROVIDER_KEY = 'sk-proj-e2e-provider-key-0123456789abcdef'

test.use({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' })

test('add a resource with an upstream and a provider key; the key stays in the keychain; edit and remove the upstream', async ({
  app,
  page,
  server
}) => {
  mkdirSync(join(SHOTS, 'light'), { recursive: true })
  await app.open('resources')
  await page.getByRole('button', { name: 'Add resource' }).first().click()
  const add = app.dialog('Add resource')
  await add.getByLabel('Model').fill('gpt-4o')
  await add.getByLabel('TPM limit').fill('100000')

  // A URL with credentials in it is refused under the field, naming what to do.
  await add.getByLabel('Upstream URL').fill('https://me:hunter2@api.openai.com/v1')
  await add.getByRole('button', { name: 'Add', exact: true }).click()
  await expect(add).toContainText('must not hold a user name or password')
  expect(server.registry.listResources().items).toEqual([])

  await add.getByLabel('Upstream URL').fill('https://api.openai.com/v1/')
  await add.getByLabel('Name at the upstream').fill('gpt-4o-2024-08-06')
  await add.getByLabel('Provider key: environment variable of the server').fill('OPENAI_API_KEY')
  const keyField = add.getByLabel("Provider key (kept in this computer's keychain)")
  await expect(keyField).toHaveAttribute('type', 'password')
  await keyField.fill(PROVIDER_KEY)
  await add.screenshot({ path: join(SHOTS, 'light', 'resource-upstream-dialog.png'), animations: 'disabled' })
  await add.getByRole('button', { name: 'Add', exact: true }).click()
  await expect(add).toBeHidden()
  await expect(page.getByText('provider key kept in the keychain')).toBeVisible()

  const r = server.registry.findResource('gpt-4o:TPM')!
  expect(r.upstream).toEqual({ url: 'https://api.openai.com/v1', model: 'gpt-4o-2024-08-06', keyEnv: 'OPENAI_API_KEY' })
  // Main's keychain adapter holds the key, encrypted; nothing else does.
  expect(server.upstreamKeys.store.decryptAll()).toEqual({ [r.id]: PROVIDER_KEY })
  expect(JSON.stringify(server.upstreamKeys.blobs())).not.toContain(PROVIDER_KEY)
  expect(await page.content()).not.toContain(PROVIDER_KEY)
  expect(await app.piniaState()).not.toContain(PROVIDER_KEY)
  expect(JSON.stringify(server.registry.listAudit({ limit: 1000 }))).not.toContain(PROVIDER_KEY)
  server.registry.flushLastUsed()
  for (const suffix of ['', '-wal']) {
    let bytes = ''
    try {
      bytes = readFileSync(server.registry.path + suffix).toString('latin1')
    } catch {
      continue
    }
    expect(bytes).not.toContain(PROVIDER_KEY)
  }

  const row = page.getByTestId('resources-table').locator('tbody tr').filter({ hasText: 'gpt-4o' })
  await expect(row).toContainText('api.openai.com')
  await expect(row).toContainText('→ gpt-4o-2024-08-06')
  await page.getByTestId('resources-screen').screenshot({
    path: join(SHOTS, 'light', 'resources-upstream-column.png'),
    animations: 'disabled'
  })

  // Edit: the dialog says a key is kept (never shows it); removing the URL removes the upstream and its key.
  await page.getByRole('button', { name: 'Edit gpt-4o TPM' }).click()
  const edit = app.dialog('Edit resource')
  await expect(edit.getByLabel('Upstream URL')).toHaveValue('https://api.openai.com/v1')
  await expect(edit).toContainText('A key is kept for this resource')
  await expect(edit.getByLabel("Provider key (kept in this computer's keychain)")).toHaveValue('')
  await edit.getByLabel('Upstream URL').fill('')
  await expect(edit).toContainText('Saving removes the upstream, with its model and key.')
  await edit.getByRole('button', { name: 'Save' }).click()
  await expect(edit).toBeHidden()
  expect(server.registry.findResource('gpt-4o:TPM')!.upstream).toBeNull()
  expect(server.upstreamKeys.store.decryptAll()).toEqual({})
  await expect(row).toContainText('—')

  await app.nav('Audit log').click()
  const audit = page.getByTestId('audit-table')
  await expect(audit).toContainText('Provider key changed')
  await expect(audit).toContainText('Provider key kept in the desktop keychain')
  // Recorded values are isolated (U+2068 … U+2069) so each keeps its direction in Arabic.
  await expect(audit).toContainText('Upstream URL: \u2068https://api.openai.com/v1\u2069 → —')
  await expect(audit).not.toContainText(PROVIDER_KEY)
})

test('Settings → Local server: the Gateway switch is stored and shows the gateway base URL', async ({ app, page }) => {
  await app.open('settings')
  const section = page.getByTestId('server-settings')
  const gateway = section.getByRole('switch', { name: /Gateway/ })
  await expect(gateway).toHaveAttribute('aria-checked', 'false')
  await expect(section.getByTestId('server-gateway-url')).toHaveCount(0)
  await section.getByText('Gateway: also forward', { exact: false }).click()
  await expect(gateway).toHaveAttribute('aria-checked', 'true')
  await expect(section.getByTestId('server-gateway-url')).toContainText('http://127.0.0.1:8787/v1')
  await page.reload()
  await expect(page.getByTestId('server-settings').getByRole('switch', { name: /Gateway/ })).toHaveAttribute(
    'aria-checked',
    'true'
  )
  mkdirSync(join(SHOTS, 'light'), { recursive: true })
  await page.getByTestId('server-settings').screenshot({ path: join(SHOTS, 'light', 'settings-gateway.png') })
})
