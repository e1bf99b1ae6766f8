// The preload runs sandboxed with context isolation: it hands the page one typed client and nothing raw.
import { contextBridge, ipcRenderer } from 'electron'
import { exposeDesktopBridge } from './bridge'

exposeDesktopBridge(contextBridge, ipcRenderer)
