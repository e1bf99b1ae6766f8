import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Locator, Page } from '@playwright/test'
import { startServer } from '../../src/main/server/server'
import { test, expect } from './support/fixtures'
import { seedRegistry } from './support/seed'

/**
 * Per-key usage in the built renderer: usage is reported through the REAL `POST /v1/usage` of a
 * started `keyward serve` on the same registry file (its clock moved to report "earlier"), then the
 * key's usage panel draws it with chart.js under the app's CSP, and its text summary shows exactly
 * what was reported for each range. Plus the Settings → Local server section.
 */
/** test-results/screenshots/<theme>/ like screenshots.spec.ts; KEYWARD_SCREENSHOTS moves them (parallel runs clean test-results). */
const SHOTS = process.env.KEYWARD_SCREENSHOTS ?? join(__dirname, '../../test-results/screenshots')
const HOUR = 3_600_000
const DAY = 24 * HOUR

interface Report {
  /** How long before the page looks. */
  ago: number
  model: string
  promptTokens: number
  completionTokens: number
}

/** Reports usage for a key through a real server on the e2e registry file, at the given moments. */
async function reportUsage(dbPath: string, secret: string, appName: string | null, reports: Report[]): Promise<void> {
  const now = Date.now()
  let at = now
  const server = await startServer({
    dbPath,
    port: 0,
    clock: () => at,
    outboxIntervalMs: 0,
    smtpPassword: null,
    log: () => {}
  })
  try {
    for (const r of reports) {
      at = now - r.ago
      const response = await fetch(`${server.url}/v1/usage`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${secret}`,
          ...(appName ? { 'x-app-name': appName } : {})
        },
        body: JSON.stringify({ model: r.model, promptTokens: r.promptTokens, completionTokens: r.completionTokens })
      })
      expect(response.status, await response.clone().text()).toBe(200)
    }
  } finally {
    // Closing writes the buffered last-used times to the file, where the app reads them.
    at = now
    await server.close()
  }
}

/** How many pixels of the chart's canvas were painted: 0 for a blank canvas. */
async function paintedPixels(canvas: Locator): Promise<number> {
  return canvas.evaluate((element) => {
    type Canvas2d = {
      width: number
      height: number
      getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } }
    }
    const c = element as unknown as Canvas2d
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data
    let painted = 0
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++
    return painted
  })
}

function usagePanel(page: Page, name: string): Locator {
  return page.getByRole('dialog', { name: `Usage of ${name}` })
}

async function expectSummary(
  panel: Locator,
  figures: { requests: string; prompt: string; completion: string; total: string }
): Promise<void> {
  await expect(panel.getByTestId('usage-requests')).toHaveText(figures.requests)
  await expect(panel.getByTestId('usage-prompt')).toHaveText(figures.prompt)
  await expect(panel.getByTestId('usage-completion')).toHaveText(figures.completion)
  await expect(panel.getByTestId('usage-total')).toHaveText(figures.total)
}

test('a key’s usage panel shows what gateways reported with POST /v1/usage, per range, drawn under the CSP', async ({
  app,
  page,
  server
}) => {
  const { usedSecret } = seedRegistry(server.registry)
  const other = server.registry.createKey({ name: 'OtherGateway', resources: ['gpt-4o:TPM'] }, 'e2e-user').secret
  await reportUsage(server.registry.db.name, usedSecret, 'helpdesk-bot', [
    { ago: 10 * DAY, model: 'gpt-4o', promptTokens: 99_999, completionTokens: 1 },
    { ago: 2 * DAY, model: 'gpt-4o', promptTokens: 10_000, completionTokens: 2_000 },
    { ago: 3 * HOUR, model: 'gpt-4o', promptTokens: 2_500, completionTokens: 600 },
    { ago: 3 * HOUR, model: 'gpt-4o', promptTokens: 1_500, completionTokens: 400 },
    { ago: 0, model: 'gpt-4o', promptTokens: 1_200, completionTokens: 300 },
    { ago: 0, model: 'text-embedding-3-large', promptTokens: 500, completionTokens: 0 }
  ])
  // Another key's usage is not this key's.
  await reportUsage(server.registry.db.name, other, null, [
    { ago: 0, model: 'gpt-4o', promptTokens: 777, completionTokens: 0 }
  ])

  await app.open('keys')
  await app.rowAction('SupportChatbot', 'Usage')
  const panel = usagePanel(page, 'SupportChatbot')
  await expect(panel).toBeVisible()
  await expect(panel.getByTestId('usage-last-used')).toContainText(/now|minutes? ago/)

  await test.step('24 hours (per hour) is the first view', async () => {
    await expect(panel.getByRole('radio', { name: '24 hours' })).toBeChecked()
    await expectSummary(panel, { requests: '4', prompt: '5,700', completion: '1,300', total: '7,000' })
    const canvas = panel.getByTestId('usage-chart').locator('canvas')
    await expect(canvas).toHaveAttribute(
      'aria-label',
      'Tokens per hour for SupportChatbot over the last 24 hours: 5,700 prompt and 1,300 completion tokens.'
    )
    await expect.poll(() => paintedPixels(canvas)).toBeGreaterThan(500)
    const models = panel.getByTestId('usage-models').locator('tbody tr')
    await expect(models).toHaveText([
      /^gpt-4o\s*3\s*5,200\s*1,300\s*6,500$/,
      /^text-embedding-3-large\s*1\s*500\s*0\s*500$/
    ])
  })

  await test.step('the last hour (per minute) holds only this minute’s reports', async () => {
    await panel.getByText('Last hour', { exact: true }).click()
    await expect(panel.getByRole('radio', { name: 'Last hour' })).toBeChecked()
    await expectSummary(panel, { requests: '2', prompt: '1,700', completion: '300', total: '2,000' })
    await expect(panel.getByTestId('usage-chart').locator('canvas')).toHaveAttribute('aria-label', /^Tokens per minute/)
  })

  await test.step('7 days (per UTC day) adds the report of two days ago, not the one of ten days ago', async () => {
    await panel.getByText('7 days', { exact: true }).click()
    await expect(panel.getByRole('radio', { name: '7 days' })).toBeChecked()
    await expectSummary(panel, { requests: '5', prompt: '15,700', completion: '3,300', total: '19,000' })
    const canvas = panel.getByTestId('usage-chart').locator('canvas')
    await expect(canvas).toHaveAttribute('aria-label', /^Tokens per day/)
    await expect.poll(() => paintedPixels(canvas)).toBeGreaterThan(500)
    await expect(panel).toContainText('Days are UTC days.')
  })

  await test.step('Esc closes it; a key without reports says how usage gets here', async () => {
    await page.keyboard.press('Escape')
    await expect(panel).toBeHidden()
    await app.rowAction('InvoiceExtractor', 'Usage')
    const empty = usagePanel(page, 'InvoiceExtractor')
    await expect(empty.getByTestId('usage-empty')).toContainText('No usage reported yet')
    await expect(empty.getByTestId('usage-empty')).toContainText('Gateways report usage with POST /v1/usage')
    await expect(empty.getByTestId('usage-last-used')).toHaveText('Never')
    await expectSummary(empty, { requests: '0', prompt: '0', completion: '0', total: '0' })
    await expect(empty.locator('canvas')).toHaveCount(0)
  })
})

test('Settings → Local server: the switch and the port are saved as app settings, and the URL follows the port', async ({
  app,
  page,
  server
}) => {
  await app.open('settings')
  const section = page.getByTestId('server-settings')
  const toggle = section.getByRole('switch', { name: 'Run the verification server on this computer' })
  await expect(toggle).toHaveAttribute('aria-checked', 'false')
  await expect(section.getByTestId('server-verify-url')).toHaveText('http://127.0.0.1:8787/v1/keys/verify')
  await expect(section).toContainText('It binds to 127.0.0.1 (loopback) only')
  // What the host reports its server is doing (server.status): the e2e host starts none.
  await expect(section.getByRole('status')).toHaveText('Off')

  await toggle.click()
  await expect(toggle).toHaveAttribute('aria-checked', 'true')
  await expect(page.getByText('Local server switched on: http://127.0.0.1:8787/v1/keys/verify')).toBeVisible()
  await expect(section.getByRole('status')).toHaveText('Off')

  const port = section.getByLabel('Port', { exact: true })
  await port.fill('80')
  await expect(section).toContainText('Use a port from 1024 to 65535.')
  await expect(section.getByRole('button', { name: 'Save' })).toBeDisabled()
  await port.fill('9123')
  await section.getByRole('button', { name: 'Save' }).click()
  await expect(page.getByText('Port saved: the local server restarts on 9123')).toBeVisible()
  await expect(section.getByTestId('server-verify-url')).toHaveText('http://127.0.0.1:9123/v1/keys/verify')

  // What the host keeps: exactly the two settings, checked by the same schema main uses.
  const saved = await server.call('settings.get')
  expect(saved.ok && saved.result).toMatchObject({ serverEnabled: true, serverPort: 9123 })
  await page.reload()
  await expect(
    page.getByTestId('server-settings').getByRole('switch', { name: 'Run the verification server on this computer' })
  ).toHaveAttribute('aria-checked', 'true')
  await expect(page.getByTestId('server-verify-url')).toHaveText('http://127.0.0.1:9123/v1/keys/verify')
})

for (const theme of ['light', 'dark'] as const) {
  test.describe(`${theme} theme`, () => {
    test.use({ viewport: { width: 1440, height: 900 }, colorScheme: theme, reducedMotion: 'reduce' })

    test(`screenshots of the usage panel and the local server settings (${theme})`, async ({ app, page, server }) => {
      const shot = async (name: string) => {
        mkdirSync(join(SHOTS, theme), { recursive: true })
        await page.screenshot({ path: join(SHOTS, theme, `${name}.png`), animations: 'disabled' })
      }
      const { usedSecret } = seedRegistry(server.registry)
      const reports: Report[] = []
      // A working day's traffic: a report every 40 minutes, heavier around midday, for the chart to show.
      for (let i = 0; i < 36; i++) {
        const load = 1 + Math.round(3 * Math.sin((i / 36) * Math.PI))
        reports.push({
          ago: i * 40 * 60_000,
          model: i % 3 === 0 ? 'text-embedding-3-large' : 'gpt-4o',
          promptTokens: 400 * load + 37 * i,
          completionTokens: i % 3 === 0 ? 0 : 120 * load
        })
      }
      await reportUsage(server.registry.db.name, usedSecret, 'helpdesk-bot', reports)

      await app.open('keys')
      await app.rowAction('SupportChatbot', 'Usage')
      const panel = usagePanel(page, 'SupportChatbot')
      await expect(panel.getByTestId('usage-chart').locator('canvas')).toBeVisible()
      await expect.poll(() => paintedPixels(panel.getByTestId('usage-chart').locator('canvas'))).toBeGreaterThan(500)
      await shot('30-usage-panel')

      await page.keyboard.press('Escape')
      await expect(panel).toBeHidden()
      await app.rowAction('InvoiceExtractor', 'Usage')
      await expect(usagePanel(page, 'InvoiceExtractor').getByTestId('usage-empty')).toBeVisible()
      await shot('31-usage-panel-empty')
      await page.keyboard.press('Escape')

      await app.nav('Settings').click()
      await page.getByTestId('server-settings').scrollIntoViewIfNeeded()
      await expect(page.getByTestId('server-verify-url')).toBeVisible()
      await shot('32-settings-local-server')
    })
  })
}
