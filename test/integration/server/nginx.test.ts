import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO, request, serverOnTempRegistry, waitFor, type ServerHarness } from './harness'

/**
 * Debian's nginx with the auth_request configuration from docs/server.md (extracted verbatim,
 * only the three addresses replaced), in front of a tiny node upstream, all on 127.0.0.1.
 */
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p))
const ACTOR = 'test'

/** The ```nginx block that follows the marker comment in docs/server.md. */
function documentedNginxConfig(): string {
  const doc = readFileSync(join(REPO, 'docs', 'server.md'), 'utf8')
  const marker = doc.indexOf('<!-- nginx-config:')
  const match = /```nginx\n([\s\S]*?)```/.exec(doc.slice(marker))
  if (marker < 0 || !match) throw new Error('docs/server.md has no marked ```nginx block')
  return match[1]!
}

async function freePort(): Promise<number> {
  const probe = createNetServer()
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r))
  const { port } = probe.address() as { port: number }
  await new Promise((r) => probe.close(r))
  return port
}

describe.skipIf(!NGINX)(
  `nginx auth_request in front of keyward serve${NGINX ? '' : ' (skipped: no nginx binary; apt-get install nginx-light)'}`,
  () => {
    let h: ServerHarness
    let upstream: Server
    let nginx: ChildProcess
    let dir: string
    let base: string
    let nginxLog = ''
    const seen: { url: string; method: string; headers: Record<string, unknown>; body: string }[] = []
    const secrets: Record<string, string> = {}

    beforeAll(async () => {
      h = await serverOnTempRegistry()
      h.registry.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 100 }, ACTOR)
      h.registry.addResource({ model: 'llama-3', type: 'PYG' }, ACTOR)
      for (const name of ['Alpha', 'Beta', 'Gone', 'Off']) {
        secrets[name] = h.registry.createKey(
          {
            name,
            resources: name === 'Beta' ? ['llama-3:PYG'] : ['gpt-4o:TPM'],
            department: 'Research',
            project: 'Atlas'
          },
          ACTOR
        ).secret
      }
      h.registry.deleteKey({ key: 'Gone' }, ACTOR)
      h.registry.disableKey({ key: 'Off' }, ACTOR)

      upstream = createServer((req, res) => {
        let body = ''
        req.on('data', (c) => (body += c))
        req.on('end', () => {
          seen.push({ url: req.url!, method: req.method!, headers: req.headers, body })
          res.writeHead(200, { 'content-type': 'application/json' })
          res.end(JSON.stringify({ backend: 'ok', keyName: req.headers['x-keyward-key-name'] ?? null }))
        })
      })
      await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
      const upstreamPort = (upstream.address() as { port: number }).port

      dir = mkdtempSync(join(tmpdir(), 'keyward-nginx-'))
      // Run as root (CI), nginx's workers drop to "nobody": they must reach the temp folders.
      chmodSync(dir, 0o755)
      for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
        mkdirSync(join(dir, sub))
        chmodSync(join(dir, sub), 0o777)
      }
      const nginxPort = await freePort()
      const site = documentedNginxConfig()
        .replace('server 127.0.0.1:8787;', `server 127.0.0.1:${h.server.port};`)
        .replace('server 127.0.0.1:9000;', `server 127.0.0.1:${upstreamPort};`)
        .replace('listen 127.0.0.1:8080;', `listen 127.0.0.1:${nginxPort};`)
      expect(site).toContain(`127.0.0.1:${h.server.port}`)
      writeFileSync(
        join(dir, 'nginx.conf'),
        `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${site}
}
`
      )
      nginx = spawn(NGINX!, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], {
        stdio: ['ignore', 'pipe', 'pipe']
      })
      nginx.stderr!.on('data', (c) => (nginxLog += c))
      base = `http://127.0.0.1:${nginxPort}`
      // Ready when nginx answers at all (a refusal from Keyward is an answer).
      await waitFor(
        () =>
          request(`${base}/`).then(
            (a) => a.status,
            () => 0
          ),
        (status) => {
          if (nginx.exitCode !== null)
            throw new Error(
              `nginx exited: ${nginxLog}${existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''}`
            )
          return status !== 0
        }
      )
    })

    afterAll(async () => {
      if (nginx && nginx.exitCode === null) {
        const exited = new Promise((r) => nginx.once('exit', r))
        nginx.kill('SIGQUIT')
        await exited
      }
      await new Promise((r) => upstream?.close(r))
      await h?.stop()
      if (dir) rmSync(dir, { recursive: true, force: true })
    })

    const call = (path: string, headers: Record<string, string> = {}, init: RequestInit = {}) =>
      request(`${base}${path}`, { ...init, headers })

    it("a valid key reaches the backend with the key's identity and without the key itself", async () => {
      const a = await call(
        '/v1/chat/completions',
        { authorization: `Bearer ${secrets.Alpha}`, 'x-model': 'gpt-4o' },
        {
          method: 'POST',
          body: JSON.stringify({ model: 'gpt-4o', messages: [] })
        }
      )
      expect(a.status).toBe(200)
      expect(a.body).toEqual({ backend: 'ok', keyName: 'Alpha' })
      const last = seen.at(-1)!
      expect(last.method).toBe('POST')
      expect(last.url).toBe('/v1/chat/completions')
      expect(JSON.parse(last.body)).toEqual({ model: 'gpt-4o', messages: [] })
      expect(last.headers['x-keyward-key-id']).toBe(h.registry.getKey({ key: 'Alpha' }).key.id)
      expect(last.headers['x-keyward-department']).toBe('Research')
      expect(last.headers['x-keyward-project']).toBe('Atlas')
      expect(last.headers.authorization).toBeUndefined()
      expect(JSON.stringify(last.headers)).not.toContain(secrets.Alpha)
    })

    it('the api-key header works too', async () => {
      expect((await call('/v1/models', { 'api-key': secrets.Beta })).status).toBe(200)
      expect(seen.at(-1)!.headers['x-keyward-key-name']).toBe('Beta')
      expect(seen.at(-1)!.headers['api-key']).toBeUndefined()
    })

    it('refusals never reach the backend: 401 for no, unknown or deleted keys; 403 for disabled keys and unassigned models', async () => {
      const before = seen.length
      expect((await call('/v1/chat/completions')).status).toBe(401)
      expect((await call('/v1/chat/completions', { authorization: 'Bearer kw_nonsense' })).status).toBe(401)
      expect((await call('/v1/chat/completions', { authorization: `Bearer ${secrets.Gone}` })).status).toBe(401)
      expect((await call('/v1/chat/completions', { authorization: `Bearer ${secrets.Off}` })).status).toBe(403)
      expect(
        (await call('/v1/chat/completions', { authorization: `Bearer ${secrets.Beta}`, 'x-model': 'gpt-4o' })).status
      ).toBe(403)
      expect(seen.length).toBe(before)
    })

    it('a change in the registry applies to the very next request through nginx', async () => {
      expect((await call('/v1/models', { 'api-key': secrets.Beta, 'x-model': 'llama-3' })).status).toBe(200)
      h.registry.editResource({ resource: 'llama-3:PYG', status: 'inactive' }, ACTOR)
      expect((await call('/v1/models', { 'api-key': secrets.Beta, 'x-model': 'llama-3' })).status).toBe(403)
      h.registry.editResource({ resource: 'llama-3:PYG', status: 'active' }, ACTOR)
      expect((await call('/v1/models', { 'api-key': secrets.Beta, 'x-model': 'llama-3' })).status).toBe(200)
    })

    it('a used-up TPM limit is 429 with Retry-After', async () => {
      h.clock.now = Date.parse('2026-06-01T12:30:20Z')
      const used = await request(`${h.url}/v1/usage`, {
        method: 'POST',
        json: { key: secrets.Alpha, model: 'gpt-4o', promptTokens: 90, completionTokens: 10 }
      })
      expect(used.body.recorded.tpm.remaining).toBe(0)
      const limited = await call('/v1/chat/completions', {
        authorization: `Bearer ${secrets.Alpha}`,
        'x-model': 'gpt-4o'
      })
      expect(limited.status).toBe(429)
      expect(limited.headers.get('retry-after')).toBe('40')
      expect(limited.body).toMatchObject({ error: 'rate_limited' })
      h.clock.now = Date.parse('2026-06-01T12:31:00Z')
      expect(
        (await call('/v1/chat/completions', { authorization: `Bearer ${secrets.Alpha}`, 'x-model': 'gpt-4o' })).status
      ).toBe(200)
    })

    it('when Keyward is down, nginx answers 503 and lets nothing through', async () => {
      const before = seen.length
      await h.server.close()
      const down = await call('/v1/chat/completions', { authorization: `Bearer ${secrets.Alpha}` })
      expect(down.status).toBe(503)
      expect(down.body).toMatchObject({ error: 'key_verifier_unavailable' })
      expect(seen.length).toBe(before)
    })
  }
)
