import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { test as base, expect, type Page } from '@playwright/test'
import { migrateRegistry } from '../../src/main/core/migrate'
import { Registry } from '../../src/main/core/registry'
import { openRegistryDatabase } from '../../src/main/db/open'
import { postgresAvailable, startPostgres, type StartedPostgres } from '../support/postgres'
import { KeywardApp } from './support/keyward-app'

/**
 * The web console as an administrator meets it: the REAL `keyward serve --ui` (the CLI in its own
 * process, serving the built renderer from out/renderer) on a fresh registry whose administrator
 * key was created through the core. Sign-in, refusals, and one whole workflow through the admin
 * API, with the admin key held in the tab's memory only.
 */
const REPO = resolve(__dirname, '../..')
const CLI = join(REPO, 'bin/keyward.cjs')
/** test-results/screenshots/<theme>/ like screenshots.spec.ts; KEYWARD_SCREENSHOTS moves them (parallel runs clean test-results). */
const SHOTS = process.env.KEYWARD_SCREENSHOTS ?? join(__dirname, '../../test-results/screenshots')

interface WebConsole {
  /** e.g. http://127.0.0.1:41234 (no trailing slash, as `keyward serve --json` prints it). */
  url: string
  /** The administrator key OpsAdmin (kwa_…). */
  adminKey: string
  /** A valid standard key (kw_…), which must not sign in. */
  standardKey: string
  /** What the server wrote to stderr. */
  stderr: () => string
}

const test = base.extend<{ engine: 'sqlite' | 'postgres'; web: WebConsole; guard: void }>({
  /** Where the registry is: a file, or a PostgreSQL database (the registry copied there by `migrate`'s function). */
  engine: ['sqlite', { option: true }],
  web: async ({ engine }, use) => {
    const dir = mkdtempSync(join(tmpdir(), 'keyward-web-console-'))
    const dbPath = join(dir, 'registry.sqlite3')
    const registry = new Registry(openRegistryDatabase(dbPath))
    const adminKey = registry.createKey({ name: 'OpsAdmin', kind: 'admin', department: 'Platform' }, 'setup').secret
    const standardKey = registry.createKey({ name: 'ModelGateway' }, 'setup').secret
    registry.close()

    const env = { ...process.env }
    delete env.KEYWARD_DB
    let db = dbPath
    let cluster: StartedPostgres | undefined
    if (engine === 'postgres') {
      cluster = await startPostgres()
      db = await cluster.createDatabase({ linguistic: true })
      Object.assign(env, cluster.env({ HOME: dir }))
      await migrateRegistry(dbPath, db, { env })
    }
    const child: ChildProcessWithoutNullStreams = spawn(
      process.execPath,
      [CLI, '--db', db, '--json', 'serve', '--port', '0', '--ui'],
      { cwd: REPO, env }
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)))
    try {
      const started = await Promise.race([
        new Promise<{ url: string; ui: boolean }>((ok) => {
          const check = () => {
            if (stdout.trim().endsWith('}')) ok(JSON.parse(stdout))
            else child.stdout.once('data', check)
          }
          check()
        }),
        exited.then((code) => {
          throw new Error(`keyward serve --ui exited (${code}) before listening:\n${stderr}`)
        })
      ])
      expect(started.ui).toBe(true)
      await use({ url: started.url, adminKey, standardKey, stderr: () => stderr })
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        // A graceful stop (requests finished, last-used times written) exits 0.
        expect(await exited).toBe(0)
      }
      cluster?.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  },
  /** As the shared fixture does: an uncaught error or a CSP violation in the page fails the test. */
  guard: [
    async ({ page }, use) => {
      const errors: string[] = []
      page.on('pageerror', (error) => errors.push(error.message))
      page.on('console', (message) => {
        if (/Content Security Policy/.test(message.text()) && !/frame-ancestors/.test(message.text()))
          errors.push(message.text())
      })
      await use()
      expect(errors, 'uncaught errors or CSP violations in the web console').toEqual([])
    },
    { auto: true }
  ]
})

