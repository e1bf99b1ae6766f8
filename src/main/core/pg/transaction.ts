import type { Pool, PoolClient } from 'pg'

/**
 * BEGIN … COMMIT on a connection of its own for one change; any error rolls back and is thrown as
 * it was. A connection that cannot even roll back is broken: it is destroyed rather than pooled.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const result = await work(client)
    await client.query('COMMIT')
    client.release()
    return result
  } catch (error) {
    const broken = await client.query('ROLLBACK').then(
      () => undefined,
      (e: unknown) => (e instanceof Error ? e : new Error(String(e)))
    )
    client.release(broken)
    throw error
  }
}

/** A read on one snapshot (REPEATABLE READ, read-only): every query of `read` sees the same registry. */
export function inSnapshot<T>(pool: Pool, read: (client: PoolClient) => Promise<T>): Promise<T> {
  return inTransaction(pool, async (client) => {
    await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY')
    return read(client)
  })
}
