import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { ACTOR, expectRefusedUnchanged } from './support'

let t: TempRegistry
beforeEach(() => {
  t = tempRegistry()
})
afterEach(() => t.close())

describe('resources', () => {
  it('adds TPM resources with a limit and PYG resources without one, and lists them with key counts', () => {
    const tpm = t.registry.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 1000 }, ACTOR).resource
    const pyg = t.registry.addResource({ model: 'gpt-4o', type: 'PYG', status: 'inactive' }, ACTOR).resource
    expect(tpm).toEqual({
      id: expect.stringMatching(/^r_[0-9A-Za-z]{12}$/),
      model: 'gpt-4o',
      type: 'TPM',
      status: 'active',
      tpmLimit: 1000,
      keyCount: 0,
      upstream: null
    })
    expect(pyg).toMatchObject({ type: 'PYG', status: 'inactive', tpmLimit: null })
    t.registry.createKey({ name: 'a', resources: ['gpt-4o:TPM'] }, ACTOR)
    expect(t.registry.listResources().items.map((r) => [r.model, r.type, r.keyCount])).toEqual([
      ['gpt-4o', 'PYG', 0],
      ['gpt-4o', 'TPM', 1]
    ])
    expect(t.registry.findResource(tpm.id)).toEqual({ ...tpm, keyCount: 1 })
    expect(t.registry.findResource('gpt-4o:tpm')?.id).toBe(tpm.id)
  })

  it('validates model (1-100 characters, no surrounding spaces), type and tpmLimit, naming the field', () => {
    const cases: [unknown, string][] = [
      [{ model: '', type: 'TPM', tpmLimit: 1 }, 'model'],
      [{ model: 'x'.repeat(101), type: 'PYG' }, 'model'],
      [{ model: ' gpt-4o', type: 'PYG' }, 'model'],
      [{ model: 'gpt-4o', type: 'tpm', tpmLimit: 1 }, 'type'],
      [{ model: 'gpt-4o', type: 'TPM' }, 'tpmLimit'],
      [{ model: 'gpt-4o', type: 'TPM', tpmLimit: 0 }, 'tpmLimit'],
      [{ model: 'gpt-4o', type: 'TPM', tpmLimit: 1.5 }, 'tpmLimit'],
      [{ model: 'gpt-4o', type: 'TPM', tpmLimit: '100' }, 'tpmLimit'],
      [{ model: 'gpt-4o', type: 'PYG', tpmLimit: 100 }, 'tpmLimit'],
      [{ model: 'gpt-4o', type: 'PYG', status: 'paused' }, 'status']
    ]
    for (const [input, field] of cases) {
      const error = expectRefusedUnchanged(
        t.registry,
        t.path,
        () => t.registry.addResource(input as never, ACTOR),
        'VALIDATION',
        [field]
      )
      expect(error.message).toContain(field)
    }
    expect(t.registry.addResource({ model: 'x'.repeat(100), type: 'PYG' }, ACTOR).resource.model).toHaveLength(100)
  })

  it('refuses a second resource with the same model and type as CONFLICT', () => {
    t.registry.addResource({ model: 'o3', type: 'TPM', tpmLimit: 10 }, ACTOR)
    const error = expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.addResource({ model: 'o3', type: 'TPM', tpmLimit: 20 }, ACTOR),
      'CONFLICT'
    )
    expect(error.message).toContain('o3:TPM')
    // The same model under the other type is a different resource.
    expect(t.registry.addResource({ model: 'o3', type: 'PYG' }, ACTOR).resource.type).toBe('PYG')
  })

  it('edits limit and status; refuses a limit on PYG and unknown resources', () => {
    const r = t.registry.addResource({ model: 'o3', type: 'TPM', tpmLimit: 10 }, ACTOR).resource
    expect(t.registry.editResource({ resource: r.id, tpmLimit: 25, status: 'inactive' }, ACTOR).resource).toMatchObject(
      { tpmLimit: 25, status: 'inactive' }
    )
    const pyg = t.registry.addResource({ model: 'o3', type: 'PYG' }, ACTOR).resource
    expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.editResource({ resource: pyg.id, tpmLimit: 5 }, ACTOR),
      'VALIDATION',
      ['tpmLimit']
    )
    expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.editResource({ resource: 'o3:TPM', tpmLimit: -5 }, ACTOR),
      'VALIDATION',
      ['tpmLimit']
    )
    expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.editResource({ resource: 'nope:TPM', status: 'active' }, ACTOR),
      'NOT_FOUND'
    )
  })

  it('removes an unused resource, refuses one in use with CONFLICT naming the count', () => {
    const used = t.registry.addResource({ model: 'o3', type: 'TPM', tpmLimit: 10 }, ACTOR).resource
    const unused = t.registry.addResource({ model: 'o4', type: 'PYG' }, ACTOR).resource
    t.registry.createKey({ name: 'a', resources: [used.id] }, ACTOR)
    t.registry.createKey({ name: 'b', resources: [used.id] }, ACTOR)
    const error = expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.removeResource({ resource: used.id }, ACTOR),
      'CONFLICT'
    )
    expect(error.message).toMatch(/assigned to 2 keys/)
    expect(t.registry.removeResource({ resource: 'o4:PYG' }, ACTOR).removed).toEqual(unused)
    expect(t.registry.findResource(unused.id)).toBeUndefined()
    expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.removeResource({ resource: unused.id }, ACTOR),
      'NOT_FOUND'
    )
    t.registry.setResources({ key: 'a', resources: [] }, ACTOR)
    t.registry.setResources({ key: 'b', resources: [] }, ACTOR)
    expect(t.registry.removeResource({ resource: used.id }, ACTOR).removed.id).toBe(used.id)
  })
})

