import { afterEach, describe, expect, it } from 'vitest'
import { KeywardError } from '@shared/errors'
import AssignResourcesDialog from '@renderer/components/dialogs/AssignResourcesDialog.vue'
import { apiKey, fakeClient, mountInApp, resource, screenText, settle } from './helpers'

const RESOURCES = [
  resource('r_tpm', 'gpt-4o', 'TPM', { tpmLimit: 300_000 }),
  resource('r_pyg', 'gpt-4o', 'PYG'),
  resource('r_claude', 'claude-sonnet-4', 'PYG', { status: 'inactive' })
]

function checkbox(name: string): HTMLElement {
  const box = [...document.querySelectorAll<HTMLElement>('[role="checkbox"]')].find(
    (el) => document.getElementById(el.getAttribute('aria-labelledby') ?? '')?.textContent?.trim() === name
  )
  if (!box) throw new Error(`no checkbox "${name}"`)
  return box
}

function description(el: HTMLElement): string {
  const id = el.getAttribute('aria-describedby')
  return id ? (document.getElementById(id)?.textContent?.trim() ?? '') : ''
}

async function click(el: HTMLElement): Promise<void> {
  el.click()
  await settle()
}

function button(text: string): HTMLButtonElement {
  const found = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === text)
  if (!found) throw new Error(`no button "${text}"`)
  return found
}

afterEach(() => {
  document.body.innerHTML = ''
})

describe('Assign resources dialog', () => {
  const key = apiKey({ resources: [{ id: 'r_tpm', model: 'gpt-4o', type: 'TPM', status: 'active' }] })

  function backend(extra: Parameters<typeof fakeClient>[0] = {}) {
    return fakeClient({
      'resources.list': () => ({ items: RESOURCES }),
      'pool.get': () => ({ tpmPool: null, assigned: 300_000, remaining: null }),
      'keys.list': () => ({ items: [], total: 0 }),
      ...extra
    })
  }

  it('lists resources grouped by model with type and status, the key’s own checked', async () => {
    backend()
    mountInApp(AssignResourcesDialog, { show: true, apiKey: key })
    await settle()
    const groups = [...document.querySelectorAll('[role="group"]')].map((g) => g.getAttribute('aria-label'))
    expect(groups).toEqual(['claude-sonnet-4', 'gpt-4o'])
    expect(checkbox('gpt-4o · TPM').getAttribute('aria-checked')).toBe('true')
    expect(checkbox('gpt-4o · PYG').getAttribute('aria-checked')).toBe('false')
    expect(screenText()).toContain('300,000 TPM')
    expect(screenText()).toContain('inactive')
  })

  it('disables the conflicting type with the reason, and frees it when the other is unselected', async () => {
    backend()
    mountInApp(AssignResourcesDialog, { show: true, apiKey: key })
    await settle()
    const pyg = checkbox('gpt-4o · PYG')
    expect(pyg.getAttribute('aria-disabled')).toBe('true')
    expect(description(pyg)).toBe(
      'gpt-4o is already chosen under TPM; a key may use a model under one resource type only.'
    )
    await click(pyg)
    expect(checkbox('gpt-4o · PYG').getAttribute('aria-checked')).toBe('false')

    await click(checkbox('gpt-4o · TPM'))
    expect(checkbox('gpt-4o · PYG').getAttribute('aria-disabled')).toBeNull()
    expect(description(checkbox('gpt-4o · PYG'))).toBe('')
    await click(checkbox('gpt-4o · PYG'))
    expect(checkbox('gpt-4o · TPM').getAttribute('aria-disabled')).toBe('true')
    expect(screenText()).toContain('1 selected · 1 to add · 1 to remove')
  })

  it('"Associate" sets exactly the selected resources (unselecting removes)', async () => {
    const api = backend({ 'keys.setResources': (input) => ({ key: { ...key, resources: [] }, input }) })
    const { wrapper } = mountInApp(AssignResourcesDialog, { show: true, apiKey: key })
    await settle()
    await click(checkbox('gpt-4o · TPM'))
    await click(checkbox('claude-sonnet-4 · PYG'))
    await click(button('Associate'))
    expect(api.callsTo('keys.setResources').map((c) => c.input)).toEqual([{ key: 'k_test1', resources: ['r_claude'] }])
    expect(wrapper.findComponent(AssignResourcesDialog).emitted('update:show')?.at(-1)).toEqual([false])
  })

  it('shows a refusal from the core in words, and stays open', async () => {
    backend({
      'keys.setResources': () => {
        throw new KeywardError('RULE_VIOLATION', 'Key ChatbotProd cannot hold gpt-4o under both TPM and PYG.', {
          resources: 'gpt-4o is already chosen under TPM.'
        })
      }
    })
    const { wrapper } = mountInApp(AssignResourcesDialog, { show: true, apiKey: key })
    await settle()
    await click(button('Associate'))
    expect(screenText()).toContain('Not allowed by the registry rules')
    expect(screenText()).toContain('Key ChatbotProd cannot hold gpt-4o under both TPM and PYG.')
    expect(wrapper.findComponent(AssignResourcesDialog).emitted('update:show')).toBeUndefined()
  })

  it('an administrator key takes no resources: every choice is disabled and Associate is off', async () => {
    backend()
    mountInApp(AssignResourcesDialog, { show: true, apiKey: apiKey({ kind: 'admin' }) })
    await settle()
    for (const name of ['gpt-4o · TPM', 'gpt-4o · PYG', 'claude-sonnet-4 · PYG']) {
      expect(checkbox(name).getAttribute('aria-disabled')).toBe('true')
      expect(description(checkbox(name))).toBe('Administrator keys take no resources.')
    }
    expect(button('Associate').disabled).toBe(true)
  })
})
