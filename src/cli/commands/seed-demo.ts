import type { SeedDemoResult } from '../../main/core/demo'
import { loadCore } from '../context'
import { integerOption } from '../parse'
import type { Registrar } from './index'

/** `seed-demo --keys N [--seed S]`: realistic, deterministic demo data for trying the app and for benchmarks. */
export const registerSeedDemo: Registrar = (program, ctx) => {
  program
    .command('seed-demo')
    .description('fill the registry with demo resources and N keys (secrets discarded); same seed, same data')
    .requiredOption('--keys <n>', 'how many keys to create', integerOption('--keys', { max: 1_000_000 }))
    .option('--seed <seed>', 'any text; the same seed gives the same data', '1')
    .action(async (opts: { keys: number; seed: string }) => {
      const started = performance.now()
      // Committed in short transactions, so the app, other commands and `keyward serve` keep writing meanwhile.
      const transactions = { count: 0, longestMs: 0 }
      const onTransaction = (ms: number) => {
        transactions.count++
        transactions.longestMs = Math.max(transactions.longestMs, ms)
      }
      const options = { keys: opts.keys, seed: opts.seed, actor: ctx.actor, onTransaction }
      const target = ctx.target
      let where: string
      let result: SeedDemoResult
      if (target.engine === 'postgres') {
        // Not demo.load (at most 5000 keys, for the app): the same seeding, with this command's limits.
        const { openPgRegistry, seedPgDemo } = loadCore()
        const pg = await openPgRegistry(target.url, { field: target.field, max: 2 })
        try {
          result = await seedPgDemo(pg.pool, options)
        } finally {
          await pg.close()
        }
        where = pg.url
      } else {
        result = loadCore().seedDemo(ctx.registry(), options)
        where = ctx.dbPath
      }
      const seconds = ((performance.now() - started) / 1000).toFixed(1)
      ctx.print(
        result,
        (doc) =>
          `Seeded ${where} with ${doc.resources} resources, ${doc.keys} keys, ${doc.departments} departments and ` +
          `${doc.projects} projects (seed "${opts.seed}", ${seconds}s). Committed in ${transactions.count} transactions of at most ` +
          `${Math.ceil(transactions.longestMs)} ms each. Demo keys' secrets were discarded: create your own key to try verification.`
      )
    })
}
