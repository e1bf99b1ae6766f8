import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KeywardError } from '../../../src/shared/errors'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { ACTOR, fileState, logicalState } from './support'

/**
 * Random invalid input must give VALIDATION naming the field, and leave the registry file
 * byte-identical. "Byte-identical" is checked on the raw bytes of the database file and its WAL
 * (the -shm index is SQLite's scratch space: a reader may move a mark in it, see support.ts), and
 * on the logical content (every row of every table) as a second, independent check. Raw bytes are
 * stable here because a refused operation either never starts a transaction (schema errors) or
 * rolls back one that wrote nothing to the WAL (its few pages never leave the page cache).
 */
let t: TempRegistry
beforeAll(() => {
  t = tempRegistry()
  const r = t.registry
  r.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 1000 }, ACTOR)
  r.addResource({ model: 'o3', type: 'PYG' }, ACTOR)
  r.setPool({ tpmPool: 5000 }, ACTOR)
  r.createKey({ name: 'existing', department: 'Finance', resources: ['gpt-4o:TPM'] }, ACTOR)
})
afterAll(() => t.close())

const RUNS = { numRuns: 150 }
const NOW = Date.parse('2026-06-01T12:00:00Z')

/** The operation must be refused with VALIDATION naming one of `fields`, and change nothing. */
function refusedUnchanged(fn: () => unknown, fields: string[]): boolean {
  const bytes = fileState(t.path)
  const logical = logicalState(t.registry)
  let error: unknown
  try {
    fn()
  } catch (e) {
    error = e
  }
  expect(error, 'the invalid input was accepted').toBeInstanceOf(KeywardError)
  const k = error as KeywardError
  expect(k.code, k.message).toBe('VALIDATION')
  expect(
    Object.keys(k.fields ?? {}).some((f) => fields.includes(f)),
    `${JSON.stringify(k.fields)} names none of ${fields}`
  ).toBe(true)
  expect(k.message.length).toBeGreaterThan(10)
  expect(fileState(t.path)).toBe(bytes)
  expect(logicalState(t.registry)).toBe(logical)
  return true
}

const alnum = fc.stringMatching(/^[A-Za-z0-9]{1,20}$/)
const notString = fc.oneof(fc.integer(), fc.boolean(), fc.constant({}), fc.constant([]))
const withControl = (s: fc.Arbitrary<string>) =>
  fc
    .tuple(
      s,
      fc.integer({ min: 0, max: 31 }).filter((c) => c !== 9 && c !== 10),
      s
    )
    .map(([a, c, b]) => `${a}${String.fromCharCode(c)}${b}x`)

const invalidName = fc.oneof(
  fc.constant(''),
  // At least one character outside A-Z, a-z, 0-9.
  fc
    .tuple(
      fc.string({ maxLength: 10 }),
      fc.string({ minLength: 1, maxLength: 1 }).filter((c) => !/[A-Za-z0-9]/.test(c)),
      fc.string({ maxLength: 10 })
    )
    .map(([a, c, b]) => a + c + b),
  fc.stringMatching(/^[A-Za-z0-9]{65,80}$/),
  notString,
  fc.constant(null)
)
const invalidAppId = fc.oneof(
  alnum.map((s) => ` ${s}`),
  alnum.map((s) => `${s} `),
  alnum.map((s) => `\t${s}`),
  fc.stringMatching(/^[a-z]{101,120}$/),
  withControl(alnum),
  notString
)
const invalidEmail = fc.oneof(
  alnum, // no @
  fc.tuple(alnum, alnum).map(([a, b]) => `${a}@@${b}.com`),
  fc.tuple(alnum, alnum).map(([a, b]) => `${a}@${b}.com, ${a}@${b}.org`),
  fc.tuple(alnum, alnum).map(([a, b]) => `${a} x@${b}.com`),
  alnum.map((a) => `@${a}.com`),
  notString
)
const pastDate = fc
  .integer({ min: Date.parse('1990-01-01T00:00:00Z'), max: NOW })
  .map((ms) => new Date(ms).toISOString())
