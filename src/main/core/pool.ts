import type { ParsedInput } from '../../shared/contract'
import { KeywardError } from '../../shared/errors'
import type { TpmPool } from '../../shared/types'
import type { AuditRecord } from './audit'
import type { Core } from './context'

/** The TPM pool: an optional cap on the tokens per minute all TPM resources together provision. */

export function getPool(core: Core): TpmPool {
  const tpmPool = poolSize(core)
  const assigned = assignedTpm(core)
  return { tpmPool, assigned, remaining: tpmPool == null ? null : tpmPool - assigned }
}

export function setPool(core: Core, v: ParsedInput<'pool.set'>, actor: string): TpmPool {
  return core.store.write(() => {
    const before = poolSize(core)
    const assigned = assignedTpm(core)
    if (v.tpmPool != null && assigned > v.tpmPool) throw poolBelowAssigned(v.tpmPool, assigned)
    if (before === v.tpmPool) return getPool(core)
    if (v.tpmPool == null) core.store.sql("DELETE FROM registry_settings WHERE name = 'tpm_pool'").run()
    else
      core.store
        .sql(
          "INSERT INTO registry_settings (name, value) VALUES ('tpm_pool', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value"
        )
        .run(String(v.tpmPool))
    core.audit.append(core.clock(), { ...poolAuditRecord(before, v.tpmPool), actor })
    return getPool(core)
  })
}

export function assignedTpm(core: Core): number {
  return core.store.pluck("SELECT coalesce(sum(tpm_limit), 0) FROM resources WHERE type = 'TPM'").get() as number
}

/** Refuses a change that would take the TPM assigned past the pool; `field` is the input field to blame. */
export function checkPool(core: Core, assignedAfter: number, field: string): void {
  const pool = poolSize(core)
  if (pool == null || assignedAfter <= pool) return
  throw poolExceeded(pool, assignedAfter, assignedTpm(core), field)
}

// ── Shared with the PostgreSQL engine (pg/resources.ts): the same errors and audit entry ──

/** A change that would take the TPM assigned (now `assigned`) to `assignedAfter`, past the pool. */
export function poolExceeded(pool: number, assignedAfter: number, assigned: number, field: string): KeywardError {
  const remaining = pool - assigned
  return new KeywardError(
    'RULE_VIOLATION',
    `That would assign ${assignedAfter} tokens per minute, over the TPM pool of ${pool}. ${remaining} TPM remain${remaining === 1 ? 's' : ''} in the pool; ` +
      'lower the limit or raise the pool.',
    { [field]: `Only ${remaining} TPM remain in the pool.` }
  )
}

export function poolBelowAssigned(tpmPool: number, assigned: number): KeywardError {
  return new KeywardError(
    'RULE_VIOLATION',
    `TPM resources already provision ${assigned} tokens per minute, more than a pool of ${tpmPool}. ` +
      `Set a pool of at least ${assigned}, or lower the resources' TPM limits first.`,
    { tpmPool: `Must be at least ${assigned}, the TPM already assigned.` }
  )
}

export function poolAuditRecord(from: number | null, to: number | null): Omit<AuditRecord, 'actor'> {
  return {
    action: 'pool.set',
    targetId: null,
    targetName: 'TPM pool',
    details: { changes: { tpmPool: { from, to } } }
  }
}

function poolSize(core: Core): number | null {
  const value = core.store.pluck("SELECT value FROM registry_settings WHERE name = 'tpm_pool'").get() as
    string | undefined
  return value === undefined ? null : Number(value)
}