async function signIn(page: Page, key: string): Promise<void> {
  const form = page.getByTestId('sign-in')
  await form.getByLabel('Administrator key', { exact: true }).fill(key)
  await form.getByRole('button', { name: 'Sign in' }).click()
}

/** Everything the page keeps beyond its memory: both web storages and its cookies. */
async function browserStorage(page: Page): Promise<string> {
  return page.evaluate(() => {
    const g = globalThis as unknown as {
      localStorage: Record<string, string>
      sessionStorage: Record<string, string>
      document: { cookie: string }
    }
    return JSON.stringify({ local: { ...g.localStorage }, session: { ...g.sessionStorage }, cookie: g.document.cookie })
  })
}

test('sign in with an administrator key, then the whole key workflow through the admin API, audited as admin-key:OpsAdmin', async ({
  page,
  web
}) => {
  await workflow(page, web)
})

const noPostgres = postgresAvailable()
test.describe('on a team registry (PostgreSQL)', () => {
  test.use({ engine: 'postgres' })
  test.skip(noPostgres !== undefined, `PostgreSQL is not installed: ${noPostgres}`)

  test('a node of a team registry serves the same console: the whole key workflow, audited, chain verified', async ({
    page,
    web
  }) => {
    const health = await page.request.get(`${web.url}/v1/health`)
    expect(await health.json()).toEqual({ status: 'ok', registry: 'postgres' })
    await workflow(page, web)
  })
})

