import { randomBytes as nodeRandomBytes } from 'node:crypto'
import type { Pool, PoolClient } from 'pg'
import type { ParsedInput } from '../../../shared/contract'
import { KeywardError } from '../../../shared/errors'
import type { ApiKey, KeyResource } from '../../../shared/types'
import { planResourceChange } from '../assignments'
import { newId } from '../context'
import { diffDetails, nameTaken } from '../key-rows'
import { createAuditRecord, futureDate, refuseAdminResources, rotateAuditRecord } from '../keys'
import { keyCreatedAlertValues } from '../outbox'
import { checkOneTypePerModel, resourceNotFound } from '../resources'
import { generateSecret, hashSecret, secretHint, type RandomBytes } from '../secrets'
import { RegistryBusy } from '../sqlite-errors'
import { appendPgAudit } from './audit'
import { findPgKey, pgKeyByPk } from './keys'
import { inTransaction } from './transaction'

/**
 * The key changes that write more than a status, on PostgreSQL: create, rotate, the key's
 * resources (assign, unassign, set), edit. Each is one transaction, with the audit entry appended
 * last (appendPgAudit locks the chain head), and answers, refuses and records what the SQLite core
 * does: the checks, documents and audit records are the core's own functions.
 *
 * Where two nodes could race:
 *  - a key being changed is locked first (SELECT … FOR UPDATE), so changes to one key take turns;
 *  - a name is checked, then left to the unique index on keyward_nocase(name): the loser of two
 *    creates (or renames) of one name at once gets the CONFLICT SQLite gives, naming the key that won;
 *  - departments and projects are created on first use with ON CONFLICT DO NOTHING, so two keys
 *    naming a new department at once share one row;
 *  - resources are read FOR KEY SHARE: one being assigned cannot be removed before the
 *    assignment commits (and the removal then sees it).
 * No TPM pool check here, as on SQLite: the pool caps the resources' TPM limits, which assigning a
 * resource to keys does not change (a resource's limit is shared by its keys).
 * Locks are taken in one order (department, project, key or name, resources, chain head).
 */

type Queryable = Pick<PoolClient, 'query'>

/** Creates a key; its secret is in this answer only (the registry keeps its hash). */
export async function createPgKey(
  pool: Pool,
  v: ParsedInput<'keys.create'>,
  actor: string,
  now: number,
  randomBytes: RandomBytes = nodeRandomBytes
): Promise<{ key: ApiKey; secret: string }> {
  return translated(pool, v.name, () =>
    inTransaction(pool, async (client) => {
      const expiresAt = futureDate(v.expiresAt, now)
      await ensurePgNameFree(client, v.name)
      refuseAdminResources(v)
      const resources = await resolvePgResourceSet(client, v.resources)
      // Secret, then id: the order the SQLite core draws them from the random source.
      const secret = generateSecret(v.kind, randomBytes)
      const hint = secretHint(secret)
      const id = newId({ randomBytes }, 'k_')
      const departmentId = await pgEntityId(client, 'departments', v.department)
      const projectId = await pgEntityId(client, 'projects', v.project)
      const inserted = await client.query<{ pk: number }>(
        `INSERT INTO api_keys (id, name, kind, hint, department_id, project_id, environment, requestor, app_id, justification,
           notes, notify_email, created_by, created_at, updated_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING pk`,
        [
          id,
          v.name,
          v.kind,
          hint,
          departmentId,
          projectId,
          v.environment ?? null,
          v.requestor ?? null,
          v.appId ?? null,
          v.justification ?? null,
          v.notes ?? null,
          v.notifyEmail ?? null,
          actor,
          now,
          now,
          expiresAt
        ]
      )
      const pk = inserted.rows[0]!.pk
      await client.query('INSERT INTO key_secrets (key_pk, secret_hash, hint, created_at) VALUES ($1, $2, $3, $4)', [
        pk,
        hashSecret(secret),
        hint,
        now
      ])
      await insertPgAssignments(client, pk, resources)
      const key = await pgKeyByPk(client, pk, now)
      if (key.notifyEmail) {
        await client.query(
          `INSERT INTO outbox (kind, recipient, subject, body_text, body_html, next_attempt_at, message_id, created_at)
           VALUES ('key.created', $1, $2, $3, $4, $5, $6, $7)`,
          keyCreatedAlertValues(key, actor, now)
        )
      }
      await appendPgAudit(client, now, [{ ...createAuditRecord(key), actor }])
      return { key, secret }
    })
  )
}

