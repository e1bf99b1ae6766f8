import { spawn } from 'node:child_process'
import { Agent } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { tempRegistry, TestRegistry, type TempRegistry } from '../helpers/registry'
import { cli, CLI, REPO, serveChild, sleep, timedRequest, waitForText, type ServeChild } from './support'

let t: TempRegistry | undefined
let serve: ServeChild | undefined

afterEach(() => {
  if (serve && serve.proc.exitCode === null) serve.proc.kill('SIGKILL')
  serve = undefined
  t?.close()
  t = undefined
})

/** What a fresh connection finds after a crash: the file's integrity, and the rows the test looks for. */
function inspect(path: string, keyIds: readonly string[]) {
  const registry = TestRegistry.open(path)
  try {
    const db = registry.db
    const integrity = db.pragma('integrity_check', { simple: true })
    const usage = db
      .prepare(
        'SELECT coalesce(sum(requests), 0) AS requests, coalesce(sum(prompt_tokens), 0) AS prompt FROM key_usage'
      )
      .get() as {
      requests: number
      prompt: number
    }
    const missing = keyIds.filter((id) => registry.findKey(id) === undefined)
    const keys = registry.listKeys({ limit: 1 }).total
    return { integrity, usage, missing, keys, audit: registry.verifyAudit() }
  } finally {
    registry.close()
  }
}

const SERVER_KILLS = 24
const SEED_KILLS = 6

describe('SIGKILL during writes', () => {
  it(`${SERVER_KILLS} kills of a serving process under write load and ${SEED_KILLS} of a seed-demo: the file is intact, every acknowledged write is there, the audit chain verifies`, async () => {
    t = tempRegistry()
    t.registry.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 1_000_000_000 }, 'test')
    const gateway = t.registry.createKey({ name: 'Gateway', resources: ['gpt-4o:TPM'] }, 'test').secret
    const adminKey = t.registry.createKey({ name: 'Ops', kind: 'admin' }, 'test').secret
    t.registry.close()

    const acked = { usageRequests: 0, usagePrompt: 0, keyIds: [] as string[] }
    const sent = { usageRequests: 0, usagePrompt: 0 }
    const killedAfter: number[] = []
    for (let round = 0; round < SERVER_KILLS; round++) {
      serve = await serveChild(t.path)
      const url = serve.url
      let stop = false
      const usageAgent = new Agent({ keepAlive: true, maxSockets: 4 })
      const adminAgent = new Agent({ keepAlive: true, maxSockets: 2 })
      // Four usage reporters and two admin writers, each sending its next request when the last is answered.
      const usageWorker = async () => {
        for (let i = 1; !stop; i++) {
          sent.usageRequests++
          sent.usagePrompt += i
          try {
            const a = await timedRequest(usageAgent, `${url}/v1/usage`, {
              method: 'POST',
              headers: { authorization: `Bearer ${gateway}` },
              json: { model: 'gpt-4o', promptTokens: i, completionTokens: 1 }
            })
            if (a.status === 200) {
              acked.usageRequests++
              acked.usagePrompt += i
            } else if (a.status !== 202) throw new Error(`usage answered ${a.status}: ${a.body}`)
          } catch (error) {
            if (!stop) throw error
          }
        }
      }
      let created = 0
      const adminWorker = async (w: number) => {
        while (!stop) {
          try {
            const a = await timedRequest(adminAgent, `${url}/v1/admin/keys`, {
              method: 'POST',
              headers: { authorization: `Bearer ${adminKey}` },
              json: { name: `R${round}W${w}K${created++}`, resources: ['gpt-4o:TPM'], notes: 'written under SIGKILL' }
            })
            if (a.status === 201) acked.keyIds.push(JSON.parse(a.body).key.id)
            else throw new Error(`create answered ${a.status}: ${a.body}`)
          } catch (error) {
            if (!stop) throw error
          }
        }
      }
      const load = Promise.all([
        usageWorker(),
        usageWorker(),
        usageWorker(),
        usageWorker(),
        adminWorker(0),
        adminWorker(1)
      ])
      const delay = 50 + Math.floor(Math.random() * 500)
      killedAfter.push(delay)
      await sleep(delay)
      // From here, a request that fails was never acknowledged: that is the point.
      stop = true
      serve.proc.kill('SIGKILL')
      await serve.exited
      usageAgent.destroy()
      adminAgent.destroy()
      await load

      const after = inspect(t.path, acked.keyIds)
      expect(after.integrity).toBe('ok')
      expect(after.missing).toEqual([])
      // Every acknowledged report is there; nothing appears that was never sent.
      expect(after.usage.requests).toBeGreaterThanOrEqual(acked.usageRequests)
      expect(after.usage.requests).toBeLessThanOrEqual(sent.usageRequests)
      expect(after.usage.prompt).toBeGreaterThanOrEqual(acked.usagePrompt)
      expect(after.usage.prompt).toBeLessThanOrEqual(sent.usagePrompt)
      expect(after.audit.ok).toBe(true)
    }
    expect(acked.keyIds.length).toBeGreaterThan(SERVER_KILLS)
    expect(acked.usageRequests).toBeGreaterThan(SERVER_KILLS)

    // A long writer killed mid-way: the chunks it committed stay whole, the chain verifies.
    let keys = inspect(t.path, []).keys
    for (let round = 0; round < SEED_KILLS; round++) {
      const proc = spawn(
        process.execPath,
        [CLI, '--db', t.path, 'seed-demo', '--keys', '4000', '--seed', `kill${round}`],
        { cwd: REPO }
      )
      let err = ''
      proc.stderr.on('data', (c) => (err += c))
      const exited = new Promise((r) => proc.on('exit', r))
      const delay = 300 + Math.floor(Math.random() * 1200)
      killedAfter.push(delay)
      await sleep(delay)
      proc.kill('SIGKILL')
      await exited
      const after = inspect(t.path, acked.keyIds)
      expect(after.integrity, err).toBe('ok')
      expect(after.missing).toEqual([])
      expect(after.audit.ok).toBe(true)
      expect(after.keys).toBeGreaterThanOrEqual(keys)
      keys = after.keys
    }

    const audit = await cli(t.path, 'audit', 'verify')
    expect(audit.code, audit.stderr).toBe(0)
    await waitForText(() => audit.stdout, /./)
    console.log(
      `sigkill: ${SERVER_KILLS + SEED_KILLS} kills after ${killedAfter.join(',')} ms; acknowledged ${acked.keyIds.length} key creations and ` +
        `${acked.usageRequests} usage reports, ${keys} keys at the end; audit verify: ${audit.stdout.trim()}`
    )
  })
})
