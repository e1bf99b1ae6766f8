import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPgRegistry, type PgRegistry } from '../../../src/main/db/pg/open'
import { PgTpmWindow } from '../../../src/main/server/gateway/pg-tpm'
import type { Reservation } from '../../../src/main/server/gateway/tpm'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { postgresAvailable } from '../../support/postgres'
import { postgresTwins } from '../../support/pg-twins'

const ACTOR = 'tester'
const reason = postgresAvailable()

/** The window's tokens for a resource in the table (what every node counts). */
async function stored(pg: PgRegistry, resourceId: string): Promise<number> {
  const { rows } = await pg.pool.query<{ n: number }>(
    'SELECT coalesce(sum(tokens), 0)::bigint AS n FROM tpm_window WHERE resource_id = $1',
    [resourceId]
  )
  return rows[0]!.n
}

describe.skipIf(reason)(
  `the gateway's TPM window on PostgreSQL${reason ? ` (skipped: ${reason})` : ''}`,
  { timeout: 120_000 },
  () => {
    const twins = postgresTwins()
    let t: TempRegistry
    let resourceId: string

    beforeAll(() => {
      t = tempRegistry()
    })
    afterAll(() => t?.close())

    /** A registry with one TPM resource copied to PostgreSQL, and `nodes` windows on pools of their own. */
    async function nodes(count: number, limit: number) {
      const local = tempRegistry()
      resourceId = local.registry.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: limit }, ACTOR).resource.id
      const pg = await twins.copy(local)
      const pools: PgRegistry[] = []
      const windows: PgTpmWindow[] = []
      const env = twins.server.env()
      for (let i = 0; i < count; i++) {
        const node = await openPgRegistry(pg.url, { env, max: 4 })
        pools.push(node)
        windows.push(new PgTpmWindow(node.pool))
      }
      const close = async () => {
        for (const w of windows) {
          w.close()
          await w.flushed()
        }
        for (const p of pools) await p.close()
      }
      return { pg, windows, close }
    }

    it('three nodes reserving at once never admit more than the limit, and fill it', async () => {
      const limit = 10_000
      const { pg, windows, close } = await nodes(3, limit)
      try {
        const each = 37
        // 3 nodes × 120 requests, 12 at a time per node: 13,320 tokens asked for 10,000.
        const admitted = await Promise.all(
          windows.map(async (w) => {
            let tokens = 0
            for (let round = 0; round < 10; round++) {
              const answers = await Promise.all(Array.from({ length: 12 }, () => w.reserve(resourceId, limit, each)))
              for (const a of answers) if (a.ok) tokens += a.reservation.tokens
            }
            return tokens
          })
        )
        const total = admitted.reduce((a, b) => a + b, 0)
        expect(total).toBeLessThanOrEqual(limit)
        // Nothing was refused while there was room: the window is full to within one request.
        expect(total).toBeGreaterThan(limit - each)
        // Every node admitted some: they shared the window rather than one taking it all.
        for (const n of admitted) expect(n).toBeGreaterThan(0)
        expect(await stored(pg, resourceId)).toBe(total)
        const refused = await windows[0]!.reserve(resourceId, limit, each)
        expect(refused).toMatchObject({ ok: false, limit, tooLarge: false })
        if (!refused.ok) {
          expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1)
          expect(refused.retryAfterSeconds).toBeLessThanOrEqual(61)
          expect(refused.remaining).toBe(limit - total)
        }
      } finally {
        await close()
      }
    })

    it('a burst from three nodes at an empty window admits exactly one request where only one fits, every time', async () => {
      const limit = 100
      const local = tempRegistry()
      const ids: string[] = []
      for (let i = 0; i < 8; i++)
        ids.push(local.registry.addResource({ model: `m${i}`, type: 'TPM', tpmLimit: limit }, ACTOR).resource.id)
      const pg = await twins.copy(local)
      const env = twins.server.env()
      const pools = await Promise.all([0, 1, 2].map(() => openPgRegistry(pg.url, { env, max: 8 })))
      const windows = pools.map((p) => new PgTpmWindow(p.pool))
      try {
        for (const id of ids) {
          // 24 requests of 60 tokens at once: any two would overshoot the 100.
          const answers = await Promise.all(
            windows.flatMap((w) => Array.from({ length: 8 }, () => w.reserve(id, limit, 60)))
          )
          expect(answers.filter((a) => a.ok)).toHaveLength(1)
          expect(await stored(pg, id)).toBe(60)
        }
      } finally {
        for (const w of windows) w.close()
        for (const p of pools) await p.close()
      }
    })

    it('settles to actual usage, gives tokens back, and settles a reservation once', async () => {
      const limit = 1_000
      const { pg, windows, close } = await nodes(2, limit)
      try {
        const [a, b] = windows as [PgTpmWindow, PgTpmWindow]
        const first = await a.reserve(resourceId, limit, 300)
        expect(first).toMatchObject({ ok: true, remaining: 700 })
        const second = await b.reserve(resourceId, limit, 300)
        // Node b counts node a's reservation.
        expect(second).toMatchObject({ ok: true, remaining: 400 })
        const r1 = (first as { reservation: Reservation }).reservation
        const r2 = (second as { reservation: Reservation }).reservation
        a.settle(r1, 450) // used more than reserved: +150
        b.release(r2) // never sent: -300
        a.settle(r1, 10) // a second settle changes nothing
        await a.flushed()
        await b.flushed()
        expect(await stored(pg, resourceId)).toBe(450)
        expect(await b.reserve(resourceId, limit, 600)).toMatchObject({ ok: false, remaining: 550, tooLarge: false })
        expect(await b.reserve(resourceId, limit, 1_001)).toMatchObject({ ok: false, tooLarge: true })
        const fits = await b.reserve(resourceId, limit, 550)
        expect(fits).toMatchObject({ ok: true, remaining: 0 })
        const r3 = (fits as { reservation: Reservation }).reservation
        b.settle(r3, 100) // used less: -450
        await b.flushed()
        expect(await stored(pg, resourceId)).toBe(550)
      } finally {
        await close()
      }
    })

    it('admits a request for a resource deleted meanwhile without writing for it, and reports failures to its log', async () => {
      const limit = 500
      const { pg, windows, close } = await nodes(1, limit)
      try {
        await pg.pool.query('DELETE FROM resources WHERE id = $1', [resourceId])
        const answer = await windows[0]!.reserve(resourceId, limit, 100)
        expect(answer.ok).toBe(true)
        expect(await stored(pg, resourceId)).toBe(0)
        await expect(windows[0]!.reserve(resourceId, 1.5, 1)).rejects.toThrow(/whole numbers/)
      } finally {
        await close()
      }
      // A settle after the pool closed fails in the background, logged, never thrown at the request.
      const lines: string[] = []
      const node = await openPgRegistry(pg.url, { env: twins.server.env() })
      const w = new PgTpmWindow(node.pool, (line) => lines.push(line))
      await node.close()
      w.settle({ resourceId, tokens: 1, second: 1 }, 5)
      await w.flushed()
      w.close()
      expect(lines.join('\n')).toMatch(/TPM window was not updated settling a request/)
    })

    it('a resource name that needs quoting is passed safely into the reservation', async () => {
      const local = tempRegistry()
      const pg = await twins.copy(local)
      const odd = "x'); DROP TABLE tpm_window; --"
      await pg.pool.query(
        "INSERT INTO resources (id, model, type, status, tpm_limit, created_at, updated_at) VALUES ($1, 'odd', 'TPM', 'active', 100, 0, 0)",
        [odd]
      )
      const w = new PgTpmWindow(pg.pool)
      try {
        expect(await w.reserve(odd, 100, 10)).toMatchObject({ ok: true })
        expect(await w.reserve(odd, 100, 95)).toMatchObject({ ok: false })
        // The table is still there.
        await pg.pool.query('SELECT 1 FROM tpm_window LIMIT 1')
      } finally {
        w.close()
      }
    })
  }
)
