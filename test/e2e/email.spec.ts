import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Locator, Page } from '@playwright/test'
import { startLoopbackSmtp, type LoopbackSmtp, type ReceivedMail } from '../integration/notify/smtp-fixture'
import { test, expect } from './support/fixtures'
import type { OperationName } from '../../src/shared/contract'
import type { KeywardApp } from './support/keyward-app'

/**
 * Email alerts through the screens, against a REAL SMTP server (smtp-server) on a loopback port
 * that requires a login: SMTP settings in Settings, the test email, a key created with Notify via
 * Email, and the Outbox delivering it once.
 */
const LOGIN = { user: 'mailer', pass: 'relay-Pa55word-7' }
const SCREENSHOTS = join(__dirname, '../../test-results/screenshots')

let smtp: LoopbackSmtp
test.beforeEach(async () => {
  smtp = await startLoopbackSmtp({ login: LOGIN })
})
test.afterEach(async () => {
  await smtp.close()
})

function smtpSection(page: Page): Locator {
  return page.getByTestId('smtp-settings')
}

/** Fills Settings → Email as a user would and saves. */
async function configureSmtp(page: Page, fields: { password?: string; user?: string } = {}): Promise<void> {
  const section = smtpSection(page)
  await section.getByLabel('SMTP host').fill('127.0.0.1')
  await section.getByLabel('Port').fill(String(smtp.port))
  await section.getByText('None', { exact: true }).click()
  await section.getByLabel('From address').fill('keyward@example.com')
  await section.getByLabel('User name').fill(fields.user ?? LOGIN.user)
  if (fields.password !== undefined) await section.getByLabel(/^(New password|Password)$/).fill(fields.password)
  const save = section.getByRole('button', { name: 'Save', exact: true })
  await save.click()
  // Saved: the form is clean again and a new password has left the field.
  await expect(save).toBeDisabled()
  await expect(
    page
      .getByText(fields.password ? 'Email settings saved; password saved' : 'Email settings saved', { exact: true })
      .last()
  ).toBeVisible()
  if (fields.password) await expect(section.getByLabel('New password')).toHaveValue('')
}

function outboxRow(page: Page, to: string): Locator {
  return page.getByTestId('outbox-table').locator('tbody tr').filter({ hasText: to })
}

/** The raw message as it crossed the wire, with quoted-printable soft line breaks joined. */
function wireText(mail: ReceivedMail): string {
  return mail.raw.toString('utf8').replace(/=\r?\n/g, '')
}

async function expectNoSecretAnywhere(app: KeywardApp, secret: string): Promise<void> {
  expect(await app.page.content()).not.toContain(secret)
  expect(await app.piniaState()).not.toContain(secret)
}

