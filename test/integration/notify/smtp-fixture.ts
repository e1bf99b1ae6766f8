import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { simpleParser, type ParsedMail } from 'mailparser'
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server'

/** A message the loopback server accepted (answered 250 to), with its exact bytes. */
export interface ReceivedMail {
  raw: Buffer
  parsed: ParsedMail
  mailFrom: string
  rcptTo: string[]
  user: string | undefined
  secure: boolean
}

export interface LoopbackSmtpOptions {
  /** Port to listen on; 0 = any free port. */
  port?: number
  /** TLS from the first byte (security "tls"). */
  secure?: boolean
  /** Key and certificate for TLS and STARTTLS. */
  cert?: TestCert
  /** Offer STARTTLS (on by default when a certificate is given). */
  starttls?: boolean
  /** Require this login; without it the server takes mail from anyone. */
  login?: { user: string; pass: string }
  /**
   * Called when a message's data has arrived, before the server answers. Return an error to refuse
   * it, or a promise to hold the answer (the sender waits meanwhile).
   */
  beforeAccept?: (raw: Buffer, session: SMTPServerSession) => void | Error | Promise<void | Error>
}

export interface LoopbackSmtp {
  port: number
  /** Accepted messages, in order. */
  received: ReceivedMail[]
  /** Messages whose data arrived, accepted or not (a sender may have died before the answer). */
  dataArrived: number
  /** Resolves when `count` messages have been accepted. */
  waitForReceived(count: number, timeoutMs?: number): Promise<ReceivedMail[]>
  /** Resolves when data for `count` messages has arrived. */
  waitForData(count: number, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

/** A real SMTP server (smtp-server) on 127.0.0.1 that keeps every message it accepts. */
export async function startLoopbackSmtp(options: LoopbackSmtpOptions = {}): Promise<LoopbackSmtp> {
  const received: ReceivedMail[] = []
  const waiters: (() => void)[] = []
  const notify = () => waiters.splice(0).forEach((w) => w())
  const state = { dataArrived: 0 }
  const starttls = options.starttls ?? options.cert !== undefined
  const serverOptions: SMTPServerOptions = {
    secure: options.secure ?? false,
    ...(options.cert ? { key: options.cert.key, cert: options.cert.cert } : {}),
    disabledCommands: [...(starttls || options.secure ? [] : ['STARTTLS']), ...(options.login ? [] : ['AUTH'])],
    authOptional: !options.login,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (options.login && auth.username === options.login.user && auth.password === options.login.pass) {
        callback(null, { user: auth.username })
      } else {
        callback(new Error('Invalid username or password'))
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        const raw = Buffer.concat(chunks)
        state.dataArrived++
        notify()
        void (async () => {
          const verdict = options.beforeAccept ? await options.beforeAccept(raw, session) : undefined
          if (verdict instanceof Error) {
            callback(verdict)
            return
          }
          received.push({
            raw,
            parsed: await simpleParser(raw),
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            rcptTo: session.envelope.rcptTo.map((r) => r.address),
            user: session.user as string | undefined,
            secure: session.secure
          })
          callback(null)
          notify()
        })()
      })
    }
  }
  const server = new SMTPServer(serverOptions)
  server.on('error', () => undefined)
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const port = (server.server.address() as { port: number }).port

  const waitFor = (done: () => boolean, what: string, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      if (done()) return resolve()
      const timer = setTimeout(() => reject(new Error(`Timed out waiting for ${what}`)), timeoutMs)
      const check = () => {
        if (done()) {
          clearTimeout(timer)
          resolve()
        } else waiters.push(check)
      }
      waiters.push(check)
    })

  return {
    port,
    received,
    get dataArrived() {
      return state.dataArrived
    },
    async waitForReceived(count, timeoutMs = 20_000) {
      await waitFor(() => received.length >= count, `${count} accepted message(s)`, timeoutMs)
      return received
    },
    waitForData(count, timeoutMs = 20_000) {
      return waitFor(() => state.dataArrived >= count, `data of ${count} message(s)`, timeoutMs)
    },
    close: () =>
      new Promise<void>((resolve) => {
        // Drop lingering client connections so close() never waits on a held DATA answer.
        for (const c of (server as unknown as { connections: Set<{ close(): void }> }).connections ?? []) {
          try {
            c.close()
          } catch {
            /* already gone */
          }
        }
        server.close(() => resolve())
      })
  }
}

/** A port nothing listens on right now (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()))
  const { port } = probe.address() as { port: number }
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}

export interface TestCert {
  key: string
  cert: string
  /** Path of the certificate file, e.g. for NODE_EXTRA_CA_CERTS in a child process. */
  certPath: string
  dispose(): void
}

/**
 * A self-signed certificate for 127.0.0.1 and localhost, made with the openssl command line
 * (node:crypto cannot issue X.509 certificates by itself).
 */
export function makeSelfSignedCert(): TestCert {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-cert-'))
  const keyPath = join(dir, 'key.pem')
  const certPath = join(dir, 'cert.pem')
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-addext',
      'basicConstraints=critical,CA:TRUE'
    ],
    { stdio: 'ignore' }
  )
  return {
    key: readFileSync(keyPath, 'utf8'),
    cert: readFileSync(certPath, 'utf8'),
    certPath,
    dispose: () => rmSync(dir, { recursive: true, force: true })
  }
}

/** Resolves when `check` returns true, polling without a fixed sleep in the test itself. */
export async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
