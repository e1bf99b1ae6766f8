/**
 * A second process writing to the same registry file (run by concurrency.test.ts with
 * `node --import tsx`). Usage: concurrent-writer.ts DB PREFIX COUNT. It opens the registry, prints
 * "ready", waits for "go" on stdin, then creates, edits, assigns and verifies COUNT keys, and
 * prints one JSON line: {"created": n, "errors": ["CODE: message", ...]}.
 */
import { createInterface } from 'node:readline'
import { Registry } from '../../../src/main/core/registry'
import { openRegistryDatabase } from '../../../src/main/db/open'

const [path, prefix, countText] = process.argv.slice(2)
const count = Number(countText)
const registry = new Registry(openRegistryDatabase(path!), { lastUsedFlushMs: 0 })
const errors: string[] = []
let created = 0

function attempt(fn: () => unknown): void {
  try {
    fn()
  } catch (error) {
    const e = error as { code?: string; message?: string }
    errors.push(`${e.code ?? 'ERROR'}: ${e.message}`)
  }
}

const lines = createInterface({ input: process.stdin })
process.stdout.write('ready\n')
lines.once('line', async () => {
  lines.close()
  for (let i = 0; i < count; i++) {
    // A moment between one key's changes and the next, as between a user's actions. Without it the
    // writer that got the lock first keeps it turn after turn: SQLite's busy handler polls with
    // growing sleeps, so a writer with no pause between transactions starves the other (which then
    // waits, up to the busy timeout, rather than failing).
    await new Promise((r) => setTimeout(r, 1))
    const name = `${prefix}${i}`
    attempt(() => {
      const { secret } = registry.createKey({ name, department: 'Shared', resources: ['gpt-4o:TPM'] }, prefix!)
      created++
      registry.editKey({ key: name, changes: { notes: `edited by ${prefix}` } }, prefix!)
      registry.assignResources({ key: name, resources: ['o3:PYG'] }, prefix!)
      if (registry.verify({ secret, model: 'o3' }).code !== 'VALID') errors.push(`verify of ${name} failed`)
      registry.listKeys({ departments: ['Shared'], limit: 5 })
    })
  }
  attempt(() => registry.close())
  process.stdout.write(JSON.stringify({ created, errors }) + '\n')
})