test("SMTP set up in Settings, a test email, and a new key's alert delivered once from the Outbox, without its secret", async ({
  app,
  page
}) => {
  await app.open('settings')
  const section = smtpSection(page)
  await expect(section.getByTestId('password-state')).toHaveText('No password saved')
  await expect(section.getByRole('button', { name: 'Save', exact: true })).toBeDisabled()

  // Inline validation with the host's own schema, before anything is sent.
  await section.getByLabel('Port').fill('70000')
  await expect(section).toContainText('SMTP port must be 1 to 65535.')
  await section.getByLabel('From address').fill('not-an-email')
  await expect(section).toContainText('From must be one valid email address, like keyward@example.com.')
  await section.getByRole('button', { name: 'Save', exact: true }).click()
  await expect(section).toContainText('SMTP host is required, e.g. smtp.example.com.')

  await configureSmtp(page, { password: LOGIN.pass })
  const password = section.getByLabel('New password')
  await expect(password).toHaveValue('')
  await expect(section.getByTestId('password-state')).toContainText('Password saved')
  expect(await page.content()).not.toContain(LOGIN.pass)

  // What was saved comes back after a reload; the password never does.
  await page.reload()
  await expect(section.getByLabel('SMTP host')).toHaveValue('127.0.0.1')
  await expect(section.getByLabel('Port')).toHaveValue(String(smtp.port))
  await expect(section.getByLabel('User name')).toHaveValue(LOGIN.user)
  await expect(section.getByTestId('password-state')).toContainText('Password saved')
  await expect(section.getByLabel('New password')).toHaveValue('')
  expect(await page.content()).not.toContain(LOGIN.pass)

  await section.getByLabel('Send to').fill('me@example.com')
  await section.getByRole('button', { name: 'Send test email' }).click()
  const result = section.getByTestId('test-email-result')
  await expect(result).toContainText('Test email sent')
  await expect(result).toContainText(
    `The SMTP server at 127.0.0.1:${smtp.port} accepted the message for me@example.com.`
  )
  await expect(result).toContainText('250')
  const [testMail] = await smtp.waitForReceived(1)
  expect(testMail!.user).toBe(LOGIN.user)
  expect(testMail!.rcptTo).toEqual(['me@example.com'])
  expect(testMail!.parsed.subject).toBe('Keyward test email')

  await app.nav('API Keys').click()
  const secret = await app.createKey({
    name: 'PaymentsBot',
    department: 'Finance',
    project: 'Checkout',
    requestor: 'Bob Builder',
    notifyEmail: 'security@example.com'
  })
  expect(secret).toMatch(/^kw_/)

  await app.nav('Outbox').click()
  const row = outboxRow(page, 'security@example.com')
  await expect(row).toContainText('Keyward: API key "PaymentsBot" was created')
  await expect(row).toContainText('Pending')
  await expect(row.locator('td').nth(2)).toHaveText('0')
  await expect(row.getByRole('button', { name: /^Retry now/ })).toBeVisible()

  await page.getByRole('button', { name: 'Send now' }).click()
  await expect(page.getByTestId('flush-result')).toContainText('Sent 1, failed 0, 0 messages still pending.')
  await expect(row).toContainText('Sent')
  await expect(row.locator('td').nth(2)).toHaveText('1')
  await expect(row.getByRole('button', { name: /^Retry now/ })).toHaveCount(0)

  const received = await smtp.waitForReceived(2)
  const alert = received[1]!
  expect(alert.rcptTo).toEqual(['security@example.com'])
  expect(alert.parsed.subject).toBe('Keyward: API key "PaymentsBot" was created')
  expect(alert.parsed.text).toContain('Department: Finance')
  expect(alert.parsed.text).toContain('Requestor: Bob Builder')
  for (const part of [wireText(alert), alert.parsed.text ?? '', String(alert.parsed.html || '')]) {
    expect(part).not.toContain(secret)
    expect(part).not.toContain(secret.slice(3))
    expect(part).not.toContain(LOGIN.pass)
  }

  // Sending again delivers nothing twice.
  await page.getByRole('button', { name: 'Send now' }).click()
  await expect(page.getByTestId('flush-result')).toContainText('Sent 0, failed 0, 0 messages still pending.')
  expect(smtp.received).toHaveLength(2)
  await expectNoSecretAnywhere(app, secret)
})

