import { pathToFileURL } from 'node:url'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { OPERATION_NAMES } from '../../../src/shared/contract'
import { channelOf } from '../../../src/shared/ipc'
import { FOREIGN_SENDER_MESSAGE, registerOperations } from '../../../src/main/desktop/ipc/register'
import { appPageUrl, isAppPage } from '../../../src/main/desktop/ipc/sender'
import { desktopTable } from './desktop-table'
import { fakeIpcMain } from './fakes'

const rendererFile = join('/opt', 'Keyward', 'resources', 'app.asar', 'out', 'renderer', 'index.html')
const APP_URL = pathToFileURL(rendererFile).href

function setup() {
  const desk = desktopTable()
  const ipc = fakeIpcMain()
  const logged: string[] = []
  const unregister = registerOperations(ipc, {
    table: desk.table,
    isTrustedSender: isAppPage({ kind: 'file', path: rendererFile }, 'linux'),
    context: () => ({ actor: 'alice' }),
    log: (line) => logged.push(line)
  })
  return { ...desk, ipc, logged, unregister }
}

let current: ReturnType<typeof setup> | undefined
afterEach(() => {
  current?.close()
  current = undefined
})

describe('registerOperations', () => {
  it('registers exactly one handler per contract operation, on channels derived from the contract', () => {
    current = setup()
    expect([...current.ipc.handlers.keys()].sort()).toEqual(OPERATION_NAMES.map((n) => `keyward:${n}`).sort())
    current.unregister()
    expect(current.ipc.handlers.size).toBe(0)
  })

  it('runs a valid call through the core and answers {ok, result}', async () => {
    current = setup()
    const added = await current.ipc.invoke(channelOf('resources.add'), APP_URL, {
      model: 'gpt-4o',
      type: 'TPM',
      tpmLimit: 1000
    })
    expect(added).toMatchObject({ ok: true, result: { resource: { model: 'gpt-4o', type: 'TPM', tpmLimit: 1000 } } })
    const created = await current.ipc.invoke(channelOf('keys.create'), APP_URL, {
      name: 'BillingBot',
      resources: ['gpt-4o:TPM'],
      department: 'Finance'
    })
    expect(created.ok).toBe(true)
    const { key } = (created as { result: { key: { id: string; name: string; resources: unknown[] } } }).result
    expect(key.name).toBe('BillingBot')
    // The change is in the real registry, recorded with the actor from the context.
    expect(current.registry.getKey({ key: 'BillingBot' }).key.resources).toHaveLength(1)
    const audit = current.registry.listAudit({ key: key.id })
    expect(audit.items[0]).toMatchObject({ action: 'key.create', actor: 'alice' })
  })

  it('answers VALIDATION with per-field messages for invalid input, and changes nothing', async () => {
    current = setup()
    const reply = await current.ipc.invoke(channelOf('keys.create'), APP_URL, {
      name: 'has space',
      notifyEmail: 'nope'
    })
    expect(reply.ok).toBe(false)
    if (reply.ok) return
    expect(reply.error.code).toBe('VALIDATION')
    expect(reply.error.fields?.name).toMatch(/Remove: space/)
    expect(reply.error.fields?.notifyEmail).toMatch(/valid email/)
    expect(current.registry.listKeys({}).total).toBe(0)
  })

  it('refuses frames that are not the app page: other files, web pages, sub-frames, destroyed frames', async () => {
    current = setup()
    const foreign = [
      pathToFileURL('/tmp/evil.html').href,
      pathToFileURL(rendererFile.replace('index.html', 'other.html')).href,
      'https://example.com/index.html',
      'http://localhost:5173/',
      'about:blank',
      'not a url'
    ]
    for (const url of foreign) {
      const reply = await current.ipc.invoke(channelOf('keys.list'), url, {})
      expect(reply, url).toEqual({ ok: false, error: { code: 'FORBIDDEN', message: FOREIGN_SENDER_MESSAGE } })
    }
    const destroyed = await current.ipc.invoke(channelOf('keys.list'), null, {})
    expect(destroyed.ok).toBe(false)
    const handler = current.ipc.handlers.get(channelOf('keys.delete'))!
    current.registry.createKey({ name: 'Keep' }, 'test')
    const subFrame = await handler({ senderFrame: { url: APP_URL, parent: { url: APP_URL } } }, { key: 'Keep' })
    expect(subFrame).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
    expect(current.registry.getKey({ key: 'Keep' }).key.name).toBe('Keep')
    expect(current.logged.filter((l) => l.includes('refused'))).toHaveLength(foreign.length + 2)
  })

  it('accepts the app page with a hash or query (client-side routing)', async () => {
    current = setup()
    expect((await current.ipc.invoke(channelOf('keys.list'), `${APP_URL}#/audit`, {})).ok).toBe(true)
    expect((await current.ipc.invoke(channelOf('keys.list'), `${APP_URL}?x=1`, {})).ok).toBe(true)
  })

  it('maps core errors to their codes and messages', async () => {
    current = setup()
    await current.ipc.invoke(channelOf('resources.add'), APP_URL, { model: 'gpt-4o', type: 'TPM', tpmLimit: 10 })
    await current.ipc.invoke(channelOf('resources.add'), APP_URL, { model: 'gpt-4o', type: 'PYG' })
    const missing = await current.ipc.invoke(channelOf('keys.get'), APP_URL, { key: 'Nobody' })
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
    const rule = await current.ipc.invoke(channelOf('keys.create'), APP_URL, {
      name: 'Both',
      resources: ['gpt-4o:TPM', 'gpt-4o:PYG']
    })
    expect(rule).toMatchObject({ ok: false, error: { code: 'RULE_VIOLATION' } })
    await current.ipc.invoke(channelOf('keys.create'), APP_URL, { name: 'Twice' })
    const dup = await current.ipc.invoke(channelOf('keys.create'), APP_URL, { name: 'Twice' })
    expect(dup).toMatchObject({ ok: false, error: { code: 'CONFLICT' } })
    for (const reply of [missing, rule, dup]) expect(JSON.stringify(reply)).not.toMatch(/stack|kw_[A-Za-z0-9]{20}/)
  })

  it('turns an unexpected failure into INTERNAL without its text, logging the operation name only', async () => {
    current = setup()
    current.registry.db.close()
    const reply = await current.ipc.invoke(channelOf('keys.list'), APP_URL, {})
    expect(reply).toMatchObject({ ok: false, error: { code: 'INTERNAL' } })
    expect(JSON.stringify(reply)).not.toMatch(/database|sqlite/i)
    expect(current.logged.some((l) => l.startsWith('keyward: keys.list failed'))).toBe(true)
  })

  it('takes exactly one input object', async () => {
    current = setup()
    const reply = await current.ipc.invoke(channelOf('keys.list'), APP_URL, {}, { extra: true })
    expect(reply).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })
  })
})

