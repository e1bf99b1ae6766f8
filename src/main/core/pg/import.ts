import { randomBytes as nodeRandomBytes } from 'node:crypto'
import type { Pool, PoolClient } from 'pg'
import type { ParsedInput } from '../../../shared/contract'
import { KeywardError } from '../../../shared/errors'
import type { ImportedKey, KeyImportResult } from '../../../shared/schemas'
import {
  addClashes,
  dryRunKeys,
  hashesFound,
  importAuditRecord,
  importedKeyMaterial,
  importedKeyValues,
  importResult,
  planImport,
  usableRows,
  type ImportClashes,
  type ImportPlan,
  type ImportResource,
  type PlannedKey
} from '../import'
import type { RandomBytes } from '../secrets'
import { RegistryBusy } from '../sqlite-errors'
import { appendPgAudit } from './audit'
import { pgEntityId } from './keys-write'
import { inTransaction } from './transaction'

/**
 * keys.import on PostgreSQL: the file is read and every row checked by core/import.ts's own
 * functions (the same problems, in the same words, rows and order), then, if nothing is wrong,
 * every key is written in ONE transaction with its audit entry (no chunks to undo: PostgreSQL has
 * no registry-wide write lock to hand back between them).
 *
 * The checks run inside that transaction, but two importers can still both pass them for one
 * name (or secret hash) and race to the unique index: the loser's transaction is rolled back and
 * the whole import checked again, which now names the winner's keys as the rows' problems, exactly
 * what SQLite answers for the same file once the other import is in. Nothing is ever written in part.
 */

type Queryable = Pick<PoolClient, 'query'>

/** Re-checks after a lost race; past this many (a storm of importers), the CONFLICT of SQLite. */
const ATTEMPTS = 5
/** Audit rows per INSERT: 9 parameters each, under PostgreSQL's 65,535 per statement. */
const AUDIT_BATCH = 5000
const KEY_COLUMNS = `id, name, kind, hint, disabled, department_id, project_id, environment, requestor, app_id,
  justification, notes, notify_email, created_by, created_at, updated_at, expires_at, last_used_at`

export async function importPgKeys(
  pool: Pool,
  v: ParsedInput<'keys.import'>,
  actor: string,
  now: number,
  randomBytes: RandomBytes = nodeRandomBytes
): Promise<KeyImportResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTransaction(pool, (client) => importOnce(client, v, actor, now, randomBytes))
    } catch (error) {
      if (error instanceof KeywardError) throw error
      const { code, constraint } = error as { code?: string; constraint?: string }
      const lostRace =
        code === '23505' && (constraint === 'api_keys_name' || constraint === 'key_secrets_secret_hash_key')
      if (lostRace && attempt < ATTEMPTS) continue
      if (lostRace || code?.startsWith('23'))
        throw new KeywardError(
          'CONFLICT',
          'That change conflicts with the registry as it is now. Nothing was changed; reload and try again.'
        )
      if (code === '40P01' || code === '40001') throw new RegistryBusy()
      throw error
    }
  }
}

async function importOnce(
  client: Queryable,
  v: ParsedInput<'keys.import'>,
  actor: string,
  now: number,
  randomBytes: RandomBytes
): Promise<KeyImportResult> {
  // A resource removed before the keys are in fails their assignment's foreign key: checked again.
  const resources = (await client.query<ImportResource>('SELECT id, model, type FROM resources')).rows
  const plan = planImport(v, now, resources)
  addClashes(plan, await pgClashes(client, plan))
  const usable = usableRows(v, plan)
  if (usable === undefined) return importResult(v, plan.errors, [])
  if (v.dryRun) return importResult(v, plan.errors, dryRunKeys(usable))
  return importResult(v, plan.errors, await writePgKeys(client, usable, actor, now, randomBytes))
}

