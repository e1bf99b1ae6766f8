import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { generateSecret, secretHint } from '../../src/main/core/secrets'
import { test, expect } from './support/fixtures'

/**
 * The leak scan in the app: the stand-in folder dialog answers this folder (Electron's would ask
 * the user); the scan itself is main's real handler reading real files; Disable and Delete go
 * through the real core, whose audit entries say where each key leaked.
 */
const folder = mkdtempSync(join(tmpdir(), 'keyward-e2e-scan-'))
test.use({ serverOptions: { scanFolder: folder } })

const TOKEN = /kwa?_[0-9A-Za-z]{49}/

test('Scan a folder: findings in a table by hint, Disable one, Delete all, each audited as leaked: FILE:LINE', async ({
  app,
  page,
  server
}) => {
  const reg = server.registry
  const live = reg.createKey({ name: 'BillingBot' }, 'e2e-user').secret
  const other = reg.createKey({ name: 'ReportJob' }, 'e2e-user').secret
  const off = reg.createKey({ name: 'OldIntern' }, 'e2e-user').secret
  reg.disableKey({ key: 'OldIntern' }, 'e2e-user')
  const stray = generateSecret('standard', randomBytes)
  mkdirSync(join(folder, 'services', 'billing'), { recursive: true })
  writeFileSync(join(folder, 'services', 'billing', 'settings.py'), `import os\n\nAPI_KEY = "${live}"\n`)
  writeFileSync(join(folder, 'deploy.env'), `# staging\nREPORT_KEY=${other}\nINTERN_KEY=${off}\n`)
  writeFileSync(join(folder, 'README.md'), `Example: curl -H "Authorization: Bearer ${stray}"\n`)
  writeFileSync(join(folder, '.gitignore'), 'local/\n')
  mkdirSync(join(folder, 'local'))
  writeFileSync(join(folder, 'local', 'notes.txt'), `${live}\n`)
  symlinkSync('/etc', join(folder, 'etc-link'))

  await app.open('keys')
  await app.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Leak scan' }).click()
  const screen = page.getByTestId('scan-screen')
  await expect(screen.getByRole('heading', { name: 'Leak scan' })).toBeVisible()
  await screen.getByTestId('scan-pick').click()
  await expect(page.getByTestId('scan-summary')).toContainText('4 keys found in 3 files')
  const rows = page.getByTestId('scan-table').locator('tbody tr')
  await expect(rows).toHaveCount(4)
  const row = (text: string) => rows.filter({ hasText: text })
  await expect(row('settings.py')).toContainText('services/billing/settings.py')
  await expect(row('settings.py')).toContainText('BillingBot')
  await expect(row('settings.py')).toContainText('Active')
  await expect(row('settings.py')).toContainText(secretHint(live))
  await expect(row('settings.py').locator('td').nth(1)).toHaveText('3')
  await expect(row('README.md')).toContainText('Not in this registry')
  await expect(row('README.md')).toContainText('Unknown')
  await expect(row('OldIntern')).toContainText('Disabled')
  // The .gitignored file is not read unless asked; no secret reaches the page or its stores.
  await expect(rows.filter({ hasText: 'notes.txt' })).toHaveCount(0)
  expect(await page.content()).not.toMatch(TOKEN)
  expect(await app.piniaState()).not.toMatch(TOKEN)
  await page.screenshot({ path: join(__dirname, '../../test-results/screenshots/light/leak-scan.png'), fullPage: true })

  // One click: disable BillingBot (reversible, no confirmation).
  await row('settings.py').getByRole('button', { name: 'Disable BillingBot' }).click()
  await expect(row('settings.py')).toContainText('Disabled')
  expect(reg.getKey({ key: 'BillingBot' }).key.status).toBe('disabled')
  const disabled = reg.listAudit({ key: 'BillingBot', action: 'key.disable' }).items[0]!
  expect(disabled.details.reason).toBe(`leaked: ${join(folder, 'services', 'billing', 'settings.py')}:3`)

  // Delete all found: confirmed, in one transaction, each with its place.
  await page.getByTestId('scan-delete-all').click()
  const confirm = page.getByRole('dialog').filter({ hasText: 'Delete 3 keys?' })
  await expect(confirm).toContainText('requests in flight')
  await confirm.getByRole('button', { name: 'Delete' }).click()
  await expect(confirm).toBeHidden()
  await expect(rows.filter({ hasText: 'Deleted' })).toHaveCount(3)
  expect(reg.listKeys({}).total).toBe(0)
  const deletions = reg.listAudit({ action: 'key.delete' }).items.map((e) => [e.targetName, e.details.reason])
  expect(deletions).toEqual(
    expect.arrayContaining([
      ['BillingBot', `leaked: ${join(folder, 'services', 'billing', 'settings.py')}:3`],
      ['ReportJob', `leaked: ${join(folder, 'deploy.env')}:2`],
      ['OldIntern', `leaked: ${join(folder, 'deploy.env')}:3`]
    ])
  )
  expect(JSON.stringify(reg.listAudit({ limit: 1000 }).items)).not.toMatch(TOKEN)

  // With "Include files .gitignore excludes", the ignored file is read too.
  await page.getByTestId('scan-all').click()
  await screen.getByTestId('scan-pick').click()
  await expect(rows.filter({ hasText: 'notes.txt' })).toContainText('Deleted')
  await expect(rows).toHaveCount(5)
})
