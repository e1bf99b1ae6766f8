import { afterAll, beforeAll, expect } from 'vitest'
import { POSTGRES_START_TIMEOUT, startPostgres, type StartedPostgres } from '../support/postgres'
import { cleanEnv, expectNoSecretLeaked, run, tempCli, type CliRun } from './run'

export type TempCli = ReturnType<typeof tempCli>

/**
 * The CLI's PostgreSQL tests' set-up: a registry file filled by `fill` through the real CLI, a
 * throwaway cluster, and the file copied into a fresh database by the real `keyward migrate`. Then
 * the same command runs on the file (`onFile`) and on `postgres://` (`onPg`), both with --json and
 * the cluster's password in the environment. Call it inside a describe.skipIf(postgresAvailable()).
 * After the block: no secret was written where it must not be, the cluster stops, the folder goes.
 */
export function cliTwins(fill: (t: TempCli) => Promise<void>) {
  const t = tempCli()
  let pg: StartedPostgres | undefined
  let env: NodeJS.ProcessEnv = {}
  let url = ''

  beforeAll(async () => {
    pg = await startPostgres()
    env = pg.env(cleanEnv())
    await fill(t)
    url = await pg.createDatabase()
    const copied = await run(['--json', 'migrate', '--from', t.db, '--to', url], { env })
    expect(copied.code, copied.stderr).toBe(0)
  }, POSTGRES_START_TIMEOUT)
  afterAll(() => {
    expectNoSecretLeaked()
    pg?.stop()
    t.cleanup()
  })

  return {
    t,
    get pg(): StartedPostgres {
      return pg!
    },
    get env(): NodeJS.ProcessEnv {
      return env
    },
    /** The database's URL, without its password. */
    get url(): string {
      return url
    },
    onFile: (args: readonly string[], input?: string): Promise<CliRun> =>
      run(['--db', t.db, '--json', ...args], { env, input }),
    onPg: (args: readonly string[], input?: string): Promise<CliRun> =>
      run(['--db', url, '--json', ...args], { env, input })
  }
}
