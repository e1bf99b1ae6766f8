import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { verifyAuditExport } from '../../../src/main/core/audit-export'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createFileHandlers, remoteFileRegistry } from '../../../src/main/files/handlers'
import { createScanHandlers, remoteScanLookup } from '../../../src/main/scan/handlers'
import { dispatch } from '../../../src/main/transport/dispatch'
import { createRegistrySwitch } from '../../../src/main/desktop/registry-switch'
import { safeStorageTeamKey, type TeamKeyBlobStore } from '../../../src/main/desktop/team-key-store'
import { serverOnTempRegistry, type ServerHarness } from '../../integration/server/harness'
import { desktopTable } from './desktop-table'
import { fakeSafeStorage } from './fakes'

/**
 * Settings → Registry end to end in main: the desktop's real table on a temp registry, a REAL
 * `keyward serve` on another one as the team server, the keychain over a fake safeStorage.
 */
let server: ServerHarness
let app: ReturnType<typeof desktopTable>
let adminSecret: string
let blobs: Record<string, string>
let available: boolean

function memoryBlobs(): TeamKeyBlobStore {
  return {
    get: (k) => blobs[k],
    set: (k, v) => void (blobs[k] = v),
    delete: (k) => void delete blobs[k]
  }
}

function build() {
  const keys = safeStorageTeamKey(
    { ...fakeSafeStorage(), isEncryptionAvailable: () => available },
    memoryBlobs(),
    'linux'
  )
  return createRegistrySwitch({
    settings: app.settings,
    keys,
    local: app.table,
    host: app.host,
    clipboard: app.secretClipboard,
    // As main.ts: the dialogs here (stand-ins answering a temp folder), the data the server's.
    onServer: (server) => ({
      ...createFileHandlers({
        registry: remoteFileRegistry(server),
        pickSavePath: async (request) => join(folder, request.defaultPath),
        pickOpenPath: async () => importFile
      }),
      ...createScanHandlers({ registry: remoteScanLookup(server), pickFolder: async () => folder })
    })
  })
}
let sw: ReturnType<typeof build>
const call = (name: string, input: unknown = {}) => dispatch(sw.table, name, input, { actor: 'ana' }, () => undefined)

let folder: string
let importFile: string

beforeEach(async () => {
  folder = mkdtempSync(join(tmpdir(), 'keyward-team-files-'))
  importFile = join(folder, 'from-old-system.csv')
  blobs = {}
  available = true
  server = await serverOnTempRegistry()
  adminSecret = server.registry.createKey({ name: 'Ops', kind: 'admin' }, 'setup').secret
  server.registry.createKey({ name: 'OnTheServer' }, 'setup')
  app = desktopTable()
  app.registry.createKey({ name: 'OnThisComputer' }, 'setup')
  sw = build()
})
afterEach(async () => {
  rmSync(folder, { recursive: true, force: true })
  app.close()
  await server.stop().catch(() => undefined)
})

const names = async () =>
  ((await call('keys.list', {})) as { result: { items: { name: string }[] } }).result.items.map((k) => k.name)

