import { createHash, randomBytes as cryptoRandomBytes } from 'node:crypto'
import type { Input, ParsedInput } from '../../shared/contract'
import type { ResourceType } from '../../shared/schemas'
import { KeywardError } from '../../shared/errors'
import {
  DEMO_RESOURCES,
  DEPARTMENTS,
  DEPARTMENT_CODES,
  PROJECTS,
  PURPOSES,
  FIRST_NAMES,
  LAST_NAMES,
  ENVIRONMENTS,
  JUSTIFICATIONS,
  NOTES
} from './demo-data'
import { addResource, listResources } from './resources'
import { createKey, setDisabled } from './keys'
import { LastUsedBuffer, type Core } from './context'
import { getPool } from './pool'
import type { Registry } from './registry'
import { validateInput } from './validate'
import { VerifyPath } from './verify'

/**
 * Deterministic demo data for trying the app and for benchmarks (`keyward seed-demo`).
 *
 * Everything goes through the core's operations, validated as any caller's (so every rule, audit entry and FTS row
 * is exactly what a user's own actions would write), committed in CHUNKS: each transaction holds the
 * write lock for at most `chunkMs` (the methods' own transactions nest in it as savepoints), then the
 * seeder pauses `pauseMs` so other processes' writes (the server's usage reports, the app, the CLI)
 * get the lock between chunks. A failure or a crash keeps the chunks already committed: a partial
 * but consistent registry (every key whole, with its audit entries; the chain verifies).
 *
 * Determinism: a seeded PRNG picks every name, department, project, resource set, date and flag;
 * ids come from a seeded byte stream and the clock is simulated. Secrets do NOT: they come from
 * crypto.randomBytes and are dropped on the spot, so nobody can recompute a demo key's secret from
 * the seed (a demo registry may well end up shared).
 */

export interface SeedDemoOptions {
  /** How many keys to create. */
  keys: number
  /** Same seed (and same starting registry) → same data. */
  seed?: string | number
  /** Who the audit log names as the author. */
  actor: string
  /** "Now" for the simulated timeline (ms since the epoch). Keys are created over the year before it. */
  now?: number
  /** How long a transaction may hold the write lock, commit included (default SEED_CHUNK_MS). */
  chunkMs?: number
  /** Pause between chunks, so waiting writers get the lock (default SEED_PAUSE_MS). */
  pauseMs?: number
  /** Told how long each transaction held the write lock, commit included (ms). */
  onTransaction?: (ms: number) => void
}

/**
 * How long one transaction may hold the write lock, its commit (an fsync, tens of milliseconds on a
 * busy disk) included: well under a quarter of a second, so a writer with a few seconds' busy
 * timeout never fails and the server's queued writes go through between chunks. The data does
 * not depend on it (same seed, same data).
 */
export const SEED_CHUNK_MS = 100
/** Between chunks: longer than the server's retry tick, so its queued writes get the lock. */
export const SEED_PAUSE_MS = 25

const pauseCell = new Int32Array(new SharedArrayBuffer(4))
/** Sleeps without spinning (the seeder is synchronous, like better-sqlite3). */
function pause(ms: number): void {
  if (ms > 0) Atomics.wait(pauseCell, 0, 0, ms)
}

export interface SeedDemoResult {
  resources: number
  keys: number
  departments: number
  projects: number
}

export { DEMO_RESOURCES }

export const DEMO_MAX_KEYS = 1_000_000

/** demo.load's seed when none is given. */
export const DEMO_LOAD_SEED = 'keyward-demo'

const DAY_MS = 86_400_000

/** sfc32 over a SHA-256 of the seed: fast, well mixed, and the same on every platform. */
export function seededRandom(seed: string | number): () => number {
  const h = createHash('sha256').update(`keyward-demo:${seed}`).digest()
  let a = h.readUInt32LE(0)
  let b = h.readUInt32LE(4)
  let c = h.readUInt32LE(8)
  let d = h.readUInt32LE(12)
  const next = () => {
    a >>>= 0
    b >>>= 0
    c >>>= 0
    d >>>= 0
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return (t >>> 0) / 4294967296
  }
  for (let i = 0; i < 12; i++) next()
  return next
}

/** A deterministic byte stream for ids (SHA-256 in counter mode). */
function seededBytes(seed: string): (size: number) => Buffer {
  let counter = 0
  return (size) => {
    const chunks: Buffer[] = []
    let have = 0
    while (have < size) {
      const block = createHash('sha256').update(seed).update(String(counter++)).digest()
      chunks.push(block)
      have += block.length
    }
    return Buffer.concat(chunks).subarray(0, size)
  }
}

/**
 * Fills `registry` with demo resources and `options.keys` keys. Resources that already exist
 * (same model and type) are reused; new TPM resources are sized to fit a TPM pool if one is set
 * (and skipped when the pool is full). Secrets are discarded; nothing secret is returned.
 */
export function seedDemo(registry: Registry, options: SeedDemoOptions): SeedDemoResult {
  return registry.seedDemo(options)
}

