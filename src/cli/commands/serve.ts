import { resolve } from 'node:path'
import type { RunningServer, ServerOptions } from '../../main/server/server'
import type { UsageRow } from '../../shared/types'
import { USAGE_INTERVALS } from '../../shared/schemas'
import { KeywardError } from '../../shared/errors'
import { collect, integerOption } from '../parse'
import { formatTable, formatTime, plural } from '../output'
import { loadCore } from '../context'
import type { Registrar } from './index'
import { exportFormatOption } from './keys-export'

type ServerModule = typeof import('../../main/server/server')
type PgServerModule = typeof import('../../main/server/pg-server')

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3
}

/** A size like 10mb, 512kb, 1.5MB or 65536 (bytes) → bytes; a usage error naming --max-body otherwise. */
export function byteSize(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value)
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined
  const bytes = match && unit !== undefined ? Math.floor(Number(match[1]) * unit) : NaN
  if (!Number.isFinite(bytes) || bytes < 1024 || bytes > 1024 ** 3) {
    throw KeywardError.validation({
      '--max-body': `"${value.slice(0, 40)}" is not a size from 1kb to 1gb; write it like 10mb, 512kb or 65536 (bytes).`
    })
  }
  return bytes
}

/**
 * `serve`: the verifier, usage reports, admin API and (with --ui) web console over HTTP, until
 * SIGINT or SIGTERM. `usage`: the usage report, as the admin API's POST /v1/admin/usage answers it.
 */