const invalidExpires = fc.oneof(
  pastDate,
  fc.constantFrom('tomorrow', '31/01/2027', '2027-13-45', '2027-01-01T25:00:00Z', 'never', '  '),
  notString
)
const tooLong = (max: number) => fc.integer({ min: max + 1, max: max + 50 }).map((n) => 'x'.repeat(n))
const invalidOptional = (max: number) => fc.oneof(tooLong(max), withControl(alnum), notString)
const invalidSingleLine = fc.tuple(alnum, alnum).map(([a, b]) => `${a}\n${b}`)

/** [field, invalid value] for key details. */
const invalidKeyField: fc.Arbitrary<[string, unknown]> = fc.oneof(
  invalidName.map((v) => ['name', v] as [string, unknown]),
  invalidAppId.map((v) => ['appId', v] as [string, unknown]),
  invalidEmail.map((v) => ['notifyEmail', v] as [string, unknown]),
  invalidExpires.map((v) => ['expiresAt', v] as [string, unknown]),
  fc.oneof(invalidOptional(100), invalidSingleLine).map((v) => ['department', v] as [string, unknown]),
  fc.oneof(invalidOptional(100), invalidSingleLine).map((v) => ['project', v] as [string, unknown]),
  fc.oneof(invalidOptional(100), invalidSingleLine).map((v) => ['environment', v] as [string, unknown]),
  invalidOptional(100).map((v) => ['requestor', v] as [string, unknown]),
  invalidOptional(2000).map((v) => ['justification', v] as [string, unknown]),
  invalidOptional(4000).map((v) => ['notes', v] as [string, unknown])
)

const validKey = fc.record({
  name: alnum.map((s) => `p${s}`),
  department: fc.option(fc.constantFrom('Finance', 'Legal', 'New Dept'), { nil: undefined }),
  environment: fc.option(fc.constantFrom('dev', 'prod'), { nil: undefined }),
  resources: fc.constantFrom([], ['o3:PYG'], ['gpt-4o:TPM', 'o3:PYG'])
})