/** A new secret for the same key; the previous ones keep verifying for `graceSeconds` (or less, if already retiring sooner). */
export async function rotatePgKey(
  pool: Pool,
  v: ParsedInput<'keys.rotate'>,
  actor: string,
  now: number,
  randomBytes: RandomBytes = nodeRandomBytes
): Promise<{ key: ApiKey; secret: string }> {
  return translated(pool, undefined, () =>
    inTransaction(pool, async (client) => {
      const { pk, key: before } = await findPgKey(client, v.key, now, true)
      const retiresAt = now + v.graceSeconds * 1000
      await client.query(
        'UPDATE key_secrets SET retires_at = CASE WHEN retires_at IS NULL OR retires_at > $1 THEN $1 ELSE retires_at END WHERE key_pk = $2',
        [retiresAt, pk]
      )
      const secret = generateSecret(before.kind, randomBytes)
      const hint = secretHint(secret)
      await client.query('INSERT INTO key_secrets (key_pk, secret_hash, hint, created_at) VALUES ($1, $2, $3, $4)', [
        pk,
        hashSecret(secret),
        hint,
        now
      ])
      await client.query('UPDATE api_keys SET hint = $1, updated_at = $2 WHERE pk = $3', [hint, now, pk])
      const key = await pgKeyByPk(client, pk, now)
      await appendPgAudit(client, now, [{ ...rotateAuditRecord(before, hint, v.graceSeconds, retiresAt), actor }])
      return { key, secret }
    })
  )
}

/** Adds resources to the key's (one type per model; none for admin keys). */
export function assignPgResources(
  pool: Pool,
  v: ParsedInput<'keys.assign'>,
  actor: string,
  now: number
): Promise<{ key: ApiKey }> {
  return changePgResources(pool, v.key, actor, now, 'key.assign', async (client, current) => {
    const merged = new Map(current.map((r) => [r.id, r]))
    for (const r of await resolvePgResourceSet(client, v.resources)) merged.set(r.id, r)
    return [...merged.values()]
  })
}

/** Removes resources from the key's; each must exist (NOT_FOUND otherwise), assigned or not. */
export function unassignPgResources(
  pool: Pool,
  v: ParsedInput<'keys.unassign'>,
  actor: string,
  now: number
): Promise<{ key: ApiKey }> {
  return changePgResources(pool, v.key, actor, now, 'key.unassign', async (client, current) => {
    const removed = new Set<string>()
    for (const ref of v.resources) removed.add((await resolvePgResourceRef(client, ref)).id)
    return current.filter((r) => !removed.has(r.id))
  })
}

/** Replaces the key's resources with these. */
export function setPgResources(
  pool: Pool,
  v: ParsedInput<'keys.setResources'>,
  actor: string,
  now: number
): Promise<{ key: ApiKey }> {
  return changePgResources(pool, v.key, actor, now, 'key.setResources', (client) =>
    resolvePgResourceSet(client, v.resources)
  )
}