/** The whole workflow an administrator goes through in the console, on whichever registry `web` serves. */
async function workflow(page: Page, web: WebConsole): Promise<void> {
  // A long walkthrough: on a CPU shared with other jobs it nears the default 60 s budget.
  test.slow()
  const app = new KeywardApp(page, { url: `${web.url}/` })

  await test.step('the console asks for an administrator key first', async () => {
    await page.goto(`${web.url}/`)
    await expect(page.getByRole('heading', { name: 'Keyward web console' })).toBeVisible()
    await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0)
    await signIn(page, web.adminKey)
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible()
    await expect(page.getByText('Web console', { exact: true })).toBeVisible()
    await expect(app.keyRow('OpsAdmin')).toBeVisible()
    await expect(app.keyRow('ModelGateway')).toBeVisible()
  })

  await test.step('add resources', async () => {
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
    await add('gpt-4o', 'TPM', 100_000)
    await add('gpt-4o', 'PYG')
    await add('claude-sonnet-4', 'PYG')
    await expect(page.getByTestId('resources-table').locator('tbody tr')).toHaveCount(3)
  })

  let secret = ''
  await test.step('create a key: shown once, and it verifies on this very server', async () => {
    await app.nav('API Keys').click()
    await page.getByTestId('create-key').click()
    const dialog = await app.fillCreateForm({
      name: 'ChatbotProd',
      resources: ['gpt-4o · TPM'],
      department: 'Engineering',
      project: 'Support Chatbot',
      environment: 'Production'
    })
    await dialog.getByRole('button', { name: 'Create', exact: true }).click()
    const once = app.dialog('API key created')
    await expect(once).toBeVisible()
    secret = (await once.getByTestId('secret').textContent())!.trim()
    expect(secret).toMatch(/^kw_[A-Za-z0-9]{20,}$/)
    await expect(once).toContainText('You can view this API key only once')
    // The server cannot reach this computer's clipboard: the browser copies on request only.
    await expect(once.getByTestId('clipboard-status')).toContainText('Not copied yet')
    await once.getByRole('button', { name: 'I have stored it' }).click()
    await expect(once).toBeHidden()
    expect(await page.content()).not.toContain(secret)
    expect(await app.piniaState()).not.toContain(secret)

    const verify = await page.request.get(`${web.url}/v1/keys/verify`, {
      headers: { authorization: `Bearer ${secret}`, 'x-model': 'gpt-4o' }
    })
    expect(verify.status()).toBe(200)
    expect(await verify.json()).toMatchObject({ valid: true, name: 'ChatbotProd', department: 'Engineering' })
  })

  await test.step('assign resources under the TPM/PYG rule', async () => {
    await app.keyRow('ChatbotProd').getByRole('button', { name: 'gpt-4o · TPM' }).click()
    const dialog = app.dialog('Assign resources to ChatbotProd')
    const pyg = dialog.getByRole('checkbox', { name: 'gpt-4o · PYG' })
    await expect(pyg).toHaveAttribute('aria-disabled', 'true')
    await expect(pyg).toHaveAccessibleDescription(
      'gpt-4o is already chosen under TPM; a key may use a model under one resource type only.'
    )
    await dialog.getByRole('checkbox', { name: 'claude-sonnet-4 · PYG' }).click()
    await expect(dialog).toContainText('2 selected · 1 to add')
    await dialog.getByRole('button', { name: 'Associate' }).click()
    await expect(dialog).toBeHidden()
    await expect(app.keyRow('ChatbotProd').getByRole('button', { name: 'claude-sonnet-4 · PYG' })).toBeVisible()
    await expect(app.keyRow('ChatbotProd').getByRole('button', { name: 'gpt-4o · TPM' })).toBeVisible()
  })

  await test.step('edit the key', async () => {
    await app.rowAction('ChatbotProd', 'Edit')
    const dialog = app.dialog('Edit API key ChatbotProd')
    await dialog.getByLabel('Project', { exact: true }).fill('Helpdesk')
    await dialog.getByLabel('Project', { exact: true }).blur()
    await dialog.getByLabel('Notes', { exact: true }).fill('Rotated by the platform team')
    await dialog.getByRole('button', { name: 'Save' }).click()
    await expect(dialog).toBeHidden()
    await expect(app.keyRow('ChatbotProd')).toContainText('Helpdesk')
  })

  await test.step('a second key, then filter by department', async () => {
    await app.createKey({ name: 'InvoiceReader', resources: ['gpt-4o · PYG'], department: 'Finance' })
    await expect.poll(() => app.keyNames()).toEqual(['ChatbotProd', 'InvoiceReader', 'ModelGateway', 'OpsAdmin'])
    await app.choose('Department', 'Finance')
    await expect.poll(() => app.keyNames()).toEqual(['InvoiceReader'])
    await page.getByRole('button', { name: 'Clear filters' }).first().click()
    await expect.poll(() => app.keyNames()).toEqual(['ChatbotProd', 'InvoiceReader', 'ModelGateway', 'OpsAdmin'])
  })

  await test.step('remove with confirmation', async () => {
    await app.rowAction('InvoiceReader', 'Remove')
    const dialog = app.dialog('Remove API key InvoiceReader')
    await expect(dialog).toContainText('Any requests in progress using this key will result in an error')
    await dialog.getByRole('button', { name: 'Delete' }).click()
    await expect(dialog).toBeHidden()
    await expect.poll(() => app.keyNames()).toEqual(['ChatbotProd', 'ModelGateway', 'OpsAdmin'])
  })

  await test.step('the audit log names the administrator key as the actor of every change', async () => {
    await app.nav('Audit log').click()
    await expect(page.getByTestId('chain-status')).toContainText('Chain verified')
    const rows = page.getByTestId('audit-table').locator('tbody tr')
    const actor = (row: number) => rows.nth(row).locator('td').last()
    await expect(rows.nth(0)).toContainText('Key removed')
    await expect(rows.nth(0)).toContainText('InvoiceReader')
    // Newest first: remove, create, edit, resources, create, 3 × resource added; then the setup's two keys.
    await expect(rows).toHaveCount(10)
    for (let i = 0; i < 8; i++) await expect(actor(i)).toHaveText('admin-key:OpsAdmin')
    await expect(actor(8)).toHaveText('setup')
    await expect(actor(9)).toHaveText('setup')
  })

  await test.step('the administrator key lives in this tab’s memory only', async () => {
    const stored = await browserStorage(page)
    expect(stored).not.toContain(web.adminKey)
    expect(stored).not.toContain(secret)
    expect(await page.content()).not.toContain(web.adminKey)
    expect(await app.piniaState()).not.toContain(web.adminKey)
    // A reload forgets it: the console asks again, then opens where it was.
    await page.reload()
    await expect(page.getByTestId('sign-in')).toBeVisible()
    await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0)
    await signIn(page, web.adminKey)
    await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible()
    await page.getByRole('button', { name: 'Sign out' }).click()
    await expect(page.getByTestId('sign-in')).toBeVisible()
    expect(await browserStorage(page)).not.toContain(web.adminKey)
  })

  await test.step('Settings: the local server switch is the desktop app’s; this console names its own server', async () => {
    await signIn(page, web.adminKey)
    await app.nav('Settings').click()
    const section = page.getByTestId('server-settings')
    await expect(section.getByRole('switch')).toHaveCount(0)
    await expect(section.getByTestId('server-unavailable')).toContainText(`${web.url}/v1/keys/verify`)
  })
  expect(web.stderr()).toBe('')
}