async function pgClashes(client: Queryable, plan: ImportPlan): Promise<ImportClashes> {
  const names = (
    await client.query<{ name: string }>(
      `SELECT k.name FROM api_keys k WHERE keyward_nocase(k.name) IN (SELECT keyward_nocase(n) FROM unnest($1::text[]) n)
       ORDER BY keyward_nocase(k.name) COLLATE "C"`,
      [plan.planned.map((p) => p.name)]
    )
  ).rows.map((r) => r.name)
  const found: Record<'key_secrets' | 'key_tombstones', string[]> = { key_secrets: [], key_tombstones: [] }
  if (plan.hashes.size > 0) {
    for (const table of ['key_secrets', 'key_tombstones'] as const) {
      const rows = await client.query<{ hex: string }>(
        `SELECT encode(secret_hash, 'hex') AS hex FROM ${table}
         WHERE secret_hash IN (SELECT decode(h, 'hex') FROM unnest($1::text[]) h) ORDER BY secret_hash`,
        [[...plan.hashes.keys()]]
      )
      found[table] = rows.rows.map((r) => r.hex)
    }
  }
  return { names, ...hashesFound(plan, (table) => found[table]) }
}

async function writePgKeys(
  client: Queryable,
  usable: readonly PlannedKey[],
  actor: string,
  now: number,
  randomBytes: RandomBytes
): Promise<ImportedKey[]> {
  // Departments, then projects, created on first use in the rows' order, as on SQLite.
  const entities = { departments: new Map<string, number | null>(), projects: new Map<string, number | null>() }
  for (const [table, field] of [
    ['departments', 'department'],
    ['projects', 'project']
  ] as const) {
    for (const p of usable) {
      const name = p[field]
      if (name === null || entities[table].has(name.toLowerCase())) continue
      entities[table].set(name.toLowerCase(), await pgEntityId(client, table, name))
    }
  }
  const made: ImportedKey[] = []
  const keyCols: unknown[][] = Array.from({ length: 18 }, () => [])
  const materials = usable.map((p) => importedKeyMaterial(p, randomBytes))
  usable.forEach((p, i) => {
    const m = materials[i]!
    const values = importedKeyValues(
      p,
      m.id,
      m.hint,
      {
        department: p.department === null ? null : entities.departments.get(p.department.toLowerCase())!,
        project: p.project === null ? null : entities.projects.get(p.project.toLowerCase())!
      },
      actor,
      now
    )
    values.forEach((value, c) => keyCols[c]!.push(value))
    made.push({
      row: p.row,
      id: m.id,
      name: p.name,
      hint: m.hint,
      source: p.source,
      ...(m.secret ? { secret: m.secret } : {})
    })
  })
  // One statement per table, the rows in the file's order (so the keys' pks follow it, as on SQLite).
  const inserted = await client.query<{ pk: number; id: string }>(
    `INSERT INTO api_keys (${KEY_COLUMNS})
     SELECT ${KEY_COLUMNS} FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[],
       $7::bigint[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[],
       $15::bigint[], $16::bigint[], $17::bigint[], $18::bigint[]) WITH ORDINALITY AS r (${KEY_COLUMNS}, n)
     ORDER BY n
     RETURNING pk, id`,
    keyCols
  )
  const pkOf = new Map(inserted.rows.map((r) => [r.id, r.pk]))
  const secrets: unknown[][] = [[], [], [], [], [], []]
  const assignments: unknown[][] = [[], [], []]
  usable.forEach((p, i) => {
    const m = materials[i]!
    const pk = pkOf.get(m.id)!
    const format = p.source === 'sha256' ? 'sha256' : 'keyward'
    for (const h of m.hashes) [pk, h.hash, h.hint, now, h.retiresAt, format].forEach((x, c) => secrets[c]!.push(x))
    for (const r of p.resources) [pk, r.id, r.model].forEach((x, c) => assignments[c]!.push(x))
  })
  await client.query(
    `INSERT INTO key_secrets (key_pk, secret_hash, hint, created_at, retires_at, format)
     SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::text[], $4::bigint[], $5::bigint[], $6::text[])`,
    secrets
  )
  if (assignments[0]!.length > 0)
    await client.query(
      `INSERT INTO key_resources (key_pk, resource_id, model) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])`,
      assignments
    )
  const records = usable.map((p, i) => importAuditRecord(p, materials[i]!.id, materials[i]!.hint, actor))
  for (let at = 0; at < records.length; at += AUDIT_BATCH)
    await appendPgAudit(client, now, records.slice(at, at + AUDIT_BATCH))
  return made
}
