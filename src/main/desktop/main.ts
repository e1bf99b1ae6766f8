/**
 * The composition root of the desktop app: the only module that touches Electron's objects. Each
 * capability lives in a small module that takes its Electron dependency as a parameter and is
 * tested with fakes; this file passes the real ones in and owns the order of start and quit.
 */
import { existsSync } from 'node:fs'
import {
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
} from 'electron'
import Store from 'electron-store'
import { BULK_PROGRESS_CHANNEL, MENU_CHANNEL, type MenuCommand } from '../../shared/ipc'
import type { AppSettings, Language } from '../../shared/schemas'
import { osUserName } from '../core/actor'
import { Registry } from '../core/registry'
import { openRegistryDatabase } from '../db/open'
import { createNotifyHandlers } from '../notify/handlers'
import { startOutboxSender } from '../notify/sender'
import { createFileHandlers, fileRegistryOf, remoteFileRegistry } from '../files/handlers'
import { createScanHandlers, remoteScanLookup } from '../scan/handlers'
import { operationTable } from '../transport/dispatch'
import { desktopBulk } from './bulk-progress'
import { desktopPaths } from './app-paths'
import { createBackupDialogs, type DialogLike } from './backup-dialogs'
import { createKeyExportDialog } from './export-dialog'
import { createSecretClipboard } from './clipboard-once'
import { folderPicker, openFilePicker, savePicker } from './folder-picker'
import { desktopHostHandlers, withKeptUpstreamKeys, withSecretOnClipboard } from './host-handlers'
import { registerOperations, type IpcMainLike } from './ipc/register'
import { appPageUrl, isAppPage } from './ipc/sender'
import { runBeforeQuit } from './lifecycle'
import { createLocalServer, type UtilityProcessLike } from './local-server'
import { menuTemplate } from './menu'
import { nativeLocale, NATIVE_WORDS, type NativeWords } from './native-words'
import { passwordStoreOptions, safeStoragePasswordStore, type BlobStore } from './password-store'
import { preferenceStoreOptions, type PreferenceStore, type Preferences } from './preferences'
import { createSettingsService } from './app-settings'
import { createRegistrySwitch, localRegistryOnly } from './registry-switch'
import { safeStorageTeamKey, teamKeyStoreOptions, type TeamKeyBlobStore } from './team-key-store'
import { bringToFront, claimSingleInstance } from './single-instance'
import { safeStorageUpstreamKeys, upstreamKeyStoreOptions, type UpstreamKeyBlobStore } from './upstream-keys'
import { mainWindowOptions } from './window-options'
import { hardenSession, hardenWebContents } from './window-security'
import { captureWindowState, restoreWindowState } from './window-state'

const paths = desktopPaths({
  env: process.env,
  platform: process.platform,
  isPackaged: app.isPackaged,
  appPath: app.getAppPath(),
  resourcesPath: process.resourcesPath,
  mainDir: __dirname
})
const isDev = paths.page.kind === 'dev-server'

// Before anything reads userData: the same folder the CLI computes (core/paths.ts), or the test's.
app.setName('Keyward')
app.setPath('userData', paths.userData)

let mainWindow: BrowserWindow | null = null

/**
 * The one language of the menu and of every native dialog: the Language setting, or for 'system'
 * the OS's preferred languages (undefined before the setting can be read).
 */
const localeOf = (language: Language | undefined) =>
  nativeLocale(language, [...app.getPreferredSystemLanguages(), app.getLocale()])

if (!claimSingleInstance(app, () => mainWindow)) {
  app.quit()
} else {
  app.whenReady().then(start, (error: unknown) => {
    // No settings yet: the OS's language, and English if even that cannot be asked.
    let words = NATIVE_WORDS.en
    try {
      words = NATIVE_WORDS[localeOf(undefined)]
    } catch {
      // Keep English: the error below is what matters.
    }
    fatal(words.fatal.couldNotStart, error)
  })
}