test('a wrong key and a standard key are refused with a message that says what to use', async ({ page, web }) => {
  await page.goto(`${web.url}/`)
  const form = page.getByTestId('sign-in')

  await form.getByRole('button', { name: 'Sign in' }).click()
  await expect(form.getByRole('alert')).toContainText('Paste an administrator key (it starts with kwa_).')

  // One character off: not a key this registry issued.
  const typo = web.adminKey.slice(0, -1) + (web.adminKey.endsWith('A') ? 'B' : 'A')
  await signIn(page, typo)
  await expect(form.getByRole('alert')).toContainText('Use a current administrator key (kwa_…).')
  await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0)

  // One refused sign-in is one request to the admin API (one failure for its throttle), not one per screen.
  const adminCalls: string[] = []
  page.on('request', (request) => {
    if (request.url().includes('/v1/admin/')) adminCalls.push(new URL(request.url()).pathname)
  })
  await signIn(page, web.standardKey)
  await expect(form.getByRole('alert')).toContainText(
    'Standard keys (kw_…) are for models and can only be verified. The admin API needs an administrator key (kwa_…).'
  )
  await expect(form.getByRole('alert')).toContainText('Not permitted')
  await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0)
  expect(adminCalls).toEqual(['/v1/admin/rpc/resources.list'])
  // Neither refused key was kept anywhere.
  const stored = await browserStorage(page)
  expect(stored).not.toContain(web.standardKey)
  expect(stored).not.toContain(typo)

  await signIn(page, web.adminKey)
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible()
})

for (const theme of ['light', 'dark'] as const) {
  test.describe(`${theme} theme`, () => {
    test.use({ viewport: { width: 1440, height: 900 }, colorScheme: theme })

    test(`screenshots of the web console's sign-in (${theme})`, async ({ page, web }) => {
      const shot = async (name: string) => {
        mkdirSync(join(SHOTS, theme), { recursive: true })
        await page.screenshot({ path: join(SHOTS, theme, `${name}.png`), animations: 'disabled' })
      }
      await page.goto(`${web.url}/`)
      await expect(page.locator('html')).toHaveAttribute('data-theme', theme)
      await expect(page.getByRole('heading', { name: 'Keyward web console' })).toBeVisible()
      await shot('40-web-console-sign-in')
      await signIn(page, web.standardKey)
      await expect(page.getByTestId('sign-in').getByRole('alert')).toBeVisible()
      await shot('41-web-console-refused')
      await signIn(page, web.adminKey)
      await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible()
      await expect(page.getByText('Web console', { exact: true })).toBeVisible()
      await shot('42-web-console-keys')
    })
  })
}
