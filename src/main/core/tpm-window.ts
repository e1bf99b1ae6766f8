import type { Core } from './context'

/**
 * The gateway's TPM window on disk: tokens per TPM resource and second (`tpm_window`), shared by
 * every gateway process on the registry file. The limiter itself lives in memory
 * (server/gateway/tpm.ts); this table lets a restarted gateway keep its window's count and lets
 * two gateways on one file see each other's reservations. Rows older than the window are pruned
 * by the gateway that writes.
 */

export interface TpmWindowRow {
  resourceId: string
  /** floor(epoch ms / 1000). */
  second: number
  tokens: number
}

/** Every row from `sinceSecond` on (the table holds a few minutes at most: no index needed). */
export function loadTpmWindow(core: Core, sinceSecond: number): TpmWindowRow[] {
  return core.store
    .sql('SELECT resource_id AS resourceId, second, tokens FROM tpm_window WHERE second >= ?')
    .all(sinceSecond) as TpmWindowRow[]
}

/**
 * Adds signed deltas to the rows (a row never goes below 0). Deltas for a resource deleted
 * meanwhile are dropped: its rows went with it.
 */
export function addTpmWindow(core: Core, deltas: readonly TpmWindowRow[]): void {
  const { store } = core
  const add = store.sql(
    `INSERT INTO tpm_window (resource_id, second, tokens)
     SELECT @resourceId, @second, @tokens WHERE EXISTS (SELECT 1 FROM resources WHERE id = @resourceId)
     ON CONFLICT (resource_id, second) DO UPDATE SET tokens = tokens + excluded.tokens`
  )
  const subtract = store.sql(
    'UPDATE tpm_window SET tokens = max(0, tokens + @tokens) WHERE resource_id = @resourceId AND second = @second'
  )
  store.counters(() => {
    for (const row of deltas) {
      if (row.tokens > 0) add.run(row)
      else if (row.tokens < 0) subtract.run(row)
    }
  })
}

/** Deletes the rows before `beforeSecond`. */
export function pruneTpmWindow(core: Core, beforeSecond: number): void {
  core.store.sql('DELETE FROM tpm_window WHERE second < ?').run(beforeSecond)
}

/**
 * One flush of a gateway, in one transaction: its deltas added, old rows pruned, and the window
 * read back as it now stands (its own and every other process's tokens), so the caller can swap
 * what it had written for the table's totals without counting anything twice.
 */
export function flushTpmWindow(
  core: Core,
  deltas: readonly TpmWindowRow[],
  options: { pruneBefore: number; since: number }
): TpmWindowRow[] {
  return core.store.counters(() => {
    addTpmWindow(core, deltas)
    pruneTpmWindow(core, options.pruneBefore)
    return loadTpmWindow(core, options.since)
  })
}