describe('isAppPage', () => {
  it('in dev, trusts the electron-vite dev server origin only', () => {
    const trusted = isAppPage({ kind: 'dev-server', url: 'http://localhost:5173' })
    expect(trusted('http://localhost:5173/')).toBe(true)
    expect(trusted('http://localhost:5173/#/keys')).toBe(true)
    expect(trusted('http://localhost:5174/')).toBe(false)
    expect(trusted('https://localhost:5173/')).toBe(false)
    expect(trusted(APP_URL)).toBe(false)
  })

  it('compares Windows and macOS paths case-insensitively, Linux paths exactly', () => {
    expect(
      isAppPage({ kind: 'file', path: '/Apps/Keyward/index.html' }, 'darwin')('file:///apps/keyward/index.html')
    ).toBe(true)
    expect(
      isAppPage({ kind: 'file', path: '/Apps/Keyward/index.html' }, 'linux')('file:///apps/keyward/index.html')
    ).toBe(false)
    expect(isAppPage({ kind: 'file', path: '/a/index.html' }, 'linux')('file://remote-host/a/index.html')).toBe(false)
  })

  it('makes the URL the window loads from the same page description', () => {
    expect(appPageUrl({ kind: 'file', path: rendererFile })).toBe(APP_URL)
    expect(appPageUrl({ kind: 'dev-server', url: 'http://localhost:5173' })).toBe('http://localhost:5173')
  })
})
