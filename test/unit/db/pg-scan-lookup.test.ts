import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { verifyAuditExport } from '../../../src/main/core/audit-export'
import { dispatch, operationTable } from '../../../src/main/transport/dispatch'
import { pgOperationTable } from '../../../src/main/transport/pg-table'
import { tempRegistry } from '../../helpers/registry'
import { postgresAvailable } from '../../support/postgres'
import { postgresTwins } from '../../support/pg-twins'

const reason = postgresAvailable()
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex')

/**
 * scan.lookup and audit.export, the two operations a host that is not the registry's (the desktop
 * app on a team server) reaches over the admin API: the same answers from a file and from
 * PostgreSQL, through the same dispatch and validation.
 */
describe.skipIf(reason)(
  `scan.lookup and audit.export on PostgreSQL${reason ? ` (skipped: ${reason})` : ''}`,
  { timeout: 120_000 },
  () => {
    const twins = postgresTwins()

    it('answer alike on both engines: every status a found secret can have, unknown hashes left out, the chain exported whole', async () => {
      const t = tempRegistry()
      const r = t.registry
      r.addResource({ model: 'o3', type: 'PYG' }, 'setup')
      const secrets = {
        active: r.createKey({ name: 'Active', resources: ['o3:PYG'] }, 'setup').secret,
        disabled: r.createKey({ name: 'Off' }, 'setup').secret,
        gone: r.createKey({ name: 'Gone' }, 'setup').secret,
        old: r.createKey({ name: 'Rotated' }, 'setup').secret
      }
      r.disableKey({ key: 'Off' }, 'setup')
      r.deleteKey({ key: 'Gone' }, 'setup')
      const rotated = r.rotateKey({ key: 'Rotated', graceSeconds: 0 }, 'setup').secret
      const pg = await twins.copy(t)
      const onFile = operationTable(r, {} as never)
      const onPg = pgOperationTable(pg, () => t.clock.now)
      const both = async (name: string, input: unknown) => [
        await dispatch(onFile, name, input, { actor: 'ana' }, () => undefined),
        await dispatch(onPg, name, input, { actor: 'ana' }, () => undefined)
      ]

      const hashes = [...Object.values(secrets), rotated, 'kw_never'].map(sha256)
      const [file, there] = await both('scan.lookup', { hashes: [...hashes, hashes[0]] })
      expect(there).toEqual(file)
      const items = (file as { ok: true; result: { items: { name: string; status: string }[] } }).result.items
      expect(items.map((i) => [i.name, i.status])).toEqual([
        ['Active', 'active'],
        ['Off', 'disabled'],
        ['Gone', 'deleted'],
        ['Rotated', 'retired'],
        ['Rotated', 'active']
      ])
      // Bad input: refused by the contract on both, naming the field.
      const [badFile, badPg] = await both('scan.lookup', { hashes: ['not-a-hash'] })
      expect(badPg).toEqual(badFile)
      expect(badPg).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION', fields: { 'hashes.0': expect.any(String) } }
      })

      const [fileExport, pgExport] = (await both('audit.export', {})) as {
        ok: true
        result: { text: string; entries: number }
      }[]
      const withoutTime = (text: string) => text.replace(/"exportedAt":"[^"]+"/, '"exportedAt":"…"')
      expect(withoutTime(pgExport!.result.text)).toBe(withoutTime(fileExport!.result.text))
      expect(pgExport!.result.entries).toBeGreaterThan(6)
      expect(verifyAuditExport(pgExport!.result.text)).toMatchObject({ ok: true, entries: pgExport!.result.entries })
    })
  }
)