describe('random invalid input gives VALIDATION and leaves the file byte-identical', () => {
  it('keys.create', () => {
    fc.assert(
      fc.property(validKey, invalidKeyField, (base, [field, value]) =>
        refusedUnchanged(() => t.registry.createKey({ ...base, [field]: value } as never, ACTOR), [field])
      ),
      RUNS
    )
  })

  it('keys.create with an invalid kind or resource list', () => {
    const bad: fc.Arbitrary<[string, unknown]> = fc.oneof(
      fc
        .string()
        .filter((s) => s !== 'standard' && s !== 'admin')
        .map((v) => ['kind', v] as [string, unknown]),
      fc.oneof(fc.string(), fc.integer(), fc.constant({})).map((v) => ['resources', v] as [string, unknown]),
      fc
        .array(fc.oneof(fc.constant(''), fc.constant('   '), fc.integer()), { minLength: 1, maxLength: 3 })
        .map((v) => ['resources', v] as [string, unknown])
    )
    fc.assert(
      fc.property(validKey, bad, (base, [field, value]) =>
        refusedUnchanged(
          () => t.registry.createKey({ ...base, [field]: value } as never, ACTOR),
          [field, ...[0, 1, 2].map((i) => `${field}.${i}`)]
        )
      ),
      RUNS
    )
  })

  it('keys.edit', () => {
    const unknownField = fc.constantFrom(
      'kind',
      'id',
      'hint',
      'status',
      'createdAt',
      'lastUsedAt',
      'secret',
      'resources'
    )
    fc.assert(
      fc.property(
        fc.oneof(
          invalidKeyField,
          unknownField.map((f) => [f, 'x'] as [string, unknown])
        ),
        ([field, value]) =>
          // Schema errors are nested under "changes."; the date-in-the-future check names expiresAt.
          refusedUnchanged(
            () => t.registry.editKey({ key: 'existing', changes: { [field]: value } } as never, ACTOR),
            [`changes.${field}`, field, 'changes']
          )
      ),
      RUNS
    )
  })

  it('resources.add', () => {
    const bad: fc.Arbitrary<[Record<string, unknown>, string]> = fc.oneof(
      fc
        .oneof(
          fc.constant(''),
          tooLong(100),
          alnum.map((s) => ` ${s}`),
          alnum.map((s) => `${s}\t`),
          withControl(alnum),
          notString
        )
        .map((model) => [{ model, type: 'PYG' }, 'model'] as [Record<string, unknown>, string]),
      fc
        .string()
        .filter((s) => s !== 'TPM' && s !== 'PYG')
        .map((type) => [{ model: 'm', type, tpmLimit: 10 }, 'type'] as [Record<string, unknown>, string]),
      fc
        .oneof(
          fc.integer({ max: 0 }),
          fc.double({ min: 0.01, max: 1e6, noNaN: true }).filter((n) => !Number.isInteger(n)),
          fc.integer({ min: 1, max: 1000 }).map(String),
          fc.constant(1e13),
          fc.constant(null),
          fc.constant(undefined)
        )
        .map((tpmLimit) => [{ model: 'm', type: 'TPM', tpmLimit }, 'tpmLimit'] as [Record<string, unknown>, string]),
      fc
        .integer({ min: 1, max: 1000 })
        .map((tpmLimit) => [{ model: 'm', type: 'PYG', tpmLimit }, 'tpmLimit'] as [Record<string, unknown>, string]),
      fc
        .string()
        .filter((s) => s !== 'active' && s !== 'inactive')
        .map((status) => [{ model: 'm', type: 'PYG', status }, 'status'] as [Record<string, unknown>, string])
    )
    fc.assert(
      fc.property(bad, ([input, field]) =>
        refusedUnchanged(() => t.registry.addResource(input as never, ACTOR), [field])
      ),
      RUNS
    )
  })

  it('resources.edit', () => {
    const bad: fc.Arbitrary<[Record<string, unknown>, string]> = fc.oneof(
      fc
        .oneof(
          fc.integer({ max: 0 }),
          fc.double({ min: 0.01, max: 1e6, noNaN: true }).filter((n) => !Number.isInteger(n)),
          fc.constant('100'),
          fc.constant(null)
        )
        .map((tpmLimit) => [{ resource: 'gpt-4o:TPM', tpmLimit }, 'tpmLimit'] as [Record<string, unknown>, string]),
      // PYG resources take no limit: refused inside the transaction, which is rolled back.
      fc
        .integer({ min: 1, max: 1000 })
        .map((tpmLimit) => [{ resource: 'o3:PYG', tpmLimit }, 'tpmLimit'] as [Record<string, unknown>, string]),
      fc
        .string()
        .filter((s) => s !== 'active' && s !== 'inactive')
        .map((status) => [{ resource: 'o3:PYG', status }, 'status'] as [Record<string, unknown>, string]),
      fc
        .constantFrom('', '   ')
        .map((resource) => [{ resource, status: 'active' }, 'resource'] as [Record<string, unknown>, string])
    )
    fc.assert(
      fc.property(bad, ([input, field]) =>
        refusedUnchanged(() => t.registry.editResource(input as never, ACTOR), [field])
      ),
      RUNS
    )
  })

  it('pool.set', () => {
    const bad = fc.oneof(
      fc.integer({ max: 0 }),
      fc.double({ min: 0.01, max: 1e9, noNaN: true }).filter((n) => !Number.isInteger(n)),
      fc.integer({ min: 1, max: 1e6 }).map(String),
      fc.constant(1e16),
      fc.constant(Number.NaN),
      fc.constant(Number.POSITIVE_INFINITY),
      fc.boolean(),
      fc.constant(undefined)
    )
    fc.assert(
      fc.property(bad, (tpmPool) =>
        refusedUnchanged(() => t.registry.setPool({ tpmPool } as never, ACTOR), ['tpmPool'])
      ),
      RUNS
    )
    expect(t.registry.getPool().tpmPool).toBe(5000)
  })

  it('the registry still holds exactly what it held before all of that', () => {
    expect(t.registry.listKeys().items.map((k) => k.name)).toEqual(['existing'])
    expect(t.registry.listResources().items).toHaveLength(2)
    expect(t.registry.verifyAudit()).toEqual({ ok: true, entries: 4 })
  })
})