/** seedDemo over the core the Registry holds (registry.ts calls this). */
export function seedDemoInto(core: Core, options: SeedDemoOptions): SeedDemoResult {
  const { count, seed, now, actor } = demoSeedOptions(options)
  // Where the registry stands decides the id stream, so seeding twice never reuses an id.
  const head =
    (core.store.pluck("SELECT value FROM registry_settings WHERE name = 'audit_head'").get() as string | undefined) ??
    ''
  const idBytes = demoIdBytes(seed, head)
  let clockNow = demoStart(now)
  const clock = () => clockNow
  const demo: Core = {
    ...core,
    clock,
    // Ids (12 bytes) from the seeded stream; secrets (32 bytes) from the system CSPRNG, then dropped.
    randomBytes: demoRandomBytes(idBytes),
    lastUsed: new LastUsedBuffer(core.store, clock, Number.MAX_SAFE_INTEGER)
  }
  const verifier = new VerifyPath(demo)
  const chunkMs = options.chunkMs ?? SEED_CHUNK_MS
  const pauseMs = options.pauseMs ?? SEED_PAUSE_MS
  let chunks = 0
  let commitMs = 0
  /** Runs step() in transactions of at most chunkMs each until it returns false. */
  const inChunks = (step: () => boolean): void => {
    for (let more = true; more;) {
      if (chunks++ > 0) pause(pauseMs)
      let began = 0
      let committing = 0
      core.store.write(() => {
        // From the moment the lock is ours (a wait for it before is not holding it).
        began = performance.now()
        // The commit (an fsync) holds the lock too: leave room for it, as long as the recent ones took.
        const budget = Math.max(Math.min(chunkMs, 5), chunkMs - commitMs)
        do more = step()
        while (more && performance.now() - began < budget)
        // The chunk's keys' lastUsedAt, committed with them.
        demo.lastUsed.flush()
        committing = performance.now()
      })
      const ended = performance.now()
      commitMs = Math.max(ended - committing, commitMs * 0.8)
      options.onTransaction?.(ended - began)
    }
  }

  let began = 0
  const { byModel, resources } = core.store.write(() => {
    began = performance.now()
    // ── Resources ──
    const byModel = new Map<string, { id: string; type: ResourceType }[]>()
    const existing = new Map(listResources(core).items.map((r) => [`${r.model}:${r.type}`, r]))
    let resources = 0
    for (const spec of DEMO_RESOURCES) {
      let resource = existing.get(`${spec.model}:${spec.type}`)
      if (!resource) {
        const input = demoResourceInput(spec, spec.type === 'TPM' ? getPool(demo).remaining : null)
        if (!input) continue
        resource = addResource(demo, input, actor).resource
      }
      resources++
      const list = byModel.get(spec.model) ?? []
      list.push({ id: resource.id, type: resource.type })
      byModel.set(spec.model, list)
    }
    return { byModel, resources }
  })
  options.onTransaction?.(performance.now() - began)
  chunks++

  // ── Keys, created in time order over the past 400 days ──
  const departments = new Set<string>()
  const projects = new Set<string>()
  const nextKey = demoKeys(seed, count, clockNow, now, byModel)
  let created = 0
  const toDisable: string[] = []
  let i = 0
  inChunks(() => {
    if (i >= count) return false
    const plan = nextKey(i)
    clockNow = plan.createdAt
    let created_: { key: { id: string; department: string | null; project: string | null }; secret: string }
    for (let attempt = 1; ; attempt++) {
      try {
        created_ = createKey(demo, validateInput('keys.create', demoKeyInput(plan, attempt)), actor)
        break
      } catch (error) {
        // A name already taken by an earlier seeding: try the next suffix.
        if (!(error instanceof KeywardError && error.code === 'CONFLICT' && attempt < 20)) throw error
      }
    }
    const { key } = created_
    created++
    if (key.department) departments.add(key.department)
    if (key.project) projects.add(key.project)
    // Most keys have been used since: a real verification at a later moment records lastUsedAt
    // (buffered in memory, written once at the end). The secret is then dropped.
    if (plan.usedAt !== null) {
      clockNow = plan.usedAt
      verifier.hit(created_.secret, undefined, plan.input.appId)
    }
    if (plan.disable) toDisable.push(key.id)
    return ++i < count
  })
  // Disabled last, so the audit log's times stay in order.
  clockNow = demoDisableTime(now)
  let disabledSoFar = 0
  inChunks(() => {
    if (disabledSoFar >= toDisable.length) return false
    setDisabled(demo, { key: toDisable[disabledSoFar]! }, actor, true)
    return ++disabledSoFar < toDisable.length
  })
  return { resources, keys: created, departments: departments.size, projects: projects.size }
}

// ── Shared by both engines (pg/demo.ts) ──

/** The options checked, with their defaults. */
export function demoSeedOptions(options: SeedDemoOptions): { count: number; seed: string; now: number; actor: string } {
  const count = options.keys
  if (!Number.isInteger(count) || count < 0 || count > DEMO_MAX_KEYS) {
    throw KeywardError.validation({ keys: `Give a whole number of keys from 0 to ${DEMO_MAX_KEYS}.` })
  }
  return { count, seed: String(options.seed ?? 1), now: options.now ?? Date.now(), actor: options.actor }
}

