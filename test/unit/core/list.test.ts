import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedDemo } from '../../../src/main/core/demo'
import { buildKeyListQuery } from '../../../src/main/core/key-query'
import { KeyListInput } from '../../../src/shared/schemas'
import { KEY_SORTS } from '../../../src/shared/schemas'
import type { ApiKey } from '../../../src/shared/types'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { ACTOR, expectRefused } from './support'

/**
 * The list is checked against an oracle: every key read once, then filtered, sorted and sliced
 * in plain TypeScript. Ties break on insertion order, which for demo keys is createdAt order.
 */
let t: TempRegistry
let all: ApiKey[]
const DAY = 86_400_000

beforeAll(() => {
  t = tempRegistry()
  seedDemo(t.registry, { keys: 600, seed: 'list', actor: ACTOR, now: t.clock.now })
  all = []
  for (let offset = 0; offset < 600; offset += 1000)
    all.push(...t.registry.listKeys({ sort: 'createdAt', limit: 1000, offset }).items)
})
afterAll(() => t.close())

const order = () => new Map(all.map((k, i) => [k.id, i]))

function oracleSort(keys: ApiKey[], sort: (typeof KEY_SORTS)[number], desc: boolean): ApiKey[] {
  const rank = order()
  const value = (k: ApiKey): string | number => {
    if (sort === 'name') return k.name.toLowerCase()
    if (sort === 'createdAt') return Date.parse(k.createdAt)
    if (sort === 'lastUsedAt') return k.lastUsedAt ? Date.parse(k.lastUsedAt) : -Infinity // NULL sorts first ascending
    return k.expiresAt ? Date.parse(k.expiresAt) : Infinity // never-expiring sorts last ascending
  }
  const sorted = [...keys].sort((a, b) => {
    const va = value(a)
    const vb = value(b)
    const c = va < vb ? -1 : va > vb ? 1 : rank.get(a.id)! - rank.get(b.id)!
    return c
  })
  return desc ? sorted.reverse() : sorted
}

const ids = (keys: ApiKey[]) => keys.map((k) => k.id)
const contains = (hay: string | null, needle: string) => hay != null && hay.toLowerCase().includes(needle.toLowerCase())

