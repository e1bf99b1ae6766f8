import type { Pool } from 'pg'
import type { ResourceType } from '../../../shared/schemas'
import { KeywardError } from '../../../shared/errors'
import {
  DEMO_RESOURCES,
  demoDisableTime,
  demoIdBytes,
  demoKeyInput,
  demoKeys,
  demoRandomBytes,
  demoResourceInput,
  demoSeedOptions,
  demoStart,
  type SeedDemoOptions,
  type SeedDemoResult
} from '../demo'
import { validateInput } from '../validate'
import { setPgKeyDisabled } from './keys'
import { createPgKey } from './keys-write'
import { PgLastUsed } from './last-used'
import { addPgResource, getPgPool, listPgResources } from './resources'
import { PgVerifyPath } from './verify'

/**
 * Demo data on PostgreSQL (demo.load, `keyward seed-demo`): the same resources and keys as on
 * SQLite for the same seed, starting registry and time (the plans are core/demo.ts's: demoKeys),
 * written by the PostgreSQL operations themselves (addPgResource, createPgKey, setPgKeyDisabled),
 * each in its own short transaction with its audit entry, so other nodes keep writing meanwhile.
 * A key's use is a real verification (PgVerifyPath) at its simulated moment; lastUsedAt is written
 * in batches. Secrets come from the system CSPRNG and are dropped, as on SQLite.
 */

/** lastUsedAt written every this many keys. */
const USED_FLUSH = 200

export async function seedPgDemo(pool: Pool, options: SeedDemoOptions): Promise<SeedDemoResult> {
  const { count, seed, now, actor } = demoSeedOptions(options)
  const head = (await pool.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_head WHERE one')).rows[0]
  // As SQLite's audit_head setting ("seq:hash", absent while the chain is empty): the same id stream.
  const randomBytes = demoRandomBytes(demoIdBytes(seed, head && Number(head.seq) > 0 ? `${head.seq}:${head.hash}` : ''))
  let clockNow = demoStart(now)
  /** Each operation is one transaction: the host hears how long each took. */
  const timed = async <T>(work: () => Promise<T>): Promise<T> => {
    const began = performance.now()
    const result = await work()
    options.onTransaction?.(performance.now() - began)
    return result
  }

  // ── Resources ──
  const byModel = new Map<string, { id: string; type: ResourceType }[]>()
  const existing = new Map((await listPgResources(pool)).items.map((r) => [`${r.model}:${r.type}`, r]))
  let resources = 0
  for (const spec of DEMO_RESOURCES) {
    let resource = existing.get(`${spec.model}:${spec.type}`)
    if (!resource) {
      const input = demoResourceInput(spec, spec.type === 'TPM' ? (await getPgPool(pool)).remaining : null)
      if (!input) continue
      resource = (await timed(() => addPgResource(pool, input, actor, clockNow, randomBytes))).resource
    }
    resources++
    const list = byModel.get(spec.model) ?? []
    list.push({ id: resource.id, type: resource.type })
    byModel.set(spec.model, list)
  }

  // ── Keys, created in time order over the past 400 days ──
  const departments = new Set<string>()
  const projects = new Set<string>()
  const nextKey = demoKeys(seed, count, clockNow, now, byModel)
  const verifier = new PgVerifyPath(pool, () => clockNow)
  const lastUsed = new PgLastUsed(pool)
  const toDisable: string[] = []
  let created = 0
  for (let i = 0; i < count; i++) {
    const plan = nextKey(i)
    clockNow = plan.createdAt
    let made: Awaited<ReturnType<typeof createPgKey>>
    for (let attempt = 1; ; attempt++) {
      try {
        const input = validateInput('keys.create', demoKeyInput(plan, attempt))
        made = await timed(() => createPgKey(pool, input, actor, clockNow, randomBytes))
        break
      } catch (error) {
        // A name already taken by an earlier seeding: try the next suffix.
        if (!(error instanceof KeywardError && error.code === 'CONFLICT' && attempt < 20)) throw error
      }
    }
    const { key } = made
    created++
    if (key.department) departments.add(key.department)
    if (key.project) projects.add(key.project)
    if (plan.usedAt !== null) {
      clockNow = plan.usedAt
      const { hit } = await verifier.answer(made.secret, undefined, plan.input.appId)
      if (hit.code === 'VALID' && hit.pk !== undefined) lastUsed.note(hit.pk, clockNow)
    }
    if (plan.disable) toDisable.push(key.id)
    if (lastUsed.size >= USED_FLUSH) await timed(() => lastUsed.flush())
  }
  await timed(() => lastUsed.flush())
  // Disabled last, so the audit log's times stay in order.
  for (const id of toDisable) await timed(() => setPgKeyDisabled(pool, id, true, actor, demoDisableTime(now)))
  return { resources, keys: created, departments: departments.size, projects: projects.size }
}
