import type { Pool } from 'pg'
import type { VerifyResult } from '../../../shared/types'
import { pgKeyByRef } from './keys'
import { PgLastUsed } from './last-used'
import { PgVerifyPath } from './verify'

/**
 * `keyward keys verify` on a PostgreSQL registry: the same decision as the servers' (PgVerifyPath)
 * and the same document as on a file, the key in full when the secret belongs to one. A valid key's
 * lastUsedAt is written, as the CLI does on a file.
 */
export async function pgVerify(
  pool: Pool,
  input: { secret: string; model?: string; appName?: string },
  now: number
): Promise<VerifyResult> {
  const { hit, key } = await new PgVerifyPath(pool, () => now).answer(input.secret, input.model, input.appName)
  if (hit.code === 'VALID' && hit.pk !== undefined) {
    const used = new PgLastUsed(pool)
    used.note(hit.pk, now)
    await used.flush()
  }
  const result: VerifyResult = { valid: hit.code === 'VALID', code: hit.code }
  if (key) result.key = await pgKeyByRef(pool, key[0], now)
  if (hit.retryAfter !== undefined) result.retryAfter = hit.retryAfter
  return result
}
