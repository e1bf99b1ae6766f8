import { resolve } from 'node:path'
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

/**
 * The house's boundaries are ESLint rules (eslint.config.mjs). These tests lint small sources as if
 * they stood at a path in the tree, so a rule that stopped matching (a moved folder, a typo in a
 * glob) fails here instead of letting a forbidden import through silently.
 */
const eslint = new ESLint({ cwd: resolve(__dirname, '../../..') })

async function restrictedImports(path: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: resolve(__dirname, '../../..', path) })
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message)
}

describe('import boundaries', () => {
  it.each([
    ['src/main/core/x.ts', "import { app } from 'electron'\nexport const a = app"],
    ['src/main/server/x.ts', "import Store from 'electron-store'\nexport const s = Store"],
    ['src/main/notify/x.ts', "import { menuTemplate } from '../desktop/menu'\nexport const m = menuTemplate"],
    ['src/cli/x.ts', "import { api } from '../renderer/src/api'\nexport const a = api"],
    ['src/main/transport/x.ts', "import { api } from '@renderer/api'\nexport const a = api"],
    ['src/renderer/src/x.ts', "import { Registry } from '../../main/core/registry'\nexport const r = Registry"],
    ['src/renderer/src/x.ts', "import { readFileSync } from 'node:fs'\nexport const r = readFileSync"],
    ['src/renderer/src/x.ts', "import { ipcRenderer } from 'electron'\nexport const i = ipcRenderer"],
    ['src/shared/x.ts', "import { Registry } from '../main/core/registry'\nexport const r = Registry"],
    ['src/shared/x.ts', "import { createHash } from 'node:crypto'\nexport const c = createHash"],
    ['src/preload/x.ts', "import { Registry } from '../main/core/registry'\nexport const r = Registry"]
  ])('%s may not: %s', async (path, source) => {
    expect(await restrictedImports(path, source)).toHaveLength(1)
  })

  it.each([
    [
      'src/main/core/x.ts',
      "import { z } from 'zod'\nimport { KeywardError } from '../../shared/errors'\nexport const a = [z, KeywardError]"
    ],
    [
      'src/main/desktop/x.ts',
      "import { app } from 'electron'\nimport { Registry } from '../core/registry'\nexport const a = [app, Registry]"
    ],
    [
      'src/renderer/src/x.ts',
      "import { contract } from '@shared/contract'\nimport { api } from './api'\nexport const a = [contract, api]"
    ],
    [
      'src/preload/x.ts',
      "import { ipcRenderer } from 'electron'\nimport { contract } from '../shared/contract'\nexport const a = [ipcRenderer, contract]"
    ]
  ])('%s may: %s', async (path, source) => {
    expect(await restrictedImports(path, source)).toEqual([])
  })
})