test("a refused login shows the server's message in the Outbox; Retry now after fixing the password delivers once; Discard asks first", async ({
  app,
  page
}) => {
  await app.open('settings')
  await configureSmtp(page, { password: 'wrong-password' })
  await app.nav('API Keys').click()
  const secret = await app.createKey({ name: 'LedgerSync', notifyEmail: 'ops@example.com' })

  await app.nav('Outbox').click()
  const row = outboxRow(page, 'ops@example.com')
  await expect(row).toContainText('Pending')
  await page.getByRole('button', { name: 'Send now' }).click()
  const flush = page.getByTestId('flush-result')
  await expect(flush).toContainText('Sent 0, failed 0, 1 message still pending.')
  await expect(flush).toContainText('Why: The SMTP server refused the login (535')
  await expect(row).toContainText('The SMTP server refused the login (535')
  await expect(row).toContainText('Invalid username or password')
  await expect(row.locator('td').nth(2)).toHaveText('1')
  expect(smtp.received).toHaveLength(0)

  // The status filter asks the host for that status only.
  const statusFilter = page.getByTestId('outbox-status-filter')
  await statusFilter.getByText('Failed', { exact: true }).click()
  await expect(page.getByTestId('outbox-table')).toContainText('No failed messages.')
  await statusFilter.getByText('Pending', { exact: true }).click()
  await expect(row).toBeVisible()
  await statusFilter.getByText('All', { exact: true }).click()

  await app.nav('Settings').click()
  const section = smtpSection(page)
  await section.getByLabel('New password').fill(LOGIN.pass)
  await section.getByRole('button', { name: 'Save', exact: true }).click()
  await expect(section.getByRole('button', { name: 'Save', exact: true })).toBeDisabled()
  await expect(section.getByLabel('New password')).toHaveValue('')

  await app.nav('Outbox').click()
  await row.getByRole('button', { name: /^Retry now/ }).click()
  await expect(flush).toContainText('Sent 1, failed 0, 0 messages still pending.')
  await expect(row).toContainText('Sent')
  await expect(row).not.toContainText('refused the login')
  const [alert] = await smtp.waitForReceived(1)
  expect(alert!.parsed.subject).toBe('Keyward: API key "LedgerSync" was created')
  expect(wireText(alert!)).not.toContain(secret)

  await page.getByRole('button', { name: 'Send now' }).click()
  await expect(flush).toContainText('Sent 0, failed 0, 0 messages still pending.')
  expect(smtp.received).toHaveLength(1)

  await row.getByRole('button', { name: /^Discard/ }).click()
  // Named by its title (Naive UI's confirmations are not; the app links each to its title).
  const confirm = page.getByRole('dialog', { name: 'Discard the alert to ops@example.com?' })
  await expect(confirm).toContainText('removes it from the outbox only')
  await confirm.getByRole('button', { name: 'Cancel' }).click()
  // Gone from the page, not just fading: a confirmation still leaving would take the next click.
  await expect(confirm).toHaveCount(0)
  await expect(row).toBeVisible()
  await row.getByRole('button', { name: /^Discard/ }).click()
  await confirm.getByRole('button', { name: 'Discard' }).click()
  await expect(page.getByTestId('outbox-table')).toContainText('No email alerts yet.')
  await expectNoSecretAnywhere(app, secret)
})

test('the Outbox says when email is not set up, and Send now reports why nothing went out', async ({ app, page }) => {
  await app.open('keys')
  await app.createKey({ name: 'EarlyBird', notifyEmail: 'early@example.com' })
  await app.nav('Outbox').click()
  await expect(page.getByTestId('outbox-not-set-up')).toContainText('Email is not set up')
  await page.getByRole('button', { name: 'Send now' }).click()
  await expect(page.getByTestId('flush-result')).toContainText('Sent 0, failed 0, 1 message still pending.')
  await expect(page.getByTestId('flush-result')).toContainText('Why: Email is not set up yet')
  await page.getByTestId('outbox-not-set-up').getByRole('button', { name: 'Open Settings' }).click()
  await expect(smtpSection(page)).toBeVisible()
})

test.describe('where Linux has no keyring (basic_text)', () => {
  test.use({ serverOptions: { passwordStorage: 'basic_text' } })

  test('Settings warns that the password is only obfuscated, and still saves it', async ({ app, page }) => {
    await app.open('settings')
    const section = smtpSection(page)
    await expect(section.getByTestId('password-storage-warning')).toContainText(
      'The password is only obfuscated on this computer'
    )
    await configureSmtp(page, { password: LOGIN.pass })
    await expect(section.getByTestId('password-state')).toContainText('Password saved')
  })
})

test.describe('where the OS offers no secure storage', () => {
  test.use({ serverOptions: { passwordStorage: 'unavailable' } })

  test('Settings says a password cannot be stored and offers no password field', async ({ app, page }) => {
    await app.open('settings')
    const section = smtpSection(page)
    await expect(section.getByTestId('password-storage-warning')).toContainText('A password cannot be stored here')
    await expect(section.getByLabel('Password', { exact: true })).toBeDisabled()
    // A relay without a login still works here.
    await configureSmtp(page, { user: '' })
    await section.getByLabel('Send to').fill('me@example.com')
    await section.getByRole('button', { name: 'Send test email' }).click()
    await expect(section.getByTestId('test-email-result')).toContainText('Test email not sent')
    await expect(section.getByTestId('test-email-result')).toContainText('requires a login')
  })
})

