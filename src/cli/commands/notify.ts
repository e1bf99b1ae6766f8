import { Option } from 'commander'
import { KeywardError } from '../../shared/errors'
import { OUTBOX_STATUSES, SMTP_SECURITY } from '../../shared/schemas'
import type { OutboxItem, SmtpSettings } from '../../shared/types'
import type { CliContext } from '../context'
import { formatFields, formatTable, formatTime, plural } from '../output'
import { integerOption } from '../parse'
import type { Registrar } from './index'

type NotifyModules = typeof import('../../main/notify/handlers') &
  typeof import('../../main/notify/sender') &
  typeof import('../../main/notify/types')

type PgNotifyModules = typeof import('../../main/core/pg/outbox') &
  typeof import('../../main/core/pg/smtp-config') &
  typeof import('../../main/db/pg/open')

/** nodemailer and the notify code are loaded only when a notify command runs. */
function notifyModules(): NotifyModules {
  return {
    ...(require('../../main/notify/handlers') as object),
    ...(require('../../main/notify/sender') as object),
    ...(require('../../main/notify/types') as object)
  } as NotifyModules
}

function pgNotifyModules(): PgNotifyModules {
  return {
    ...(require('../../main/core/pg/outbox') as object),
    ...(require('../../main/core/pg/smtp-config') as object),
    ...(require('../../main/db/pg/open') as object)
  } as PgNotifyModules
}

/** The CLI's own outbox document: exactly these fields, in this order. */
interface CliOutboxItem {
  id: number
  to: string
  subject: string
  status: OutboxItem['status']
  attempts: number
  lastError: string | null
  createdAt: string
  sentAt: string | null
}

function cliItem(item: OutboxItem): CliOutboxItem {
  const { id, to, subject, status, attempts, lastError, createdAt, sentAt } = item
  return { id, to, subject, status, attempts, lastError, createdAt, sentAt }
}

/** Contract field names → the flags a CLI user typed. */
const FLAGS: Record<string, string> = {
  host: '--host',
  port: '--port',
  security: '--security',
  user: '--user',
  from: '--from',
  to: '--to',
  id: 'ID',
  status: '--status',
  limit: '--limit'
}

function withFlags(error: unknown): unknown {
  if (!(error instanceof KeywardError) || !error.fields) return error
  const fields: Record<string, string> = {}
  for (const [field, message] of Object.entries(error.fields)) fields[FLAGS[field] ?? field] = message
  return error.code === 'VALIDATION'
    ? KeywardError.validation(fields)
    : new KeywardError(error.code, error.message, fields)
}

async function run<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    throw withFlags(error)
  }
}

/**
 * The SMTP password for this one command: --password-stdin, else KEYWARD_SMTP_PASSWORD. Never an
 * argument (it would sit in the shell history and in `ps`), and never written anywhere.
 */
async function passwordFor(ctx: CliContext, fromStdin: boolean | undefined): Promise<string | null> {
  if (fromStdin) {
    const text = (await ctx.readStdin('SMTP password: ')).replace(/\r?\n$/, '')
    if (!text) {
      throw KeywardError.validation({
        '--password-stdin':
          'Nothing was read from stdin: pipe the password in, e.g. printf %s "$PW" | keyward notify flush --password-stdin.'
      })
    }
    return text
  }
  const env = process.env.KEYWARD_SMTP_PASSWORD
  return env ? env : null
}

/**
 * The email handlers for this command. On a file they are passed to ctx.call; on PostgreSQL the
 * operation table answers them (pg-table.ts), reading KEYWARD_SMTP_PASSWORD, so a password read
 * from stdin is handed over there, in this process's environment only (nothing is spawned).
 */
async function handlersFor(ctx: CliContext, passwordStdin: boolean | undefined) {
  const m = notifyModules()
  const password = await passwordFor(ctx, passwordStdin)
  const passwords = m.processPasswordStore(password)
  if (ctx.target.engine === 'postgres') {
    if (password === null) delete process.env.KEYWARD_SMTP_PASSWORD
    else process.env.KEYWARD_SMTP_PASSWORD = password
    return { m, passwords, notify: undefined }
  }
  const registry = ctx.registry()
  return { m, passwords, notify: m.createNotifyHandlers({ registry, passwords }) }
}

/**
 * `notify flush` runs the sender itself, for the report's "why" (a file's registry, or a team
 * registry's outbox and settings on a connection of its own, closed when the run ends).
 */
