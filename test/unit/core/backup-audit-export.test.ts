import { afterEach, describe, expect, it } from 'vitest'
import { verifyAuditExport } from '../../../src/main/core/audit-export'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { ACTOR } from './support'

let temp: TempRegistry | undefined
afterEach(() => {
  temp?.close()
  temp = undefined
})

/** A registry with a few entries of different kinds, exported. */
function exported(): { lines: string[]; text: string } {
  temp = tempRegistry()
  const r = temp.registry
  r.addResource({ model: 'gpt-4o', type: 'PYG' }, ACTOR)
  r.createKey({ name: 'one', resources: ['gpt-4o:PYG'], notes: 'ünïcode ✓' }, ACTOR)
  r.editKey({ key: 'one', changes: { notes: 'changed' } }, ACTOR)
  r.createKey({ name: 'two' }, ACTOR)
  r.deleteKey({ key: 'two' }, ACTOR)
  const { text, entries } = r.exportAudit()
  expect(entries).toBe(5)
  return { text, lines: text.trimEnd().split('\n') }
}

const join = (lines: string[]) => `${lines.join('\n')}\n`

describe('audit export (JSON Lines)', () => {
  it('one line per entry with every stored field, its link and hash, then an end line with the head', () => {
    const { lines } = exported()
    expect(lines).toHaveLength(6)
    const first = JSON.parse(lines[0]!)
    expect(Object.keys(first)).toEqual([
      'seq',
      'at',
      'actor',
      'action',
      'targetId',
      'targetName',
      'details',
      'prevHash',
      'hash'
    ])
    expect(first).toMatchObject({ seq: 1, at: '2026-06-01T12:00:00.000Z', actor: ACTOR, action: 'resource.add' })
    expect(first.prevHash).toBe('0'.repeat(64))
    const second = JSON.parse(lines[1]!)
    expect(second.prevHash).toBe(first.hash)
    // The same rows as the registry holds.
    const stored = temp!.registry.db.prepare('SELECT seq, hash, prev_hash FROM audit_log ORDER BY seq').all()
    expect(
      lines
        .slice(0, 5)
        .map((l) => JSON.parse(l))
        .map((e) => ({ seq: e.seq, hash: e.hash, prev_hash: e.prevHash }))
    ).toEqual(stored)
    const end = JSON.parse(lines[5]!)
    const head = temp!.registry.db
      .prepare("SELECT value FROM registry_settings WHERE name = 'audit_head'")
      .pluck()
      .get()
    expect(end).toEqual({
      end: true,
      format: 'keyward-audit/1',
      entries: 5,
      head: { seq: 5, hash: JSON.parse(lines[4]!).hash },
      exportedAt: '2026-06-01T12:00:00.000Z'
    })
    expect(head).toBe(`5:${end.head.hash}`)
  })

  it('verifies offline', () => {
    const { text } = exported()
    expect(verifyAuditExport(text)).toEqual({ ok: true, entries: 5 })
  })

  it('an empty log exports as its end line alone, which verifies', () => {
    temp = tempRegistry()
    const { text, entries } = temp.registry.exportAudit()
    expect(entries).toBe(0)
    expect(JSON.parse(text)).toMatchObject({ end: true, entries: 0, head: null })
    expect(verifyAuditExport(text)).toEqual({ ok: true, entries: 0 })
  })

  describe('detects tampering', () => {
    it('an edited entry', () => {
      const { lines } = exported()
      const e = JSON.parse(lines[2]!)
      e.details.changes.notes.to = 'something else'
      lines[2] = JSON.stringify(e)
      expect(verifyAuditExport(join(lines))).toMatchObject({ ok: false, entries: 5, firstBadSeq: 3 })
      expect(verifyAuditExport(join(lines)).message).toMatch(/Entry 3 .*edited/)
    })

    it('an edited time or actor', () => {
      const { lines } = exported()
      const e = JSON.parse(lines[1]!)
      e.at = '2026-06-01T12:00:00.001Z'
      lines[1] = JSON.stringify(e)
      expect(verifyAuditExport(join(lines))).toMatchObject({ ok: false, firstBadSeq: 2 })
    })

    it('a removed middle entry', () => {
      const { lines } = exported()
      lines.splice(2, 1)
      const result = verifyAuditExport(join(lines))
      expect(result).toMatchObject({ ok: false, entries: 4, firstBadSeq: 3 })
      expect(result.message).toMatch(/Entry 3 is missing/)
    })

    it('a reordered pair', () => {
      const { lines } = exported()
      ;[lines[1], lines[2]] = [lines[2]!, lines[1]!]
      expect(verifyAuditExport(join(lines))).toMatchObject({ ok: false, firstBadSeq: 2 })
    })

    it('a removed entry with the later ones renumbered: the links break', () => {
      const { lines } = exported()
      lines.splice(1, 1)
      for (let i = 1; i < 4; i++) {
        const e = JSON.parse(lines[i]!)
        e.seq = i + 1
        lines[i] = JSON.stringify(e)
      }
      expect(verifyAuditExport(join(lines))).toMatchObject({ ok: false, firstBadSeq: 2 })
    })

    it('truncation: the end cut off, with or without the end line', () => {
      const { lines } = exported()
      const noEnd = verifyAuditExport(join(lines.slice(0, 5)))
      expect(noEnd).toMatchObject({ ok: false, entries: 5, firstBadSeq: 6 })
      expect(noEnd.message).toMatch(/no end line/)
      expect(verifyAuditExport(join(lines.slice(0, 3)))).toMatchObject({ ok: false, entries: 3, firstBadSeq: 4 })
      // The last entries removed, the end line kept: it still counts 5.
      const cut = verifyAuditExport(join([...lines.slice(0, 3), lines[5]!]))
      expect(cut).toMatchObject({ ok: false, entries: 3, firstBadSeq: 4 })
      expect(cut.message).toMatch(/cut off the end/)
      // Cut in the middle of a line.
      const text = join(lines)
      expect(verifyAuditExport(text.slice(0, text.length - 40))).toMatchObject({ ok: false })
    })

    it('the last entry replaced (its hash recomputed), or an entry added after the end line', () => {
      const { lines } = exported()
      const end = JSON.parse(lines[5]!)
      end.head.hash = 'f'.repeat(64)
      expect(verifyAuditExport(join([...lines.slice(0, 5), JSON.stringify(end)]))).toMatchObject({
        ok: false,
        firstBadSeq: 5
      })
      expect(verifyAuditExport(join([...lines, lines[4]!]))).toMatchObject({ ok: false })
    })

    it('a line that is not JSON or not an entry', () => {
      const { lines } = exported()
      expect(verifyAuditExport(join(['{oops', ...lines.slice(1)]))).toMatchObject({ ok: false, firstBadSeq: 1 })
      expect(verifyAuditExport(join([lines[0]!, '{"seq":2}', ...lines.slice(2)]))).toMatchObject({
        ok: false,
        firstBadSeq: 2
      })
      expect(verifyAuditExport('')).toMatchObject({ ok: false, entries: 0, firstBadSeq: 1 })
    })
  })
})
