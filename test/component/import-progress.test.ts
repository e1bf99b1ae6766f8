import { afterEach, describe, expect, it } from 'vitest'
import { BULK_PROGRESS_CHANNEL } from '@shared/ipc'
import AppShell from '../../src/renderer/src/AppShell.vue'
import { fakeClient, mountInApp, screenText, settle } from './helpers'

/**
 * File ▸ Import Keys… in the desktop app: main writes the import a chunk per turn and sends
 * {done, total} after each on the progress channel, through the real preload bridge; the dialog
 * shows a bar until the import answers. The page never receives a secret or a path to read.
 */
const rows = Array.from({ length: 3 }, (_, i) => ({ row: i + 1, id: '', name: `K${i}`, hint: '', source: 'new' }))

function app() {
  let finish!: () => void
  const client = fakeClient({
    'keys.list': () => ({ items: [], total: 0 }),
    'resources.list': () => ({ items: [] }),
    'suggestions.get': () => ({ departments: [], projects: [], environments: [] }),
    'settings.get': () => ({}),
    'server.status': () => ({ state: 'off' }),
    'files.importPick': () => ({
      token: 't1',
      file: '/home/me/keys.csv',
      format: 'csv',
      created: 1201,
      imported: 0,
      errors: [],
      keys: rows
    }),
    'files.import': () =>
      new Promise((resolve) => {
        finish = () =>
          resolve({
            canceled: false,
            created: 1201,
            imported: 0,
            errors: [],
            keys: rows,
            secretsFile: '/home/me/new-secrets.csv'
          })
      })
  })
  return { ...client, finish: () => finish() }
}

const byTestId = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`)

describe('Import keys: progress while main writes', () => {
  afterEach(() => {
    document.body.innerHTML = ''
    location.hash = ''
  })

  it('a bar after each chunk main reports, then the result naming the secrets file', async () => {
    const client = app()
    mountInApp(AppShell)
    await settle()
    byTestId('import-keys')!.click()
    await settle()
    expect(client.callsTo('files.importPick')).toHaveLength(1)
    expect(byTestId('import-summary')?.textContent).toContain('3 rows ready')
    byTestId('import-run')!.click()
    await settle()
    expect(client.callsTo('files.import').map((c) => c.input)).toEqual([{ token: 't1', skipInvalid: false }])
    // Running, nothing reported yet: the spinner and what is happening.
    expect(byTestId('import-progress')?.textContent).toContain('Importing 3 keys')

    client.send(BULK_PROGRESS_CHANNEL, { done: 500, total: 1201 })
    await settle()
    expect(byTestId('import-progress')?.textContent).toContain('500 of 1,201 keys written')
    expect(byTestId('import-progress')?.querySelector('[role="progressbar"]')?.getAttribute('aria-valuenow')).toBe('42')
    client.send(BULK_PROGRESS_CHANNEL, { done: 1000, total: 1201 })
    await settle()
    expect(byTestId('import-progress')?.textContent).toContain('1,000 of 1,201 keys written')

    client.finish()
    await settle()
    expect(byTestId('import-progress')).toBeNull()
    expect(byTestId('import-done')?.textContent).toContain('Imported 1,201 new keys and 0 keys by hash.')
    expect(byTestId('import-secrets-file')?.textContent).toContain('/home/me/new-secrets.csv')
    expect(screenText()).not.toMatch(/kw_[0-9A-Za-z]{20}/)
  })
})
