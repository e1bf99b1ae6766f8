import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { ACTOR, expectRefused, expectRefusedUnchanged } from './support'

let t: TempRegistry
beforeEach(() => {
  t = tempRegistry()
  t.registry.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 1000 }, ACTOR)
  t.registry.addResource({ model: 'gpt-4o', type: 'PYG' }, ACTOR)
  t.registry.addResource({ model: 'o3', type: 'PYG' }, ACTOR)
})
afterEach(() => t.close())

const DAY = 86_400_000

describe('key creation', () => {
  it('creates a key with every field and returns the secret once', () => {
    const { key, secret } = t.registry.createKey(
      {
        name: 'Chatbot1',
        resources: ['gpt-4o:TPM', 'o3:PYG'],
        department: 'Finance',
        project: 'Atlas',
        environment: 'prod',
        requestor: 'Aisha Haddad',
        appId: 'atlas-chat',
        justification: 'Launch',
        notes: 'first key',
        notifyEmail: 'owner@example.com',
        expiresAt: '2027-01-31'
      },
      ACTOR
    )
    expect(secret).toMatch(/^kw_[0-9A-Za-z]{49}$/)
    expect(key).toEqual({
      id: expect.stringMatching(/^k_/),
      name: 'Chatbot1',
      kind: 'standard',
      hint: `kw_${secret.slice(3, 7)}…${secret.slice(-4)}`,
      status: 'active',
      department: 'Finance',
      project: 'Atlas',
      environment: 'prod',
      requestor: 'Aisha Haddad',
      appId: 'atlas-chat',
      justification: 'Launch',
      notes: 'first key',
      notifyEmail: 'owner@example.com',
      resources: [
        expect.objectContaining({ model: 'gpt-4o', type: 'TPM', status: 'active' }),
        expect.objectContaining({ model: 'o3', type: 'PYG' })
      ],
      createdAt: '2026-06-01T12:00:00.000Z',
      updatedAt: '2026-06-01T12:00:00.000Z',
      // A bare date means the end of that day (UTC).
      expiresAt: '2027-01-31T23:59:59.999Z',
      lastUsedAt: null
    })
    expect(JSON.stringify(t.registry.getKey({ key: key.id }))).not.toContain(secret)
  })

  it('names the exact characters a key name may not contain', () => {
    const cases: [string, string][] = [
      ['my key', 'space'],
      ['key-1', '"-"'],
      ['key_1!', '"_", "!"'],
      ['naïve', '"ï"'],
      ['tab\there', 'whitespace'],
      ['a.b.c', '"."']
    ]
    for (const [name, shown] of cases) {
      const error = expectRefusedUnchanged(
        t.registry,
        t.path,
        () => t.registry.createKey({ name }, ACTOR),
        'VALIDATION',
        ['name']
      )
      expect(error.fields!.name).toContain(`Remove: ${shown}.`)
    }
    expectRefused(() => t.registry.createKey({ name: '' }, ACTOR), 'VALIDATION', ['name'])
    const long = expectRefused(() => t.registry.createKey({ name: 'a'.repeat(65) }, ACTOR), 'VALIDATION', ['name'])
    expect(long.fields!.name).toContain('at most 64')
    expect(t.registry.createKey({ name: 'A'.repeat(64) }, ACTOR).key.name).toHaveLength(64)
    expect(t.registry.createKey({ name: '0' }, ACTOR).key.name).toBe('0')
  })

  it('keeps names unique among live keys, ignoring case; a deleted name is free again', () => {
    t.registry.createKey({ name: 'Alpha' }, ACTOR)
    const error = expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.createKey({ name: 'ALPHA' }, ACTOR),
      'CONFLICT',
      ['name']
    )
    expect(error.message).toContain('"Alpha"')
    const beta = t.registry.createKey({ name: 'Beta' }, ACTOR).key
    expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.editKey({ key: beta.id, changes: { name: 'alpha' } }, ACTOR),
      'CONFLICT',
      ['name']
    )
    // Changing only the case of its own name is fine.
    expect(t.registry.editKey({ key: 'alpha', changes: { name: 'ALPHA' } }, ACTOR).key.name).toBe('ALPHA')
    t.registry.deleteKey({ key: 'alpha' }, ACTOR)
    expect(t.registry.createKey({ name: 'alpha' }, ACTOR).key.name).toBe('alpha')
  })

  it('treats departments and projects as named entities: trimmed, reused ignoring case', () => {
    const a = t.registry.createKey({ name: 'a', department: '  Finance ', project: 'Atlas' }, ACTOR).key
    const b = t.registry.createKey({ name: 'b', department: 'FINANCE', project: ' atlas' }, ACTOR).key
    expect([a.department, b.department]).toEqual(['Finance', 'Finance'])
    expect([a.project, b.project]).toEqual(['Atlas', 'Atlas'])
    const db = t.registry.db
    expect(db.prepare('SELECT name FROM departments').pluck().all()).toEqual(['Finance'])
    expect(db.prepare('SELECT name FROM projects').pluck().all()).toEqual(['Atlas'])
    expect(t.registry.suggestions()).toMatchObject({ departments: ['Finance'], projects: ['Atlas'] })
    // A key has at most one of each; editing moves it, clearing leaves none.
    const moved = t.registry.editKey({ key: 'a', changes: { department: 'Legal', project: '' } }, ACTOR).key
    expect([moved.department, moved.project]).toEqual(['Legal', null])
    expect(t.registry.listKeys({ departments: ['finance'] }).items.map((k) => k.name)).toEqual(['b'])
    expectRefused(() => t.registry.createKey({ name: 'c', department: 'two\nlines' }, ACTOR), 'VALIDATION', [
      'department'
    ])
  })

  it('stores appId exactly: no trimming, surrounding spaces refused, case kept', () => {
    for (const appId of [' app', 'app ', '\tapp']) {
      const error = expectRefusedUnchanged(
        t.registry,
        t.path,
        () => t.registry.createKey({ name: 'a', appId }, ACTOR),
        'VALIDATION',
        ['appId']
      )
      expect(error.fields!.appId).toMatch(/leading or trailing spaces|control characters/)
    }
    expect(t.registry.createKey({ name: 'a', appId: 'My App' }, ACTOR).key.appId).toBe('My App')
    expectRefused(() => t.registry.editKey({ key: 'a', changes: { appId: 'My App ' } }, ACTOR), 'VALIDATION', [
      'changes.appId'
    ])
    expect(t.registry.editKey({ key: 'a', changes: { appId: '' } }, ACTOR).key.appId).toBeNull()
  })

  it('accepts one valid notify address only', () => {
    for (const notifyEmail of ['not-an-email', 'a@b.com, c@d.com', 'a@b.com;c@d.com', '@example.com']) {
      expectRefusedUnchanged(
        t.registry,
        t.path,
        () => t.registry.createKey({ name: 'a', notifyEmail }, ACTOR),
        'VALIDATION',
        ['notifyEmail']
      )
    }
    expect(t.registry.createKey({ name: 'a', notifyEmail: ' owner@example.com ' }, ACTOR).key.notifyEmail).toBe(
      'owner@example.com'
    )
  })

  it('requires expiresAt in the future by the registry clock, on create and edit', () => {
    const past = expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.createKey({ name: 'a', expiresAt: '2026-06-01T11:59:59Z' }, ACTOR),
      'VALIDATION',
      ['expiresAt']
    )
    expect(past.fields!.expiresAt).toContain('in the future')
    expectRefused(() => t.registry.createKey({ name: 'a', expiresAt: '2026-06-01T12:00:00Z' }, ACTOR), 'VALIDATION', [
      'expiresAt'
    ])
    expectRefused(() => t.registry.createKey({ name: 'a', expiresAt: 'tomorrow' }, ACTOR), 'VALIDATION', ['expiresAt'])
    // Today, as a bare date, is still the future until the day ends.
    expect(t.registry.createKey({ name: 'a', expiresAt: '2026-06-01' }, ACTOR).key.expiresAt).toBe(
      '2026-06-01T23:59:59.999Z'
    )
    expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.editKey({ key: 'a', changes: { expiresAt: '2020-01-01' } }, ACTOR),
      'VALIDATION',
      ['expiresAt']
    )
    // Once expired, saving the same date again is not a new choice and is allowed; clearing it is too.
    t.clock.advance(DAY)
    expect(t.registry.getKey({ key: 'a' }).key.status).toBe('expired')
    expect(
      t.registry.editKey({ key: 'a', changes: { expiresAt: '2026-06-01T23:59:59.999Z', notes: 'x' } }, ACTOR).key.notes
    ).toBe('x')
    expect(t.registry.editKey({ key: 'a', changes: { expiresAt: null } }, ACTOR).key.status).toBe('active')
  })

  it('lets every detail be edited except kind', () => {
    t.registry.createKey({ name: 'a' }, ACTOR)
    const error = expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.editKey({ key: 'a', changes: { kind: 'admin' } as never }, ACTOR),
      'VALIDATION'
    )
    expect(error.message).toMatch(/can be edited/)
    t.clock.advance(1000)
    const edited = t.registry.editKey(
      {
        key: 'a',
        changes: {
          name: 'b',
          department: 'D',
          project: 'P',
          environment: 'dev',
          requestor: 'R',
          appId: 'app',
          justification: 'J',
          notes: 'N',
          notifyEmail: 'n@example.com',
          expiresAt: '2030-01-01T00:00:00Z'
        }
      },
      ACTOR
    ).key
    expect(edited).toMatchObject({
      name: 'b',
      kind: 'standard',
      department: 'D',
      project: 'P',
      environment: 'dev',
      requestor: 'R',
      appId: 'app',
      justification: 'J',
      notes: 'N',
      notifyEmail: 'n@example.com',
      expiresAt: '2030-01-01T00:00:00.000Z',
      updatedAt: '2026-06-01T12:00:01.000Z'
    })
    const cleared = t.registry.editKey(
      {
        key: 'b',
        changes: {
          department: null,
          project: '',
          environment: '',
          requestor: null,
          appId: null,
          justification: '',
          notes: null,
          notifyEmail: '',
          expiresAt: null
        }
      },
      ACTOR
    ).key
    expect(cleared).toMatchObject({
      department: null,
      project: null,
      environment: null,
      requestor: null,
      appId: null,
      justification: null,
      notes: null,
      notifyEmail: null,
      expiresAt: null
    })
    expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.editKey({ key: 'nope', changes: { notes: 'x' } }, ACTOR),
      'NOT_FOUND',
      ['key']
    )
  })

  it('gives admin keys no resources, in code and in the database', () => {
    const error = expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.createKey({ name: 'root', kind: 'admin', resources: ['o3:PYG'] }, ACTOR),
      'RULE_VIOLATION',
      ['resources']
    )
    expect(error.message).toMatch(/Administrator keys take no resources/)
    const { key, secret } = t.registry.createKey({ name: 'root', kind: 'admin' }, ACTOR)
    expect(secret).toMatch(/^kwa_[0-9A-Za-z]{49}$/)
    expect(key.kind).toBe('admin')
    expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.assignResources({ key: 'root', resources: ['o3:PYG'] }, ACTOR),
      'RULE_VIOLATION'
    )
    expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.setResources({ key: 'root', resources: ['o3:PYG'] }, ACTOR),
      'RULE_VIOLATION'
    )
    const db = t.registry.db
    const pk = db.prepare('SELECT pk FROM api_keys WHERE name = ?').pluck().get('root')
    const o3 = t.registry.findResource('o3:PYG')!
    expect(() =>
      db.prepare('INSERT INTO key_resources (key_pk, resource_id, model) VALUES (?, ?, ?)').run(pk, o3.id, 'o3')
    ).toThrow(/admin keys take no resources/)
  })
})

