import { createHash } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runBulkInTurns, type BulkProgress } from '../../../src/main/core/bulk'
import { validateInput } from '../../../src/main/core/validate'
import type { Input } from '../../../src/shared/contract'
import { KeywardError } from '../../../src/shared/errors'
import type { AuditEntry } from '../../../src/shared/types'
import { TestRegistry, tempRegistry, type TempRegistry } from '../../helpers/registry'
import { ACTOR } from './support'

/**
 * Bulk actions written in chunks (bulk.ts): the same rows and audit entries as the single-key
 * operations, progress per chunk, and what a stop half-way leaves (the complete chunks before it,
 * named in the error; nothing of the chunk that failed or after it).
 */

/** The same bytes in the same order for two registries, so both get the same ids and secrets. */
function seededRandom(): (n: number) => Buffer {
  let counter = 0
  return (n) => {
    const out = Buffer.alloc(n)
    for (let at = 0; at < n; at += 32) createHash('sha256').update(String(counter++)).digest().copy(out, at)
    return out
  }
}

let t: TempRegistry
beforeEach(() => {
  t = tempRegistry({ randomBytes: seededRandom() })
})
afterEach(() => t.close())

const parsed = (input: Input<'keys.bulk'>) => validateInput('keys.bulk', input)

/** Keys K01…Kn in name order, each with the given resources. */
function makeKeys(registry: TestRegistry, n: number, extra: Record<string, unknown> = {}): string[] {
  const names: string[] = []
  for (let i = 1; i <= n; i++) {
    const name = `K${String(i).padStart(2, '0')}`
    registry.createKey({ name, ...extra }, ACTOR)
    names.push(name)
  }
  return names
}

/** What a test compares of an entry: not its seq, time or hash, which differ between two files. */
const shape = (e: AuditEntry) => ({ action: e.action, actor: e.actor, target: e.targetName, details: e.details })
const entriesAfter = (registry: TestRegistry, seq: number) =>
  registry
    .listAudit({ limit: 1000 })
    .items.filter((e) => e.seq > seq)
    .reverse()

describe('bulk actions write what the single-key operations write', () => {
  /** Each action, done in bulk on one registry and key by key on another built the same way. */
  const cases: [string, Input<'keys.bulk'>, (r: TestRegistry, name: string) => void][] = [
    ['disable', { action: 'disable', filters: {} }, (r, key) => r.disableKey({ key }, ACTOR)],
    ['enable', { action: 'enable', filters: {} }, (r, key) => r.enableKey({ key }, ACTOR)],
    ['delete', { action: 'delete', filters: {} }, (r, key) => r.deleteKey({ key }, ACTOR)],
    [
      'assign',
      { action: 'assign', filters: {}, resources: ['o3:PYG'] },
      (r, key) => r.assignResources({ key, resources: ['o3:PYG'] }, ACTOR)
    ],
    [
      'unassign',
      { action: 'unassign', filters: {}, resources: ['gpt-4o:TPM'] },
      (r, key) => r.unassignResources({ key, resources: ['gpt-4o:TPM'] }, ACTOR)
    ],
    [
      'set',
      {
        action: 'set',
        filters: {},
        set: { department: 'legal', project: null, environment: 'prod', expiresAt: '2027-01-31' }
      },
      (r, key) =>
        r.editKey(
          {
            key,
            changes: { department: 'legal', project: null, environment: 'prod', expiresAt: '2027-01-31T23:59:59.999Z' }
          },
          ACTOR
        )
    ]
  ]

  function build(registry: TestRegistry): void {
    registry.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 1000 }, ACTOR)
    registry.addResource({ model: 'o3', type: 'PYG' }, ACTOR)
    registry.createKey({ name: 'Seed', department: 'Legal' }, ACTOR)
    registry.deleteKey({ key: 'Seed' }, ACTOR)
    makeKeys(registry, 5, { department: 'Finance', project: 'Atlas', resources: ['gpt-4o:TPM'] })
    registry.disableKey({ key: 'K02' }, ACTOR)
    registry.disableKey({ key: 'K04' }, ACTOR)
  }

  it.each(cases)('%s, in chunks of 2', (_name, input, single) => {
    const other = tempRegistry({ randomBytes: seededRandom() })
    try {
      build(t.registry)
      build(other.registry)
      const seqBulk = t.registry.listAudit({ limit: 1 }).total
      const seqSingle = other.registry.listAudit({ limit: 1 }).total
      const progress: BulkProgress[] = []
      const run = t.registry.startBulk(parsed(input), ACTOR, { chunkKeys: 2, onProgress: (p) => progress.push(p) })
      while (run.step());
      const result = run.result()
      expect(result.changed).toBeGreaterThan(0)
      for (const { name } of result.keys) single(other.registry, name)

      expect(entriesAfter(t.registry, seqBulk).map(shape)).toEqual(entriesAfter(other.registry, seqSingle).map(shape))
      const keys = (r: TestRegistry) => r.listKeys({ limit: 100 }).items.map(({ id: _, lastUsedAt: __, ...k }) => k)
      expect(keys(t.registry)).toEqual(keys(other.registry))
      expect(t.registry.verifyAudit()).toEqual({ ok: true, entries: seqBulk + result.changed })
      // One report per chunk, the last one complete.
      expect(progress.map((p) => p.done)).toEqual(
        Array.from({ length: Math.ceil(run.total / 2) }, (_, i) => Math.min(2 * (i + 1), run.total))
      )
      expect(progress.every((p) => p.total === run.total)).toBe(true)
    } finally {
      other.close()
    }
  })

  it('deleted in bulk, the secrets verify as REVOKED, as after a single delete', () => {
    const secret = t.registry.createKey({ name: 'Gone' }, ACTOR).secret
    makeKeys(t.registry, 3)
    const run = t.registry.startBulk(parsed({ action: 'delete', filters: {} }), ACTOR, { chunkKeys: 1 })
    while (run.step());
    expect(run.result().changed).toBe(4)
    expect(t.registry.verify({ secret }).code).toBe('REVOKED')
    expect(t.registry.listAudit({ key: 'Gone', action: 'key.delete' }).items[0]?.actor).toBe(ACTOR)
  })
})