describe('list', () => {
  it('returns every key with the total, 50 per page by default', () => {
    expect(all).toHaveLength(600)
    const page = t.registry.listKeys()
    expect(page.total).toBe(600)
    expect(page.items).toHaveLength(50)
  })

  it('sorts by every sort key, both directions, and pages without gaps or repeats', () => {
    for (const sort of KEY_SORTS) {
      for (const desc of [false, true]) {
        const expected = ids(oracleSort(all, sort, desc))
        const seen: string[] = []
        for (let offset = 0; offset < 600; offset += 170) {
          const page = t.registry.listKeys({ sort, desc, limit: 170, offset })
          expect(page.total).toBe(600)
          seen.push(...ids(page.items))
        }
        expect(seen, `${sort} ${desc ? 'desc' : 'asc'}`).toEqual(expected)
      }
    }
  })

  it('filters by departments, projects, environment, status and resource, with totals', () => {
    const depts = [...new Set(all.map((k) => k.department).filter((d): d is string => d != null))].slice(0, 2)
    const projects = [...new Set(all.map((k) => k.project).filter((p): p is string => p != null))].slice(0, 3)
    const resource = t.registry.listResources().items.find((r) => r.keyCount > 10)!
    const cases: [Parameters<typeof t.registry.listKeys>[0], (k: ApiKey) => boolean][] = [
      [{ departments: [depts[0]!] }, (k) => k.department === depts[0]],
      [{ departments: depts.map((d) => d.toUpperCase()) }, (k) => depts.includes(k.department!)],
      [{ projects }, (k) => projects.includes(k.project!)],
      [{ environment: 'staging' }, (k) => k.environment === 'staging'],
      [{ environment: 'PROD' }, (k) => k.environment === 'prod'],
      [{ status: 'active' }, (k) => k.status === 'active'],
      [{ status: 'disabled' }, (k) => k.status === 'disabled'],
      [{ status: 'expired' }, (k) => k.status === 'expired'],
      [{ resource: resource.id }, (k) => k.resources.some((r) => r.id === resource.id)],
      [{ resource: `${resource.model}:${resource.type}` }, (k) => k.resources.some((r) => r.id === resource.id)],
      [
        { departments: [depts[0]!], environment: 'prod', status: 'active' },
        (k) => k.department === depts[0] && k.environment === 'prod' && k.status === 'active'
      ]
    ]
    for (const [filter, keep] of cases) {
      const expected = oracleSort(all.filter(keep), 'name', false)
      expect(expected.length, JSON.stringify(filter)).toBeGreaterThan(0)
      const page = t.registry.listKeys({ ...filter, limit: 1000 })
      expect(page.total, JSON.stringify(filter)).toBe(expected.length)
      expect(ids(page.items), JSON.stringify(filter)).toEqual(ids(expected))
      const second = t.registry.listKeys({ ...filter, limit: 5, offset: 5, sort: 'createdAt', desc: true })
      expect(second.total).toBe(expected.length)
      expect(ids(second.items)).toEqual(ids(oracleSort(all.filter(keep), 'createdAt', true)).slice(5, 10))
    }
    expect(t.registry.listKeys({ resource: 'no-such-model:TPM' })).toEqual({ items: [], total: 0 })
    expect(t.registry.listKeys({ departments: ['No Such Department'] })).toEqual({ items: [], total: 0 })
  })

  it('searches name, requestor, app id and notes as a substring, ignoring case (FTS for 3+ characters)', () => {
    const someone = all.find((k) => k.requestor)!.requestor!.split(' ')[1]!
    const texts = ['atlas', 'ATL', someone.toLowerCase(), 'gateway', 'dev', 'Chat1', 'zzzqqq', 'ticket OPS-48']
    for (const text of texts) {
      const keep = (k: ApiKey) =>
        contains(k.name, text) || contains(k.requestor, text) || contains(k.appId, text) || contains(k.notes, text)
      const page = t.registry.listKeys({ search: text, limit: 1000 })
      expect(page.total, text).toBe(all.filter(keep).length)
      expect(ids(page.items), text).toEqual(ids(oracleSort(all.filter(keep), 'name', false)))
    }
    // The 3+ character search goes through the trigram index, not a scan of the table.
    const plan = t.registry.db
      .prepare(
        'EXPLAIN QUERY PLAN SELECT count(*) FROM api_keys k WHERE k.pk IN (SELECT rowid FROM api_keys_fts WHERE api_keys_fts MATCH \'"atl"\')'
      )
      .all() as { detail: string }[]
    expect(plan.map((p) => p.detail).join('\n')).toMatch(/VIRTUAL TABLE INDEX/)
  })

  it('falls back to a plain substring match for one or two characters, escaping LIKE wildcards', () => {
    for (const text of ['a', 'At', '_', '%', '9']) {
      const keep = (k: ApiKey) =>
        contains(k.name, text) || contains(k.requestor, text) || contains(k.appId, text) || contains(k.notes, text)
      const page = t.registry.listKeys({ search: text, limit: 1000 })
      expect(page.total, text).toBe(all.filter(keep).length)
      expect(ids(page.items), text).toEqual(ids(oracleSort(all.filter(keep), 'name', false)))
    }
    // FTS syntax in the text is taken literally.
    expect(t.registry.listKeys({ search: '"atlas" OR *' }).total).toBe(0)
    expect(t.registry.listKeys({ search: '   ' }).total).toBe(600)
  })

  it('lists keys expiring within N days from now, not the expired ones nor those without a date', () => {
    for (const days of [0, 7, 30, 365]) {
      const horizon = t.clock.now + days * DAY
      const keep = (k: ApiKey) =>
        k.expiresAt != null && Date.parse(k.expiresAt) > t.clock.now && Date.parse(k.expiresAt) <= horizon
      const page = t.registry.listKeys({ expiringWithinDays: days, sort: 'expiresAt', limit: 1000 })
      expect(page.total, String(days)).toBe(all.filter(keep).length)
      expect(ids(page.items)).toEqual(ids(oracleSort(all.filter(keep), 'expiresAt', false)))
    }
    expect(t.registry.listKeys({ expiringWithinDays: 365 }).total).toBeGreaterThan(0)
  })

  it('validates limit, offset, sort and expiring-within, naming the field', () => {
    expectRefused(() => t.registry.listKeys({ limit: 1001 }), 'VALIDATION', ['limit'])
    expectRefused(() => t.registry.listKeys({ limit: 0 }), 'VALIDATION', ['limit'])
    expectRefused(() => t.registry.listKeys({ offset: -1 }), 'VALIDATION', ['offset'])
    expectRefused(() => t.registry.listKeys({ sort: 'id' as never }), 'VALIDATION', ['sort'])
    expectRefused(() => t.registry.listKeys({ status: 'gone' as never }), 'VALIDATION', ['status'])
    expectRefused(() => t.registry.listKeys({ expiringWithinDays: 1.5 }), 'VALIDATION', ['expiringWithinDays'])
    expect(t.registry.listKeys({ limit: 1000 }).items).toHaveLength(600)
    expect(t.registry.listKeys({ offset: 10_000 })).toEqual({ items: [], total: 600 })
  })
})

