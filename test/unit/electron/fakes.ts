import { EventEmitter } from 'node:events'
import { DEFAULT_APP_SETTINGS } from '../../../src/shared/schemas'
import type { IpcReply } from '../../../src/shared/ipc'
import type { ClipboardLike, TimerLike } from '../../../src/main/desktop/clipboard-once'
import type { InvokeEventLike, IpcMainLike } from '../../../src/main/desktop/ipc/register'
import type { PasswordStore } from '../../../src/main/notify/types'
import type { UtilityProcessLike } from '../../../src/main/desktop/local-server'
import type { SafeStorageLike } from '../../../src/main/desktop/password-store'
import type { ServerCommand, ServerEvent } from '../../../src/main/server/utility'

type Listener = (event: InvokeEventLike, ...args: unknown[]) => Promise<IpcReply>

/** ipcMain with the handlers kept, so a test can call them the way Electron would. */
export function fakeIpcMain() {
  const handlers = new Map<string, Listener>()
  const ipc: IpcMainLike & {
    handlers: Map<string, Listener>
    invoke(channel: string, frameUrl: string | null, ...args: unknown[]): Promise<IpcReply>
  } = {
    handlers,
    handle(channel, listener) {
      if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`)
      handlers.set(channel, listener)
    },
    removeHandler(channel) {
      handlers.delete(channel)
    },
    invoke(channel, frameUrl, ...args) {
      const handler = handlers.get(channel)
      if (!handler) throw new Error(`No handler registered for '${channel}'`)
      return handler({ senderFrame: frameUrl === null ? null : { url: frameUrl, parent: null } }, ...args)
    }
  }
  return ipc
}

/** The system clipboard, as a string, with a record of every write and clear. */
export function fakeClipboard(initial = '') {
  const clip = {
    text: initial,
    writes: [] as string[],
    clears: 0,
    readText: async () => clip.text,
    writeText: async (text: string) => {
      clip.text = text
      clip.writes.push(text)
    },
    clear: () => {
      clip.text = ''
      clip.clears++
    }
  }
  return clip satisfies ClipboardLike
}

/** setTimeout/clearTimeout over a clock the test moves. */
export function fakeTimers() {
  let now = 0
  let nextId = 1
  const pending = new Map<number, { at: number; callback: () => void }>()
  const timers = {
    get now() {
      return now
    },
    pendingCount: () => pending.size,
    setTimeout(callback: () => void, ms: number) {
      const id = nextId++
      pending.set(id, { at: now + ms, callback })
      return id
    },
    clearTimeout(handle: unknown) {
      pending.delete(handle as number)
    },
    /** Moves time forward, running due callbacks in order, and lets their async work settle. */
    async advance(ms: number) {
      const until = now + ms
      for (;;) {
        const due = [...pending.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0]
        if (!due) break
        pending.delete(due[0])
        now = due[1].at
        due[1].callback()
        await settle()
      }
      now = until
      await settle()
    }
  }
  return timers satisfies TimerLike
}

/** Lets queued promise callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve()
  await new Promise((resolve) => setImmediate(resolve))
}

export function memoryPasswords(): PasswordStore {
  let value: string | null = null
  return { get: () => value, set: (v) => void (value = v), storage: () => 'os' }
}

export const defaults = DEFAULT_APP_SETTINGS

/**
 * Utility processes for createLocalServer's fork: each records the commands it gets; the test
 * answers as the real server-process entry would (`started`, `error`, `stopped`, exit).
 */
export function fakeUtilityProcesses() {
  const forks: {
    commands: ServerCommand[]
    killed: boolean
    answer(event: ServerEvent): void
    exit(code: number): void
  }[] = []
  const fork = (): UtilityProcessLike => {
    const events = new EventEmitter()
    const record = {
      commands: [] as ServerCommand[],
      killed: false,
      answer: (event: ServerEvent) => events.emit('message', event),
      exit: (code: number) => events.emit('exit', code)
    }
    forks.push(record)
    return {
      postMessage: (command: ServerCommand) => record.commands.push(command),
      on: (event: 'message' | 'exit', listener: (arg: unknown) => void) => events.on(event, listener),
      kill: () => (record.killed = true)
    } as UtilityProcessLike
  }
  return { fork, forks }
}

/** safeStorage that "encrypts" by reversing and tagging, so a test can tell ciphertext from plaintext. */
export function fakeSafeStorage(options: { available?: boolean; backend?: string } = {}) {
  return {
    isEncryptionAvailable: () => options.available ?? true,
    encryptString: (text: string) => Buffer.from(`enc:${[...text].reverse().join('')}`),
    decryptString: (data: Buffer) => {
      const text = data.toString()
      if (!text.startsWith('enc:'))
        throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.')
      return [...text.slice(4)].reverse().join('')
    },
    getSelectedStorageBackend: () => options.backend ?? 'gnome_libsecret'
  } satisfies SafeStorageLike
}