export const registerServe: Registrar = (program, ctx) => {
  program
    .command('serve')
    .description('run the verification and admin HTTP API (and with --ui the web console) until Ctrl+C')
    .option(
      '--host <address>',
      'address to listen on; anything but loopback exposes the API to the network',
      '127.0.0.1'
    )
    .option(
      '--port <n>',
      'port to listen on (0 picks a free one)',
      integerOption('--port', { min: 0, max: 65535 }),
      8787
    )
    .option('--ui', 'also serve the web console (the built renderer: run "npm run build" first)')
    .option(
      '--gateway',
      'also carry OpenAI-compatible requests (/v1/chat/completions, /v1/embeddings, /v1/models, …) to each resource’s upstream'
    )
    .option('--max-body <size>', 'the gateway’s request body limit, e.g. 10mb, 512kb (default 10mb)', byteSize)
    .option(
      '--allow-host <name>',
      'also answer requests whose Host header is this name (repeatable), e.g. the name a proxy forwards; others get 421',
      collect
    )
    .action(
      async (opts: {
        host: string
        port: number
        ui?: boolean
        allowHost?: string[]
        gateway?: boolean
        maxBody?: number
      }) => {
        const { startServer, isLoopback } = require('../../main/server/server') as ServerModule
        const host = opts.host.trim()
        if (!host) throw KeywardError.validation({ '--host': 'Give an address to listen on, e.g. 127.0.0.1.' })
        if (!isLoopback(host)) {
          process.stderr.write(
            `Warning: listening on ${host}, not loopback: every machine that reaches this address can verify keys and try administrator keys. ` +
              'Put it behind a TLS proxy (see docs/server.md) and a firewall.\n'
          )
        }
        const allowHosts = (opts.allowHost ?? []).map((name) => name.trim())
        const badHost = allowHosts.find((name) => !/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)$/.test(name))
        if (badHost !== undefined) {
          throw KeywardError.validation({
            '--allow-host': `"${badHost.slice(0, 100)}" is not a host name: give a name or address without scheme, port or path, e.g. keys.example.com.`
          })
        }
        if (opts.maxBody !== undefined && !opts.gateway)
          throw KeywardError.validation({ '--max-body': '--max-body limits the gateway: add --gateway.' })
        const gateway = opts.gateway === true
        const target = ctx.target
        let server: Pick<RunningServer, 'url' | 'host' | 'port' | 'close'>
        let serving: string
        if (target.engine === 'postgres') {
          // One node of a team registry: any number may serve one database.
          const { startPgServer } = require('../../main/server/pg-server') as PgServerModule
          server = await startPgServer({
            url: target.url,
            field: target.field,
            host,
            port: opts.port,
            allowHosts,
            ui: opts.ui === true,
            gateway,
            maxBodyBytes: opts.maxBody
          })
          serving = 'a PostgreSQL registry'
        } else {
          const options: ServerOptions = {
            dbPath: target.path,
            host,
            port: opts.port,
            ui: opts.ui === true,
            allowHosts,
            gateway,
            maxBodyBytes: opts.maxBody
          }
          server = await startServer(options)
          serving = target.path
        }
        const postgres = target.engine === 'postgres'
        ctx.print(
          {
            url: server.url,
            host: server.host,
            port: server.port,
            // The URL is not shown: it may hold a password.
            dbPath: postgres ? null : serving,
            engine: target.engine,
            ui: opts.ui === true,
            gateway
          },
          (doc) =>
            [
              `Keyward is serving ${serving}`,
              `  verify:  ${doc.url}/v1/keys/verify`,
              `  admin:   ${doc.url}/v1/admin/ (Authorization: Bearer kwa_…)`,
              doc.gateway ? `  gateway: ${doc.url}/v1 (OpenAI-compatible; Authorization: Bearer kw_…)` : '',
              doc.ui ? `  console: ${doc.url}/` : '',
              'Press Ctrl+C to stop.'
            ]
              .filter(Boolean)
              .join('\n')
        )
        await new Promise<void>((resolve) => {
          const stop = (signal: NodeJS.Signals) => {
            process.off('SIGINT', stop)
            process.off('SIGTERM', stop)
            if (!ctx.json) process.stderr.write(`${signal}: stopping (finishing requests, writing last-used times)…\n`)
            void server.close().then(resolve)
          }
          process.on('SIGINT', stop)
          process.on('SIGTERM', stop)
        })
      }
    )

  program
    .command('usage')
    .description('usage report: requests and tokens per interval, key and model')
    .requiredOption('--start <date>', 'first day (2026-11-01) or instant (2026-11-01T08:00:00Z)')
    .requiredOption('--end <date>', 'last day, included (2026-11-30), or an instant, excluded')
    .option('--interval <interval>', `${USAGE_INTERVALS.join(' | ')}`, 'per_day')
    .option('--model <model>', 'only this model (repeatable)', collect)
    .option('--key <KREF>', 'only this key (id or name); default all keys')
    .option('--department <name>', 'only keys of this department')
    .option('--project <name>', 'only keys of this project')
    .option(
      '--format <format>',
      'table or csv (default: csv with --out, else table)',
      exportFormatOption(['table', 'csv'])
    )
    .option('--out <FILE>', 'write the report as CSV to FILE (mode 0600) instead of stdout')
    .action(
      async (opts: {
        start: string
        end: string
        interval: string
        model?: string[]
        key?: string
        department?: string
        project?: string
        format?: string
        out?: string
      }) => {
        const format = opts.format ?? (opts.out !== undefined ? 'csv' : 'table')
        if (format === 'table' && opts.out !== undefined)
          throw KeywardError.validation({ '--out': '--out writes CSV: leave out --format table, or use --format csv.' })
        const report = await ctx.call('usage.report', {
          start: opts.start,
          end: opts.end,
          interval: opts.interval as (typeof USAGE_INTERVALS)[number],
          models: opts.model,
          key: opts.key,
          department: opts.department,
          project: opts.project
        })
        if (format === 'csv') {
          const text = loadCore().usageCsv(report.items)
          if (opts.out === undefined) {
            process.stdout.write(text) // the CSV is the output, with or without --json
          } else {
            const out = resolve(opts.out)
            loadCore().writePrivateFileAtomically(out, text)
            ctx.print(
              { exported: out, rows: report.items.length },
              (doc) => `Wrote ${plural(doc.rows, 'usage row')} as CSV to ${doc.exported}.`
            )
          }
          return
        }
        ctx.print(report, (doc) =>
          formatTable<UsageRow>(
            doc.items,
            [
              { header: 'INTERVAL', value: (r) => formatTime(r.bucket) },
              { header: 'KEY', value: (r) => r.keyName },
              { header: 'MODEL', value: (r) => r.model },
              { header: 'REQUESTS', value: (r) => r.requests, right: true },
              { header: 'PROMPT', value: (r) => r.promptTokens, right: true },
              { header: 'COMPLETION', value: (r) => r.completionTokens, right: true },
              { header: 'TOTAL', value: (r) => r.totalTokens, right: true }
            ],
            '(no usage in that period)'
          )
        )
      }
    )
}
