import { readFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { ACTOR, expectRefused, expectRefusedUnchanged } from './support'

/** Upstreams on resources (issue 10): where `keyward serve --gateway` sends a resource's traffic. */
let t: TempRegistry
beforeEach(() => {
  t = tempRegistry()
})
afterEach(() => t.close())

const CREDENTIAL = 'sk-proj-THIS-IS-A-PROVIDER-CREDENTIAL-0123456789'

function auditText(): string {
  return JSON.stringify(t.registry.listAudit({ limit: 1000 }).items)
}

describe('resource upstreams', () => {
  it('adds a resource with an upstream (URL normalised) and reads it back from the columns', () => {
    const { resource } = t.registry.addResource(
      {
        model: 'gpt-4o',
        type: 'TPM',
        tpmLimit: 1000,
        upstreamUrl: '  https://API.openai.com/v1/  ',
        upstreamModel: 'gpt-4o-2024-08-06',
        upstreamKeyEnv: 'OPENAI_API_KEY'
      },
      ACTOR
    )
    expect(resource.upstream).toEqual({
      url: 'https://api.openai.com/v1',
      model: 'gpt-4o-2024-08-06',
      keyEnv: 'OPENAI_API_KEY'
    })
    // The gateway reads the columns directly: they hold exactly these values.
    expect(
      t.registry.db
        .prepare('SELECT upstream_url, upstream_model, upstream_key_env FROM resources WHERE id = ?')
        .get(resource.id)
    ).toEqual({
      upstream_url: 'https://api.openai.com/v1',
      upstream_model: 'gpt-4o-2024-08-06',
      upstream_key_env: 'OPENAI_API_KEY'
    })
    expect(t.registry.listResources().items[0].upstream).toEqual(resource.upstream)
    const added = t.registry.listAudit({ action: 'resource.add' }).items[0]
    expect(added.details).toMatchObject({
      upstream: { url: 'https://api.openai.com/v1', model: 'gpt-4o-2024-08-06' },
      credential: 'upstream credential changed',
      upstreamKeyEnv: 'OPENAI_API_KEY'
    })

    const plain = t.registry.addResource({ model: 'o3', type: 'PYG', upstreamUrl: '' }, ACTOR).resource
    expect(plain.upstream).toBeNull()
    const local = t.registry.addResource({ model: 'llama', type: 'PYG', upstreamUrl: 'http://127.0.0.1:8000' }, ACTOR)
    expect(local.resource.upstream).toEqual({ url: 'http://127.0.0.1:8000', model: null, keyEnv: null })
  })

  it('edits the upstream: set, change the model and key variable, keep on unrelated edits, remove with ""', () => {
    const r = t.registry.addResource({ model: 'gpt-4o', type: 'PYG' }, ACTOR).resource
    const set = t.registry.editResource({ resource: 'gpt-4o:PYG', upstreamUrl: 'http://localhost:11434/v1/' }, ACTOR)
    expect(set.resource.upstream).toEqual({ url: 'http://localhost:11434/v1', model: null, keyEnv: null })

    const more = t.registry.editResource(
      { resource: r.id, upstreamModel: 'llama3.1:8b', upstreamKeyEnv: 'OLLAMA_KEY' },
      ACTOR
    )
    expect(more.resource.upstream).toEqual({
      url: 'http://localhost:11434/v1',
      model: 'llama3.1:8b',
      keyEnv: 'OLLAMA_KEY'
    })

    // A status change leaves the upstream as it was; an unchanged value writes no audit entry.
    expect(t.registry.editResource({ resource: r.id, status: 'inactive' }, ACTOR).resource.upstream).toEqual(
      more.resource.upstream
    )
    const entries = t.registry.listAudit({ action: 'resource.edit' }).total
    t.registry.editResource({ resource: r.id, upstreamUrl: 'http://localhost:11434/v1' }, ACTOR)
    expect(t.registry.listAudit({ action: 'resource.edit' }).total).toBe(entries)

    // Clearing the model alone keeps the URL.
    expect(t.registry.editResource({ resource: r.id, upstreamModel: '' }, ACTOR).resource.upstream).toEqual({
      url: 'http://localhost:11434/v1',
      model: null,
      keyEnv: 'OLLAMA_KEY'
    })

    const removed = t.registry.editResource({ resource: r.id, upstreamUrl: '' }, ACTOR)
    expect(removed.resource.upstream).toBeNull()
    expect(
      t.registry.db
        .prepare('SELECT upstream_url, upstream_model, upstream_key_env FROM resources WHERE id = ?')
        .get(r.id)
    ).toEqual({ upstream_url: null, upstream_model: null, upstream_key_env: null })

    const edits = t.registry.listAudit({ action: 'resource.edit' }).items.map((e) => e.details)
    // Newest first: the removal records the URL and the variable name going, and that the credential changed.
    expect(edits[0]).toEqual({
      changes: {
        upstreamUrl: { from: 'http://localhost:11434/v1', to: null },
        upstreamKeyEnv: { from: 'OLLAMA_KEY', to: null }
      },
      credential: 'upstream credential changed'
    })
    expect(edits[1]).toEqual({ changes: { upstreamModel: { from: 'llama3.1:8b', to: null } } })
  })

  it('refuses bad upstream input naming the field, without repeating the value, and changes nothing', () => {
    t.registry.addResource({ model: 'gpt-4o', type: 'PYG' }, ACTOR)
    const cases: [unknown, string, RegExp][] = [
      [{ upstreamUrl: 'ftp://files.example.com' }, 'upstreamUrl', /http:\/\/ or https:\/\//],
      [{ upstreamUrl: 'not a url' }, 'upstreamUrl', /spaces/],
      [{ upstreamUrl: 'api.openai.com/v1' }, 'upstreamUrl', /not a URL/],
      [{ upstreamUrl: `https://user:${CREDENTIAL}@api.example.com/v1` }, 'upstreamUrl', /user name or password/],
      [{ upstreamUrl: 'https://@api.example.com/v1' }, 'upstreamUrl', /user name or password/],
      [{ upstreamUrl: `https://api.example.com/v1?api-key=${CREDENTIAL}` }, 'upstreamUrl', /query/],
      [{ upstreamUrl: 'https://api.example.com/v1#x' }, 'upstreamUrl', /fragment/],
      [{ upstreamUrl: `https://${'a'.repeat(2000)}.example.com` }, 'upstreamUrl', /too long/],
      [{ upstreamUrl: 'https://api.example.com', upstreamModel: ' gpt-4o' }, 'upstreamModel', /spaces/],
      [{ upstreamUrl: 'https://api.example.com', upstreamModel: 'm'.repeat(101) }, 'upstreamModel', /too long/],
      [
        { upstreamUrl: 'https://api.example.com', upstreamKeyEnv: CREDENTIAL },
        'upstreamKeyEnv',
        /NAME of an environment variable/
      ],
      [{ upstreamUrl: 'https://api.example.com', upstreamKeyEnv: '1KEY' }, 'upstreamKeyEnv', /NAME/],
      [{ upstreamUrl: 'https://api.example.com', upstreamKeyEnv: 'MY-KEY' }, 'upstreamKeyEnv', /NAME/],
      // A model or key variable with no upstream, on a resource that has none.
      [{ upstreamModel: 'gpt-4o-2024-08-06' }, 'upstreamModel', /no upstream/],
      [{ upstreamKeyEnv: 'OPENAI_API_KEY' }, 'upstreamKeyEnv', /no upstream/],
      [{ upstreamUrl: '', upstreamKeyEnv: 'OPENAI_API_KEY' }, 'upstreamKeyEnv', /needs an upstream URL/]
    ]
    for (const [changes, field, message] of cases) {
      const error = expectRefusedUnchanged(
        t.registry,
        t.path,
        () => t.registry.editResource({ resource: 'gpt-4o:PYG', ...(changes as object) }, ACTOR),
        'VALIDATION',
        [field]
      )
      expect(error.fields![field], JSON.stringify(changes)).toMatch(message)
      expect(JSON.stringify(error.fields), 'the value is never repeated').not.toContain(CREDENTIAL)
      expect(error.message).not.toContain(CREDENTIAL)
    }
    // The same rules on add; a model without a URL is refused there too.
    for (const input of [
      { model: 'o3', type: 'PYG', upstreamUrl: 'https://u:p@api.example.com' },
      { model: 'o3', type: 'PYG', upstreamModel: 'o3-2025' },
      { model: 'o3', type: 'PYG', upstreamUrl: 'https://api.example.com', upstreamKeyEnv: 'A B' }
    ]) {
      expectRefusedUnchanged(t.registry, t.path, () => t.registry.addResource(input as never, ACTOR), 'VALIDATION')
    }
    expect(t.registry.listResources().items.map((r) => r.model)).toEqual(['gpt-4o'])
  })

  it('never stores or audits a credential value: the registry file holds variable names only', () => {
    process.env.KEYWARD_TEST_PROVIDER_KEY = CREDENTIAL
    try {
      const r = t.registry.addResource(
        {
          model: 'gpt-4o',
          type: 'PYG',
          upstreamUrl: 'https://api.openai.com/v1',
          upstreamKeyEnv: 'KEYWARD_TEST_PROVIDER_KEY'
        },
        ACTOR
      ).resource
      t.registry.editResource({ resource: r.id, upstreamKeyEnv: 'OTHER_KEY' }, ACTOR)
      // The desktop's keychain path: the key goes to `apply`, the audit says only that it changed.
      let kept: string | null = null
      t.registry.changeKeptCredential(r.id, ACTOR, true, () => {
        kept = CREDENTIAL
      })
      expect(kept).toBe(CREDENTIAL)
      const entry = t.registry.listAudit({ action: 'resource.upstreamCredential' }).items[0]
      expect(entry.details).toEqual({
        credential: 'upstream credential changed',
        keptIn: 'desktop keychain',
        kept: true
      })
      expect(auditText()).not.toContain(CREDENTIAL)
      t.registry.close()
      for (const suffix of ['', '-wal']) {
        let bytes = ''
        try {
          bytes = readFileSync(t.path + suffix).toString('latin1')
        } catch {
          continue
        }
        expect(bytes).not.toContain(CREDENTIAL)
      }
    } finally {
      delete process.env.KEYWARD_TEST_PROVIDER_KEY
    }
  })

  it('keeps a credential only for a resource with an upstream; a failing keychain write rolls the audit back', () => {
    const r = t.registry.addResource({ model: 'gpt-4o', type: 'PYG' }, ACTOR).resource
    let applied = false
    expectRefused(
      () =>
        t.registry.changeKeptCredential(r.id, ACTOR, true, () => {
          applied = true
        }),
      'VALIDATION',
      ['providerKey']
    )
    expect(applied).toBe(false)
    t.registry.editResource({ resource: r.id, upstreamUrl: 'https://api.openai.com/v1' }, ACTOR)
    const before = t.registry.listAudit({}).total
    expect(() =>
      t.registry.changeKeptCredential(r.id, ACTOR, true, () => {
        throw new Error('keychain locked')
      })
    ).toThrow('keychain locked')
    expect(t.registry.listAudit({}).total).toBe(before)
    expectRefused(() => t.registry.changeKeptCredential('nope:PYG', ACTOR, false, () => {}), 'NOT_FOUND')
  })
})
