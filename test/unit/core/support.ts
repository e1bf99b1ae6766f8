import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { expect } from 'vitest'
import { KeywardError, type ErrorCode } from '../../../src/shared/errors'
import type { TestRegistry } from '../../helpers/registry'

export const ACTOR = 'tester'

/** Runs fn and returns the KeywardError it throws; fails the test if it does not throw one. */
export function refusal(fn: () => unknown): KeywardError {
  try {
    fn()
  } catch (error) {
    if (error instanceof KeywardError) return error
    throw error
  }
  throw new Error('expected the operation to be refused, but it succeeded')
}

/** fn must throw a KeywardError with this code (and, for VALIDATION, name each of `fields`). */
export function expectRefused(fn: () => unknown, code: ErrorCode, fields: string[] = []): KeywardError {
  const error = refusal(fn)
  expect(error.code, error.message).toBe(code)
  for (const f of fields) expect(error.fields ?? {}, error.message).toHaveProperty([f])
  return error
}

/**
 * SHA-256 of the database file and its WAL as they are on disk. The -shm file is left out on
 * purpose: it is a shared-memory index SQLite rebuilds at will, and merely starting a read
 * transaction may move a reader mark in it, so it says nothing about the stored data.
 */
export function fileState(path: string): string {
  const h = createHash('sha256')
  for (const suffix of ['', '-wal']) {
    h.update(suffix)
    h.update(existsSync(path + suffix) ? readFileSync(path + suffix) : Buffer.from('absent'))
  }
  return h.digest('hex')
}

/** Every row of every table (FTS shadow tables included), read through SQL: the logical content. */
export function logicalState(registry: TestRegistry): string {
  const db = registry.db
  const tables = db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[]
  const h = createHash('sha256')
  for (const t of tables) {
    if (t === 'api_keys_fts') continue // the virtual table itself; its shadow tables are listed
    h.update(t)
    for (const row of db.prepare(`SELECT * FROM "${t}"`).raw().iterate())
      h.update(
        JSON.stringify(row, (_k, v) => (Buffer.isBuffer(v) ? v.toString('hex') : typeof v === 'bigint' ? String(v) : v))
      )
  }
  h.update(String(db.pragma('user_version', { simple: true })))
  return h.digest('hex')
}

/** fn must be refused with `code` and leave the files on disk and the logical content as they were. */
export function expectRefusedUnchanged(
  registry: TestRegistry,
  path: string,
  fn: () => unknown,
  code: ErrorCode,
  fields: string[] = []
): KeywardError {
  const bytes = fileState(path)
  const logical = logicalState(registry)
  const error = expectRefused(fn, code, fields)
  expect(fileState(path), `${code} must not touch the files`).toBe(bytes)
  expect(logicalState(registry), `${code} must not change the data`).toBe(logical)
  return error
}

/** A deterministic random source: bytes from SHA-256 in counter mode. */
export function deterministicBytes(seed = 'test'): (size: number) => Buffer {
  let counter = 0
  return (size) => {
    const out: Buffer[] = []
    let n = 0
    while (n < size) {
      const block = createHash('sha256').update(`${seed}:${counter++}`).digest()
      out.push(block)
      n += block.length
    }
    return Buffer.concat(out).subarray(0, size)
  }
}
