import { afterAll, describe, expect, it } from 'vitest'
import { expectNoSecretLeaked, tempCli } from './run'

/** `keyward resources add|edit --upstream …` (issue 10) end to end, in one registry file. */
describe('keyward resources with upstreams', { timeout: 90_000 }, () => {
  const t = tempCli()
  afterAll(() => {
    expectNoSecretLeaked()
    t.cleanup()
  })

  it('adds a resource with --upstream, --upstream-model and --upstream-key-env and prints it in JSON', async () => {
    const added = await t.ok([
      'resources',
      'add',
      '--model',
      'gpt-4o',
      '--type',
      'TPM',
      '--limit',
      '30000',
      '--upstream',
      'https://api.openai.com/v1/',
      '--upstream-model',
      'gpt-4o-2024-08-06',
      '--upstream-key-env',
      'OPENAI_API_KEY'
    ])
    expect(added.resource.upstream).toEqual({
      url: 'https://api.openai.com/v1',
      model: 'gpt-4o-2024-08-06',
      keyEnv: 'OPENAI_API_KEY'
    })
    const plain = await t.ok(['resources', 'add', '--model', 'o3', '--type', 'PYG'])
    expect(plain.resource.upstream).toBeNull()
  })

  it('shows the upstream (URL and model) in the table and in the sentence after a change', async () => {
    const list = await t.cli(['resources', 'list'])
    expect(list.code).toBe(0)
    const header = list.stdout.split('\n')[0]
    expect(header).toMatch(/Upstream/)
    const row = list.stdout.split('\n').find((line) => line.startsWith('gpt-4o'))!
    expect(row).toContain('https://api.openai.com/v1 (gpt-4o-2024-08-06)')

    const edited = await t.cli(['resources', 'edit', 'o3:PYG', '--upstream', 'http://127.0.0.1:8000/v1'])
    expect(edited.code, edited.stderr).toBe(0)
    expect(edited.stdout).toMatch(/^Saved o3:PYG .*upstream http:\/\/127\.0\.0\.1:8000\/v1,/)
  })

  it('edits the upstream model and key variable, then removes the upstream with --upstream ""', async () => {
    const model = await t.ok([
      'resources',
      'edit',
      'o3:PYG',
      '--upstream-model',
      'o3-mini',
      '--upstream-key-env',
      'VLLM_KEY'
    ])
    expect(model.resource.upstream).toEqual({ url: 'http://127.0.0.1:8000/v1', model: 'o3-mini', keyEnv: 'VLLM_KEY' })
    const cleared = await t.ok(['resources', 'edit', 'o3:PYG', '--upstream-model', ''])
    expect(cleared.resource.upstream).toEqual({ url: 'http://127.0.0.1:8000/v1', model: null, keyEnv: 'VLLM_KEY' })
    const removed = await t.ok(['resources', 'edit', 'o3:PYG', '--upstream', ''])
    expect(removed.resource.upstream).toBeNull()

    const audit = await t.ok(['audit', 'list', '--action', 'resource.edit'])
    const newest = audit.items[0]
    expect(newest.details).toEqual({
      changes: {
        upstreamUrl: { from: 'http://127.0.0.1:8000/v1', to: null },
        upstreamKeyEnv: { from: 'VLLM_KEY', to: null }
      },
      credential: 'upstream credential changed'
    })
  })

  it('refuses bad upstream options naming the flag (exit 2) and changes nothing', async () => {
    const credential = 'sk-live-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
    const cases: [string[], string, RegExp][] = [
      [['--upstream', `https://me:${credential}@api.openai.com/v1`], '--upstream', /user name or password/],
      [['--upstream', 'https://api.openai.com/v1?key=1'], '--upstream', /query/],
      [['--upstream', 'ftp://example.com'], '--upstream', /http:\/\/ or https:\/\//],
      [['--upstream', 'https://api.openai.com/v1', '--upstream-key-env', credential], '--upstream-key-env', /NAME/],
      [['--upstream-model', 'gpt-4o-2024-08-06'], '--upstream-model', /needs an upstream URL/]
    ]
    for (const [flags, flag, message] of cases) {
      const r = await t.fails(['resources', 'add', '--model', 'o4', '--type', 'PYG', ...flags])
      expect(r.code, flags.join(' ')).toBe(2)
      expect(r.error.code).toBe('VALIDATION')
      expect(Object.keys(r.error.fields!)).toEqual([flag])
      expect(r.error.fields![flag]).toMatch(message)
      expect(JSON.stringify(r.error)).not.toContain(credential)
    }
    const onEdit = await t.fails(['resources', 'edit', 'o3:PYG', '--upstream-key-env', 'OPENAI_API_KEY'])
    expect(onEdit.code).toBe(2)
    expect(Object.keys(onEdit.error.fields!)).toEqual(['--upstream-key-env'])
    expect(onEdit.error.fields!['--upstream-key-env']).toMatch(/o3:PYG has no upstream/)

    const list = await t.ok(['resources', 'list'])
    expect(list.items.map((r: { model: string }) => r.model)).toEqual(['gpt-4o', 'o3'])
    expect(list.items[1].upstream).toBeNull()
  })
})
