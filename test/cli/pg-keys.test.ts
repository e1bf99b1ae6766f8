import { Client } from 'pg'
import { describe, expect, it } from 'vitest'
import { postgresAvailable } from '../support/postgres'
import { cliTwins } from './pg-twins'
import { ISO_UTC, run, type CliRun } from './run'

const reason = postgresAvailable()
const SECRET = /^kw_[0-9A-Za-z]{49}$/

/**
 * What differs between two registries answering the same command at different moments with
 * different random bytes: a new key's id, its secret and hint, and times. Each is checked for its
 * form, then masked, so the rest of the document must be equal.
 */
function masked(doc: unknown): unknown {
  if (Array.isArray(doc)) return doc.map(masked)
  if (doc === null || typeof doc !== 'object') return doc
  const out: Record<string, unknown> = {}
  for (const [field, value] of Object.entries(doc)) {
    if (field === 'secret') {
      expect(value).toMatch(SECRET)
      out[field] = '<secret>'
    } else if (field === 'hint') {
      expect(value).toMatch(/^kwa?_[0-9A-Za-z]{4}…[0-9A-Za-z]{4}$/)
      out[field] = '<hint>'
    } else if (field === 'id' && typeof value === 'string' && value.startsWith('k_')) out[field] = '<key id>'
    else if (['createdAt', 'updatedAt'].includes(field) || (field === 'lastUsedAt' && value !== null)) {
      expect(value).toMatch(ISO_UTC)
      out[field] = '<time>'
    } else out[field] = masked(value)
  }
  return out
}

