import { mkdtempSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { startE2eServer } from './server'

/**
 * `npm run e2e:server -- --db FILE --port N`: the e2e server for a person to click through.
 * Without --db it uses a fresh registry in a temp folder.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      db: { type: 'string' },
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    }
  })
  if (values.help) {
    console.log('Usage: npm run e2e:server -- [--db FILE] [--port N] [--host 127.0.0.1] [--out out]')
    return
  }
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a whole number from 0 to 65535 (0 picks a free port); got "${values.port}".`)
    process.exit(2)
  }
  const dbPath = values.db ? resolve(values.db) : join(mkdtempSync(join(tmpdir(), 'keyward-e2e-')), 'registry.sqlite3')
  let actor = 'e2e'
  try {
    actor = userInfo().username
  } catch {
    // No user name (some containers): keep "e2e".
  }
  const server = await startE2eServer({ dbPath, port, host: values.host, outDir: values.out, actor })
  console.log(`Keyward e2e server: ${server.url}`)
  console.log(`Registry: ${dbPath}`)
  console.log(`As the desktop app (the built preload's bridge over HTTP): ${server.url}`)
  console.log(`As the web console (sign-in screen only; this server has no admin API): ${server.url}?host=web-console`)
  console.log('Recorded clipboard: GET /__e2e/clipboard · Ctrl+C stops')
  const stop = () => void server.close().then(() => process.exit(0))
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error))
  process.exit(1)
})
