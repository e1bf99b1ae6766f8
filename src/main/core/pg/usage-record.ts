import type { Pool } from 'pg'
import type { z } from 'zod'
import {
  MINUTE_MS,
  usageRecorded,
  UsageRefused,
  type UsageEntry,
  type UsageRecordInput,
  type UsageRecorded
} from '../usage'
import { inTransaction } from './transaction'
import { addPgUsage } from './usage'
import type { PgVerifyPath } from './verify'

/**
 * POST /v1/usage on a PostgreSQL node, as recordUsage on a file: the key authenticates the report
 * (it must verify for the model now; RATE_LIMITED still reports, its request was allowed), then
 * the tokens are added in one transaction, and the answer is the same document (the key, the
 * minute, a TPM resource's window after the report). A key deleted or unassigned between the
 * check and the write is refused as on a file (REVOKED, MODEL_NOT_ASSIGNED), nothing written.
 */
export async function recordPgUsage(
  pool: Pool,
  verify: Pick<PgVerifyPath, 'answer'>,
  v: z.output<typeof UsageRecordInput>,
  now: number
): Promise<UsageRecorded> {
  const { hit } = await verify.answer(v.key, v.model, v.appName)
  if (hit.code !== 'VALID' && hit.code !== 'RATE_LIMITED') throw new UsageRefused(hit.code)
  const entry: UsageEntry = {
    pk: hit.pk!,
    model: v.model,
    minute: Math.floor(now / MINUTE_MS),
    promptTokens: v.promptTokens,
    completionTokens: v.completionTokens
  }
  return inTransaction(pool, async (client) => {
    const written = await addPgUsage(client, [entry])
    // Read in the same transaction as the write: the window's tokens include this report.
    const { rows } = await client.query<{
      key_id: string | null
      id: string | null
      tpm_limit: number | null
      used: number | null
    }>(
      `SELECT k.id AS key_id, r.id, r.tpm_limit, ru.tokens AS used
         FROM (SELECT $1::bigint AS pk) q
         LEFT JOIN api_keys k ON k.pk = q.pk
         LEFT JOIN key_resources kr ON kr.key_pk = k.pk AND kr.model = $2::text
         LEFT JOIN resources r ON r.id = kr.resource_id
         LEFT JOIN resource_usage ru ON ru.resource_id = r.id AND ru.minute = $3::bigint`,
      [entry.pk, entry.model, entry.minute]
    )
    const row = rows[0]!
    if (row.key_id === null) throw new UsageRefused('REVOKED')
    if (written === 0 || row.id === null) throw new UsageRefused('MODEL_NOT_ASSIGNED')
    return usageRecorded(row.key_id, entry, { id: row.id, tpm_limit: row.tpm_limit }, row.used ?? 0)
  })
}
