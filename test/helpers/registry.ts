import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openRegistryDatabase, type OpenOptions, type RegistryDatabase } from '../../src/main/db/open'
import { Registry, type RegistryOptions } from '../../src/main/core/registry'

/**
 * A Registry that also keeps the database handle it was opened with, for tests that look at or
 * tamper with the file's rows directly. The product's Registry keeps its handle private.
 */
export class TestRegistry extends Registry {
  constructor(
    readonly db: RegistryDatabase,
    options: RegistryOptions = {}
  ) {
    super(db, options)
  }

  static open(path: string, options: RegistryOptions & { open?: OpenOptions } = {}): TestRegistry {
    return new TestRegistry(openRegistryDatabase(path, options.open), options)
  }
}

export interface TempRegistry {
  dir: string
  path: string
  registry: TestRegistry
  /** Moves the injected clock. */
  clock: { now: number; advance(ms: number): void }
  close(): void
}

/** A real registry file in a fresh temp folder, with a clock the test controls. */
export function tempRegistry(options: RegistryOptions & { start?: number } = {}): TempRegistry {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-test-'))
  const path = join(dir, 'registry.sqlite3')
  const clock = {
    now: options.start ?? Date.parse('2026-06-01T12:00:00Z'),
    advance(ms: number) {
      this.now += ms
    }
  }
  const registry = new TestRegistry(openRegistryDatabase(path), { clock: () => clock.now, ...options })
  let closed = false
  return {
    dir,
    path,
    registry,
    clock,
    close() {
      if (!closed) {
        closed = true
        try {
          registry.close()
        } catch {
          /* already closed by the test */
        }
      }
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