describe('a bulk action stopped half-way', () => {
  beforeEach(() => {
    t.registry.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 1000 }, ACTOR)
    t.registry.addResource({ model: 'gpt-4o', type: 'PYG' }, ACTOR)
    makeKeys(t.registry, 7)
  })

  it('keeps the complete chunks before the stop, names them, and changes nothing of the rest; running it again finishes', async () => {
    const audit = t.registry.listAudit({ limit: 1 }).total
    // Another process (its own connection) gives K05 the other type of gpt-4o after chunk 1.
    const otherProcess = TestRegistry.open(t.path)
    const run = t.registry.startBulk(parsed({ action: 'assign', filters: {}, resources: ['gpt-4o:PYG'] }), ACTOR, {
      chunkKeys: 2
    })
    let chunks = 0
    const stopped = await runBulkInTurns(run, (step) => {
      if (++chunks === 2) otherProcess.assignResources({ key: 'K05', resources: ['gpt-4o:TPM'] }, 'other')
      return step()
    }).catch((error: unknown) => error)
    otherProcess.close()

    expect(stopped).toBeInstanceOf(KeywardError)
    const error = stopped as KeywardError
    expect(error.code).toBe('RULE_VIOLATION')
    expect(error.message).toContain('Stopped after 4 of 7 keys')
    expect(error.message).toContain('K05 (holds gpt-4o:TPM)')
    expect(error.message).toContain('(K01, K02, K03, K04)')
    expect(error.fields?.keys).toBe('Changed before the stop: K01, K02, K03, K04.')

    const holding = (ref: string) =>
      t.registry
        .listKeys({ resource: ref, limit: 100 })
        .items.map((k) => k.name)
        .sort()
    // Chunks 1 and 2 (K01…K04) complete; chunk 3 (K05, K06) rolled back whole; K07 never reached.
    expect(holding('gpt-4o:PYG')).toEqual(['K01', 'K02', 'K03', 'K04'])
    expect(holding('gpt-4o:TPM')).toEqual(['K05'])
    const entries = entriesAfter(t.registry, audit)
    expect(entries.map((e) => [e.action, e.targetName, e.actor])).toEqual([
      ['key.assign', 'K01', ACTOR],
      ['key.assign', 'K02', ACTOR],
      ['key.assign', 'K05', 'other'],
      ['key.assign', 'K03', ACTOR],
      ['key.assign', 'K04', ACTOR]
    ])
    expect(t.registry.verifyAudit().ok).toBe(true)

    // Once the conflict is gone, the same action finishes; the keys already done count as matched.
    t.registry.unassignResources({ key: 'K05', resources: ['gpt-4o:TPM'] }, ACTOR)
    const again = t.registry.bulkKeys({ action: 'assign', filters: {}, resources: ['gpt-4o:PYG'] }, ACTOR)
    expect(again).toMatchObject({ matched: 7, changed: 3 })
    expect(again.keys.map((k) => k.name)).toEqual(['K05', 'K06', 'K07'])
    expect(holding('gpt-4o:PYG')).toHaveLength(7)
  })

  it('a selection of one chunk is all or nothing: refused in its transaction, nothing is written', () => {
    const audit = t.registry.listAudit({ limit: 1 }).total
    const run = t.registry.startBulk(parsed({ action: 'assign', filters: {}, resources: ['gpt-4o:PYG'] }), ACTOR)
    t.registry.assignResources({ key: 'K07', resources: ['gpt-4o:TPM'] }, 'other')
    expect(() => run.step()).toThrow(/K07 \(holds gpt-4o:TPM\)/)
    const error = run.stoppedBy(new KeywardError('RULE_VIOLATION', 'x'))
    expect((error as KeywardError).message).toBe('x')
    expect(t.registry.listKeys({ resource: 'gpt-4o:PYG' }).total).toBe(0)
    expect(t.registry.listAudit({ limit: 1 }).total).toBe(audit + 1)
  })

  it('a key deleted by another process between plan and chunk is skipped, not an error', async () => {
    const run = t.registry.startBulk(parsed({ action: 'disable', filters: {} }), ACTOR, { chunkKeys: 3 })
    t.registry.deleteKey({ key: 'K06' }, 'other')
    const result = await runBulkInTurns(run)
    expect(result.matched).toBe(7)
    expect(result.keys.map((k) => k.name)).toEqual(['K01', 'K02', 'K03', 'K04', 'K05', 'K07'])
    expect(run.done).toBe(7)
  })

  it('a dry run plans only: finished at once, the plan as the result, nothing written', async () => {
    const audit = t.registry.listAudit({ limit: 1 }).total
    const run = t.registry.startBulk(parsed({ action: 'disable', filters: {}, dryRun: true }), ACTOR, { chunkKeys: 1 })
    expect(run.finished).toBe(true)
    expect(run.step()).toBe(false)
    expect((await runBulkInTurns(run)).changed).toBe(7)
    expect(t.registry.listKeys({ status: 'disabled' }).total).toBe(0)
    expect(t.registry.listAudit({ limit: 1 }).total).toBe(audit)
  })
})
