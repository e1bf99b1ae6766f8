import { afterAll, afterEach, beforeAll } from 'vitest'
import { migrateRegistry } from '../../src/main/core/migrate'
import { openPgRegistry, type PgRegistry } from '../../src/main/db/pg/open'
import type { TempRegistry } from '../helpers/registry'
import { POSTGRES_START_TIMEOUT, startPostgres, type StartedPostgres } from './postgres'

/**
 * The parity tests' set-up (an operation on PostgreSQL against the same on SQLite): one throwaway
 * cluster for the describe block it is called in, and copies of core-built registries in it, each
 * closed with its file after its test. Call it inside a describe.skipIf(postgresAvailable()).
 */
export function postgresTwins() {
  let server: StartedPostgres | undefined
  const open: { t: TempRegistry; pg: PgRegistry }[] = []
  beforeAll(async () => {
    server = await startPostgres()
  }, POSTGRES_START_TIMEOUT)
  afterEach(async () => {
    for (const { t, pg } of open.splice(0)) {
      await pg.close()
      t.close()
    }
  })
  afterAll(() => server?.stop())

  return {
    get server(): StartedPostgres {
      return server!
    },
    /**
     * `t`'s registry as it is now, copied by `keyward migrate`'s function into a fresh database
     * whose default collation is language-aware (SQLite's byte order must hold anyway).
     */
    async copy(t: TempRegistry, connections = 4): Promise<PgRegistry> {
      const url = await server!.createDatabase({ linguistic: true })
      const env = server!.env()
      await migrateRegistry(t.path, url, { env })
      const pg = await openPgRegistry(url, { env, max: connections })
      open.push({ t, pg })
      return pg
    },
    /** Closes a copy before its test ends (its file stays open for the next copy). */
    async drop(pg: PgRegistry): Promise<void> {
      const at = open.findIndex((o) => o.pg === pg)
      if (at >= 0) open.splice(at, 1)
      await pg.close()
    }
  }
}
