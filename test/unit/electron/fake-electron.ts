import { EventEmitter } from 'node:events'

/**
 * A stand-in for the `electron` module, shaped like the parts src/main/desktop/main.ts uses, recording
 * what the composition root does with them. Node cannot load the real one (no binary here).
 */
export function createFakeElectron(options: { appPath: string }) {
  const calls: string[] = []
  let readyResolve!: () => void
  const ready = new Promise<void>((resolve) => (readyResolve = resolve))
  const paths = new Map<string, string>()

  const app = Object.assign(new EventEmitter(), {
    isPackaged: false,
    name: 'keyward',
    quitCount: 0,
    exitCode: undefined as number | undefined,
    getAppPath: () => options.appPath,
    getVersion: () => '0.1.0',
    /** The OS's preferred languages; a test changes them to play another system. */
    systemLanguages: ['en-US'] as string[],
    getPreferredSystemLanguages: () => app.systemLanguages,
    getLocale: () => app.systemLanguages[0] ?? 'en-US',
    getPath: (name: string) => paths.get(name) ?? `/nonexistent/${name}`,
    setPath: (name: string, value: string) => {
      calls.push(`app.setPath(${name})`)
      paths.set(name, value)
    },
    setName: (name: string) => {
      app.name = name
    },
    requestSingleInstanceLock: () => true,
    whenReady: () => ready,
    quit: () => {
      app.quitCount++
      // Electron emits will-quit; the app may hold it (preventDefault) to finish its shutdown.
      let prevented = false
      app.emit('will-quit', { preventDefault: () => (prevented = true) })
      if (!prevented) calls.push('app.quit: done')
    },
    exit: (code: number) => {
      app.exitCode = code
    },
    setAboutPanelOptions: () => undefined,
    showAboutPanel: () => calls.push('about')
  })

  class FakeWebContents extends EventEmitter {
    sent: unknown[][] = []
    openHandler: ((d: { url: string }) => unknown) | undefined
    send(channel: string, ...args: unknown[]) {
      this.sent.push([channel, ...args])
    }
    setWindowOpenHandler(handler: (d: { url: string }) => unknown) {
      this.openHandler = handler
    }
  }

  class BrowserWindow extends EventEmitter {
    static windows: BrowserWindow[] = []
    static getAllWindows = () => BrowserWindow.windows.filter((w) => !w.destroyed)
    webContents = new FakeWebContents()
    loadedUrl: string | undefined
    destroyed = false
    shown = false
    maximized = false
    constructor(readonly options: Record<string, any>) {
      super()
      BrowserWindow.windows.push(this)
      app.emit('web-contents-created', {}, this.webContents)
    }
    loadURL(url: string) {
      this.loadedUrl = url
      return Promise.resolve()
    }
    show() {
      this.shown = true
    }
    focus() {}
    restore() {}
    isMinimized = () => false
    isDestroyed = () => this.destroyed
    maximize() {
      this.maximized = true
    }
    isMaximized = () => this.maximized
    getNormalBounds = () => ({ x: 40, y: 30, width: 1111, height: 777 })
    close() {
      this.emit('close', { preventDefault: () => undefined })
      this.destroyed = true
      this.emit('closed')
    }
  }

  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>()
  const ipcMain = {
    handlers,
    handle: (channel: string, listener: (event: unknown, ...args: unknown[]) => unknown) =>
      handlers.set(channel, listener),
    removeHandler: (channel: string) => handlers.delete(channel)
  }

  const clipboard = {
    text: '',
    readText: async () => clipboard.text,
    writeText: async (text: string) => {
      clipboard.text = text
    },
    clear: () => {
      clipboard.text = ''
      calls.push('clipboard.clear')
    }
  }

  const menus: unknown[][] = []
  const Menu = {
    buildFromTemplate: (template: unknown[]) => ({ template }),
    setApplicationMenu: (menu: { template: unknown[] }) => menus.push(menu.template)
  }

  const nativeTheme = { themeSource: 'system', shouldUseDarkColors: false }

  const safeStorage = {
    isEncryptionAvailable: () => true,
    encryptString: (s: string) => Buffer.from(`enc:${s}`),
    decryptString: (b: Buffer) => b.toString().slice(4),
    getSelectedStorageBackend: () => 'gnome_libsecret'
  }

  const session = {
    defaultSession: {
      permissionRequest: undefined as undefined | ((wc: unknown, p: string, cb: (g: boolean) => void) => void),
      permissionCheck: undefined as undefined | ((wc: unknown, p: string) => boolean),
      headers: undefined as unknown,
      setPermissionRequestHandler(h: (wc: unknown, p: string, cb: (g: boolean) => void) => void) {
        this.permissionRequest = h
      },
      setPermissionCheckHandler(h: (wc: unknown, p: string) => boolean) {
        this.permissionCheck = h
      },
      webRequest: {
        onHeadersReceived: (l: unknown) => {
          session.defaultSession.headers = l
        }
      }
    }
  }

  const opened: string[] = []
  const shell = { openExternal: async (url: string) => void opened.push(url) }

  const forks: { modulePath: string; messages: unknown[]; proc: EventEmitter & { killed?: boolean } }[] = []
  const utilityProcess = {
    fork: (modulePath: string) => {
      const proc = Object.assign(new EventEmitter(), {
        killed: false,
        postMessage: (message: { type: string; port?: number }) => {
          record.messages.push(message)
          // Answer like the real server-process entry would.
          setImmediate(() => {
            if (message.type === 'start')
              proc.emit('message', {
                type: 'started',
                url: `http://127.0.0.1:${message.port}`,
                host: '127.0.0.1',
                port: message.port
              })
            if (message.type === 'stop') proc.emit('message', { type: 'stopped' })
          })
        },
        kill: () => {
          proc.killed = true
          setImmediate(() => proc.emit('exit', 0))
          return true
        }
      })
      const record = { modulePath, messages: [] as unknown[], proc }
      forks.push(record)
      return proc
    }
  }

  const errors: string[] = []
  const dialog = { showErrorBox: (title: string, message: string) => errors.push(`${title}: ${message}`) }
  const screen = { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] }

  const module = {
    app,
    BrowserWindow,
    clipboard,
    dialog,
    ipcMain,
    Menu,
    nativeTheme,
    safeStorage,
    screen,
    session,
    shell,
    utilityProcess
  }
  return {
    module,
    calls,
    ready: () => readyResolve(),
    ipcMain,
    clipboard,
    menus,
    nativeTheme,
    session,
    opened,
    forks,
    errors,
    BrowserWindow,
    app
  }
}

export type FakeElectron = ReturnType<typeof createFakeElectron>
