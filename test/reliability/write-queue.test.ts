import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { KeywardError } from '../../src/shared/errors'
import { isBusyError } from '../../src/main/core/sqlite-errors'
import { retryingWrites, SERVER_BUSY_TIMEOUT_MS, WriteQueue } from '../../src/main/server/write-queue'
import { operationTable } from '../../src/main/transport/dispatch'
import { validateInput } from '../../src/main/core/validate'
import { tempRegistry, type TempRegistry } from '../helpers/registry'
import { sleep } from './support'

let t: TempRegistry | undefined
let other: Database.Database | undefined

afterEach(() => {
  if (other?.inTransaction) other.exec('ROLLBACK')
  other?.close()
  other = undefined
  t?.close()
  t = undefined
})

/** A registry whose connection waits SERVER_BUSY_TIMEOUT_MS for the lock, and a second connection to take it. */
function setup() {
  t = tempRegistry({ busyTimeoutMs: SERVER_BUSY_TIMEOUT_MS })
  t.registry.createKey({ name: 'Existing' }, 'test')
  other = new Database(t.path)
  return { registry: t.registry, lock: () => other!.exec('BEGIN IMMEDIATE'), unlock: () => other!.exec('COMMIT') }
}

const notes = (t: TempRegistry) => t.registry.getKey({ key: 'Existing' }).key.notes

describe('the server write queue, against a real second connection holding the lock', () => {
  it('runs a write at once when the lock is free', async () => {
    const { registry } = setup()
    const queue = new WriteQueue()
    const { done } = queue.submit(() => registry.editKey({ key: 'Existing', changes: { notes: 'now' } }, 'test'))
    expect(queue.size).toBe(0)
    await done
    expect(notes(t!)).toBe('now')
  })

  it('queues writes while another connection holds the lock and runs them in order once it is released', async () => {
    const { registry, lock, unlock } = setup()
    const queue = new WriteQueue()
    lock()
    const started = performance.now()
    const first = queue.submit(() => registry.editKey({ key: 'Existing', changes: { notes: 'first' } }, 'test'))
    // Busy: the attempt took no longer than the short timeout, and the write is waiting.
    expect(performance.now() - started).toBeLessThan(1_000)
    const second = queue.submit(() => registry.editKey({ key: 'Existing', changes: { notes: 'second' } }, 'test'))
    expect(queue.size).toBe(2)
    await sleep(100)
    expect(queue.size).toBe(2)
    unlock()
    await Promise.all([first.done, second.done])
    expect(queue.size).toBe(0)
    expect(notes(t!)).toBe('second')
  })

  it('a write past its deadline fails with BUSY and changes nothing; errors that are not busy are not retried', async () => {
    const { registry, lock, unlock } = setup()
    const queue = new WriteQueue()
    lock()
    const late = queue.submit(() => registry.editKey({ key: 'Existing', changes: { notes: 'late' } }, 'test'), {
      deadlineMs: 150
    })
    const error = await late.done.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KeywardError)
    expect((error as KeywardError).code).toBe('BUSY')
    unlock()
    await sleep(50)
    expect(notes(t!)).toBeNull()
    let calls = 0
    const refused = queue.submit(() => {
      calls++
      throw KeywardError.validation({ name: 'bad' })
    })
    await expect(refused.done).rejects.toMatchObject({ code: 'VALIDATION' })
    expect(calls).toBe(1)
  })

  it('the admin table retries changes only; reads answer while the lock is held', async () => {
    const { registry, lock, unlock } = setup()
    const queue = new WriteQueue()
    const table = retryingWrites(operationTable(registry, {} as never), queue, 5_000)
    lock()
    const read = await table['keys.get']({ key: 'Existing' }, { actor: 'test' })
    expect(read.key.name).toBe('Existing')
    const change = table['keys.edit'](
      validateInput('keys.edit', { key: 'Existing', changes: { notes: 'after release' } }),
      { actor: 'test' }
    )
    await sleep(100)
    expect(queue.size).toBe(1)
    unlock()
    await change
    expect(notes(t!)).toBe('after release')
  })

  it('on close, queued writes get one more try in order; while the lock is still held they fail BUSY after one wait, not one each', async () => {
    const { registry, lock, unlock } = setup()
    const queue = new WriteQueue()
    lock()
    const calls = [0, 0, 0]
    const jobs = [0, 1, 2].map((n) =>
      queue.submit(() => {
        calls[n]!++
        return registry.editKey({ key: 'Existing', changes: { notes: `n${n}` } }, 'test')
      })
    )
    registry.setBusyTimeout(300)
    queue.drainNow()
    const outcomes = await Promise.all(
      jobs.map((j) =>
        j.done.then(
          () => 'ok',
          (e: KeywardError) => e.code
        )
      )
    )
    expect(outcomes).toEqual(['BUSY', 'BUSY', 'BUSY'])
    // The first tried on submit and once more on close; the others were refused without a wait of their own.
    expect(calls).toEqual([2, 0, 0])
    unlock()
    const again = [4, 5].map((n) =>
      queue.submit(() => registry.editKey({ key: 'Existing', changes: { notes: `n${n}` } }, 'test'))
    )
    queue.drainNow()
    await Promise.all(again.map((j) => j.done))
    expect(notes(t!)).toBe('n5')
  })

  it('knows busy errors from better-sqlite3 and from the core', () => {
    const { registry, lock } = setup()
    lock()
    let caught: unknown
    try {
      registry.editKey({ key: 'Existing', changes: { notes: 'x' } }, 'test')
    } catch (error) {
      caught = error
    }
    expect(isBusyError(caught)).toBe(true)
    expect((caught as KeywardError).code).toBe('CONFLICT')
    expect(isBusyError(Object.assign(new Error('busy'), { code: 'SQLITE_BUSY' }))).toBe(true)
    expect(isBusyError(KeywardError.validation({ a: 'b' }))).toBe(false)
  })
})
