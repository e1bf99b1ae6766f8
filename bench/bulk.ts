/**
 * Bulk actions on 10,000 keys (issue 11): keyward's keys.bulk (planned in one read, written in
 * chunks) beside raw SQL on its own connection to the same file, in the same run: one set-wise
 * UPDATE (the floor), and an UPDATE plus one chained audit entry per key (the same rows keyward
 * writes). Also the longest write transaction, which issue 9 keeps near a quarter of a second,
 * and the per-key calls in one transaction that bulk actions made before.
 *
 *   npx tsx bench/bulk.ts [--keys 10000]
 */
import { createHash } from 'node:crypto'
import { BULK_CHUNK_KEYS } from '../src/main/core/bulk'
import { argValue } from './args'
import { formatMs, formatRatio, table, timeOnce, type BenchReport } from './harness'
import { seedRegistry } from './seed'

export function benchBulk(report: BenchReport, keys = 10_000): void {
  const s = seedRegistry(keys, 'bulk')
  try {
    const now = Date.now()
    const active = s.raw
      .prepare('SELECT pk, id, name FROM api_keys WHERE disabled = 0 AND (expires_at IS NULL OR expires_at > ?)')
      .all(now) as { pk: number; id: string; name: string }[]
    const n = active.length
    report.log(
      `Bulk disable of ${n} active keys (of ${keys + 64}): keyward keys.bulk (chunks of ${BULK_CHUNK_KEYS}) vs raw SQL`
    )
    const pks = JSON.stringify(active.map((k) => k.pk))
    const setDisabled = (value: 0 | 1) =>
      s.raw
        .prepare('UPDATE api_keys SET disabled = ?, updated_at = ? WHERE pk IN (SELECT value FROM json_each(?))')
        .run(value, now, pks)
    const rows: string[][] = []
    const row = (label: string, ms: number, longest: number, floor: number) =>
      rows.push([label, formatMs(ms), formatMs(ms / n), formatMs(longest), formatRatio(ms / floor)])

    const floor = timeOnce(() => s.raw.transaction(() => setDisabled(1)).immediate()).ms
    s.raw.transaction(() => setDisabled(0)).immediate()
    row('raw: one UPDATE … WHERE pk IN (…), one transaction', floor, floor, floor)

    const last = s.raw.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1')
    const update = s.raw.prepare('UPDATE api_keys SET disabled = 1, updated_at = ? WHERE pk = ?')
    const audit = s.raw.prepare(
      'INSERT INTO audit_log (seq, at, actor, action, target_id, target_name, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'
    )
    const head = s.raw.prepare("UPDATE registry_settings SET value = ? WHERE name = 'audit_head'")
    const withAudit = timeOnce(() =>
      s.raw
        .transaction(() => {
          let { seq, hash } = last.get() as { seq: number; hash: string }
          for (const k of active) {
            update.run(now, k.pk)
            const details = JSON.stringify({ changes: { status: { from: 'active', to: 'disabled' } } })
            const next = createHash('sha256').update(hash).update(details).digest('hex')
            audit.run(++seq, now, 'bench-raw', 'key.disable', k.id, k.name, details, hash, next)
            hash = next
          }
          head.run(`${seq}:${hash}`)
        })
        .immediate()
    ).ms
    s.raw.transaction(() => setDisabled(0)).immediate()
    // The raw entries are not keyward's hashes: drop them so the registry's chain stays whole.
    s.raw.prepare('DELETE FROM audit_log WHERE actor = ?').run('bench-raw')
    row('raw: UPDATE + chained audit entry per key, one transaction', withAudit, withAudit, floor)

    for (const action of ['disable', 'enable'] as const) {
      const gaps: number[] = []
      let mark = 0
      const { ms } = timeOnce(() => {
        const start = performance.now()
        // Disable by the list's filter; enable the same keys named one by one (the page-selection path).
        const input =
          action === 'disable'
            ? { action, filters: { status: 'active' as const }, dryRun: false }
            : { action, keys: active.map((k) => k.id), dryRun: false }
        const run = s.registry.startBulk(input, 'bench', {
          onProgress: () => {
            const t = performance.now()
            gaps.push(t - mark)
            mark = t
          }
        })
        gaps.push(performance.now() - start) // the plan: a read, no write lock
        mark = performance.now()
        while (run.step());
        return run
      })
      const plan = gaps.shift()!
      row(`keyward keys.bulk ${action} (plan ${formatMs(plan)} without the lock)`, ms, Math.max(...gaps), floor)
    }

    const perKey = timeOnce(() =>
      s.db
        .transaction(() => {
          for (const k of active) s.registry.disableKey({ key: k.id }, 'bench')
        })
        .immediate()
    ).ms
    row('before: disableKey per key in one transaction', perKey, perKey, floor)

    for (const l of table(['operation', 'total', 'per key', 'longest write txn', 'vs raw UPDATE'], rows))
      report.log(`  ${l}`)
  } finally {
    s.close()
  }
}

if (require.main === module) {
  benchBulk({ log: (line = '') => console.log(line), target: () => undefined }, argValue('--keys') ?? 10_000)
}