describe.skipIf(reason)(
  `keys create/rotate/assign/unassign/set-resources/edit on --db postgres://${reason ? ` (skipped: ${reason})` : ''}`,
  { timeout: 180_000 },
  () => {
    const twins = cliTwins(async (t) => {
      await t.ok(['resources', 'add', '--model', 'gpt-4o', '--type', 'TPM', '--limit', '5000'])
      await t.ok(['resources', 'add', '--model', 'gpt-4o', '--type', 'PYG'])
      await t.ok(['resources', 'add', '--model', 'o3', '--type', 'PYG'])
      await t.ok(['quota', 'set', '--tpm', '10000'])
      await t.ok(['keys', 'create', '--name', 'alpha', '--resource', 'o3:PYG', '--department', 'Finance'])
    })
    const { t } = twins

    const onFile = (args: readonly string[], input?: string) =>
      run(['--db', t.db, '--json', ...args], { env: twins.env, input })
    const onPg = (args: readonly string[], input?: string) =>
      run(['--db', twins.url, '--json', ...args], { env: twins.env, input })

    /** The same command on the file and on PostgreSQL: the same exit code, the same document (masked) on the same stream. */
    async function same(args: readonly string[]): Promise<{ file: CliRun; pg: CliRun }> {
      const file = await onFile(args)
      const there = await onPg(args)
      expect(there.code, `${args.join(' ')}: ${there.stderr}`).toBe(file.code)
      if (file.code === 0) {
        expect(there.stderr).toBe('')
        expect(masked(JSON.parse(there.stdout)), args.join(' ')).toEqual(masked(JSON.parse(file.stdout)))
      } else {
        expect(there.stdout).toBe('')
        // A refusal may say what time it is.
        const untimed = (text: string) => JSON.parse(text.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<now>'))
        expect(untimed(there.stderr), args.join(' ')).toEqual(untimed(file.stderr))
      }
      return { file, pg: there }
    }

    it('prints the same --json as on a file for each command, refusals included; the secret only in the answer', async () => {
      const created = await same([
        'keys',
        'create',
        '--name',
        'Web',
        '--resource',
        'gpt-4o:tpm',
        '--department',
        'finance',
        '--project',
        'Nova',
        '--notify',
        'web@example.com',
        '--expires',
        '2030-01-31'
      ])
      const secret = JSON.parse(created.pg.stdout).secret as string
      expect(JSON.parse(created.pg.stdout).key).toMatchObject({
        department: 'Finance',
        expiresAt: '2030-01-31T23:59:59.999Z'
      })

      for (const args of [
        ['keys', 'create', '--name', 'WEB'],
        ['keys', 'create', '--name', 'Root', '--admin', '--resource', 'o3:PYG'],
        ['keys', 'create', '--name', 'Ghost', '--resource', 'nothing:PYG'],
        ['keys', 'create', '--name', 'Past', '--expires', '2020-01-01'],
        ['keys', 'assign', 'web', '--resource', 'gpt-4o:PYG'],
        ['keys', 'assign', 'Nobody', '--resource', 'o3:PYG'],
        ['keys', 'rotate', 'Nobody'],
        ['keys', 'edit', 'alpha', '--name', 'web']
      ]) {
        const { pg: refused } = await same(args)
        expect(refused.code, args.join(' ')).not.toBe(0)
      }

      const rotated = await same(['keys', 'rotate', 'web', '--grace', '1h'])
      const next = JSON.parse(rotated.pg.stdout).secret as string
      expect(next).not.toBe(secret)
      for (const s of [secret, next]) {
        const verified = await onPg(['keys', 'verify', '--model', 'gpt-4o'], s)
        expect(JSON.parse(verified.stdout), 'both secrets verify during the grace').toMatchObject({ code: 'VALID' })
      }
      // The file's key is used too (its own secret), so both note a lastUsedAt.
      const fileSecret = JSON.parse(rotated.file.stdout).secret as string
      expect((await onFile(['keys', 'verify', '--model', 'gpt-4o'], fileSecret)).code).toBe(0)

      await same(['keys', 'assign', 'Web', '--resource', 'o3:PYG'])
      await same(['keys', 'unassign', 'Web', '--resource', 'gpt-4o:TPM'])
      await same(['keys', 'set-resources', 'Web', '--resource', 'gpt-4o:PYG', '--resource', 'o3:PYG'])
      await same(['keys', 'set-resources', 'alpha'])
      await same(['keys', 'edit', 'Web', '--name', 'Website', '--notes', 'renamed', '--department', 'Ops'])
      await same(['keys', 'show', 'website'])
      await same(['audit', 'verify'])

      // The audit log holds the same actions, in the same order, on both.
      const fileAudit = await onFile(['audit', 'list', '--limit', '20'])
      const actions = (JSON.parse(fileAudit.stdout).items as { action: string }[]).map((e) => e.action)
      expect(actions.slice(0, 8)).toEqual([
        'key.edit',
        'key.setResources',
        'key.setResources',
        'key.unassign',
        'key.assign',
        'key.rotate',
        'key.create',
        'key.create'
      ])
      const client = new Client({ connectionString: twins.pg.urlWithPassword(twins.url) })
      await client.connect()
      try {
        const pgActions = await client.query('SELECT action FROM audit_log ORDER BY seq DESC LIMIT 8')
        expect(pgActions.rows.map((r) => r.action)).toEqual(actions.slice(0, 8))
        // The secrets are nowhere in the database: not in a row, the log or the alert.
        for (const s of [secret, next]) {
          const found = await client.query(
            `SELECT (SELECT count(*) FROM audit_log WHERE details LIKE '%' || $1 || '%')
                  + (SELECT count(*) FROM outbox WHERE body_text LIKE '%' || $1 || '%' OR body_html LIKE '%' || $1 || '%')
                  + (SELECT count(*) FROM api_keys WHERE hint = $1 OR notes = $1)::int AS n`,
            [s]
          )
          expect(Number(found.rows[0].n)).toBe(0)
        }
        const alert = await client.query("SELECT recipient, subject FROM outbox WHERE kind = 'key.created'")
        expect(alert.rows).toEqual([{ recipient: 'web@example.com', subject: 'Keyward: API key "Web" was created' }])
      } finally {
        await client.end()
      }
    })

    it('keys verify on PostgreSQL answers as on a file and notes the key as used', async () => {
      const made = JSON.parse((await onPg(['keys', 'create', '--name', 'Checked', '--resource', 'o3:PYG'])).stdout)
      expect(JSON.parse((await onPg(['keys', 'show', 'Checked'])).stdout).key.lastUsedAt).toBeNull()
      const valid = await onPg(['keys', 'verify', '--model', 'o3'], made.secret)
      expect(valid.code, valid.stderr).toBe(0)
      expect(JSON.parse(valid.stdout)).toMatchObject({ valid: true, code: 'VALID', key: { name: 'Checked' } })
      expect(JSON.parse((await onPg(['keys', 'show', 'Checked'])).stdout).key.lastUsedAt).not.toBeNull()
      const refused = await onPg(['keys', 'verify', '--model', 'gpt-4o'], made.secret)
      expect(refused.code).toBe(1)
      expect(JSON.parse(refused.stdout)).toMatchObject({ valid: false, code: 'MODEL_NOT_ASSIGNED' })
      await onPg(['keys', 'delete', 'Checked', '--yes'])
    })

    it('without --json prints the secret once on stdout, as on a file', async () => {
      const r = await run(['--db', twins.url, 'keys', 'create', '--name', 'Plain'], { env: twins.env })
      expect(r.code, r.stderr).toBe(0)
      expect(r.stderr).toBe('')
      const secrets = r.stdout.match(/kw_[0-9A-Za-z]{49}/g) ?? []
      expect(secrets).toHaveLength(1)
      expect(r.stdout).toMatch(
        /^Created key Plain \(k_[0-9A-Za-z]{12}\)\.\n\n {2}kw_[0-9A-Za-z]{49}\n\nThis secret is shown once/
      )
    })
  }
)
