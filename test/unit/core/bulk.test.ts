import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { KeyListInput } from '../../../src/shared/schemas'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { ACTOR, expectRefused, expectRefusedUnchanged, fileState } from './support'

let t: TempRegistry
const secrets = new Map<string, string>()

/** Eight keys across departments, environments, statuses and resources; one admin key. */
beforeEach(() => {
  t = tempRegistry()
  secrets.clear()
  const r = t.registry
  r.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 1000 }, ACTOR)
  r.addResource({ model: 'gpt-4o', type: 'PYG' }, ACTOR)
  r.addResource({ model: 'o3', type: 'PYG' }, ACTOR)
  const make = (name: string, extra: Record<string, unknown> = {}) =>
    secrets.set(name, r.createKey({ name, ...extra }, ACTOR).secret)
  make('Alpha', { department: 'Finance', environment: 'prod', resources: ['gpt-4o:TPM'] })
  make('Bravo', { department: 'Finance', environment: 'dev', resources: ['o3:PYG'] })
  make('Charlie', { department: 'Finance', project: 'Atlas', environment: 'prod' })
  make('Delta', { department: 'Legal', environment: 'prod', resources: ['gpt-4o:PYG'] })
  make('Echo', { department: 'Legal', environment: 'dev', expiresAt: '2026-06-03' })
  make('Foxtrot', { project: 'Atlas', notes: 'searchable text' })
  make('Golf', { department: 'finance', kind: 'admin' })
  make('Hotel', { environment: 'prod' })
  r.disableKey({ key: 'Bravo' }, ACTOR)
})
afterEach(() => t.close())

const names = (keys: { name: string }[]) => keys.map((k) => k.name)
const auditCount = () => t.registry.listAudit({ limit: 1 }).total
/** Every key keys.list selects for these filters, across pages. */
function listed(filters: KeyListInput): string[] {
  const out: string[] = []
  for (let offset = 0; ; offset += 2) {
    const page = t.registry.listKeys({ ...filters, limit: 2, offset })
    out.push(...names(page.items))
    if (page.items.length === 0) return out
  }
}

describe('bulk selection', () => {
  const cases: KeyListInput[] = [
    {},
    { departments: ['Finance'] },
    { departments: ['Finance', 'Legal'], environment: 'prod' },
    { projects: ['Atlas'] },
    { status: 'disabled' },
    { status: 'active' },
    { resource: 'gpt-4o:TPM' },
    { search: 'searchable' },
    { search: 'ha' },
    { expiringWithinDays: 5 },
    { departments: ['Nowhere'] },
    { resource: 'nothing:TPM' }
  ]
  it.each(cases)('selects exactly what keys list selects for %j', (filters) => {
    const before = fileState(t.path)
    const result = t.registry.bulkKeys({ action: 'delete', filters, dryRun: true }, ACTOR)
    expect(names(result.keys).sort()).toEqual(listed(filters).sort())
    expect(result.matched).toBe(result.changed)
    expect(fileState(t.path)).toBe(before)
  })

  it('an explicit list selects those keys by id or name, once each', () => {
    const alpha = t.registry.resolveKey('Alpha')
    const result = t.registry.bulkKeys({ action: 'disable', keys: [alpha.id, 'Alpha', 'Hotel'] }, ACTOR)
    expect(result).toEqual({
      matched: 2,
      changed: 2,
      keys: [
        { id: alpha.id, name: 'Alpha' },
        { id: t.registry.resolveKey('Hotel').id, name: 'Hotel' }
      ]
    })
  })

  it('an unknown key in the list is refused and nothing changes', () => {
    expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.bulkKeys({ action: 'disable', keys: ['Alpha', 'Nobody'] }, ACTOR),
      'NOT_FOUND'
    )
  })

  it('refuses input that does not say what to select, naming the field', () => {
    expectRefused(() => t.registry.bulkKeys({ action: 'disable' }, ACTOR), 'VALIDATION', ['filters'])
    expectRefused(() => t.registry.bulkKeys({ action: 'disable', filters: {}, keys: ['Alpha'] }, ACTOR), 'VALIDATION', [
      'keys'
    ])
    // A misspelt filter must not widen the action to every key.
    expectRefused(
      () => t.registry.bulkKeys({ action: 'delete', filters: { department: 'Legal' } as never }, ACTOR),
      'VALIDATION',
      ['filters']
    )
    expectRefused(() => t.registry.bulkKeys({ action: 'assign', filters: {} }, ACTOR), 'VALIDATION', ['resources'])
    expectRefused(() => t.registry.bulkKeys({ action: 'set', filters: {}, set: {} }, ACTOR), 'VALIDATION', ['set'])
    expectRefused(() => t.registry.bulkKeys({ action: 'explode' as never, filters: {} }, ACTOR), 'VALIDATION', [
      'action'
    ])
  })
})