describe('the TPM/PYG rule: one resource type per model per key', () => {
  it('refuses the same model under both types on create, assign and set', () => {
    const error = expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.createKey({ name: 'a', resources: ['gpt-4o:TPM', 'gpt-4o:PYG'] }, ACTOR),
      'RULE_VIOLATION',
      ['resources']
    )
    expect(error.message).toContain('gpt-4o')
    expect(error.message).toMatch(/TPM/)
    expect(error.message).toMatch(/PYG/)
    t.registry.createKey({ name: 'a', resources: ['gpt-4o:TPM'] }, ACTOR)
    expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.assignResources({ key: 'a', resources: ['gpt-4o:PYG'] }, ACTOR),
      'RULE_VIOLATION',
      ['resources']
    )
    expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.setResources({ key: 'a', resources: ['gpt-4o:PYG', 'o3:PYG', 'gpt-4o:TPM'] }, ACTOR),
      'RULE_VIOLATION',
      ['resources']
    )
    // Switching the type is a replacement of the set, which is allowed.
    const switched = t.registry.setResources({ key: 'a', resources: ['gpt-4o:PYG'] }, ACTOR).key
    expect(switched.resources.map((r) => `${r.model}:${r.type}`)).toEqual(['gpt-4o:PYG'])
    // The same resource twice is one assignment.
    expect(t.registry.assignResources({ key: 'a', resources: ['o3:PYG', 'o3:PYG'] }, ACTOR).key.resources).toHaveLength(
      2
    )
  })

  it('is a database constraint: an INSERT that bypasses the code fails', () => {
    t.registry.createKey({ name: 'a', resources: ['gpt-4o:TPM'] }, ACTOR)
    const db = t.registry.db
    const pk = db.prepare('SELECT pk FROM api_keys WHERE name = ?').pluck().get('a')
    const pyg = t.registry.findResource('gpt-4o:PYG')!
    expect(() =>
      db.prepare('INSERT INTO key_resources (key_pk, resource_id, model) VALUES (?, ?, ?)').run(pk, pyg.id, 'gpt-4o')
    ).toThrow(/UNIQUE constraint failed: key_resources.key_pk, key_resources.model/)
    // Lying about the model does not get around it: the copy must match the resource's own model.
    expect(() =>
      db
        .prepare('INSERT INTO key_resources (key_pk, resource_id, model) VALUES (?, ?, ?)')
        .run(pk, pyg.id, 'something-else')
    ).toThrow(/FOREIGN KEY constraint failed/)
    expect(db.prepare('SELECT count(*) FROM key_resources WHERE key_pk = ?').pluck().get(pk)).toBe(1)
  })

  it('reports unknown resources as NOT_FOUND and changes nothing', () => {
    t.registry.createKey({ name: 'a', resources: ['o3:PYG'] }, ACTOR)
    const error = expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.createKey({ name: 'b', resources: ['o3:PYG', 'gpt-5:TPM'] }, ACTOR),
      'NOT_FOUND',
      ['resources']
    )
    expect(error.message).toContain('gpt-5:TPM')
    expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.assignResources({ key: 'a', resources: ['r_nothere'] }, ACTOR),
      'NOT_FOUND'
    )
    expectRefusedUnchanged(
      t.registry,
      t.path,
      () => t.registry.unassignResources({ key: 'a', resources: ['r_nothere'] }, ACTOR),
      'NOT_FOUND'
    )
    expect(t.registry.unassignResources({ key: 'a', resources: ['o3:PYG'] }, ACTOR).key.resources).toEqual([])
  })
})

