import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openRegistryDatabase } from '../../src/main/db/open'
import { Registry, type RegistryOptions } from '../../src/main/core/registry'

export interface TempRegistry {
  dir: string
  path: string
  registry: Registry
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
  const registry = new Registry(openRegistryDatabase(path), { clock: () => clock.now, ...options })
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
