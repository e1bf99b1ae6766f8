import { afterEach, describe, expect, it } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { h, type VNodeChild } from 'vue'
import { NSelect, type SelectGroupOption, type SelectOption } from 'naive-ui'
import { KeywardError } from '@shared/errors'
import KeyCreateDialog from '@renderer/components/dialogs/KeyCreateDialog.vue'
import { apiKey, fakeClient, mountInApp, resource, screenText, settle } from './helpers'

const RESOURCES = [
  resource('r_tpm', 'gpt-4o', 'TPM'),
  resource('r_pyg', 'gpt-4o', 'PYG'),
  resource('r_claude', 'claude-sonnet-4', 'PYG')
]

function backend(extra: Parameters<typeof fakeClient>[0] = {}) {
  return fakeClient({
    'resources.list': () => ({ items: RESOURCES }),
    'pool.get': () => ({ tpmPool: null, assigned: 100_000, remaining: null }),
    'suggestions.get': () => ({
      departments: ['Engineering', 'Finance'],
      projects: ['Chatbot'],
      environments: ['Production']
    }),
    'keys.list': () => ({ items: [], total: 0 }),
    ...extra
  })
}

function input(id: string): HTMLInputElement | HTMLTextAreaElement {
  const el = document.getElementById(id) as HTMLInputElement | null
  if (!el) throw new Error(`no #${id}`)
  return el
}

async function type(id: string, value: string): Promise<void> {
  const el = input(id)
  el.value = value
  el.dispatchEvent(new Event('input', { bubbles: true }))
  await settle()
}

function button(text: string, within: ParentNode = document): HTMLButtonElement {
  const found = [...within.querySelectorAll('button')].find((b) => b.textContent?.trim() === text)
  if (!found) throw new Error(`no button "${text}"`)
  return found
}

/**
 * Select Resources as the user meets it: each choice's name, whether it is disabled (as the menu
 * marks it for assistive technology) and the text its row shows. Read from the select's own
 * options and renderers, because happy-dom cannot keep Naive UI's floating menu open; the
 * Chromium e2e suite clicks the real menu.
 */
function resourceSelect(wrapper: VueWrapper) {
  const select = wrapper.findComponent(NSelect)
  const nodeProps = (o: SelectOption) => (select.props('nodeProps') as (o: SelectOption) => Record<string, unknown>)(o)
  const renderLabel = (o: SelectOption) => (select.props('renderLabel') as (o: SelectOption) => VNodeChild)(o)
  // Read afresh on every call: the options are recomputed after each choice.
  const choices = () =>
    (select.props('options') as SelectGroupOption[]).flatMap((g) => (g.children ?? []) as SelectOption[])
  const find = (name: string) => {
    const o = choices().find((c) => c.label === name)
    if (!o) throw new Error(`no option "${name}"`)
    return o
  }
  return {
    names: () => choices().map((c) => c.label),
    ariaDisabled: (name: string) => nodeProps(find(name))['aria-disabled'],
    text: (name: string) => mount({ render: () => h('div', [renderLabel(find(name))]) }).text(),
    choose: async (...names: string[]) => {
      await (select.vm as unknown as { $emit: (e: string, v: unknown) => void }).$emit(
        'update:value',
        names.map((n) => find(n).value)
      )
      await settle()
    },
    value: () => select.props('value')
  }
}

afterEach(() => {
  document.body.innerHTML = ''
})

