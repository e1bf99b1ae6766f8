import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startServer } from '../../../src/main/server/server'
import { WEB_CONSOLE_CSP } from '../../../src/main/server/static'
import { request, serverOnTempRegistry, type ServerHarness } from './harness'

/** --ui over a small stand-in for out/renderer (the real build is exercised by the Playwright web-console spec). */
let ui: string
let h: ServerHarness | undefined

beforeAll(() => {
  ui = mkdtempSync(join(tmpdir(), 'keyward-ui-'))
  mkdirSync(join(ui, 'assets'))
  writeFileSync(
    join(ui, 'index.html'),
    '<!doctype html><html><head><meta charset="UTF-8"><title>Keyward</title></head><body><div id="app"></div><script type="module" src="./assets/index-abc.js"></script></body></html>'
  )
  writeFileSync(join(ui, 'assets', 'index-abc.js'), 'console.log("keyward")')
  writeFileSync(join(ui, 'assets', 'index-abc.css'), 'body{}')
  writeFileSync(join(ui, '..', `${ui.split('/').pop()}-secret.txt`), 'outside')
})
afterAll(() => {
  rmSync(ui, { recursive: true, force: true })
  rmSync(join(ui, '..', `${ui.split('/').pop()}-secret.txt`), { force: true })
})
afterEach(async () => {
  await h?.stop()
  h = undefined
})

/** A raw request, so paths like /../ reach the server unnormalised. */
function raw(url: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method: 'GET', path }, (res) => {
      let body = ''
      res.on('data', (c) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode!, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('keyward serve --ui', () => {
  it('serves index.html as built, with a strict CSP and no caching', async () => {
    h = await serverOnTempRegistry({ ui })
    const page = await request(`${h.url}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.text).toBe(readFileSync(join(ui, 'index.html'), 'utf8'))
    expect(page.headers.get('content-security-policy')).toBe(WEB_CONSOLE_CSP)
    expect(WEB_CONSOLE_CSP).toContain("script-src 'self'")
    expect(WEB_CONSOLE_CSP).toContain("frame-ancestors 'none'")
    expect(page.headers.get('x-frame-options')).toBe('DENY')
    expect(page.headers.get('cache-control')).toBe('no-store')
    // The console routes inside the page: extension-less paths are the app too.
    expect((await request(`${h.url}/keys`)).text).toBe(page.text)
  })

  it('serves hashed assets with their types; refuses paths outside the folder and unknown files', async () => {
    h = await serverOnTempRegistry({ ui })
    const js = await request(`${h.url}/assets/index-abc.js`)
    expect(js.status).toBe(200)
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(js.headers.get('cache-control')).toContain('immutable')
    expect((await request(`${h.url}/assets/index-abc.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8')
    expect((await request(`${h.url}/assets/missing.js`)).status).toBe(404)
    const name = `${ui.split('/').pop()}-secret.txt`
    for (const path of [`/../${name}`, `/%2e%2e/${name}`, `/assets/..%2f..%2f${name}`]) {
      const r = await raw(h.url, path)
      expect(r.body).not.toContain('outside')
    }
    expect((await request(`${h.url}/`, { method: 'POST' })).status).toBe(405)
    // The API is unaffected.
    expect((await request(`${h.url}/v1/keys/verify`)).status).toBe(401)
    expect((await request(`${h.url}/v1/nothing`)).status).toBe(404)
  })

  it('without --ui there is no console, and a missing build says to run npm run build', async () => {
    h = await serverOnTempRegistry()
    const none = await request(`${h.url}/`)
    expect(none.status).toBe(404)
    expect(none.body.error.message).toMatch(/--ui/)
    await expect(startServer({ dbPath: h.path, port: 0, ui: join(ui, 'nope'), outboxIntervalMs: 0 })).rejects.toThrow(
      /npm run build/
    )
  })
})