describe('disable, enable, delete', () => {
  it('disables and enables; deleting keeps a tombstone so the secret verifies as REVOKED', () => {
    const { key, secret } = t.registry.createKey({ name: 'a', resources: ['o3:PYG'] }, ACTOR)
    expect(t.registry.disableKey({ key: 'a' }, ACTOR).key.status).toBe('disabled')
    expect(t.registry.enableKey({ key: key.id }, ACTOR).key.status).toBe('active')
    t.clock.advance(5000)
    expect(t.registry.deleteKey({ key: 'A' }, 'alice')).toEqual({ deleted: { id: key.id, name: 'a' } })
    expect(t.registry.findKey(key.id)).toBeUndefined()
    expect(t.registry.findResource('o3:PYG')!.keyCount).toBe(0)
    const tomb = t.registry.db
      .prepare('SELECT key_id, name, deleted_at, deleted_by, length(secret_hash) AS n FROM key_tombstones')
      .all()
    expect(tomb).toEqual([{ key_id: key.id, name: 'a', deleted_at: t.clock.now, deleted_by: 'alice', n: 32 }])
    expect(t.registry.verify({ secret })).toEqual({ valid: false, code: 'REVOKED' })
    // The audit still knows the deleted key by its name.
    expect(t.registry.listAudit({ key: 'a' }).items.map((e) => e.action)).toEqual([
      'key.delete',
      'key.enable',
      'key.disable',
      'key.create'
    ])
    expectRefusedUnchanged(t.registry, t.path, () => t.registry.deleteKey({ key: key.id }, ACTOR), 'NOT_FOUND')
  })
})