function start(): void {
  // Read first, so that even the errors that stop the start speak the chosen language.
  const preferences = new Store<Preferences>(preferenceStoreOptions()) as unknown as PreferenceStore &
    Store<Preferences>
  const settings = createSettingsService(preferences)
  /** Read as each dialog opens: a change of language applies at once. */
  const words = (): NativeWords => NATIVE_WORDS[localeOf(settings.get().language)]

  if (!existsSync(paths.nativeBinding)) {
    const w = words()
    fatal(w.fatal.noDriver, w.fatal.driverNotFound(paths.nativeBinding, app.isPackaged))
    return
  }
  let registry: Registry
  try {
    registry = new Registry(openRegistryDatabase(paths.registry, { nativeBinding: paths.nativeBinding }))
  } catch (error) {
    const w = words()
    fatal(w.fatal.cannotOpenRegistry, error)
    return
  }

  nativeTheme.themeSource = settings.get().theme

  const passwords = safeStoragePasswordStore(safeStorage, new Store(passwordStoreOptions()) as unknown as BlobStore)
  const upstreamKeys = safeStorageUpstreamKeys(
    safeStorage,
    new Store(upstreamKeyStoreOptions()) as unknown as UpstreamKeyBlobStore
  )
  const outbox = startOutboxSender({ registry, passwords, intervalMs: 60_000 })
  const secretClipboard = createSecretClipboard({
    clipboard,
    timers: { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) },
    clearAfterSeconds: () => settings.get().clipboardClearSeconds
  })
  const localServer = createLocalServer({
    fork: () =>
      utilityProcess.fork(paths.serverModule, [], {
        serviceName: 'Keyward local server',
        stdio: 'inherit'
      }) as unknown as UtilityProcessLike,
    dbPath: paths.registry,
    nativeBinding: paths.nativeBinding,
    timers: { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) },
    upstreamKeys: () => upstreamKeys.decryptAll()
  })
  const scanFolderPicker = folderPicker(dialog, () => mainWindow, words)
  const fileDialogs = {
    pickSavePath: savePicker(dialog, () => mainWindow, words),
    pickOpenPath: openFilePicker(dialog, () => mainWindow, words),
    words,
    // The page shows it as the import dialog's progress bar (the channel of bulk actions).
    onImportProgress: (progress: { done: number; total: number }) =>
      mainWindow?.webContents.send(BULK_PROGRESS_CHANNEL, progress)
  }
  const host = desktopHostHandlers({
    settings,
    localServer,
    clipboard: secretClipboard,
    notify: createNotifyHandlers({ registry, passwords, flush: () => outbox.flushNow() }),
    upstreamKeys: { store: upstreamKeys, registry, onChange: () => localServer.upstreamKeysChanged() },
    scan: createScanHandlers({ registry, pickFolder: scanFolderPicker }),
    files: createFileHandlers({ registry: fileRegistryOf(registry), ...fileDialogs })
  })
  const table = withKeptUpstreamKeys(
    withSecretOnClipboard(
      {
        ...operationTable(registry, host),
        'keys.bulk': desktopBulk(registry, secretClipboard, (progress) =>
          mainWindow?.webContents.send(BULK_PROGRESS_CHANNEL, progress)
        )
      },
      secretClipboard
    ),
    upstreamKeys,
    () => localServer.upstreamKeysChanged()
  )
  // This computer's registry or a team server (Settings → Registry): switched per call, no restart.
  const registrySwitch = createRegistrySwitch({
    settings,
    keys: safeStorageTeamKey(safeStorage, new Store(teamKeyStoreOptions()) as unknown as TeamKeyBlobStore),
    local: table,
    host,
    clipboard: secretClipboard,
    onServer: (server) => ({
      ...createFileHandlers({ registry: remoteFileRegistry(server), ...fileDialogs }),
      ...createScanHandlers({ registry: remoteScanLookup(server), pickFolder: scanFolderPicker })
    })
  })
  const actor = osUserName('desktop')
  registerOperations(ipcMain as unknown as IpcMainLike, {
    table: registrySwitch.table,
    isTrustedSender: isAppPage(paths.page),
    context: () => ({ actor })
  })

  hardenSession(session.defaultSession, { sendCspHeader: !isDev })
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, (url) => shell.openExternal(url)))

  localServer.apply(settings.get())

  const sendMenu = (command: MenuCommand) => mainWindow?.webContents.send(MENU_CHANNEL, command)
  const backupDialogs = createBackupDialogs({
    dialog: dialog as unknown as DialogLike,
    window: () => mainWindow,
    registryPath: paths.registry,
    nativeBinding: paths.nativeBinding,
    words,
    actor,
    beforeRestore: () => registry.flushLastUsed(),
    afterRestore: () => mainWindow?.webContents.reload()
  })
  const exportDialog = createKeyExportDialog({
    dialog: dialog as unknown as DialogLike,
    window: () => mainWindow,
    registry,
    words,
    actor
  })
  /** Backups, restores and exports read this computer's file: on a team server the menu says so instead. */
  const onThisComputer = (label: (w: NativeWords) => string, run: () => Promise<unknown>) => () => {
    if (registrySwitch.current().kind === 'local') return void run()
    const w = words()
    const options = { type: 'info' as const, message: w.core(localRegistryOnly(label(w)).message), buttons: [w.box.ok] }
    void (mainWindow ? dialog.showMessageBox(mainWindow, options) : dialog.showMessageBox(options))
  }
  const applyMenu = ({ theme, language }: Pick<AppSettings, 'theme' | 'language'>) =>
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        menuTemplate({
          platform: process.platform,
          isDev,
          theme,
          language: localeOf(language),
          actions: {
            newKey: () => sendMenu('new-key'),
            backUp: onThisComputer(
              (w) => w.menu.backUp,
              () => backupDialogs.backUp()
            ),
            restore: onThisComputer(
              (w) => w.menu.restore,
              () => backupDialogs.restore()
            ),
            exportKeys: onThisComputer(
              (w) => w.menu.exportKeys,
              () => exportDialog.exportKeys()
            ),
            importKeys: () => sendMenu('import-keys'),
            scanFolder: () => sendMenu('scan-folder'),
            setTheme: (next) => settings.set({ theme: next }),
            about: () => app.showAboutPanel()
          }
        })
      )
    )
  app.setAboutPanelOptions({ applicationName: 'Keyward', applicationVersion: app.getVersion(), iconPath: paths.icon })
  applyMenu(settings.get())

  settings.onChange((next, previous) => {
    if (next.theme !== previous.theme) nativeTheme.themeSource = next.theme
    if (next.theme !== previous.theme || next.language !== previous.language) applyMenu(next)
    if (
      next.serverEnabled !== previous.serverEnabled ||
      next.serverPort !== previous.serverPort ||
      next.serverGateway !== previous.serverGateway
    )
      localServer.apply(next)
    sendMenu('settings-changed')
  })

  const openWindow = () => {
    const restored = restoreWindowState(
      preferences.get('window'),
      screen.getAllDisplays().map((d) => d.workArea)
    )
    const window = new BrowserWindow(
      mainWindowOptions({
        preloadPath: paths.preload,
        state: restored.bounds,
        iconPath: existsSync(paths.icon) ? paths.icon : undefined,
        dark: nativeTheme.shouldUseDarkColors,
        devTools: isDev
      })
    )
    if (restored.maximized) window.maximize()
    window.once('ready-to-show', () => window.show())
    window.on('close', () => preferences.set('window', captureWindowState(window)))
    window.on('closed', () => {
      if (mainWindow === window) mainWindow = null
    })
    void window.loadURL(appPageUrl(paths.page))
    mainWindow = window
  }
  openWindow()

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openWindow()
    else bringToFront(mainWindow)
  })
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
  runBeforeQuit(app, async () => {
    await secretClipboard.clearOnQuit()
    await localServer.stop()
    await outbox.stop()
    registry.close()
  })
}

/** The error box when the app cannot start; the error's own text (from the core or Node) stays as it comes. */
function fatal(title: string, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error)
  console.error(`keyward: ${title}: ${message}`)
  dialog.showErrorBox(title, message)
  app.exit(1)
}
