import type { ConnectionOptions } from 'node:tls'
import nodemailer from 'nodemailer'
import type SMTPTransport from 'nodemailer/lib/smtp-transport'
import type { SmtpConfig } from '../core/smtp-config'

/** Knobs a host (or a test) may add to the SMTP connection; never part of the stored settings. */
export interface SmtpConnectOptions {
  /** Extra TLS options, e.g. `{ ca: pem }` to trust a private CA or a test's self-signed certificate. */
  tls?: ConnectionOptions
  connectionTimeoutMs?: number
  greetingTimeoutMs?: number
  socketTimeoutMs?: number
}

export type SmtpTransporter = nodemailer.Transporter<SMTPTransport.SentMessageInfo, SMTPTransport.Options>

/**
 * nodemailer's SMTP transport for the stored settings. Security maps to nodemailer as:
 * none → plain text even if the server offers STARTTLS (ignoreTLS); starttls → upgrade or refuse
 * to send (requireTLS); tls → TLS from the first byte (secure, usually port 465).
 */
export function createSmtpTransport(
  config: SmtpConfig,
  password: string | null,
  options: SmtpConnectOptions = {}
): SmtpTransporter {
  return nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.security === 'tls',
    requireTLS: config.security === 'starttls',
    ignoreTLS: config.security === 'none',
    auth: config.user ? { user: config.user, pass: password ?? '' } : undefined,
    connectionTimeout: options.connectionTimeoutMs ?? 15_000,
    greetingTimeout: options.greetingTimeoutMs ?? 15_000,
    socketTimeout: options.socketTimeoutMs ?? 60_000,
    // Not pooled: one connection per message, so a failure never leaves a half-used session for the next.
    tls: { servername: isIpAddress(config.host) ? undefined : config.host, ...options.tls }
  })
}

function isIpAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':')
}

/** How a failed attempt is handled: retried later, or given up on after a few tries. */
export interface SmtpFailure {
  /** Words a user understands, with the server's own answer quoted when there is one. */
  message: string
  /** The server said no with a 5xx: retrying the same message will not help. */
  permanent: boolean
  /** The whole server is unusable right now (down, login refused, TLS): later messages would fail the same way. */
  serverWide: boolean
}

interface NodemailerError {
  code?: string
  responseCode?: number
  response?: string
  command?: string
  message?: string
}

const SERVER_WIDE_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EAUTH', 'EPROTOCOL'])

/** A nodemailer error → what went wrong and what to do, keeping the server's answer. */
export function describeSmtpError(error: unknown, config: SmtpConfig, password?: string | null): SmtpFailure {
  const e = (error ?? {}) as NodemailerError & { cause?: NodemailerError }
  const where = `${config.host}:${config.port}`
  const answer = e.response ? oneLine(e.response) : ''
  const quoted = answer ? ` (${answer})` : ''
  const raw = `${e.message ?? ''} ${(e as { reason?: string }).reason ?? ''}`
  const code = e.code ?? ''
  const responseCode = e.responseCode ?? 0
  let message: string

  if (code === 'EAUTH' && /Missing credentials/i.test(raw)) {
    message = `The SMTP server at ${where} needs a password for ${config.user}, but none is available: set the password (Settings in the app, or KEYWARD_SMTP_PASSWORD / --password-stdin for the CLI and server).`
  } else if (code === 'EAUTH' || responseCode === 535 || responseCode === 534 || responseCode === 530) {
    message =
      responseCode === 530 && !config.user
        ? `The SMTP server at ${where} requires a login${quoted}: set a user name and password.`
        : `The SMTP server refused the login${quoted}: check the user name and password.`
  } else if (/ECONNREFUSED/.test(raw)) {
    message = `Nothing answered at ${where} (connection refused): check the host and port, and that the mail server is running.`
  } else if (code === 'EDNS' || /ENOTFOUND|EAI_AGAIN/.test(raw)) {
    message = `The SMTP host "${config.host}" could not be found: check the host name and your network connection.`
  } else if (/EHOSTUNREACH|ENETUNREACH/.test(raw)) {
    message = `The SMTP host ${where} cannot be reached from this computer: check your network connection or VPN.`
  } else if (code === 'ETIMEDOUT') {
    message = `The SMTP server at ${where} did not answer in time: check the host and port (465 is usually TLS, 587 STARTTLS, 25 none), and any firewall.`
  } else if (/self[- ]signed|unable to verify|UNABLE_TO_GET_ISSUER|certificate has expired|CERT_/i.test(raw)) {
    const why = /expired/i.test(raw)
      ? 'has expired'
      : /self[- ]signed/i.test(raw)
        ? 'is self-signed'
        : 'is not signed by an authority this computer trusts'
    message = `The SMTP server's certificate ${why}, so Keyward did not send anything to ${where}: ask your mail administrator for a trusted certificate, or install its CA on this computer.`
  } else if (/altname|Hostname\/IP does not match/i.test(raw)) {
    message = `The SMTP server's certificate is not for "${config.host}": use the host name written on the certificate.`
  } else if (/wrong version number|packet length too long|unknown protocol|ssl3_get_record/i.test(raw)) {
    message =
      config.security === 'tls'
        ? `The server at ${where} does not speak TLS from the first byte: choose STARTTLS (usually port 587) or check the port (465 is the usual TLS port).`
        : `The server at ${where} answered with something other than SMTP over TLS: check the security setting and port.`
  } else if (code === 'ETLS' && config.security === 'starttls') {
    message = `The SMTP server at ${where} did not upgrade the connection with STARTTLS${quoted}, so nothing was sent in clear text: choose TLS if the port is 465, or ask your mail administrator to enable STARTTLS.`
  } else if (code === 'ETLS') {
    message = `The secure connection to ${where} failed${quoted}: check the security setting (none, STARTTLS or TLS) and port.`
  } else if (/Connection closed|ECONNRESET|socket hang up/i.test(raw) || code === 'ESOCKET' || code === 'ECONNECTION') {
    message = answer
      ? `The SMTP server at ${where} closed the connection${quoted}: it will be retried.`
      : `The connection to ${where} was cut before the server answered: check the security setting and port; it will be retried.`
  } else if (code === 'EENVELOPE' && e.command === 'MAIL FROM') {
    message = `The SMTP server refused the sender ${config.from}${quoted}: use a From address this server lets you send as.`
  } else if (code === 'EENVELOPE' && (e.command === 'RCPT TO' || /recipient/i.test(raw))) {
    message = `The SMTP server refused the recipient${quoted}: check the address.`
  } else if (responseCode >= 500) {
    message = `The SMTP server rejected the message${quoted}.`
  } else if (responseCode >= 400) {
    message = `The SMTP server asked to try again later${quoted}; Keyward will retry.`
  } else {
    message = `Sending through ${where} failed: ${oneLine(e.message ?? String(error))}.`
  }

  return {
    message: scrub(message, password),
    permanent: responseCode >= 500,
    serverWide: SERVER_WIDE_CODES.has(code)
  }
}

/** A successful SMTP answer → words. */
export function describeSmtpSuccess(response: string | undefined, config: SmtpConfig, to: string): string {
  const answer = response ? ` It answered: "${oneLine(response)}".` : ''
  return `The SMTP server at ${config.host}:${config.port} accepted the message for ${to}.${answer}`
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 300)
}

/** Belt and braces: no server answer ever carries our password back out. */
function scrub(text: string, password: string | null | undefined): string {
  return password && password.length >= 3 ? text.split(password).join('•••') : text
}
