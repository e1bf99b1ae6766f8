import { spawn } from 'node:child_process'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { BIN, cleanEnv, run } from '../../cli/run'
import { createNotifyHandlers } from '../../../src/main/notify/handlers'
import { processPasswordStore } from '../../../src/main/notify/types'
import { DEFAULT_LEASE_MS, flushOutbox } from '../../../src/main/notify/sender'
import { freePort, startLoopbackSmtp, type LoopbackSmtp } from './smtp-fixture'

const ctx = { actor: 'alice' }

/**
 * Delivery across processes: the app or CLI that queued an alert exits, crashes mid-send, or runs
 * next to another sender; each alert still reaches the server exactly once.
 */
describe('outbox across process restarts and crashes', () => {
  let t: TempRegistry
  let smtp: LoopbackSmtp | undefined

  beforeEach(() => {
    // Child processes use the real clock, so this process's clock starts at real time too.
    t = tempRegistry({ start: Date.now() })
  })
  afterEach(async () => {
    await smtp?.close()
    smtp = undefined
    t.close()
  })

  const flushInChild = async () => {
    const r = await run(['--db', t.path, '--json', 'notify', 'flush'], { env: cleanEnv() })
    return { code: r.code, result: JSON.parse(r.stdout) as { sent: number; failed: number; pending: number } }
  }

  async function configure(port: number) {
    await createNotifyHandlers({
      registry: t.registry,
      passwords: processPasswordStore(null),
      clock: () => t.clock.now
    })['notify.settings.set']({ host: '127.0.0.1', port, security: 'none', from: 'keyward@example.com' }, ctx)
  }

  it('mail left pending when the process that queued it exits is delivered once by the next process', async () => {
    const port = await freePort()
    await configure(port)
    t.registry.createKey({ name: 'Restart1', notifyEmail: 'a@example.com' }, 'alice')
    const offline = await flushOutbox(
      { registry: t.registry, passwords: processPasswordStore(null), clock: () => t.clock.now },
      { ignoreSchedule: true }
    )
    expect(offline).toMatchObject({ sent: 0, pending: 1 })
    // "The app quits": its registry connection closes with the alert still pending.
    t.registry.close()

    smtp = await startLoopbackSmtp({ port })
    expect(await flushInChild()).toEqual({ code: 0, result: { sent: 1, failed: 0, pending: 0 } })
    expect(await flushInChild()).toEqual({ code: 0, result: { sent: 0, failed: 0, pending: 0 } })
    expect(smtp.received).toHaveLength(1)
    expect(smtp.received[0]!.parsed.subject).toBe('Keyward: API key "Restart1" was created')
  })

  it('a sender killed mid-send: nobody else sends while its lease lasts; after it expires the alert goes out once', async () => {
    smtp = await startLoopbackSmtp({
      // The first copy is never answered: its sender dies waiting for the 250.
      beforeAccept: () => (smtp!.dataArrived === 1 ? new Promise<void>(() => undefined) : undefined)
    })
    await configure(smtp.port)
    t.registry.createKey({ name: 'Crash1', notifyEmail: 'a@example.com' }, 'alice')

    const child = spawn(process.execPath, [BIN, '--db', t.path, '--json', 'notify', 'flush'], {
      env: cleanEnv(),
      stdio: 'ignore'
    })
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)))
    await smtp.waitForData(1)
    child.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')

    const row = () =>
      t.registry.db.prepare('SELECT status, attempts, claimed_until FROM outbox').get() as {
        status: string
        attempts: number
        claimed_until: number
      }
    expect(row()).toMatchObject({ status: 'sending', attempts: 1 })
    const senderHere = { registry: t.registry, passwords: processPasswordStore(null), clock: () => t.clock.now }
    // The dead sender's lease still runs: a new process (real clock) and this one both leave it alone.
    expect(await flushInChild()).toEqual({ code: 0, result: { sent: 0, failed: 0, pending: 1 } })
    expect(await flushOutbox(senderHere, { ignoreSchedule: true })).toMatchObject({ sent: 0, pending: 1 })

    t.clock.now = row().claimed_until
    expect(await flushOutbox(senderHere, { ignoreSchedule: true })).toEqual({ sent: 1, failed: 0, pending: 0 })
    expect(row()).toMatchObject({ status: 'sent', attempts: 2 })
    expect(smtp.received).toHaveLength(1)
    expect(smtp.dataArrived).toBe(2)
    expect(await flushInChild()).toEqual({ code: 0, result: { sent: 0, failed: 0, pending: 0 } })
    expect(smtp.received).toHaveLength(1)
    expect(DEFAULT_LEASE_MS).toBeGreaterThanOrEqual(60_000)
  })

  it('two sender processes flushing the same file at once deliver every alert exactly once', async () => {
    // The first message's answer waits until a second message arrives: that can only come from
    // the other process (the first is stuck waiting), so both really send at the same time.
    smtp = await startLoopbackSmtp({ beforeAccept: () => (smtp!.dataArrived === 1 ? smtp!.waitForData(2) : undefined) })
    await configure(smtp.port)
    const count = 12
    for (let i = 1; i <= count; i++)
      t.registry.createKey({ name: `Race${i}`, notifyEmail: `r${i}@example.com` }, 'alice')

    const [a, b] = await Promise.all([flushInChild(), flushInChild()])
    expect(a.result.sent + b.result.sent).toBe(count)
    expect(a.result.sent).toBeGreaterThan(0)
    expect(b.result.sent).toBeGreaterThan(0)
    expect(a.result.failed + b.result.failed).toBe(0)
    expect(smtp.received).toHaveLength(count)
    expect(smtp.dataArrived).toBe(count)
    const recipients = smtp.received.map((m) => m.rcptTo[0]!)
    expect(new Set(recipients).size).toBe(count)
    const ids = smtp.received.map((m) => m.parsed.messageId)
    expect(new Set(ids).size).toBe(count)
    const statuses = t.registry.db
      .prepare('SELECT status, attempts, count(*) AS n FROM outbox GROUP BY status, attempts')
      .all()
    expect(statuses).toEqual([{ status: 'sent', attempts: 1, n: count }])
  })
})
