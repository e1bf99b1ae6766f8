import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestRegistry } from '../helpers/registry'
import { BIN, cleanEnv, tempCli } from './run'

/**
 * `keys bulk` shows a progress line on stderr when stderr is a terminal (here a pseudo-terminal
 * from util-linux `script`), rewritten after each chunk of 500 keys and erased at the end; a pipe
 * gets none.
 */
describe('keyward keys bulk: progress', { timeout: 90_000 }, () => {
  const t = tempCli()
  beforeAll(() => {
    const registry = TestRegistry.open(t.db)
    for (let i = 0; i < 1201; i++) registry.createKey({ name: `K${i}` }, 'test')
    registry.close()
  }, 90_000)
  afterAll(() => t.cleanup())

  /** The command on a pseudo-terminal: what the terminal showed (stdout and stderr together). */
  function onTerminal(args: string[]): Promise<{ code: number | null; shown: string }> {
    const command = [process.execPath, BIN, '--db', t.db, ...args].map((a) => `'${a}'`).join(' ')
    return new Promise((resolve, reject) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], {
        env: cleanEnv(),
        stdio: ['ignore', 'pipe', 'pipe']
      })
      let shown = ''
      child.stdout.on('data', (c) => (shown += c))
      child.on('error', reject)
      child.on('close', (code) => resolve({ code, shown }))
    })
  }

  it('on a terminal: done of total after each chunk, then the line erased and the result', async () => {
    const { code, shown } = await onTerminal(['keys', 'bulk', 'disable'])
    expect(code).toBe(0)
    const erase = '\r\x1b[K'
    const lines = shown.split(erase)
    expect(lines.slice(1, 5)).toEqual([
      'keys bulk disable: 0 of 1201 keys (0%)',
      'keys bulk disable: 500 of 1201 keys (41%)',
      'keys bulk disable: 1000 of 1201 keys (83%)',
      'keys bulk disable: 1201 of 1201 keys (100%)'
    ])
    // Erased before the result is printed.
    expect(lines[5]).toMatch(/^1201 keys matched; 1201 disabled\./)
  })

  it('through a pipe, or with --json: no progress line', async () => {
    const piped = await t.cli(['keys', 'bulk', 'enable'])
    expect(piped.code).toBe(0)
    expect(piped.stderr).toBe('')
    expect(piped.stdout).toMatch(/^1201 keys matched; 1201 enabled\./)
    const json = await onTerminal(['--json', 'keys', 'bulk', 'disable'])
    expect(json.code).toBe(0)
    expect(json.shown).not.toContain('keys bulk disable:')
    expect(JSON.parse(json.shown)).toMatchObject({ matched: 1201, changed: 1201 })
  })
})
