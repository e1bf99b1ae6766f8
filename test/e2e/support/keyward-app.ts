import { expect, type Locator, type Page } from '@playwright/test'
import type { E2eServer, ClipboardWrite } from '../../e2e-server/server'

export interface KeyFields {
  name: string
  resources?: string[]
  department?: string
  project?: string
  environment?: string
  requestor?: string
  appId?: string
  justification?: string
  notes?: string
  notifyEmail?: string
  expires?: string
}

/** The app as a user sees it: screens, dialogs and controls found by their accessible names. */
export class KeywardApp {
  constructor(
    readonly page: Page,
    /** Only its url is needed by most helpers; the web console spec passes `keyward serve --ui`'s. */
    readonly server: Pick<E2eServer, 'url'>
  ) {}

  async open(screen: 'keys' | 'resources' | 'audit' | 'outbox' | 'settings' = 'keys', query = ''): Promise<void> {
    await this.page.goto(`${this.server.url}#/${screen}${query}`)
    // By place, not by name: the sidebar's navigation is named in the app's language.
    await expect(this.page.locator('aside.sidebar nav')).toBeVisible()
  }

  nav(label: 'API Keys' | 'Resources' | 'Audit log' | 'Outbox' | 'Settings'): Locator {
    return this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label })
  }

  dialog(name: string | RegExp): Locator {
    return this.page.getByRole('dialog', { name })
  }

  get table(): Locator {
    return this.page.getByTestId('keys-table')
  }

  /** The table row of a key, found by its name cell. */
  keyRow(name: string): Locator {
    return this.table
      .locator('tbody tr')
      .filter({ has: this.page.locator('.cell-name__text', { hasText: new RegExp(`^${escapeRegExp(name)}$`) }) })
  }

  async keyNames(): Promise<string[]> {
    return this.table.locator('tbody .cell-name__text').allTextContents()
  }

  async rowAction(name: string, action: string): Promise<void> {
    // No dialog may be open or still fading out: its mask would take the click, or its focus
    // returning to the page on leave would close the menu just opened.
    await expect(this.page.locator('.n-modal-mask')).toHaveCount(0)
    await this.page.getByRole('button', { name: `Actions for ${name}`, exact: true }).click()
    const item = this.page.getByRole('menuitem', { name: action, exact: true })
    await expect(item).toBeVisible()
    await item.click()
    await expect(item).toHaveCount(0)
  }

  /** Picks an option in a Naive UI select whose search input has this accessible name. */
  async choose(label: string, option: string, scope: Locator | Page = this.page): Promise<void> {
    await scope.getByRole('combobox', { name: label, exact: true }).click()
    // Type to narrow the list, as a user would: long lists only render the options in view.
    await this.page.keyboard.type(option)
    const menu = this.page.locator('.n-base-select-menu:visible')
    await menu.locator('.n-base-select-option', { hasText: new RegExp(`^${escapeRegExp(option)}$`) }).click()
  }

  async fillCreateForm(fields: KeyFields): Promise<Locator> {
    const dialog = this.dialog('Create API key')
    await expect(dialog).toBeVisible()
    await dialog.getByLabel('Name', { exact: true }).fill(fields.name)
    for (const resource of fields.resources ?? []) {
      await dialog.getByLabel('Select Resources').click()
      await this.page.getByRole('option', { name: resource, exact: true }).click()
    }
    if (fields.resources?.length) await dialog.getByRole('heading', { name: 'Create API key', exact: true }).click()
    const text: [keyof KeyFields, string][] = [
      ['department', 'Department Name'],
      ['project', 'Project'],
      ['environment', 'Environment'],
      ['requestor', 'Requestor'],
      ['appId', 'App ID (x-app-name)'],
      ['justification', 'Business Justification'],
      ['notes', 'Notes'],
      ['notifyEmail', 'Notify via Email']
    ]
    for (const [field, label] of text) {
      const value = fields[field]
      if (typeof value !== 'string') continue
      const input = dialog.getByLabel(label, { exact: true })
      await input.fill(value)
      // Autocomplete fields keep a suggestion list open: leave the field so it does not cover the next one.
      await input.blur()
    }
    if (fields.expires) {
      const expires = dialog.getByLabel('Expires', { exact: true })
      await expires.fill(fields.expires)
      await expires.press('Enter')
    }
    return dialog
  }

  /** Creates a key through the dialog; returns the secret the show-once dialog displays, after closing it. */
  async createKey(fields: KeyFields): Promise<string> {
    await this.page.getByTestId('create-key').click()
    const dialog = await this.fillCreateForm(fields)
    await dialog.getByRole('button', { name: 'Create', exact: true }).click()
    const once = this.dialog('API key created')
    await expect(once).toBeVisible()
    const secret = (await once.getByTestId('secret').textContent())!.trim()
    await once.getByRole('button', { name: 'I have stored it' }).click()
    await expect(once).toBeHidden()
    return secret
  }

  async clipboard(): Promise<{ current: string | null; writes: ClipboardWrite[] }> {
    const response = await this.page.request.get(`${this.server.url}__e2e/clipboard`)
    return response.json()
  }

  /** The whole Pinia state, as JSON, read from the mounted Vue app. */
  async piniaState(): Promise<string> {
    return this.page.evaluate(() => {
      type Mounted = { __vue_app__?: { config: { globalProperties: { $pinia?: { state: { value: unknown } } } } } }
      const doc = (globalThis as unknown as { document: { querySelector(selector: string): unknown } }).document
      const app = (doc.querySelector('#app') as Mounted | null)?.__vue_app__
      const pinia = app?.config.globalProperties.$pinia
      if (!pinia) throw new Error('Pinia is not installed on the app')
      return JSON.stringify(pinia.state.value)
    })
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
