import { toErrorPayload } from '../../shared/errors'
import { startServer, type RunningServer, type ServerOptions } from './server'

/** What the desktop app sends to the server's utility process. */
export type ServerCommand =
  | { type: 'start'; dbPath: string; host?: string; port?: number; ui?: boolean | string; nativeBinding?: string }
  | { type: 'stop' }

/** What the utility process answers. */
export type ServerEvent =
  | { type: 'started'; url: string; host: string; port: number }
  | { type: 'stopped' }
  | { type: 'error'; code: string; message: string }

/** The slice of Electron's `process.parentPort` this module uses (typed here: Node tests cannot load electron). */
export interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown
  postMessage(message: ServerEvent): void
}

/**
 * Runs `keyward serve` on behalf of a parent over a message port: `start` opens the registry and
 * listens (answering `started` with the URL, or `error`), `stop` closes it (answering `stopped`).
 * Commands are handled one at a time, so a quick start/stop/start cannot interleave.
 */
export function serveOverPort(
  port: ParentPortLike,
  start: (options: ServerOptions) => Promise<RunningServer> = startServer
): { stop(): Promise<void> } {
  let running: RunningServer | undefined
  let queue: Promise<void> = Promise.resolve()

  const stop = async () => {
    const server = running
    running = undefined
    if (server) await server.close()
  }

  const run = async (command: ServerCommand) => {
    if (command.type === 'stop') {
      await stop()
      port.postMessage({ type: 'stopped' })
      return
    }
    await stop()
    try {
      running = await start({
        dbPath: command.dbPath,
        host: command.host,
        port: command.port,
        ui: command.ui,
        nativeBinding: command.nativeBinding
      })
      port.postMessage({ type: 'started', url: running.url, host: running.host, port: running.port })
    } catch (error) {
      port.postMessage({ type: 'error', ...toErrorPayload(error) })
    }
  }

  port.on('message', (event) => {
    const command = event.data as ServerCommand
    if (
      !command ||
      (command.type !== 'start' && command.type !== 'stop') ||
      (command.type === 'start' && typeof command.dbPath !== 'string')
    ) {
      port.postMessage({
        type: 'error',
        code: 'VALIDATION',
        message: 'Send {type: "start", dbPath, port} or {type: "stop"}.'
      })
      return
    }
    queue = queue.then(() => run(command))
  })
  return { stop: () => (queue = queue.then(stop)) }
}
