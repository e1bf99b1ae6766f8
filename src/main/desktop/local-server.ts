import type { AppSettings } from '../../shared/schemas'
import type { LocalServerStatus } from '../../shared/types'
import type { ServerCommand, ServerEvent } from '../server/utility'

/** The part of Electron's UtilityProcess this adapter uses. */
export interface UtilityProcessLike {
  postMessage(message: ServerCommand): void
  on(event: 'message', listener: (message: unknown) => void): unknown
  on(event: 'exit', listener: (code: number) => void): unknown
  kill(): boolean
}

export type { LocalServerStatus }

export interface LocalServerOptions {
  /** utilityProcess.fork(modulePath, [], {serviceName, stdio}) in the app; a fake in tests. */
  fork: () => UtilityProcessLike
  dbPath: string
  nativeBinding?: string
  timers: { setTimeout(callback: () => void, ms: number): unknown; clearTimeout(handle: unknown): void }
  /** How long a stop may take before the process is killed. */
  stopTimeoutMs?: number
  onStatus?: (status: LocalServerStatus) => void
  log?: (line: string) => void
  /** The keychain's provider keys, decrypted, read when the gateway starts or its keys change. */
  upstreamKeys?: () => Record<string, string>
}

export interface LocalServer {
  /** Starts, restarts (port or gateway changed) or stops the server to match the settings. */
  apply(settings: Pick<AppSettings, 'serverEnabled' | 'serverPort'> & Partial<Pick<AppSettings, 'serverGateway'>>): void
  /** The keychain's provider keys changed: a running gateway gets the new set (by message, no restart). */
  upstreamKeysChanged(): void
  status(): LocalServerStatus
  /** Stops the server and ends its process (on quit). */
  stop(): Promise<void>
}

/**
 * `keyward serve` inside the app: one Electron utility process running src/main/server's
 * utility-entry, bound to loopback on the port from Settings. The process is forked when the
 * switch goes on and ended when it goes off; a port change restarts the server in place, and so
 * does the Gateway switch, whose server also gets the keychain's provider keys by message.
 */
export function createLocalServer(options: LocalServerOptions): LocalServer {
  const log = options.log ?? ((line: string) => console.error(line))
  let child: UtilityProcessLike | null = null
  let status: LocalServerStatus = { state: 'off' }
  let wantedPort: number | null = null
  let wantedGateway = false
  let stopping: Promise<void> | null = null

  const setStatus = (next: LocalServerStatus) => {
    status = next
    options.onStatus?.(next)
  }

  const spawn = (): UtilityProcessLike => {
    const proc = options.fork()
    proc.on('message', (message) => {
      if (proc !== child) return
      const event = message as ServerEvent
      if (event?.type === 'started') {
        setStatus({ state: 'running', url: event.url, port: event.port })
        log(`keyward: local server listening on ${event.url}`)
      } else if (event?.type === 'error') {
        setStatus({ state: 'failed', port: wantedPort ?? 0, message: String(event.message) })
        log(`keyward: the local server could not start: ${event.message}`)
      }
    })
    proc.on('exit', (code) => {
      if (proc !== child) return
      child = null
      if (wantedPort !== null) {
        setStatus({
          state: 'failed',
          port: wantedPort,
          message: `The server process ended unexpectedly (exit code ${code}). Switch the server off and on to retry.`
        })
        log(`keyward: the local server process exited with code ${code}`)
      } else {
        setStatus({ state: 'off' })
      }
    })
    return proc
  }

  const stopChild = (): Promise<void> => {
    const proc = child
    child = null
    if (!proc) return Promise.resolve()
    return new Promise<void>((resolve) => {
      let finished = false
      const finish = () => {
        if (finished) return
        finished = true
        options.timers.clearTimeout(timer)
        proc.kill()
        resolve()
      }
      const timer = options.timers.setTimeout(finish, options.stopTimeoutMs ?? 3000)
      proc.on('message', (message) => {
        if ((message as ServerEvent)?.type === 'stopped') finish()
      })
      proc.on('exit', () => finish())
      // Graceful first: in-flight verifications finish and lastUsedAt is written.
      proc.postMessage({ type: 'stop' })
    })
  }

  return {
    apply({ serverEnabled, serverPort, serverGateway = false }) {
      if (!serverEnabled) {
        if (wantedPort === null) return
        wantedPort = null
        const done: Promise<void> = stopChild().then(() => {
          if (stopping === done) stopping = null
          if (wantedPort === null) setStatus({ state: 'off' })
        })
        stopping = done
        return
      }
      if (wantedPort === serverPort && wantedGateway === serverGateway && child && status.state !== 'failed') return
      wantedPort = serverPort
      wantedGateway = serverGateway
      const start = () => {
        if (wantedPort !== serverPort || wantedGateway !== serverGateway) return
        child ??= spawn()
        setStatus({ state: 'starting', port: serverPort })
        child.postMessage({
          type: 'start',
          dbPath: options.dbPath,
          host: '127.0.0.1',
          port: serverPort,
          ui: false,
          nativeBinding: options.nativeBinding,
          gateway: serverGateway,
          // Only a gateway uses provider keys: a verify-only server never holds them.
          ...(serverGateway ? { upstreamKeys: options.upstreamKeys?.() ?? {} } : {})
        })
      }
      // A stop still in progress finishes before the new process binds the port.
      if (stopping) void stopping.then(start)
      else start()
    },
    upstreamKeysChanged() {
      if (!child || wantedPort === null || !wantedGateway) return
      child.postMessage({ type: 'upstreamKeys', upstreamKeys: options.upstreamKeys?.() ?? {} })
    },
    status: () => status,
    async stop() {
      wantedPort = null
      await stopChild()
      if (stopping) await stopping
      setStatus({ state: 'off' })
    }
  }
}
