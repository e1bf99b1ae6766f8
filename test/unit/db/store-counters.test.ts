import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openRegistryDatabase } from '../../../src/main/db/open'
import { SqliteStore } from '../../../src/main/core/store'
import type { RegistryDatabase } from '../../../src/main/db/open'

/**
 * Counter writes (usage, TPM windows) commit without an fsync (synchronous=NORMAL in WAL mode);
 * every other write keeps FULL. A real registry file: the setting is per connection.
 */
let db: RegistryDatabase | undefined
afterEach(() => db?.close())

const FULL = 2
const NORMAL = 1

describe('SqliteStore.counters', () => {
  it('commits with synchronous=NORMAL and leaves the connection at FULL', () => {
    db = openRegistryDatabase(join(mkdtempSync(join(tmpdir(), 'kw-counters-')), 'r.db'))
    const store = new SqliteStore(db)
    expect(db.pragma('synchronous', { simple: true })).toBe(FULL)
    store.write(() => store.sql('CREATE TABLE c (n INTEGER)').run())
    const during = store.counters(() => {
      store.sql('INSERT INTO c VALUES (1)').run()
      return db!.pragma('synchronous', { simple: true })
    })
    expect(during).toBe(NORMAL)
    expect(db.pragma('synchronous', { simple: true })).toBe(FULL)
    expect(store.pluck('SELECT count(*) FROM c').get()).toBe(1)
  })

  it('goes back to FULL when the write fails, and changes nothing', () => {
    db = openRegistryDatabase(join(mkdtempSync(join(tmpdir(), 'kw-counters-')), 'r.db'))
    const store = new SqliteStore(db)
    store.write(() => store.sql('CREATE TABLE c (n INTEGER NOT NULL)').run())
    expect(() =>
      store.counters(() => {
        store.sql('INSERT INTO c VALUES (1)').run()
        store.sql('INSERT INTO c VALUES (NULL)').run()
      })
    ).toThrow()
    expect(db.pragma('synchronous', { simple: true })).toBe(FULL)
    expect(store.pluck('SELECT count(*) FROM c').get()).toBe(0)
  })

  it('inside an open transaction is part of it (the outer commit decides)', () => {
    db = openRegistryDatabase(join(mkdtempSync(join(tmpdir(), 'kw-counters-')), 'r.db'))
    const store = new SqliteStore(db)
    store.write(() => store.sql('CREATE TABLE c (n INTEGER)').run())
    const during = store.write(() =>
      store.counters(() => {
        store.sql('INSERT INTO c VALUES (1)').run()
        return db!.pragma('synchronous', { simple: true })
      })
    )
    expect(during).toBe(FULL)
    expect(store.pluck('SELECT count(*) FROM c').get()).toBe(1)
  })
})