async function flushHere(
  ctx: CliContext,
  m: NotifyModules,
  passwords: import('../../main/notify/types').PasswordStore
) {
  const target = ctx.target
  if (target.engine === 'sqlite')
    return m.flushOutbox({ registry: ctx.registry(), passwords }, { ignoreSchedule: true })
  const pgm = pgNotifyModules()
  const pg = await pgm.openPgRegistry(target.url, { field: target.field, max: 2 })
  try {
    const stores = { outbox: new pgm.PgOutbox(pg.pool), settings: new pgm.PgSmtpConfig(pg.pool) }
    return await m.flushOutbox({ ...stores, passwords }, { ignoreSchedule: true })
  } finally {
    await pg.close()
  }
}

function describeSettings(doc: SmtpSettings, where: string): string {
  if (!doc.host) {
    return 'Email is not set up. Set it with:\n  keyward notify settings --host smtp.example.com --port 587 --security starttls --user USER --from keyward@example.com'
  }
  const password = !doc.user
    ? 'not needed (no login)'
    : doc.passwordSet
      ? 'given for this command (KEYWARD_SMTP_PASSWORD or --password-stdin); the CLI never stores it'
      : 'not given: set KEYWARD_SMTP_PASSWORD or pass --password-stdin to commands that send'
  return [
    `SMTP settings in ${where}:`,
    formatFields([
      ['Host', doc.host],
      ['Port', doc.port],
      ['Security', doc.security],
      ['User', doc.user],
      ['From', doc.from],
      ['Password', password]
    ])
  ].join('\n')
}

/** The registry as a user named it: the file's path, or the PostgreSQL URL without a password. */
function registryName(ctx: CliContext): string {
  const target = ctx.target
  if (target.engine === 'sqlite') return ctx.dbPath
  try {
    const url = new URL(target.url)
    url.password = ''
    return url.toString()
  } catch {
    return 'the PostgreSQL registry'
  }
}