/** The id stream for a seed and the registry's audit head (SQLite's "seq:hash", '' when empty). */
export function demoIdBytes(seed: string, head: string): (size: number) => Buffer {
  return seededBytes(`${seed}:${head}`)
}

/** Ids (12 bytes) from the seeded stream; secrets (32 bytes) from the system CSPRNG, then dropped. */
export function demoRandomBytes(idBytes: (size: number) => Buffer): (size: number) => Buffer {
  return (size) => (size === 32 ? cryptoRandomBytes(size) : idBytes(size))
}

/** When the seeding starts its simulated timeline. */
export function demoStart(now: number): number {
  return now - 400 * DAY_MS
}

/** When the chosen keys are disabled: last, so the audit log's times stay in order. */
export function demoDisableTime(now: number): number {
  return now - DAY_MS / 2
}

/** A demo resource to add (a TPM one sized to what the pool has left, `remaining`); undefined when the pool is full. */
export function demoResourceInput(
  spec: (typeof DEMO_RESOURCES)[number],
  remaining: number | null
): ParsedInput<'resources.add'> | undefined {
  let tpmLimit = spec.tpmLimit
  if (spec.type === 'TPM' && remaining != null) {
    if (remaining <= 0) return undefined
    tpmLimit = Math.min(tpmLimit!, remaining)
  }
  return validateInput('resources.add', {
    model: spec.model,
    type: spec.type,
    tpmLimit: spec.type === 'TPM' ? tpmLimit : undefined
  })
}

/** One demo key, decided before it is created: every draw of the seeded PRNG for it, in its order. */
export interface DemoKeyPlan {
  createdAt: number
  input: Input<'keys.create'> & { name: string; appId?: string }
  /** When a verification notes it as used; null when never used. */
  usedAt: number | null
  disable: boolean
}

/** The create input, with a suffix after a name taken by an earlier seeding (attempt > 1). */
export function demoKeyInput(plan: DemoKeyPlan, attempt: number): Input<'keys.create'> {
  return attempt === 1 ? plan.input : { ...plan.input, name: `${plan.input.name}x${attempt}` }
}

/**
 * The keys' plans in order (call with i = 0, 1, …): the seeded PRNG decides names, departments,
 * projects, resources (one per model, from `byModel`), dates, use and disabling.
 */
export function demoKeys(
  seed: string,
  count: number,
  start: number,
  now: number,
  byModel: ReadonlyMap<string, readonly { id: string }[]>
): (i: number) => DemoKeyPlan {
  const random = seededRandom(seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!
  const chance = (p: number) => random() < p
  const models = [...byModel.keys()]
  const span = now - DAY_MS - start
  return (i) => {
    const createdAt = start + Math.floor(((i + random()) / Math.max(count, 1)) * span)
    const d = Math.floor(random() * DEPARTMENTS.length)
    const department = DEPARTMENTS[d]!
    const project = pick(PROJECTS)
    const environment = random() < 0.5 ? 'prod' : pick(ENVIRONMENTS)
    const purpose = pick(PURPOSES)
    const admin = chance(0.004)
    const first = pick(FIRST_NAMES)
    const last = pick(LAST_NAMES)
    const resourceRefs: string[] = []
    if (!admin && models.length > 0) {
      const wanted = 1 + Math.floor(random() * Math.min(3, models.length))
      const chosen = new Set<string>()
      while (chosen.size < wanted) chosen.add(pick(models))
      // One resource per model (TPM or PYG, never both): the seed's rule.
      for (const model of [...chosen].sort()) resourceRefs.push(pick(byModel.get(model)!).id)
    }
    const expires = chance(0.35) ? createdAt + (30 + Math.floor(random() * 700)) * DAY_MS : null
    const appId = chance(0.7)
      ? `${project.toLowerCase()}-${purpose.toLowerCase()}${environment === 'prod' ? '' : `-${environment}`}`
      : undefined
    const input = {
      name: `${DEPARTMENT_CODES[d]}${project}${purpose}${admin ? 'Admin' : ''}${i + 1}`,
      kind: admin ? ('admin' as const) : ('standard' as const),
      resources: resourceRefs,
      department: chance(0.95) ? department : undefined,
      project: chance(0.9) ? project : undefined,
      environment,
      requestor: `${first} ${last}`,
      appId,
      justification: chance(0.6) ? pick(JUSTIFICATIONS) : undefined,
      notes: chance(0.25) ? pick(NOTES) : undefined,
      expiresAt: expires == null ? undefined : new Date(expires).toISOString()
    }
    let usedAt: number | null = null
    if (chance(0.75)) {
      const usedUntil = Math.min(now - DAY_MS, expires ?? now)
      usedAt = createdAt + Math.floor(random() * (usedUntil - createdAt))
    }
    return { createdAt, input, usedAt, disable: chance(0.05) }
  }
}
