import { readFileSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { PoolConfig } from 'pg'
import { KeywardError } from '../../../shared/errors'

/** `postgres://` or `postgresql://` at the start (any case): a PostgreSQL registry. */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value.trim())
}

export interface PgTarget {
  host: string
  port: number
  user: string
  database: string
  /** The URL's own password (decoded); undefined when it has none. */
  urlPassword?: string
  ssl?: PoolConfig['ssl']
}

/**
 * The URL without its password, for every message: `postgres://ana:s3cret@db/k` → `postgres://ana@db/k`.
 * Whatever cannot be parsed is shown as `postgres://…` only.
 */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value.trim())
    url.password = ''
    return url.toString()
  } catch {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value.trim())?.[1] ?? 'postgres'
    return `${scheme}://…`
  }
}

/** Reads a PostgreSQL URL; a bad one is refused naming `field` (the URL is repeated without its password). */
export function parsePgUrl(value: string, field: string, env: NodeJS.ProcessEnv = process.env): PgTarget {
  let url: URL
  try {
    url = new URL(value.trim())
  } catch {
    throw KeywardError.validation({
      [field]: `${redactUrl(value)} is not a valid PostgreSQL URL. Write it as postgres://USER@HOST:PORT/DATABASE.`
    })
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''))
  if (!url.hostname || !database || database.includes('/'))
    throw KeywardError.validation({
      [field]: `${redactUrl(value)} names no database. Write it as postgres://USER@HOST:PORT/DATABASE.`
    })
  const port = url.port ? Number(url.port) : 5432
  const user = decodeURIComponent(url.username) || env.PGUSER || env.USER || 'postgres'
  const sslmode = url.searchParams.get('sslmode') ?? env.PGSSLMODE
  let ssl: PoolConfig['ssl']
  if (sslmode === 'require' || sslmode === 'prefer' || sslmode === 'no-verify') ssl = { rejectUnauthorized: false }
  else if (sslmode === 'verify-ca' || sslmode === 'verify-full') ssl = true
  else if (sslmode === 'disable' || sslmode === 'allow' || sslmode === undefined || sslmode === null) ssl = false
  else throw KeywardError.validation({ [field]: `sslmode=${sslmode} is not one PostgreSQL knows.` })
  // Brackets stay off IPv6 hosts for the socket connection.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  return { host, port, user, database, urlPassword: url.password ? decodeURIComponent(url.password) : undefined, ssl }
}

/**
 * The password for a connection, as libpq finds it: the URL's, else PGPASSWORD, else the first
 * matching line of PGPASSFILE or ~/.pgpass (ignored, as libpq does, when others may read it).
 * node-postgres reads .pgpass too, but pg 8 marks that deprecated (a warning on stderr) and pg 9
 * drops it; reading it here keeps the behaviour and the output stable.
 */
export function findPassword(target: PgTarget, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (target.urlPassword !== undefined) return target.urlPassword
  if (env.PGPASSWORD) return env.PGPASSWORD
  const file = env.PGPASSFILE || join(env.HOME || homedir(), '.pgpass')
  let text: string
  try {
    const stat = statSync(file)
    if (!stat.isFile()) return undefined
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) return undefined
    text = readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
  const wanted = [target.host, String(target.port), target.database, target.user]
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue
    const fields = splitPgpassLine(line)
    if (fields.length < 5) continue
    const matches = wanted.every((want, i) => {
      const have = fields[i]
      return have === '*' || have === want || (i === 0 && have === 'localhost' && want === '127.0.0.1')
    })
    if (matches) return fields.slice(4).join(':')
  }
  return undefined
}

/** host:port:database:user:password, where `\:` and `\\` stand for themselves. */
function splitPgpassLine(line: string): string[] {
  const fields: string[] = []
  let current = ''
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (c === '\\' && i + 1 < line.length) current += line[++i]
    else if (c === ':' && fields.length < 4) {
      fields.push(current)
      current = ''
    } else current += c
  }
  fields.push(current)
  return fields
}

/** Pool settings for a target: discrete fields (no connection string, so the password never sits in one). */
export function poolConfig(target: PgTarget, env: NodeJS.ProcessEnv = process.env): PoolConfig {
  const password = findPassword(target, env)
  return {
    host: target.host,
    port: target.port,
    user: target.user,
    database: target.database,
    // A function: node-postgres then asks only us (not PGPASSWORD or .pgpass on its own).
    password: () => password ?? '',
    ssl: target.ssl,
    connectionTimeoutMillis: 15_000,
    application_name: 'keyward'
  }
}