for (const theme of ['light', 'dark'] as const) {
  test.describe(`screenshots (${theme})`, () => {
    test.use({
      viewport: { width: 1440, height: 900 },
      colorScheme: theme,
      serverOptions: { passwordStorage: 'basic_text' }
    })

    test(`Settings → Email and the Outbox (${theme})`, async ({ app, page, server }) => {
      const rpc = async (op: OperationName, data: unknown) => {
        const reply = await server.call(op, data)
        expect(reply.ok, `${op}: ${JSON.stringify(reply)}`).toBe(true)
        return reply.ok ? reply.result : undefined
      }
      await rpc('settings.set', { theme })
      const settings = {
        host: '127.0.0.1',
        port: smtp.port,
        security: 'none',
        user: LOGIN.user,
        from: 'keyward@example.com'
      }
      // One alert delivered, one refused three times (failed), one refused twice, one not tried yet.
      await rpc('notify.settings.set', { ...settings, password: LOGIN.pass })
      server.registry.createKey(
        { name: 'SupportChatbot', department: 'Customer Support', notifyEmail: 'maya.patel@example.com' },
        'e2e-user'
      )
      expect(await rpc('notify.flush', {})).toEqual({ sent: 1, failed: 0, pending: 0 })
      await rpc('notify.settings.set', { ...settings, password: 'expired-password' })
      server.registry.createKey(
        { name: 'InvoiceExtractor', department: 'Finance', notifyEmail: 'omar.haddad@example.com' },
        'e2e-user'
      )
      server.registry.createKey(
        { name: 'ResearchNotebook', department: 'Data Science', notifyEmail: 'lena.fischer@example.com' },
        'e2e-user'
      )
      for (let i = 0; i < 5; i++) await rpc('notify.flush', {})
      server.registry.createKey(
        { name: 'CodeReviewBot', department: 'Engineering', notifyEmail: 'sam.okafor@example.com' },
        'e2e-user'
      )

      const shot = async (name: string, target: Page | Locator) => {
        mkdirSync(join(SCREENSHOTS, theme), { recursive: true })
        await target.screenshot({ path: join(SCREENSHOTS, theme, `${name}.png`), animations: 'disabled' })
      }

      // Tall enough for the whole Settings screen: the section scrolls inside it, beyond a 900 px window.
      await page.setViewportSize({ width: 1440, height: 1500 })
      await app.open('settings')
      const section = smtpSection(page)
      await expect(section.getByTestId('password-state')).toContainText('Password saved')
      await section.getByLabel('Send to').fill('me@example.com')
      await section.getByRole('button', { name: 'Send test email' }).click()
      await expect(section.getByTestId('test-email-result')).toContainText('refused the login')
      await shot('email-01-settings-smtp', section)
      await section.getByLabel('Port').fill('0')
      await section.getByLabel('From address').fill('keyward@')
      await expect(section).toContainText('From must be one valid email address')
      await shot('email-02-settings-smtp-validation', section)

      await page.setViewportSize({ width: 1440, height: 900 })
      await app.nav('Outbox').click()
      const table = page.getByTestId('outbox-table')
      await expect(outboxRow(page, 'omar.haddad@example.com')).toContainText('Failed')
      await expect(outboxRow(page, 'lena.fischer@example.com')).toContainText('Pending')
      await expect(outboxRow(page, 'maya.patel@example.com')).toContainText('Sent')
      await page.getByRole('button', { name: 'Send now' }).click()
      await expect(page.getByTestId('flush-result')).toContainText('still pending')
      await expect(table.locator('tbody tr')).toHaveCount(4)
      // Let the spinners' leave transitions finish, so the shot shows the settled screen.
      await expect(page.getByTestId('send-now')).not.toHaveClass(/n-button--loading/)
      await expect(table.locator('.n-data-table-loading-wrapper')).toHaveCount(0)
      await shot('email-03-outbox', page)
      await outboxRow(page, 'maya.patel@example.com')
        .getByRole('button', { name: /^Discard/ })
        .click()
      await expect(page.getByRole('dialog').filter({ hasText: 'Discard the alert' })).toBeVisible()
      await shot('email-04-outbox-discard', page)
    })
  })
}
