import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import { verifyAuditExport } from '../../src/main/core/audit-export'
import { seedRegistry } from './support/seed'
import { test, expect } from './support/fixtures'

/**
 * The screens' Export buttons: the stand-in save dialog answers a file in this folder (Electron's
 * would ask the user); main's real handler writes it with the same core functions as the CLI.
 */
const folder = mkdtempSync(join(tmpdir(), 'keyward-e2e-export-'))
test.use({ serverOptions: { saveFolder: folder } })

const day = () => new Date().toISOString().slice(0, 10)

test('Export on the API Keys screen writes the keys the filters show; the audit log and a key’s usage export too', async ({
  app,
  page,
  server
}) => {
  const { usedSecret } = seedRegistry(server.registry)
  server.registry.recordUsage(
    { key: usedSecret, appName: 'helpdesk-bot', model: 'gpt-4o', promptTokens: 1200, completionTokens: 300 },
    Date.now()
  )
  await app.open('keys')
  await app.choose('Department', 'Customer Support')
  await expect(app.table.locator('tbody tr')).toHaveCount(2)

  await page.getByTestId('export-keys').click()
  await page.getByRole('menuitem', { name: 'Keys shown, as CSV (spreadsheets)' }).click()
  const keysFile = join(folder, `keyward-keys-${day()}.csv`)
  await expect(page.getByText(`Exported 2 keys to ${keysFile}`)).toBeVisible()
  expect(statSync(keysFile).mode & 0o777).toBe(0o600)
  const rows = parse(readFileSync(keysFile, 'utf8'), { columns: true }) as Record<string, string>[]
  expect(rows.map((r) => r.name).sort()).toEqual(['SupportChatbot', 'SupportChatbotStaging'])
  expect(rows.every((r) => r.department === 'Customer Support')).toBe(true)
  // Never a secret nor a hash from the app.
  const keysText = readFileSync(keysFile, 'utf8')
  expect(keysText).not.toContain(usedSecret)
  expect(keysText).not.toMatch(/[0-9a-f]{64}/)

  await page.getByTestId('export-keys').click()
  await page.getByRole('menuitem', { name: 'Keys shown, as JSON' }).click()
  await expect(page.getByText(`Exported 2 keys to ${join(folder, `keyward-keys-${day()}.json`)}`)).toBeVisible()

  await app.rowAction('SupportChatbot', 'Usage')
  const panel = page.getByRole('dialog', { name: 'Usage of SupportChatbot' })
  await expect(panel.getByTestId('usage-requests')).toHaveText('1')
  await panel.getByTestId('export-usage').click()
  await expect(page.getByText(/^Exported 1 usage row to .*keyward-usage-.*\.csv$/)).toBeVisible()
  const usageFile = readdirSync(folder).find((f) => f.startsWith('keyward-usage-'))!
  const usage = parse(readFileSync(join(folder, usageFile), 'utf8'), { columns: true }) as Record<string, string>[]
  expect(usage).toHaveLength(1)
  expect(usage[0]).toMatchObject({ keyName: 'SupportChatbot', model: 'gpt-4o', requests: '1', promptTokens: '1200' })
  await page.screenshot({ path: join(__dirname, '../../test-results/screenshots/light/export-usage.png') })
  await page.keyboard.press('Escape')

  await app.nav('Audit log').click()
  await page.getByTestId('export-audit').click()
  const auditFile = join(folder, `keyward-audit-${day()}.jsonl`)
  const entries = server.registry.listAudit({ limit: 1 }).total
  await expect(page.getByText(`Exported ${entries} audit entries to ${auditFile}`)).toBeVisible()
  await page.screenshot({ path: join(__dirname, '../../test-results/screenshots/light/export-audit.png') })
  // The file checks offline, as `keyward audit verify --file` does.
  expect(verifyAuditExport(readFileSync(auditFile, 'utf8'))).toMatchObject({ ok: true, entries })
})