/** `notify settings|flush|outbox|test|retry|discard`: email alerts for new keys (issue 5). */
export const registerNotify: Registrar = (program, ctx) => {
  const notify = program
    .command('notify')
    .description('email alerts for new keys: SMTP settings, the outbox, test email')
    .addHelpText(
      'after',
      '\nThe SMTP password is never an argument: set KEYWARD_SMTP_PASSWORD or pipe it with --password-stdin.\n' +
        'To trust a private CA or a self-signed server certificate, point NODE_EXTRA_CA_CERTS at its PEM file.'
    )

  notify
    .command('settings')
    .description('show the SMTP settings, or change them (flags not given keep their current value)')
    .option('--host <host>', 'SMTP server, e.g. smtp.example.com')
    .option('--port <n>', 'SMTP port: 587 (STARTTLS), 465 (TLS) or 25', integerOption('--port', { min: 1, max: 65535 }))
    .addOption(new Option('--security <mode>', 'none, starttls or tls').choices(SMTP_SECURITY))
    .option('--user <name>', 'login user name ("" for no login)')
    .option('--from <address>', 'sender address of the alerts')
    .option('--password-stdin', 'read the password from stdin (shown as set for this command; the CLI never stores it)')
    .action(
      async (opts: {
        host?: string
        port?: number
        security?: (typeof SMTP_SECURITY)[number]
        user?: string
        from?: string
        passwordStdin?: boolean
      }) => {
        const { notify: handlers } = await handlersFor(ctx, opts.passwordStdin)
        const changing = [opts.host, opts.port, opts.security, opts.user, opts.from].some((v) => v !== undefined)
        const current = await ctx.call('notify.settings.get', {}, handlers)
        if (changing) {
          const missing: Record<string, string> = {}
          if (!(opts.host ?? current.host)) missing['--host'] = 'Give the SMTP server, e.g. --host smtp.example.com.'
          if ((opts.port ?? current.port) == null)
            missing['--port'] = 'Give the SMTP port: 587 for STARTTLS, 465 for TLS, 25 for none.'
          if (!(opts.from ?? current.from))
            missing['--from'] = 'Give the sender address of the alerts, e.g. --from keyward@example.com.'
          if (Object.keys(missing).length > 0) throw KeywardError.validation(missing)
        }
        const doc = changing
          ? await run(() =>
              ctx.call(
                'notify.settings.set',
                {
                  host: opts.host ?? current.host ?? '',
                  port: (opts.port ?? current.port)!,
                  security: opts.security ?? current.security,
                  user: opts.user !== undefined ? opts.user : current.user,
                  from: opts.from ?? current.from ?? ''
                },
                handlers
              )
            )
          : current
        const where = registryName(ctx)
        ctx.print(doc, (d) => (changing ? `Saved. ${describeSettings(d, where)}` : describeSettings(d, where)))
      }
    )

  notify
    .command('flush')
    .description('send every pending alert now → {"sent","failed","pending"}; exit 1 if something could not be sent')
    .option('--password-stdin', 'read the SMTP password from stdin instead of KEYWARD_SMTP_PASSWORD')
    .action(async (opts: { passwordStdin?: boolean }) => {
      const { m, passwords } = await handlersFor(ctx, opts.passwordStdin)
      const report = await run(() => flushHere(ctx, m, passwords))
      const problem = report.blocked ?? report.lastError
      if (problem || report.failed > 0) ctx.setExitCode(1)
      ctx.print({ sent: report.sent, failed: report.failed, pending: report.pending }, (d) =>
        [
          `Sent ${d.sent}, failed ${d.failed}, ${plural(d.pending, 'message')} still pending.`,
          problem ? `Why: ${problem}` : '',
          d.failed > 0
            ? 'Failed messages are not retried by themselves: see "keyward notify outbox", then "keyward notify retry ID".'
            : ''
        ]
          .filter(Boolean)
          .join('\n')
      )
    })

  notify
    .command('outbox')
    .description('list alerts and their delivery state → {"items": [...]}, newest first')
    .addOption(new Option('--status <status>', 'only this status').choices(OUTBOX_STATUSES))
    .option('--limit <n>', 'at most this many (default 200)', integerOption('--limit', { min: 1, max: 1000 }))
    .action(async (opts: { status?: (typeof OUTBOX_STATUSES)[number]; limit?: number }) => {
      const { notify: handlers } = await handlersFor(ctx, false)
      const { items } = await run(() => ctx.call('notify.outbox', { status: opts.status, limit: opts.limit }, handlers))
      ctx.print({ items: items.map(cliItem) }, () =>
        items.length === 0
          ? 'The outbox is empty.'
          : formatTable(items, [
              { header: 'ID', value: (i) => i.id, right: true },
              { header: 'STATUS', value: (i) => i.status },
              { header: 'TO', value: (i) => i.to },
              { header: 'ATTEMPTS', value: (i) => i.attempts, right: true },
              { header: 'CREATED', value: (i) => formatTime(i.createdAt) },
              {
                header: 'SENT / NEXT TRY',
                value: (i) =>
                  i.sentAt ? formatTime(i.sentAt) : i.nextAttemptAt ? `next ${formatTime(i.nextAttemptAt)}` : ''
              },
              {
                header: 'SUBJECT / LAST ERROR',
                value: (i) => (i.lastError && i.status !== 'sent' ? i.lastError : i.subject)
              }
            ])
      )
    })

  notify
    .command('test')
    .description("send a test email through the SMTP settings and report the server's answer")
    .requiredOption('--to <address>', 'where to send the test')
    .option('--password-stdin', 'read the SMTP password from stdin instead of KEYWARD_SMTP_PASSWORD')
    .action(async (opts: { to: string; passwordStdin?: boolean }) => {
      const { notify: handlers } = await handlersFor(ctx, opts.passwordStdin)
      const result = await run(() => ctx.call('notify.test', { to: opts.to }, handlers))
      if (!result.ok) ctx.setExitCode(1)
      ctx.print(result, (d) => (d.ok ? `Sent. ${d.message}` : `Not sent. ${d.message}`))
    })

  notify
    .command('retry')
    .description('put a failed or waiting alert back in line, to be sent now')
    .argument('<ID>', 'outbox message id (see "notify outbox")', integerOption('ID', { min: 1 }))
    .action(async (id: number) => {
      const { notify: handlers } = await handlersFor(ctx, false)
      const { item } = await run(() => ctx.call('notify.retry', { id }, handlers))
      ctx.print(
        { item: cliItem(item) },
        (d) => `Message ${d.item.id} to ${d.item.to} is pending again; "keyward notify flush" sends it now.`
      )
    })

  notify
    .command('discard')
    .description('remove an alert from the outbox; if not yet sent, it never will be')
    .argument('<ID>', 'outbox message id (see "notify outbox")', integerOption('ID', { min: 1 }))
    .action(async (id: number) => {
      const { notify: handlers } = await handlersFor(ctx, false)
      const { discarded } = await run(() => ctx.call('notify.discard', { id }, handlers))
      ctx.print(
        { discarded: cliItem(discarded) },
        (d) => `Discarded message ${d.discarded.id} to ${d.discarded.to} (${d.discarded.status}).`
      )
    })
}
