import { afterEach, describe, expect, it } from 'vitest'
import { dispatch } from '../../../src/main/transport/dispatch'
import { CLIPBOARD_FAILED, createSecretClipboard, NO_LONGER_HELD } from '../../../src/main/desktop/clipboard-once'
import { withSecretOnClipboard } from '../../../src/main/desktop/host-handlers'
import { desktopTable } from './desktop-table'
import { settle } from './fakes'

const ctx = { actor: 'alice' }
let current: ReturnType<typeof desktopTable> | undefined
afterEach(() => {
  current?.close()
  current = undefined
})

describe('desktop host operations', () => {
  it('keys.create writes the new secret to the clipboard once and answers how that went, with the secret for the dialog', async () => {
    current = desktopTable({ clipboardText: 'before' })
    const out = await dispatch(current.table, 'keys.create', { name: 'Reporting' }, ctx)
    expect(out.ok).toBe(true)
    const { secret, key, clipboard } = (
      out as { result: { secret: string; key: { hint: string }; clipboard: unknown } }
    ).result
    expect(secret).toMatch(/^kw_/)
    expect(clipboard).toEqual({ copied: true, clearsInSeconds: 30 })
    expect(current.clipboard.writes).toEqual([secret])
    // The registry verifies the very secret that went to the clipboard.
    expect(current.registry.verify({ secret }).code).toBe('VALID')
    expect(key.hint).not.toBe(secret)
    await current.timers.advance(30_000)
    expect(current.clipboard.text).toBe('')
  })

  it('keys.rotate copies the new secret the same way', async () => {
    current = desktopTable()
    await dispatch(current.table, 'settings.set', { clipboardClearSeconds: 0 }, ctx)
    const { secret: first } = current.registry.createKey({ name: 'Rotating' }, 'test')
    const out = await dispatch(current.table, 'keys.rotate', { key: 'Rotating' }, ctx)
    const { secret, clipboard } = (out as { result: { secret: string; clipboard: unknown } }).result
    expect(secret).not.toBe(first)
    expect(clipboard).toEqual({ copied: true, clearsInSeconds: 0 })
    expect(current.clipboard.writes).toEqual([secret])
  })

  it('a refused create writes nothing to the clipboard', async () => {
    current = desktopTable({ clipboardText: 'before' })
    const out = await dispatch(current.table, 'keys.create', { name: 'bad name' }, ctx)
    expect(out.ok).toBe(false)
    expect(current.clipboard.writes).toEqual([])
    expect(current.clipboard.text).toBe('before')
  })

  it('a clipboard failure does not fail the create: the dialog gets the secret and the reason', async () => {
    current = desktopTable()
    const logged: string[] = []
    const broken = createSecretClipboard({
      clipboard: {
        readText: () => '',
        writeText: () => Promise.reject(new Error('clipboard busy')),
        clear: () => undefined
      },
      timers: current.timers,
      clearAfterSeconds: () => 30,
      log: (l) => logged.push(l)
    })
    const table = withSecretOnClipboard(current.table, broken)
    const out = await dispatch(table, 'keys.create', { name: 'StillMade' }, ctx)
    expect(out.ok).toBe(true)
    const result = (out as { result: { secret: string; clipboard: unknown } }).result
    expect(result.secret).toMatch(/^kw_/)
    expect(result.clipboard).toEqual({ copied: false, reason: CLIPBOARD_FAILED })
    expect(logged.join('\n')).toMatch(/could not be copied/)
    expect(logged.join('\n')).not.toMatch(/kw_/)
  })

  it('clipboard.copySecret (the dialog Copy button) copies the secret main holds for that key, by id only', async () => {
    current = desktopTable()
    await dispatch(current.table, 'settings.set', { clipboardClearSeconds: 12 }, ctx)
    const created = (await dispatch(current.table, 'keys.create', { name: 'Copied' }, ctx)) as {
      ok: true
      result: { key: { id: string }; secret: string }
    }
    await current.clipboard.writeText('the user copied something')
    const out = await dispatch(current.table, 'clipboard.copySecret', { keyId: created.result.key.id }, ctx)
    expect(out).toEqual({ ok: true, result: { copied: true, clearsInSeconds: 12 } })
    expect(current.clipboard.text).toBe(created.result.secret)
    await current.timers.advance(12_000)
    expect(current.clipboard.text).toBe('')
    // The secret never comes from the page: an input carrying one is refused, nothing is written.
    const writes = current.clipboard.writes.length
    const sent = await dispatch(
      current.table,
      'clipboard.copySecret',
      { keyId: created.result.key.id, secret: 'kw_fromthepage' },
      ctx
    )
    expect(sent).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })
    expect(await dispatch(current.table, 'clipboard.copySecret', {}, ctx)).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION', fields: { keyId: expect.any(String) } }
    })
    expect(current.clipboard.writes).toHaveLength(writes)
  })

  it('clipboard.release forgets the secret: Copy afterwards says why it cannot, and writes nothing', async () => {
    current = desktopTable()
    const created = (await dispatch(current.table, 'keys.create', { name: 'Released' }, ctx)) as {
      ok: true
      result: { key: { id: string } }
    }
    const keyId = created.result.key.id
    expect(await dispatch(current.table, 'clipboard.release', { keyId }, ctx)).toEqual({
      ok: true,
      result: { released: true }
    })
    expect(await dispatch(current.table, 'clipboard.release', { keyId }, ctx)).toEqual({
      ok: true,
      result: { released: false }
    })
    const writes = current.clipboard.writes.length
    expect(await dispatch(current.table, 'clipboard.copySecret', { keyId }, ctx)).toEqual({
      ok: true,
      result: { copied: false, reason: NO_LONGER_HELD }
    })
    expect(current.clipboard.writes).toHaveLength(writes)
  })

  it('deleting the key forgets its held secret; rotating it again holds the new one instead', async () => {
    current = desktopTable()
    const created = (await dispatch(current.table, 'keys.create', { name: 'Gone' }, ctx)) as {
      ok: true
      result: { key: { id: string } }
    }
    const keyId = created.result.key.id
    const rotated = (await dispatch(current.table, 'keys.rotate', { key: keyId }, ctx)) as {
      ok: true
      result: { secret: string }
    }
    await current.clipboard.writeText('mine')
    await dispatch(current.table, 'clipboard.copySecret', { keyId }, ctx)
    expect(current.clipboard.text).toBe(rotated.result.secret)
    expect((await dispatch(current.table, 'keys.delete', { key: keyId }, ctx)).ok).toBe(true)
    expect(await dispatch(current.table, 'clipboard.copySecret', { keyId }, ctx)).toEqual({
      ok: true,
      result: { copied: false, reason: NO_LONGER_HELD }
    })
  })

  it('a bulk delete forgets the held secret of every key it deletes, as a single delete does', async () => {
    const desk = (current = desktopTable())
    const created = async (name: string) => {
      const reply = (await dispatch(desk.table, 'keys.create', { name }, ctx)) as {
        ok: true
        result: { key: { id: string }; secret: string }
      }
      return reply.result
    }
    const gone = await created('Gone')
    const kept = await created('Kept')
    // The show-once dialogs of both are still open: main holds both secrets.
    expect((await dispatch(current.table, 'clipboard.copySecret', { keyId: gone.key.id }, ctx)).ok).toBe(true)
    expect(current.clipboard.text).toBe(gone.secret)
    const bulk = await dispatch(current.table, 'keys.bulk', { action: 'delete', keys: ['Gone'] }, ctx)
    expect(bulk).toMatchObject({ ok: true, result: { changed: 1 } })
    expect(await dispatch(current.table, 'clipboard.copySecret', { keyId: gone.key.id }, ctx)).toEqual({
      ok: true,
      result: { copied: false, reason: NO_LONGER_HELD }
    })
    // The key not deleted keeps its held secret.
    expect(await dispatch(current.table, 'clipboard.copySecret', { keyId: kept.key.id }, ctx)).toMatchObject({
      ok: true,
      result: { copied: true }
    })
    expect(current.clipboard.text).toBe(kept.secret)
    // A dry run deletes nothing and forgets nothing.
    await dispatch(current.table, 'keys.bulk', { action: 'delete', keys: ['Kept'], dryRun: true }, ctx)
    expect(await dispatch(current.table, 'clipboard.copySecret', { keyId: kept.key.id }, ctx)).toMatchObject({
      ok: true,
      result: { copied: true }
    })
  })

  it('a bulk action sends its progress to the page: 0 first, then after each chunk, the last one complete', async () => {
    current = desktopTable()
    for (let i = 0; i < 1201; i++) current.registry.createKey({ name: `K${i}` }, 'test')
    const reply = await dispatch(current.table, 'keys.bulk', { action: 'disable', filters: {} }, ctx)
    expect(reply).toMatchObject({ ok: true, result: { changed: 1201 } })
    expect(current.bulkProgress).toEqual([
      { done: 0, total: 1201 },
      { done: 500, total: 1201 },
      { done: 1000, total: 1201 },
      { done: 1201, total: 1201 }
    ])
  })

  it('settings.get answers the defaults; settings.set validates, stores and answers the whole settings', async () => {
    current = desktopTable()
    expect(await dispatch(current.table, 'settings.get', {}, ctx)).toEqual({
      ok: true,
      result: {
        theme: 'system',
        language: 'system',
        clipboardClearSeconds: 30,
        serverEnabled: false,
        serverPort: 8787,
        serverGateway: false,
        registry: { kind: 'local' }
      }
    })
    const set = await dispatch(current.table, 'settings.set', { theme: 'dark', serverPort: 9000 }, ctx)
    expect(set).toEqual({
      ok: true,
      result: {
        theme: 'dark',
        language: 'system',
        clipboardClearSeconds: 30,
        serverEnabled: false,
        serverPort: 9000,
        serverGateway: false,
        registry: { kind: 'local' }
      }
    })
    expect(current.preferences.data.settings).toEqual({
      theme: 'dark',
      language: 'system',
      clipboardClearSeconds: 30,
      serverEnabled: false,
      serverPort: 9000,
      serverGateway: false,
      registry: { kind: 'local' }
    })
    const bad = await dispatch(current.table, 'settings.set', { serverPort: 80, theme: 'neon' }, ctx)
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION', fields: { serverPort: expect.stringMatching(/1024/), theme: expect.any(String) } }
    })
    const secretish = await dispatch(current.table, 'settings.set', { smtpPassword: 'hunter2' }, ctx)
    expect(secretish).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })
    expect(JSON.stringify(current.preferences.data)).not.toMatch(/hunter2|neon/)
  })

  it('server.status follows the local server Settings switches: off, starting, running on its URL, off again', async () => {
    current = desktopTable()
    const status = async () =>
      (await dispatch(current!.table, 'server.status', {}, ctx)) as { ok: true; result: unknown }
    expect(await status()).toEqual({ ok: true, result: { state: 'off' } })
    expect(current.utility.forks).toHaveLength(0)

    await dispatch(current.table, 'settings.set', { serverEnabled: true, serverPort: 18790 }, ctx)
    expect(await status()).toEqual({ ok: true, result: { state: 'starting', port: 18790 } })
    const proc = current.utility.forks[0]!
    expect(proc.commands[0]).toMatchObject({ type: 'start', host: '127.0.0.1', port: 18790 })
    proc.answer({ type: 'started', url: 'http://127.0.0.1:18790', host: '127.0.0.1', port: 18790 })
    expect(await status()).toEqual({
      ok: true,
      result: { state: 'running', url: 'http://127.0.0.1:18790', port: 18790 }
    })

    await dispatch(current.table, 'settings.set', { serverEnabled: false }, ctx)
    expect(proc.commands.at(-1)).toEqual({ type: 'stop' })
    proc.answer({ type: 'stopped' })
    await settle()
    expect(proc.killed).toBe(true)
    expect(await status()).toEqual({ ok: true, result: { state: 'off' } })
  })

  it('server.status reports a failed start (the port is taken) with the reason, and the retry after a port change', async () => {
    current = desktopTable()
    await dispatch(current.table, 'settings.set', { serverEnabled: true, serverPort: 18791 }, ctx)
    const proc = current.utility.forks[0]!
    const message = 'Port 18791 on 127.0.0.1 is already in use. Stop the other program or choose another port.'
    proc.answer({ type: 'error', code: 'EADDRINUSE', message })
    expect(await dispatch(current.table, 'server.status', {}, ctx)).toEqual({
      ok: true,
      result: { state: 'failed', port: 18791, message }
    })

    await dispatch(current.table, 'settings.set', { serverPort: 18792 }, ctx)
    expect(await dispatch(current.table, 'server.status', {}, ctx)).toEqual({
      ok: true,
      result: { state: 'starting', port: 18792 }
    })
    proc.answer({ type: 'started', url: 'http://127.0.0.1:18792', host: '127.0.0.1', port: 18792 })
    expect(await dispatch(current.table, 'server.status', {}, ctx)).toMatchObject({
      ok: true,
      result: { state: 'running', port: 18792 }
    })

    // The process dying later is reported too, not left as "running".
    proc.exit(1)
    expect(await dispatch(current.table, 'server.status', {}, ctx)).toMatchObject({
      ok: true,
      result: { state: 'failed', port: 18792, message: expect.stringMatching(/ended unexpectedly \(exit code 1\)/) }
    })
  })

  it('server.status takes no input', async () => {
    current = desktopTable()
    expect(await dispatch(current.table, 'server.status', { port: 1 }, ctx)).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' }
    })
  })

  it('notify.* answers from the email module over the same registry', async () => {
    current = desktopTable()
    const out = await dispatch(current.table, 'notify.settings.get', {}, ctx)
    expect(out).toMatchObject({ ok: true, result: { passwordSet: false, passwordStorage: 'os' } })
  })
})