describe('bulk actions', () => {
  it('disable changes only the keys not yet disabled, one audit entry each', () => {
    const audit = auditCount()
    const result = t.registry.bulkKeys({ action: 'disable', filters: { departments: ['Finance'] } }, ACTOR)
    // Golf's department is "finance": names match ignoring case, as in keys list.
    expect(result.matched).toBe(4)
    expect(names(result.keys)).toEqual(['Alpha', 'Charlie', 'Golf'])
    expect(result.changed).toBe(3)
    expect(auditCount()).toBe(audit + 3)
    const entries = t.registry.listAudit({ limit: 3 }).items
    expect(entries.map((e) => [e.action, e.targetName]).sort()).toEqual([
      ['key.disable', 'Alpha'],
      ['key.disable', 'Charlie'],
      ['key.disable', 'Golf']
    ])
    expect(t.registry.verify({ secret: secrets.get('Alpha')! }).code).toBe('DISABLED')
  })

  it('enable turns disabled keys back on', () => {
    const result = t.registry.bulkKeys({ action: 'enable', filters: {} }, ACTOR)
    expect(result).toMatchObject({ matched: 8, changed: 1, keys: [{ name: 'Bravo' }] })
    expect(t.registry.resolveKey('Bravo').status).toBe('active')
  })

  it('delete removes every selected key; their secrets verify REVOKED', () => {
    const audit = auditCount()
    const result = t.registry.bulkKeys({ action: 'delete', filters: { environment: 'prod' } }, ACTOR)
    expect(names(result.keys)).toEqual(['Alpha', 'Charlie', 'Delta', 'Hotel'])
    expect(auditCount()).toBe(audit + 4)
    for (const name of names(result.keys)) {
      expect(t.registry.findKey(name)).toBeUndefined()
      expect(t.registry.verify({ secret: secrets.get(name)! })).toEqual({ valid: false, code: 'REVOKED' })
    }
    expect(t.registry.verify({ secret: secrets.get('Echo')! }).valid).toBe(true)
  })

  it('assign adds the resource to keys that lack it; keys holding it are matched, not changed', () => {
    const audit = auditCount()
    const result = t.registry.bulkKeys(
      { action: 'assign', keys: ['Alpha', 'Charlie', 'Hotel'], resources: ['gpt-4o:TPM'] },
      ACTOR
    )
    expect(result).toMatchObject({ matched: 3, changed: 2 })
    expect(names(result.keys)).toEqual(['Charlie', 'Hotel'])
    expect(auditCount()).toBe(audit + 2)
    expect(t.registry.resolveKey('Hotel').resources.map((r) => `${r.model}:${r.type}`)).toEqual(['gpt-4o:TPM'])
  })

  it('a TPM/PYG conflict names every offending key and changes nothing', () => {
    const error = expectRefusedUnchanged(
      t.registry,
      t.path,
      () =>
        t.registry.bulkKeys({ action: 'assign', filters: { environment: 'prod' }, resources: ['gpt-4o:PYG'] }, ACTOR),
      'RULE_VIOLATION',
      ['resources']
    )
    // Alpha holds gpt-4o:TPM; Delta already holds gpt-4o:PYG (unchanged, not refused); Charlie and Hotel would change.
    expect(error.message).toContain('1 key cannot take gpt-4o:PYG: Alpha (holds gpt-4o:TPM)')
    expect(error.message).not.toContain('Charlie')
    expect(error.message).toMatch(/Nothing was changed/)
  })

  it('an administrator key in the selection refuses an assign by name', () => {
    const error = expectRefusedUnchanged(
      t.registry,
      t.path,
      () =>
        t.registry.bulkKeys({ action: 'assign', filters: { departments: ['Finance'] }, resources: ['o3:PYG'] }, ACTOR),
      'RULE_VIOLATION'
    )
    expect(error.message).toContain('Golf (an administrator key)')
  })

  it('unassign removes the resource where held', () => {
    const result = t.registry.bulkKeys({ action: 'unassign', filters: {}, resources: ['gpt-4o:TPM', 'o3:PYG'] }, ACTOR)
    expect(names(result.keys)).toEqual(['Alpha', 'Bravo'])
    expect(result.matched).toBe(8)
    expect(t.registry.resolveKey('Alpha').resources).toEqual([])
    expect(t.registry.listAudit({ limit: 2 }).items.map((e) => e.action)).toEqual(['key.unassign', 'key.unassign'])
  })

  it('set changes department, project, environment and expiry where they differ', () => {
    const result = t.registry.bulkKeys(
      {
        action: 'set',
        filters: { departments: ['Finance'] },
        set: { department: 'Finance', project: 'Zeus', environment: '', expiresAt: '2027-01-31' }
      },
      ACTOR
    )
    expect(result.matched).toBe(4)
    expect(result.changed).toBe(4)
    const alpha = t.registry.resolveKey('Alpha')
    expect(alpha).toMatchObject({ department: 'Finance', project: 'Zeus', environment: null })
    expect(alpha.expiresAt).toBe('2027-01-31T23:59:59.999Z')
    // Golf's "finance" is the same department (names ignore case): only the other fields changed.
    const edit = t.registry.listAudit({ key: 'Golf', limit: 1 }).items[0]!
    expect(edit.action).toBe('key.edit')
    expect(Object.keys((edit.details as { changes: object }).changes).sort()).toEqual(['expiresAt', 'project'])
    // Running it again changes nothing and adds no audit entry.
    const audit = auditCount()
    const again = t.registry.bulkKeys(
      { action: 'set', filters: { departments: ['Finance'] }, set: { project: 'zeus', expiresAt: '2027-01-31' } },
      ACTOR
    )
    expect(again).toEqual({ matched: 4, changed: 0, keys: [] })
    expect(auditCount()).toBe(audit)
  })

  it('set refuses a past expiry before anything changes', () => {
    expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.bulkKeys({ action: 'set', filters: {}, set: { expiresAt: '2020-01-01' } }, ACTOR),
      'VALIDATION',
      ['set.expiresAt']
    )
  })

  it('a dry run reports what would change and leaves the file as it was', () => {
    const before = fileState(t.path)
    const audit = auditCount()
    for (const action of ['disable', 'enable', 'delete'] as const) {
      const result = t.registry.bulkKeys({ action, filters: { departments: ['Finance'] }, dryRun: true }, ACTOR)
      expect(result.matched).toBe(4)
    }
    const set = t.registry.bulkKeys({ action: 'set', filters: {}, set: { department: 'NewDept' }, dryRun: true }, ACTOR)
    expect(set.changed).toBe(8)
    expect(t.registry.suggestions().departments).not.toContain('NewDept')
    expect(fileState(t.path)).toBe(before)
    expect(auditCount()).toBe(audit)
    expect(t.registry.resolveKey('Alpha').status).toBe('active')
  })

  it('a dry run of a refused action is refused the same way', () => {
    expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.bulkKeys({ action: 'assign', keys: ['Alpha'], resources: ['gpt-4o:PYG'], dryRun: true }, ACTOR),
      'RULE_VIOLATION'
    )
  })

  it('keeps the audit chain intact', () => {
    t.registry.bulkKeys({ action: 'disable', filters: {} }, ACTOR)
    t.registry.bulkKeys({ action: 'delete', filters: { status: 'disabled' } }, ACTOR)
    expect(t.registry.verifyAudit().ok).toBe(true)
    expect(t.registry.listKeys().total).toBe(0)
  })
})
