import { afterEach, describe, expect, it } from 'vitest'
import { ResourceAddInput, UpstreamKeyInput } from '@shared/schemas'
import type { Resource } from '@shared/types'
import ResourceDialog from '@renderer/components/dialogs/ResourceDialog.vue'
import { fakeClient, fakeWebConsole, mountInApp, resource, screenText, settle } from './helpers'

const PROVIDER_KEY = 'sk-proj-typed-in-the-dialog-0123456789'

async function type(id: string, value: string): Promise<void> {
  const el = document.getElementById(id) as HTMLInputElement
  el.value = value
  el.dispatchEvent(new Event('input', { bubbles: true }))
  await settle()
}

function button(text: string): HTMLButtonElement {
  const found = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === text)
  if (!found) throw new Error(`no button "${text}"`)
  return found
}

/** A host that adds resources as the core does (upstream fields parsed by the same schema) and keeps keys as the desktop does. */
function host(items: Resource[] = []) {
  const kept = new Set<string>()
  const view = (r: Resource): Resource =>
    r.upstream ? { ...r, upstream: { ...r.upstream, keyKept: kept.has(r.id) } } : r
  return {
    kept,
    handlers: {
      'resources.list': () => ({ items: items.map(view) }),
      'pool.get': () => ({ tpmPool: null, assigned: 0, remaining: null }),
      'resources.add': (input: unknown) => {
        const v = ResourceAddInput.parse(input)
        const r = resource(`r_${items.length + 1}`, v.model, v.type, {
          tpmLimit: v.tpmLimit ?? null,
          upstream: v.upstreamUrl
            ? { url: v.upstreamUrl, model: v.upstreamModel ?? null, keyEnv: v.upstreamKeyEnv ?? null }
            : null
        })
        items.push(r)
        return { resource: view(r) }
      },
      'resources.setUpstreamKey': (input: unknown) => {
        const v = UpstreamKeyInput.parse(input)
        if (v.providerKey) kept.add(v.resource)
        else kept.delete(v.resource)
        return { resource: view(items.find((r) => r.id === v.resource)!) }
      }
    }
  }
}

afterEach(() => {
  document.body.innerHTML = ''
})

describe('Resource dialog: upstream fields', () => {
  it('desktop: adds with the upstream, then sends the typed provider key in its own operation and forgets it', async () => {
    const h = host()
    const api = fakeClient(h.handlers)
    const { pinia } = mountInApp(ResourceDialog, { show: true, resource: null })
    await settle()
    await type('resource-model', 'gpt-4o')
    await type('resource-tpm', '1000')
    // Until a URL is given, the upstream model, variable and key fields are disabled.
    expect((document.getElementById('resource-provider-key') as HTMLInputElement).disabled).toBe(true)
    await type('resource-upstream-url', 'https://api.openai.com/v1/')
    await type('resource-upstream-model', 'gpt-4o-2024-08-06')
    await type('resource-upstream-key-env', 'OPENAI_API_KEY')
    await type('resource-provider-key', PROVIDER_KEY)
    expect((document.getElementById('resource-provider-key') as HTMLInputElement).type).toBe('password')
    button('Add').click()
    await settle()
    await settle()

    const [add] = api.callsTo('resources.add')
    expect(add!.input).toMatchObject({
      model: 'gpt-4o',
      upstreamUrl: 'https://api.openai.com/v1/',
      upstreamModel: 'gpt-4o-2024-08-06',
      upstreamKeyEnv: 'OPENAI_API_KEY'
    })
    expect(JSON.stringify(add!.input)).not.toContain(PROVIDER_KEY)
    expect(api.callsTo('resources.setUpstreamKey').map((c) => c.input)).toEqual([
      { resource: 'r_1', providerKey: PROVIDER_KEY }
    ])
    expect(h.kept.has('r_1')).toBe(true)
    expect(screenText()).toContain('provider key kept in the keychain')
    expect(JSON.stringify(pinia.state.value)).not.toContain(PROVIDER_KEY)
    expect(JSON.stringify(pinia.state.value)).toContain('"keyKept":true')
  })

  it('shows the schema’s message under the URL field and adds nothing', async () => {
    const api = fakeClient(host().handlers)
    mountInApp(ResourceDialog, { show: true, resource: null })
    await settle()
    await type('resource-model', 'o3')
    await type('resource-tpm', '1000')
    await type('resource-upstream-url', 'https://me:secret@api.openai.com/v1')
    button('Add').click()
    await settle()
    expect(screenText()).toContain('must not hold a user name or password')
    expect(api.callsTo('resources.add')).toHaveLength(0)
  })

  it('web console: no provider key field; the environment variable name is the way to give the key', async () => {
    fakeWebConsole(host().handlers)
    mountInApp(ResourceDialog, { show: true, resource: null })
    await settle()
    expect(document.getElementById('resource-upstream-url')).not.toBeNull()
    expect(document.getElementById('resource-upstream-key-env')).not.toBeNull()
    expect(document.getElementById('resource-provider-key')).toBeNull()
    expect(screenText()).not.toContain("kept in this computer's keychain")
  })
})