describe('query plans: a page and its total never read the whole table', () => {
  function plan(input: Record<string, unknown>, extra: Record<string, unknown> = {}): { count: string; page: string } {
    const v = { ...KeyListInput.parse(input), ...extra }
    const q = buildKeyListQuery(v, t.clock.now)
    const explain = (sql: string) =>
      (
        t.registry.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ ...q.params, limit: 50, offset: 0 }) as {
          detail: string
        }[]
      )
        .map((r) => r.detail)
        .join('\n')
    return { count: explain(q.countSql), page: explain(q.pageSql) }
  }
  const db = () => t.registry.db
  const id = (sql: string) => db().prepare(sql).pluck().get() as number
  /** A plain "SCAN k" / "SCAN api_keys" without an index is a read of every row. */
  const fullScan = /^SCAN (k|api_keys)$/m

  it('sorts every way from an index, without a temporary sort', () => {
    for (const sort of KEY_SORTS) {
      for (const desc of [false, true]) {
        const { page, count } = plan({ sort, desc })
        expect(page, `${sort} ${desc}`).not.toMatch(/TEMP B-TREE FOR ORDER BY/)
        expect(page).not.toMatch(fullScan)
        expect(count).not.toMatch(fullScan)
      }
    }
  })

  it('narrows every filter through an index', () => {
    const dept = id('SELECT id FROM departments LIMIT 1')
    const project = id('SELECT id FROM projects LIMIT 1')
    const resource = db().prepare('SELECT id FROM resources LIMIT 1').pluck().get() as string
    const cases: [Record<string, unknown>, Record<string, unknown>][] = [
      [{}, { departmentIds: [dept] }],
      [{}, { departmentIds: [dept, dept + 1] }],
      [{}, { projectIds: [project] }],
      [{ environment: 'prod' }, {}],
      [{ status: 'disabled' }, {}],
      [{ status: 'expired' }, {}],
      [{ status: 'active' }, {}],
      [{ status: 'active', environment: 'prod' }, { departmentIds: [dept] }],
      [{}, { resourceId: resource }],
      [{ search: 'atlas' }, {}],
      [{ expiringWithinDays: 30 }, {}],
      [{ expiringWithinDays: 30, sort: 'expiresAt' }, {}]
    ]
    for (const [input, extra] of cases) {
      const { page, count } = plan(input, extra)
      const label = JSON.stringify({ ...input, ...extra })
      expect(count, `count ${label}`).not.toMatch(fullScan)
      expect(page, `page ${label}`).not.toMatch(fullScan)
    }
    // One department, sorted by name: the index gives the order too.
    expect(plan({}, { departmentIds: [dept] }).page).not.toMatch(/TEMP B-TREE FOR ORDER BY/)
    // The weak status filter never drives: an active-status filter with a department uses the department index.
    expect(plan({ status: 'active', environment: 'prod' }, { departmentIds: [dept] }).count).toMatch(
      /api_keys_department/
    )
    // A resource's total comes from its assignment index alone.
    expect(plan({}, { resourceId: resource }).count).toMatch(/key_resources_resource/)
  })

  it('scans only for one- and two-character text, which trigrams cannot index', () => {
    expect(plan({ search: 'at' }).count).toMatch(fullScan)
  })
})
