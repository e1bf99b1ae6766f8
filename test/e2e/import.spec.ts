import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, expect } from './support/fixtures'
import { shot } from './support/layout'

/**
 * File ▸ Import Keys… in the app: the stand-in open dialog answers this CSV and the stand-in save
 * dialog a file in the same folder (Electron's would ask the user); main's real handlers check,
 * import and write the secrets file through the real core.
 */
const folder = mkdtempSync(join(tmpdir(), 'keyward-e2e-import-'))
const csv = join(folder, 'from-old-system.csv')
const legacy = 'sk-legacy-billing-0123456789abcdef'
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex')
test.use({ serverOptions: { importFile: csv, saveFolder: folder } })

const TOKEN = /kwa?_[0-9A-Za-z]{49}/

test('Import: a preview with each row’s problems, all or nothing unless skipped, secrets to a 0600 file and never to the page', async ({
  app,
  page,
  server
}) => {
  server.registry.addResource({ model: 'gpt-4o', type: 'PYG' }, 'e2e')
  writeFileSync(
    csv,
    [
      'name,department,resources,sha256,hint',
      'ReportsBot,Finance,gpt-4o:PYG,,',
      'LegacyBilling,Finance,gpt-4o:PYG,' + sha256(legacy) + ',sk-…cdef',
      'Bad Name!,Finance,,,',
      'TriageBot,Support,gpt-5:PYG,,',
      'NotesBot,Support,,,'
    ].join('\n') + '\n'
  )
  await app.open('keys')
  await page.getByTestId('import-keys').click()
  const dialog = app.dialog('Import keys')
  await expect(dialog.getByTestId('import-summary')).toContainText(
    '3 rows ready: 2 new keys (secrets generated, saved to a file you choose next), 1 key by hash'
  )
  await expect(dialog.getByTestId('import-problems-alert')).toContainText('2 rows with problems')
  const problems = dialog.getByTestId('import-errors').locator('tbody tr')
  await expect(problems).toHaveCount(2)
  await expect(problems.nth(0)).toContainText('3')
  await expect(problems.nth(0)).toContainText('name')
  await expect(problems.nth(1)).toContainText('resources')
  await expect(problems.nth(1)).toContainText('gpt-5')
  const run = dialog.getByTestId('import-run')
  await expect(run).toBeDisabled()
  await page.screenshot({ path: join(__dirname, '../../test-results/screenshots/light/import-preview.png') })
  expect(server.registry.listKeys({ limit: 1 }).total).toBe(0)

  await dialog.getByText('To import (3)', { exact: true }).click()
  await expect(dialog.getByTestId('import-rows').locator('tbody tr')).toHaveCount(3)
  await dialog.getByTestId('import-skip').click()
  await expect(run).toBeEnabled()
  await expect(run).toHaveText('Import 3 keys')
  await run.click()

  await expect(dialog.getByTestId('import-done')).toContainText('Imported 2 new keys and 1 key by hash.')
  await expect(dialog.getByTestId('import-done')).toContainText('Skipped 2 rows with problems.')
  const secretsFile = join(folder, `keyward-new-secrets-${new Date().toISOString().slice(0, 10)}.csv`)
  await expect(dialog.getByTestId('import-secrets-file')).toContainText(secretsFile)
  await page.screenshot({ path: join(__dirname, '../../test-results/screenshots/light/import-done.png') })
  expect(statSync(secretsFile).mode & 0o777).toBe(0o600)
  const lines = readFileSync(secretsFile, 'utf8').trim().split('\n')
  expect(lines[0]).toBe('id,name,secret')
  expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(['ReportsBot', 'NotesBot'])
  const secrets = lines.slice(1).map((l) => l.split(',')[2]!)

  // The page never held a secret: not in the DOM, not in its stores.
  for (const s of secrets) {
    expect(await page.content()).not.toContain(s)
    expect(await app.piniaState()).not.toContain(s)
  }
  expect(await page.content()).not.toMatch(TOKEN)

  await dialog.getByTestId('import-close').click()
  await expect(dialog).toHaveCount(0)
  expect((await app.keyNames()).sort()).toEqual(['LegacyBilling', 'NotesBot', 'ReportsBot'])
  // The old system's secret and the new ones verify.
  expect(server.registry.verify({ secret: legacy, model: 'gpt-4o' })).toMatchObject({ valid: true })
  expect(server.registry.verify({ secret: secrets[0]!, model: 'gpt-4o' })).toMatchObject({ valid: true })
})

test('Import with nothing to fix writes nothing until Import, and Cancel leaves the registry as it was', async ({
  app,
  page,
  server
}) => {
  writeFileSync(csv, 'name\nOnlyOne\n')
  await app.open('keys')
  await page.getByTestId('import-keys').click()
  const dialog = app.dialog('Import keys')
  await expect(dialog.getByTestId('import-summary')).toContainText('1 row ready: 1 new key')
  await expect(dialog.getByTestId('import-problems-alert')).toHaveCount(0)
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  await expect(dialog).toHaveCount(0)
  expect(server.registry.listKeys({ limit: 1 }).total).toBe(0)
})

test('in Arabic the preview’s problems read in Arabic, the values from the file kept as written', async ({
  app,
  page,
  server
}) => {
  server.registry.addResource({ model: 'gpt-4o', type: 'PYG' }, 'e2e')
  writeFileSync(csv, ['name,resources', 'ReportsBot,gpt-4o:PYG', 'Bad Name!,', 'TriageBot,gpt-5:PYG'].join('\n') + '\n')
  await server.call('settings.set', { language: 'ar' })
  await app.open('keys')
  await page.getByTestId('import-keys').click()
  const dialog = page.getByRole('dialog')
  const problems = dialog.getByTestId('import-errors').locator('tbody tr')
  await expect(problems).toHaveCount(2)
  // The core's messages are English; the window shows them from the Arabic catalog.
  for (const row of [problems.nth(0), problems.nth(1)]) {
    const text = (await row.innerText()).replace(/[\u2066-\u2069]/g, '')
    expect(text).toMatch(/[\u0600-\u06FF]/)
    expect(text).not.toMatch(/\b(is|are|the|must|use|not)\b/i)
  }
  // The model the file named is shown as written, left to right inside the Arabic sentence.
  await expect(problems.nth(1)).toContainText('gpt-5')
  await shot(page, 'ar', 'import-preview-problems')
})
