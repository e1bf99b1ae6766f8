import { afterEach, describe, expect, it } from 'vitest'
import type { Reply } from '@shared/contract'
import type { LeakFinding, ScanReport } from '@shared/scan'
import { buildDesktopBridge } from '../../src/preload/bridge'
import AppShell from '../../src/renderer/src/AppShell.vue'
import { fakeWebConsole, mountInApp, screenText, settle } from './helpers'

const FOLDER = '/home/me/repo'
const findings: LeakFinding[] = [
  {
    file: `${FOLDER}/src/settings.py`,
    line: 3,
    keyId: 'k_live',
    name: 'BillingBot',
    status: 'active',
    hint: 'kw_AbCd…wxyz'
  },
  { file: `${FOLDER}/README.md`, line: 1, keyId: null, name: null, status: 'unknown', hint: 'kw_ZzZz…0000' }
]

/** The real preload bridge over a stand-in ipcRenderer that records calls and lets the test send menu commands. */
function desktop(answers: Record<string, (input: unknown) => unknown>) {
  const calls: { op: string; input: unknown }[] = []
  const menu: ((event: unknown, ...args: unknown[]) => void)[] = []
  const bridge = buildDesktopBridge({
    invoke: async (channel, input): Promise<Reply> => {
      const op = channel.slice(channel.indexOf(':') + 1)
      calls.push({ op, input })
      const answer = answers[op]
      return answer
        ? { ok: true, result: structuredClone(answer(input)) }
        : { ok: false, error: { code: 'NOT_FOUND', message: `not in this test: ${op}` } }
    },
    on: (_channel, listener) => void menu.push(listener),
    removeListener: () => undefined
  })
  Object.defineProperty(window, 'keyward', { value: bridge, configurable: true, writable: true })
  return { calls, send: (command: string) => menu.forEach((l) => l({ sender: null }, command)) }
}

describe('Leak scan screen', () => {
  afterEach(() => {
    document.body.innerHTML = ''
    location.hash = ''
  })

  it('File ▸ Scan a Folder… opens the screen, asks for the folder, scans it; Disable acts on that finding only', async () => {
    const report: ScanReport = { findings, files: 12, bytes: 34_000, unreadable: [] }
    const app = desktop({
      'scan.pickFolder': () => ({ path: FOLDER }),
      'scan.run': () => report,
      'scan.act': () => ({ action: 'disable', keys: [{ id: 'k_live', name: 'BillingBot', changed: true }] })
    })
    mountInApp(AppShell)
    await settle()
    app.send('scan-folder')
    await settle()
    expect(location.hash).toBe('#/scan')
    expect(app.calls.filter((c) => c.op.startsWith('scan.'))).toEqual([
      { op: 'scan.pickFolder', input: {} },
      { op: 'scan.run', input: { paths: [FOLDER], all: false } }
    ])
    const text = screenText()
    // The folder is isolated (U+2068 … U+2069) so its path keeps its direction in Arabic.
    expect(text).toContain(`2 keys found in 2 files under \u2068${FOLDER}\u2069 (12 files, 34.0 kB read).`)
    expect(text).toContain('src/settings.py')
    expect(text).toContain('Not in this registry')
    // The unknown key has no actions; the registry's key has Disable and Delete.
    expect(document.querySelector('[aria-label="Disable BillingBot"]')).not.toBeNull()
    expect(document.querySelectorAll('[aria-label^="Disable "]')).toHaveLength(1)
    ;(document.querySelector('[aria-label="Disable BillingBot"]') as HTMLButtonElement).click()
    await settle()
    expect(app.calls.at(-1)).toEqual({
      op: 'scan.act',
      input: { action: 'disable', findings: [{ keyId: 'k_live', file: `${FOLDER}/src/settings.py`, line: 3 }] }
    })
    expect(screenText()).toContain('Disabled')
  })

  it('a cancelled folder dialog scans nothing', async () => {
    const app = desktop({ 'scan.pickFolder': () => ({ path: null }) })
    location.hash = '#/scan'
    mountInApp(AppShell)
    await settle()
    ;(document.querySelector('[data-testid="scan-pick"]') as HTMLButtonElement).click()
    await settle()
    expect(app.calls.map((c) => c.op)).toEqual(['scan.pickFolder'])
    expect(screenText()).toContain('Choose a folder')
  })

  it('the web console offers no leak scan: no menu entry, and the screen says where it runs', async () => {
    fakeWebConsole({})
    mountInApp(AppShell)
    await settle()
    expect(screenText()).not.toContain('Leak scan')
    location.hash = '#/scan'
    window.dispatchEvent(new HashChangeEvent('hashchange'))
    await settle()
    expect(screenText()).toContain('it runs in the desktop app and the CLI')
    expect((document.querySelector('[data-testid="scan-pick"]') as HTMLButtonElement).disabled).toBe(true)
  })
})
