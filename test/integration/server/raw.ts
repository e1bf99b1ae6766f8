import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { connect, type Socket } from 'node:net'
import { CLI, REPO, waitFor } from './harness'

export interface RawAnswer {
  status: number
  headers: Record<string, string>
  body: string
  /** The server closed the connection without answering (a reset or a bare close). */
  closed: boolean
}

/**
 * Sends bytes as they are over a fresh TCP connection (what fetch refuses to send: bad methods,
 * control characters, broken encodings) and reads one HTTP answer: headers, then Content-Length
 * bytes of body, or everything until the server closes.
 */
export function rawRequest(
  port: number,
  bytes: string | Buffer,
  options: { localAddress?: string; timeoutMs?: number } = {}
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ port, host: '127.0.0.1', localAddress: options.localAddress })
    let data = Buffer.alloc(0)
    let done = false
    const finish = (answer: RawAnswer | Error) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      if (answer instanceof Error) reject(answer)
      else resolve(answer)
    }
    const timer = setTimeout(
      () =>
        finish(
          new Error(
            `no answer within ${options.timeoutMs ?? 15_000} ms to ${JSON.stringify(String(bytes).slice(0, 120))}`
          )
        ),
      options.timeoutMs ?? 15_000
    )
    const parse = (ended: boolean) => {
      const end = data.indexOf('\r\n\r\n')
      if (end < 0) {
        if (ended) finish({ status: 0, headers: {}, body: data.toString('latin1'), closed: true })
        return
      }
      const lines = data.subarray(0, end).toString('latin1').split('\r\n')
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0)
      const headers: Record<string, string> = {}
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':')
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
      }
      const body = data.subarray(end + 4)
      const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length'])
      if (length !== undefined && body.length >= length)
        finish({ status, headers, body: body.subarray(0, length).toString('utf8'), closed: false })
      else if (ended) finish({ status, headers, body: body.toString('utf8'), closed: false })
    }
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk])
      parse(false)
    })
    socket.on('end', () => parse(true))
    socket.on('close', () => parse(true))
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') parse(true)
      else finish(error)
    })
    socket.on('connect', () => socket.write(bytes))
  })
}

/** Opens a TCP connection and sends nothing; resolves once connected. */
export function idleConnection(port: number, localAddress?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress })
    socket.once('connect', () => {
      socket.off('error', reject)
      // The server closing it (a reset under load) is what the tests wait for, not a failure.
      socket.on('error', () => undefined)
      resolve(socket)
    })
    socket.once('error', reject)
  })
}

/** A real `keyward serve` child process on a free loopback port, with what it wrote so far. */
export interface ServeProcess {
  proc: ChildProcessWithoutNullStreams
  port: number
  stderr: () => string
}

/**
 * Starts the built CLI's `keyward serve --port 0` on `dbPath` and waits for its URL. With
 * `fdLimit`, it runs under `ulimit -n fdLimit` (soft and hard), as on a machine with that limit.
 */
export async function spawnServe(dbPath: string, options: { fdLimit?: number } = {}): Promise<ServeProcess> {
  const spawnOptions = { cwd: REPO, env: { ...process.env, KEYWARD_DB: '' } }
  const proc = options.fdLimit
    ? spawn(
        'sh',
        ['-c', `ulimit -n ${options.fdLimit} && exec "${process.execPath}" "${CLI}" --db "${dbPath}" serve --port 0`],
        spawnOptions
      )
    : spawn(process.execPath, [CLI, '--db', dbPath, 'serve', '--port', '0'], spawnOptions)
  let stdout = ''
  let stderr = ''
  proc.stdout.on('data', (c) => (stdout += c))
  proc.stderr.on('data', (c) => (stderr += c))
  const url = await waitFor(
    () => /http:\/\/127\.0\.0\.1:\d+/.exec(stdout)?.[0],
    (u) => u !== undefined
  )
  return { proc, port: Number(new URL(url!).port), stderr: () => stderr }
}