/** Changes a key's details (everything but its kind); no change, no entry. */
export async function editPgKey(
  pool: Pool,
  v: ParsedInput<'keys.edit'>,
  actor: string,
  now: number
): Promise<{ key: ApiKey }> {
  return translated(pool, v.changes.name, () =>
    inTransaction(pool, async (client) => {
      const { pk, key: before } = await findPgKey(client, v.key, now, true)
      const c = v.changes
      const sets: string[] = []
      const params: unknown[] = []
      const set = (column: string, value: unknown) => {
        params.push(value)
        sets.push(`${column} = $${params.length}`)
      }
      // The same checks in the same order as editKey on SQLite, so a refusal names the same field.
      if (c.name !== undefined && c.name !== before.name) {
        await ensurePgNameFree(client, c.name, before.id)
        set('name', c.name)
      }
      if (c.department !== undefined) set('department_id', await pgEntityId(client, 'departments', c.department))
      if (c.project !== undefined) set('project_id', await pgEntityId(client, 'projects', c.project))
      if (c.environment !== undefined) set('environment', c.environment)
      if (c.requestor !== undefined) set('requestor', c.requestor)
      if (c.appId !== undefined) set('app_id', c.appId)
      if (c.justification !== undefined) set('justification', c.justification)
      if (c.notes !== undefined) set('notes', c.notes)
      if (c.notifyEmail !== undefined) set('notify_email', c.notifyEmail)
      if (c.expiresAt !== undefined) {
        const current = before.expiresAt ? Date.parse(before.expiresAt) : null
        const next = c.expiresAt === null ? null : Date.parse(c.expiresAt)
        // Re-saving an unchanged (possibly past) date is not a new choice of date.
        if (next !== current) set('expires_at', futureDate(c.expiresAt, now))
      }
      if (sets.length === 0) return { key: before }
      params.push(now, pk)
      await client.query(
        `UPDATE api_keys SET ${sets.join(', ')}, updated_at = $${params.length - 1} WHERE pk = $${params.length}`,
        params
      )
      const after = await pgKeyByPk(client, pk, now)
      const changes = diffDetails(before, after)
      if (Object.keys(changes).length > 0) {
        await appendPgAudit(client, now, [
          { actor, action: 'key.edit', targetId: after.id, targetName: after.name, details: { changes } }
        ])
      }
      return { key: after }
    })
  )
}

async function changePgResources(
  pool: Pool,
  ref: string,
  actor: string,
  now: number,
  action: string,
  nextSet: (client: Queryable, current: KeyResource[]) => Promise<KeyResource[]>
): Promise<{ key: ApiKey }> {
  return translated(pool, undefined, () =>
    inTransaction(pool, async (client) => {
      const { pk, key: before } = await findPgKey(client, ref, now, true)
      const plan = planResourceChange(before, await nextSet(client, before.resources), action)
      if (!plan) return { key: before }
      for (const r of plan.removed)
        await client.query('DELETE FROM key_resources WHERE key_pk = $1 AND resource_id = $2', [pk, r.id])
      await insertPgAssignments(client, pk, plan.added)
      await client.query('UPDATE api_keys SET updated_at = $1 WHERE pk = $2', [now, pk])
      const key = await pgKeyByPk(client, pk, now)
      await appendPgAudit(client, now, [{ ...plan.record, actor }])
      return { key }
    })
  )
}

// ── Names, departments and projects, resources ──

const KEY_NAMED = 'SELECT id, name FROM api_keys WHERE keyward_nocase(name) = keyward_nocase($1)'

/** As ensureNameFree on SQLite: a live key with this name ignoring case (other than `exceptId`) refuses it. */
async function ensurePgNameFree(client: Queryable, name: string, exceptId?: string): Promise<void> {
  const clash = (await client.query<{ id: string; name: string }>(KEY_NAMED, [name])).rows[0]
  if (clash && clash.id !== exceptId) throw nameTaken(clash.name)
}

/** The department's or project's id, created on first use (names match ignoring ASCII case, as on SQLite). */
export async function pgEntityId(
  client: Queryable,
  table: 'departments' | 'projects',
  name: string | null | undefined
): Promise<number | null> {
  if (name == null) return null
  const select = `SELECT id FROM ${table} WHERE keyward_nocase(name) = keyward_nocase($1)`
  const found = (await client.query<{ id: number }>(select, [name])).rows[0]
  if (found) return found.id
  // Another node may be creating it right now: its row wins and we read it once it commits.
  const inserted = await client.query<{ id: number }>(
    `INSERT INTO ${table} (name) VALUES ($1) ON CONFLICT (keyward_nocase(name)) DO NOTHING RETURNING id`,
    [name]
  )
  const id = inserted.rows[0]?.id ?? (await client.query<{ id: number }>(select, [name])).rows[0]?.id
  if (id === undefined) throw new RegistryBusy()
  return id
}

