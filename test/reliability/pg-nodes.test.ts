import { Agent } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempRegistry, type TempRegistry } from '../helpers/registry'
import { POSTGRES_START_TIMEOUT, postgresAvailable, startPostgres, type StartedPostgres } from '../support/postgres'
import { cliIn, serveChild, sleep, timedRequest, type ServeChild } from './support'

/**
 * Three `keyward serve` nodes on one PostgreSQL registry (issue 13, "many nodes, one truth"), each
 * its own process, under a load loop against all three: a key deleted through a node's admin API or
 * disabled through the CLI gets zero successes on any node from the first request that starts after
 * the change returns; creates through all three nodes and changes from many processes at once lose nothing and leave
 * one intact audit chain; a node killed with SIGKILL does not stop the others.
 */
const reason = postgresAvailable()
const MODEL = 'gpt-4o'

interface Outcome {
  node: number
  key: string
  /** Milliseconds (performance.now) when the request was sent, and when its answer ended. */
  start: number
  end: number
  code: string | null
  error?: string
}

describe.skipIf(reason)(`three serve nodes on one PostgreSQL registry${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let pg: StartedPostgres
  let url: string
  let source: TempRegistry
  const secrets = new Map<string, string>()
  const nodes: ServeChild[] = []
  const agent = new Agent({ keepAlive: true, maxSockets: 64 })

  beforeAll(async () => {
    pg = await startPostgres()
    url = await pg.createDatabase()
    // A registry built by the core in a file, then moved to PostgreSQL as a team would move theirs.
    source = tempRegistry()
    source.registry.addResource({ model: MODEL, type: 'PYG' }, 'test')
    for (const name of ['Victim', 'Paused', 'Control', ...Array.from({ length: 12 }, (_, i) => `Team${i}`)])
      secrets.set(name, source.registry.createKey({ name, resources: [`${MODEL}:PYG`] }, 'test').secret)
    secrets.set('Ops', source.registry.createKey({ name: 'Ops', kind: 'admin' }, 'test').secret)
    source.registry.close()
    const moved = await cliIn(pg.env(), source.path, 'migrate', '--from', source.path, '--to', url)
    expect(moved.code, moved.stderr).toBe(0)
    for (let i = 0; i < 3; i++) nodes.push(await serveChild(url, pg.env()))
  }, POSTGRES_START_TIMEOUT)

  afterAll(async () => {
    for (const node of nodes) if (node.proc.exitCode === null) node.proc.kill('SIGKILL')
    agent.destroy()
    pg?.stop()
    source?.close()
  })

  /** Verifies `key` on every live node in `loops` concurrent loops each, until `stop()` says so. */
  function load(keys: string[], targets: number[], loops = 4) {
    const outcomes: Outcome[] = []
    let running = true
    const loop = async (node: number, key: string) => {
      while (running) {
        const start = performance.now()
        try {
          const r = await timedRequest(agent, `${nodes[node]!.url}/v1/keys/verify?model=${MODEL}`, {
            headers: { authorization: `Bearer ${secrets.get(key)!}` }
          })
          outcomes.push({
            node,
            key,
            start,
            end: performance.now(),
            code: (JSON.parse(r.body) as { code: string }).code
          })
        } catch (error) {
          outcomes.push({ node, key, start, end: performance.now(), code: null, error: (error as Error).message })
          await sleep(5)
        }
      }
    }
    const all = targets.flatMap((node) => keys.flatMap((key) => Array.from({ length: loops }, () => loop(node, key))))
    return {
      outcomes,
      async stop() {
        running = false
        await Promise.all(all)
      }
    }
  }

  it('a key deleted through one node, and one disabled through the CLI, get zero successes on any node once the change returns', async () => {
    const traffic = load(['Victim', 'Paused', 'Control'], [0, 1, 2])
    await sleep(600)
    // Deleted through one node's admin API, disabled through the CLI: both kinds of writer.
    const deleted = await fetch(`${nodes[1]!.url}/v1/admin/keys/Victim`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${secrets.get('Ops')!}` }
    })
    const deletedAt = performance.now()
    expect(deleted.status).toBe(200)
    const disabled = await cliIn(pg.env(), url, '--json', 'keys', 'disable', 'Paused')
    const disabledAt = performance.now()
    expect(disabled.code, disabled.stderr).toBe(0)
    await sleep(600)
    await traffic.stop()

    const { outcomes } = traffic
    const of = (key: string, node: number) => outcomes.filter((o) => o.key === key && o.node === node)
    for (const node of [0, 1, 2]) {
      // Before the change each node said VALID; from the first request after it, never again.
      expect(of('Victim', node).some((o) => o.end < deletedAt && o.code === 'VALID')).toBe(true)
      const afterDelete = of('Victim', node).filter((o) => o.start > deletedAt)
      expect(afterDelete.length).toBeGreaterThan(10)
      expect(afterDelete.filter((o) => o.code !== 'REVOKED')).toEqual([])
      const afterDisable = of('Paused', node).filter((o) => o.start > disabledAt)
      expect(afterDisable.length).toBeGreaterThan(10)
      expect(afterDisable.filter((o) => o.code !== 'DISABLED')).toEqual([])
      // The other keys were never touched.
      expect(of('Control', node).filter((o) => o.code !== 'VALID')).toEqual([])
    }
  })

  it('creates through all three nodes and changes from many CLI processes at once lose nothing and leave one intact chain', async () => {
    const before = JSON.parse((await cliIn(pg.env(), url, '--json', 'audit', 'verify')).stdout) as { entries: number }
    const admin = { authorization: `Bearer ${secrets.get('Ops')!}`, 'content-type': 'application/json' }
    // 30 keys created through the three nodes' admin API at once (10 each), with 12 CLI disables beside them.
    const creates = Array.from({ length: 30 }, (_, i) =>
      fetch(`${nodes[i % 3]!.url}/v1/admin/keys`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name: `Made${i}`, resources: [`${MODEL}:PYG`] })
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { key: { name: string }; secret: string } }))
    )
    const disables = Array.from({ length: 12 }, (_, i) => cliIn(pg.env(), url, '--json', 'keys', 'disable', `Team${i}`))
    const made = await Promise.all(creates)
    for (const r of await Promise.all(disables)) expect(r.code, r.stderr).toBe(0)
    expect(made.map((m) => m.status)).toEqual(Array(30).fill(201))
    // Each new key verifies on every node at once.
    for (const [i, m] of made.entries()) {
      const answer = await timedRequest(agent, `${nodes[(i + 1) % 3]!.url}/v1/keys/verify?model=${MODEL}`, {
        headers: { authorization: `Bearer ${m.body.secret}` }
      })
      expect((JSON.parse(answer.body) as { code: string }).code).toBe('VALID')
    }
    const verified = await cliIn(pg.env(), url, '--json', 'audit', 'verify')
    expect(verified.code, verified.stderr).toBe(0)
    const after = JSON.parse(verified.stdout) as { ok: boolean; entries: number }
    expect(after.ok).toBe(true)
    expect(after.entries).toBe(before.entries + 30 + 12)
    const listed = JSON.parse(
      (await cliIn(pg.env(), url, '--json', 'keys', 'list', '--status', 'disabled', '--limit', '100')).stdout
    ) as {
      items: { name: string }[]
    }
    for (let i = 0; i < 12; i++) expect(listed.items.map((k) => k.name)).toContain(`Team${i}`)
  })

  it('one node killed with SIGKILL mid-load: the other two keep answering', async () => {
    const traffic = load(['Control'], [0, 1, 2])
    await sleep(400)
    nodes[0]!.proc.kill('SIGKILL')
    const killedAt = performance.now()
    await nodes[0]!.exited
    await sleep(800)
    await traffic.stop()
    for (const node of [1, 2]) {
      const after = traffic.outcomes.filter((o) => o.node === node && o.start > killedAt)
      expect(after.length).toBeGreaterThan(10)
      expect(after.filter((o) => o.code !== 'VALID')).toEqual([])
    }
    // The killed node answers nothing after it is gone.
    const dead = traffic.outcomes.filter((o) => o.node === 0 && o.start > killedAt + 100)
    expect(dead.every((o) => o.code === null)).toBe(true)
  })
})