describe('Settings → Registry', () => {
  it('switches to the team server and back without a restart; the key is only in the keychain', async () => {
    expect(await names()).toEqual(['OnThisComputer'])
    const saved = await call('settings.set', {
      registry: { kind: 'team', url: `${server.url}/`, adminKey: adminSecret }
    })
    expect(saved).toMatchObject({ ok: true, result: { registry: { kind: 'team', url: server.url } } })
    expect(JSON.stringify(saved)).not.toContain(adminSecret)
    expect(JSON.stringify(app.preferences.data)).not.toContain(adminSecret)
    // Kept encrypted, not in plaintext.
    expect(blobs.teamAdminKey).toBeTruthy()
    expect(blobs.teamAdminKey).not.toContain(adminSecret)
    expect(Buffer.from(blobs.teamAdminKey!, 'base64').toString()).not.toContain(adminSecret)
    expect(await names()).toEqual(['OnTheServer', 'Ops'])
    expect((await call('settings.get')).ok).toBe(true)

    // A new switch object over the same settings and keychain (the app restarted) is on the team server too.
    sw = build()
    expect(await names()).toEqual(['OnTheServer', 'Ops'])

    expect(await call('settings.set', { registry: { kind: 'local' } })).toMatchObject({
      ok: true,
      result: { registry: { kind: 'local' } }
    })
    expect(blobs.teamAdminKey).toBeUndefined()
    expect(await names()).toEqual(['OnThisComputer'])
  })

  it('a key created on the team server goes through the show-once clipboard', async () => {
    await call('settings.set', { registry: { kind: 'team', url: server.url, adminKey: adminSecret } })
    const created = (await call('keys.create', { name: 'Remote1' })) as {
      result: { key: { id: string }; secret: string; clipboard: unknown }
    }
    expect(created.result.clipboard).toMatchObject({ copied: true })
    expect(app.clipboard.text).toBe(created.result.secret)
    expect(server.registry.verify({ secret: created.result.secret }).code).toBe('VALID')
    // Copy again by key id: main holds it, the page never sends it back.
    app.clipboard.text = ''
    expect(await call('clipboard.copySecret', { keyId: created.result.key.id })).toMatchObject({
      ok: true,
      result: { copied: true }
    })
    expect(app.clipboard.text).toBe(created.result.secret)
    await call('keys.delete', { key: created.result.key.id })
    expect(await call('clipboard.copySecret', { keyId: created.result.key.id })).toMatchObject({
      result: { copied: false }
    })
  })

  it('a wrong key or a URL that does not answer is refused with the reason on its field, and nothing is saved', async () => {
    const wrongKey = await call('settings.set', {
      registry: { kind: 'team', url: server.url, adminKey: 'kwa_' + 'Q'.repeat(49) }
    })
    expect(wrongKey).toMatchObject({
      ok: false,
      error: { code: 'UNAUTHORIZED', fields: { adminKey: expect.any(String) } }
    })
    const standard = server.registry.createKey({ name: 'Std' }, 'setup').secret
    const notAdmin = await call('settings.set', { registry: { kind: 'team', url: server.url, adminKey: standard } })
    expect(notAdmin).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN', fields: { adminKey: expect.any(String) } }
    })
    expect(JSON.stringify(notAdmin)).not.toContain(standard)

    const url = server.url
    await server.stop()
    const gone = await call('settings.set', { registry: { kind: 'team', url, adminKey: adminSecret } })
    expect(gone).toMatchObject({
      ok: false,
      error: { code: 'UNREACHABLE', fields: { url: expect.stringContaining(url) } }
    })

    const badUrl = await call('settings.set', { registry: { kind: 'team', url: 'ftp://x', adminKey: adminSecret } })
    expect(badUrl).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION', fields: { 'registry.url': expect.any(String) } }
    })

    expect(app.settings.get().registry).toEqual({ kind: 'local' })
    expect(blobs).toEqual({})
    expect(await names()).toEqual(['OnThisComputer'])
  })

  it('without secure storage the key is not kept and the switch is refused', async () => {
    available = false
    sw = build()
    const reply = await call('settings.set', { registry: { kind: 'team', url: server.url, adminKey: adminSecret } })
    expect(reply).toMatchObject({ ok: false, error: { code: 'VALIDATION', fields: { adminKey: expect.any(String) } } })
    expect(app.settings.get().registry).toEqual({ kind: 'local' })
    expect(blobs).toEqual({})
  })

  it('the server going away mid-session answers UNREACHABLE; desktop operations keep working', async () => {
    await call('settings.set', { registry: { kind: 'team', url: server.url, adminKey: adminSecret } })
    await server.stop()
    expect(await call('keys.list', {})).toMatchObject({ ok: false, error: { code: 'UNREACHABLE' } })
    expect(await call('settings.get')).toMatchObject({ ok: true, result: { registry: { kind: 'team' } } })
    expect(await call('settings.set', { theme: 'dark' })).toMatchObject({ ok: true, result: { theme: 'dark' } })
    // The exports ask the server too: out of reach, nothing is written.
    expect(await call('files.export', { kind: 'audit' })).toMatchObject({ ok: false, error: { code: 'UNREACHABLE' } })
    expect(readdirSync(folder)).toEqual([])
    // Demo data is never loaded into a registry a team shares.
    expect(await call('demo.load', { keys: 5 })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND', message: expect.stringContaining("this computer's registry only") }
    })
  })

  it("on a team server, Export writes the server's keys, audit log and usage here, Import adds keys there, the leak scan looks hashes up there", async () => {
    await call('settings.set', { registry: { kind: 'team', url: server.url, adminKey: adminSecret } })
    const exported = (await call('files.export', { kind: 'keys', format: 'csv', filters: {} })) as {
      ok: true
      result: { path: string; count: number }
    }
    expect(exported).toMatchObject({ ok: true, result: { count: 2 } })
    const text = readFileSync(exported.result.path, 'utf8')
    expect(text).toContain('OnTheServer')
    expect(text).not.toContain('OnThisComputer')
    expect(statSync(exported.result.path).mode & 0o777).toBe(0o600)
    const usage = await call('files.export', { kind: 'usage', report: { start: '2026-01-01', end: '2026-01-02' } })
    expect(usage).toMatchObject({ ok: true, result: { count: 0 } })

    writeFileSync(importFile, 'name,department\nImportedHere,Finance\nBad Name!,Finance\n')
    const picked = (await call('files.importPick')) as {
      ok: true
      result: { token: string; created: number; errors: unknown[] }
    }
    expect(picked).toMatchObject({ ok: true, result: { created: 1, errors: [{ row: 2, field: 'name' }] } })
    const imported = (await call('files.import', { token: picked.result.token, skipInvalid: true })) as {
      ok: true
      result: { created: number; secretsFile: string }
    }
    expect(imported).toMatchObject({ ok: true, result: { created: 1 } })
    // The new key is on the server, audited as the administrator key; its secret only in the 0600 file here.
    expect(server.registry.listKeys({ search: 'ImportedHere' }).items.map((k) => k.name)).toEqual(['ImportedHere'])
    expect(app.registry.listKeys({ search: 'ImportedHere' }).total).toBe(0)
    const secret = readFileSync(imported.result.secretsFile, 'utf8').trim().split('\n')[1]!.split(',')[2]!
    expect(server.registry.verify({ secret })).toMatchObject({ valid: true, code: 'VALID' })
    expect(JSON.stringify(imported)).not.toContain(secret)
    // The audit log's export is the server's chain, which verifies offline.
    const audit = (await call('files.export', { kind: 'audit' })) as { ok: true; result: { path: string } }
    const chain = readFileSync(audit.result.path, 'utf8')
    expect(chain).toContain('admin-key:Ops')
    expect(verifyAuditExport(chain)).toMatchObject({ ok: true })
    // The leak scan reads files here and sends only their secrets' hashes: it finds the server's key.
    writeFileSync(join(folder, 'config.env'), `OPENAI_API_KEY=${secret}\n`)
    const scanned = (await call('scan.run', { paths: [folder] })) as { ok: true; result: { findings: unknown[] } }
    // (The import's own secrets file lies in the same folder: found too, as it should be.)
    expect(scanned.result.findings).toHaveLength(2)
    expect(scanned.result.findings).toContainEqual(
      expect.objectContaining({ file: join(folder, 'config.env'), line: 1, name: 'ImportedHere', status: 'active' })
    )
    expect(server.registry.listAudit({ limit: 1 }).items[0]).toMatchObject({
      actor: 'admin-key:Ops',
      action: 'key.create',
      targetName: 'ImportedHere'
    })
  })
})