describe('Create dialog', () => {
  it('shows the seed labels and validates the name as the user types, naming the bad characters', async () => {
    backend()
    mountInApp(KeyCreateDialog, { show: true })
    await settle()
    for (const label of [
      'Name',
      'Select Resources',
      'Department Name',
      'Project',
      'Environment',
      'Requestor',
      'App ID (x-app-name)',
      'Expires',
      'Business Justification',
      'Notes',
      'Notify via Email'
    ]) {
      expect(screenText()).toContain(label)
    }
    expect(screenText()).not.toContain('Remove:')

    await type('create-name', 'Billing bot#1')
    expect(screenText()).toContain(
      'Name may contain only letters (A-Z, a-z) and digits (0-9), no spaces or special characters. Remove: space, "#".'
    )
    await type('create-name', 'BillingBot1')
    expect(screenText()).not.toContain('Remove:')
    await type('create-name', '')
    expect(screenText()).toContain('Name is required: use 1 to 64 letters and digits.')
    await type('create-name', 'x'.repeat(65))
    expect(screenText()).toContain('Name is 65 characters long; use at most 64.')
  })

  it('validates the other fields with the same schemas: email, App ID spaces', async () => {
    backend()
    mountInApp(KeyCreateDialog, { show: true })
    await settle()
    await type('create-notifyEmail', 'not-an-email')
    expect(screenText()).toContain('Notify via Email must be one valid email address, like name@example.com.')
    await type('create-appId', ' chatbot')
    expect(screenText()).toContain(
      'App ID (x-app-name) has leading or trailing spaces; remove them. It is compared exactly.'
    )
    await type('create-appId', 'chatbot')
    expect(screenText()).not.toContain('leading or trailing spaces')
  })

  it('disables the other type of a chosen model in Select Resources, with the reason shown', async () => {
    backend()
    const { wrapper } = mountInApp(KeyCreateDialog, { show: true })
    await settle()
    const select = resourceSelect(wrapper)
    expect(select.names()).toEqual(['claude-sonnet-4 · PYG', 'gpt-4o · TPM', 'gpt-4o · PYG'])
    expect(select.ariaDisabled('gpt-4o · PYG')).toBe(false)
    expect(select.text('gpt-4o · PYG')).not.toContain('already chosen')
    await select.choose('gpt-4o · TPM')
    expect(select.ariaDisabled('gpt-4o · PYG')).toBe(true)
    expect(select.text('gpt-4o · PYG')).toContain(
      'gpt-4o is already chosen under TPM; a key may use a model under one resource type only.'
    )
    // The chosen one and another model are untouched by the rule.
    expect(select.ariaDisabled('gpt-4o · TPM')).toBe(false)
    expect(select.ariaDisabled('claude-sonnet-4 · PYG')).toBe(false)
    // Swapping: unchoose TPM, and PYG is free again while TPM becomes the disabled one.
    await select.choose('gpt-4o · PYG')
    expect(select.ariaDisabled('gpt-4o · TPM')).toBe(true)
    expect(select.text('gpt-4o · TPM')).toContain('gpt-4o is already chosen under PYG')
  })

  it('does not call the core while a field is invalid, and sends every field once valid', async () => {
    const created = apiKey({
      name: 'BillingBot1',
      resources: [{ id: 'r_tpm', model: 'gpt-4o', type: 'TPM', status: 'active' }]
    })
    const api = backend({ 'keys.create': () => ({ key: created, secret: 'kw_SecretSecretSecretSecretSecret01' }) })
    const { wrapper } = mountInApp(KeyCreateDialog, { show: true })
    await settle()
    await type('create-name', 'bad name')
    button('Create').click()
    await settle()
    expect(api.callsTo('keys.create')).toHaveLength(0)

    await type('create-name', 'BillingBot1')
    await resourceSelect(wrapper).choose('gpt-4o · TPM')
    await type('create-department', 'Finance')
    await type('create-project', 'Billing')
    await type('create-environment', 'Production')
    await type('create-requestor', 'Omar Haddad')
    await type('create-appId', 'billing-bot')
    await type('create-justification', 'Reads invoices')
    await type('create-notes', 'Quarterly rotation')
    await type('create-notifyEmail', 'omar@example.com')
    button('Create').click()
    await settle()
    expect(api.callsTo('keys.create').map((c) => c.input)).toEqual([
      {
        name: 'BillingBot1',
        kind: 'standard',
        resources: ['r_tpm'],
        department: 'Finance',
        project: 'Billing',
        environment: 'Production',
        requestor: 'Omar Haddad',
        appId: 'billing-bot',
        justification: 'Reads invoices',
        notes: 'Quarterly rotation',
        notifyEmail: 'omar@example.com',
        expiresAt: null
      }
    ])
    const dialog = wrapper.findComponent(KeyCreateDialog)
    expect(dialog.emitted('created')?.[0]?.[0]).toMatchObject({
      key: { name: 'BillingBot1' },
      secret: 'kw_SecretSecretSecretSecretSecret01'
    })
    expect(dialog.emitted('update:show')?.at(-1)).toEqual([false])
  })

  it("puts the core's field errors on the fields (a taken name)", async () => {
    backend({
      'keys.create': () => {
        throw new KeywardError(
          'CONFLICT',
          'A key named "BillingBot1" already exists (names are unique, ignoring case). Choose another name.',
          {
            name: '"BillingBot1" is taken.'
          }
        )
      }
    })
    mountInApp(KeyCreateDialog, { show: true })
    await settle()
    await type('create-name', 'billingbot1')
    button('Create').click()
    await settle()
    expect(screenText()).toContain('Already exists or still in use')
    expect(screenText()).toContain('"BillingBot1" is taken.')
    const nameItem = input('create-name').closest('.n-form-item')!
    expect(nameItem.textContent).toContain('"BillingBot1" is taken.')
  })

  it('asks for confirmation before making an administrator key, which then takes no resources', async () => {
    const api = backend({
      'keys.create': () => ({
        key: apiKey({ kind: 'admin', name: 'Automation' }),
        secret: 'kwa_SecretSecretSecretSecretSecret1'
      })
    })
    const { wrapper } = mountInApp(KeyCreateDialog, { show: true })
    await settle()
    await resourceSelect(wrapper).choose('gpt-4o · TPM')
    document.querySelector<HTMLElement>('[role="switch"][aria-label="Administrator key"]')!.click()
    await settle()
    expect(screenText()).toContain('Create an administrator key?')
    expect(document.querySelector('[role="switch"]')!.getAttribute('aria-checked')).toBe('false')
    button('Make it an administrator key').click()
    await settle()
    expect(document.querySelector('[role="switch"]')!.getAttribute('aria-checked')).toBe('true')
    // An administrator key takes no resources: the choice was cleared and the picker is off.
    expect(resourceSelect(wrapper).value()).toEqual([])
    expect(wrapper.findComponent(NSelect).props('disabled')).toBe(true)
    await type('create-name', 'Automation')
    button('Create').click()
    await settle()
    expect(api.callsTo('keys.create')[0]?.input).toMatchObject({ name: 'Automation', kind: 'admin', resources: [] })
  })
})
