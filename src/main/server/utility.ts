import { toErrorPayload } from '../../shared/errors'
import { startServer, type RunningServer, type ServerOptions } from './server'

/**
 * What the desktop app sends to the server's utility process. Provider keys travel only in these
 * messages (Electron's message port: structured clone between the two processes), never on a
 * command line or in an environment variable other processes could read.
 */
export type ServerCommand =
  | {
      type: 'start'
      dbPath: string
      host?: string
      port?: number
      ui?: boolean | string
      nativeBinding?: string
      /** Also run the OpenAI-compatible gateway (`keyward serve --gateway`). */
      gateway?: boolean
      /** Provider keys the desktop keeps in its keychain, by resource id (decrypted in main). */
      upstreamKeys?: Record<string, string>
    }
  /** The keychain's provider keys changed: the running gateway uses the new set from its next request. */
  | { type: 'upstreamKeys'; upstreamKeys: Record<string, string> }
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
  // One object for the life of the process, refilled in place: the server looks keys up in it per request.
  const upstreamKeys: Record<string, string> = {}
  const replaceKeys = (next: Record<string, string> | undefined) => {
    for (const id of Object.keys(upstreamKeys)) delete upstreamKeys[id]
    Object.assign(upstreamKeys, next ?? {})
  }

  const stop = async () => {
    const server = running
    running = undefined
    if (server) await server.close()
  }

  const run = async (command: ServerCommand) => {
    if (command.type === 'stop') {
      await stop()
      replaceKeys({})
      port.postMessage({ type: 'stopped' })
      return
    }
    if (command.type === 'upstreamKeys') {
      replaceKeys(command.upstreamKeys)
      return
    }
    await stop()
    replaceKeys(command.upstreamKeys)
    try {
      running = await start({
        dbPath: command.dbPath,
        host: command.host,
        port: command.port,
        ui: command.ui,
        nativeBinding: command.nativeBinding,
        gateway: command.gateway === true,
        upstreamKeys
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
      (command.type !== 'start' && command.type !== 'stop' && command.type !== 'upstreamKeys') ||
      (command.type === 'start' && typeof command.dbPath !== 'string') ||
      (command.type !== 'stop' && command.upstreamKeys !== undefined && !isKeyMap(command.upstreamKeys)) ||
      (command.type === 'upstreamKeys' && command.upstreamKeys === undefined)
    ) {
      port.postMessage({
        type: 'error',
        code: 'VALIDATION',
        message:
          'Send {type: "start", dbPath, port, gateway?, upstreamKeys?}, {type: "upstreamKeys", upstreamKeys} or {type: "stop"}; upstreamKeys maps resource ids to strings.'
      })
      return
    }
    queue = queue.then(() => run(command))
  })
  return { stop: () => (queue = queue.then(stop)) }
}

/** A plain object of resource id → provider key (both strings). */
function isKeyMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value as Record<string, unknown>).every((v) => typeof v === 'string')
  )
}