describe('TPM pool', () => {
  it('reports pool, assigned and remaining; no pool means no limit', () => {
    expect(t.registry.getPool()).toEqual({ tpmPool: null, assigned: 0, remaining: null })
    t.registry.addResource({ model: 'a', type: 'TPM', tpmLimit: 600 }, ACTOR)
    t.registry.addResource({ model: 'b', type: 'PYG' }, ACTOR)
    expect(t.registry.setPool({ tpmPool: 1000 }, ACTOR)).toEqual({ tpmPool: 1000, assigned: 600, remaining: 400 })
    expect(t.registry.setPool({ tpmPool: null }, ACTOR)).toEqual({ tpmPool: null, assigned: 600, remaining: null })
    t.registry.addResource({ model: 'c', type: 'TPM', tpmLimit: 5_000_000 }, ACTOR)
  })

  it('refuses an add that would exceed the pool with RULE_VIOLATION naming the remaining balance', () => {
    t.registry.setPool({ tpmPool: 1000 }, ACTOR)
    t.registry.addResource({ model: 'a', type: 'TPM', tpmLimit: 600 }, ACTOR)
    const error = expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.addResource({ model: 'b', type: 'TPM', tpmLimit: 401 }, ACTOR),
      'RULE_VIOLATION',
      ['tpmLimit']
    )
    expect(error.message).toContain('400 TPM remain')
    expect(error.fields!.tpmLimit).toContain('400')
    // Exactly the balance fits; PYG never counts.
    t.registry.addResource({ model: 'b', type: 'TPM', tpmLimit: 400 }, ACTOR)
    t.registry.addResource({ model: 'c', type: 'PYG' }, ACTOR)
    expect(t.registry.getPool()).toEqual({ tpmPool: 1000, assigned: 1000, remaining: 0 })
    const full = expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.addResource({ model: 'd', type: 'TPM', tpmLimit: 1 }, ACTOR),
      'RULE_VIOLATION'
    )
    expect(full.message).toContain('0 TPM remain')
  })

  it('refuses an edit that would exceed the pool, allows one within it and any decrease', () => {
    t.registry.setPool({ tpmPool: 1000 }, ACTOR)
    t.registry.addResource({ model: 'a', type: 'TPM', tpmLimit: 600 }, ACTOR)
    t.registry.addResource({ model: 'b', type: 'TPM', tpmLimit: 300 }, ACTOR)
    const error = expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.editResource({ resource: 'b:TPM', tpmLimit: 401 }, ACTOR),
      'RULE_VIOLATION',
      ['tpmLimit']
    )
    expect(error.message).toContain('100 TPM remain')
    expect(t.registry.editResource({ resource: 'b:TPM', tpmLimit: 400 }, ACTOR).resource.tpmLimit).toBe(400)
    expect(t.registry.editResource({ resource: 'a:TPM', tpmLimit: 10 }, ACTOR).resource.tpmLimit).toBe(10)
    expect(t.registry.getPool().remaining).toBe(590)
  })

  it('refuses a pool smaller than what is already assigned, naming the minimum', () => {
    t.registry.addResource({ model: 'a', type: 'TPM', tpmLimit: 600 }, ACTOR)
    t.registry.addResource({ model: 'b', type: 'TPM', tpmLimit: 300 }, ACTOR)
    const error = expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.setPool({ tpmPool: 899 }, ACTOR),
      'RULE_VIOLATION',
      ['tpmPool']
    )
    expect(error.message).toContain('900')
    expect(t.registry.setPool({ tpmPool: 900 }, ACTOR).remaining).toBe(0)
    for (const bad of [0, -1, 1.5, '1000', undefined]) {
      expectRefusedUnchanged(
        t.registry,
        t.path,
        () => t.registry.setPool({ tpmPool: bad } as never, ACTOR),
        'VALIDATION',
        ['tpmPool']
      )
    }
  })
})
