import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { seedDemo } from '../src/main/core/demo'
import { Registry } from '../src/main/core/registry'
import { applyPragmas, openRegistryDatabase } from '../src/main/db/open'

/** Keys whose secrets the benchmark keeps, so it can verify them. */
export const VERIFY_KEYS = 64
export const VERIFY_MODEL = 'gpt-4o-mini'

/** A demo registry in a temp folder, plus a raw better-sqlite3 connection to the same file for baselines. */
export interface SeededRegistry {
  size: number
  path: string
  registry: Registry
  /** The registry's own connection (the Registry keeps it private), for batching calls in one transaction. */
  db: Database.Database
  /** A plain better-sqlite3 connection with the registry's pragmas: the baseline's own. */
  raw: Database.Database
  /** Secrets of VERIFY_KEYS standard keys holding VERIFY_MODEL (no app id). */
  secrets: string[]
  seedMs: number
  close(): void
}

/**
 * Seeds `size` demo keys with seedDemo (the real code path, one outer transaction), then adds
 * VERIFY_KEYS keys of its own whose secrets it keeps. Checkpoints, so both connections start
 * from the same settled file.
 */
export function seedRegistry(size: number, seed = 'bench'): SeededRegistry {
  const dir = mkdtempSync(join(tmpdir(), `keyward-bench-${size}-`))
  const path = join(dir, 'registry.sqlite3')
  const db = openRegistryDatabase(path)
  const registry = new Registry(db)
  const start = performance.now()
  seedDemo(registry, { keys: size, seed, actor: 'bench' })
  const seedMs = performance.now() - start
  const secrets: string[] = []
  db.transaction(() => {
    for (let i = 0; i < VERIFY_KEYS; i++) {
      secrets.push(registry.createKey({ name: `BenchVerify${i}`, resources: [`${VERIFY_MODEL}:PYG`] }, 'bench').secret)
    }
  }).immediate()
  db.pragma('wal_checkpoint(TRUNCATE)')
  const raw = new Database(path)
  applyPragmas(raw, 5000)
  return {
    size,
    path,
    registry,
    db,
    raw,
    secrets,
    seedMs,
    close() {
      raw.close()
      registry.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
