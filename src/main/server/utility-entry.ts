/**
 * Entry of the desktop app's server utility process (Electron utilityProcess.fork). Never imports
 * electron: `process.parentPort` is all it needs. See "Inside the desktop app, and from code" in docs/server.md for the message protocol.
 */
import { serveOverPort, type ParentPortLike } from './utility'

const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort
if (!parentPort) {
  console.error(
    'keyward: utility-entry runs inside Electron utilityProcess.fork(); for a terminal use "keyward serve".'
  )
  process.exit(2)
}
const service = serveOverPort(parentPort)
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void service.stop().finally(() => process.exit(0))
  })
}