const RESOURCE_REF = 'SELECT id, model, type, status FROM resources'
// FOR KEY SHARE: the resource cannot be removed until this transaction ends (its edits still go ahead).
const RESOURCE_BY_ID = `${RESOURCE_REF} WHERE id = $1 FOR KEY SHARE`
const RESOURCE_BY_MODEL_TYPE = `${RESOURCE_REF} WHERE model = $1 AND type = $2 FOR KEY SHARE`

/** As resolveResourceRef on SQLite: by id, else as MODEL:TYPE (the type in any case); NOT_FOUND otherwise. */
export async function resolvePgResourceRef(client: Queryable, ref: string): Promise<KeyResource> {
  const trimmed = ref.trim()
  let row = (await client.query<KeyResource>(RESOURCE_BY_ID, [trimmed])).rows[0]
  if (!row) {
    const at = trimmed.lastIndexOf(':')
    if (at > 0) {
      const type = trimmed.slice(at + 1).toUpperCase()
      row = (await client.query<KeyResource>(RESOURCE_BY_MODEL_TYPE, [trimmed.slice(0, at), type])).rows[0]
    }
  }
  if (!row) throw resourceNotFound(ref)
  return { id: row.id, model: row.model, type: row.type, status: row.status }
}

/** As resolveResourceSet on SQLite: distinct resources in the order named, one type per model. */
export async function resolvePgResourceSet(client: Queryable, refs: readonly string[]): Promise<KeyResource[]> {
  const byId = new Map<string, KeyResource>()
  for (const ref of refs) {
    const r = await resolvePgResourceRef(client, ref)
    byId.set(r.id, r)
  }
  const set = [...byId.values()]
  checkOneTypePerModel(set)
  return set
}

export async function insertPgAssignments(
  client: Queryable,
  pk: number,
  resources: readonly KeyResource[]
): Promise<void> {
  for (const r of resources)
    await client.query('INSERT INTO key_resources (key_pk, resource_id, model) VALUES ($1, $2, $3)', [
      pk,
      r.id,
      r.model
    ])
}

// ── Constraint failures, in the SQLite core's words ──

/**
 * Runs a change and translates what the database refused after the checks passed (another node
 * got there first) into the errors SQLite gives: never an INTERNAL for a rule. `name` is the key
 * name the change writes, if any: a lost race for it is answered as ensureNameFree would have,
 * naming the key that won.
 */
export async function translated<T>(pool: Pool, name: string | undefined, change: () => Promise<T>): Promise<T> {
  try {
    return await change()
  } catch (error) {
    if (error instanceof KeywardError) throw error
    const { code, constraint, message } = error as { code?: string; constraint?: string; message?: string }
    if (code === '23505' && constraint === 'api_keys_name') {
      const winner =
        name === undefined ? undefined : (await pool.query<{ name: string }>(KEY_NAMED, [name])).rows[0]?.name
      throw winner !== undefined
        ? nameTaken(winner)
        : new KeywardError(
            'CONFLICT',
            'A key with that name already exists (names are unique, ignoring case). Choose another name.'
          )
    }
    if (code === '23505' && constraint === 'key_resources_key_pk_model_key')
      throw new KeywardError(
        'RULE_VIOLATION',
        'A key may use a model under one resource type only (TPM or PYG, not both). Nothing was changed.'
      )
    if (code === '23514' && message?.includes('admin keys take no resources'))
      throw new KeywardError('RULE_VIOLATION', 'Administrator keys take no resources. Nothing was changed.')
    if (code?.startsWith('23'))
      throw new KeywardError(
        'CONFLICT',
        'That change conflicts with the registry as it is now. Nothing was changed; reload and try again.'
      )
    // Deadlock or serialization failure: nothing was written; the caller may simply try again.
    if (code === '40P01' || code === '40001') throw new RegistryBusy()
    throw error
  }
}
