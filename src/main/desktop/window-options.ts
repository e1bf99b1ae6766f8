import type { BrowserWindowConstructorOptions } from 'electron'
import type { WindowState } from './preferences'

export { CONTENT_SECURITY_POLICY } from '../../shared/csp'

export const DEFAULT_WINDOW_SIZE = { width: 1280, height: 820 }
export const MIN_WINDOW_SIZE = { width: 900, height: 600 }

export interface WindowOptionsInput {
  preloadPath: string
  /** Restored position and size (already checked against the displays). */
  state?: Pick<WindowState, 'x' | 'y' | 'width' | 'height'>
  iconPath?: string
  dark: boolean
  devTools: boolean
}

/** The one place the main window's options are made. A test pins every security flag. */
export function mainWindowOptions(input: WindowOptionsInput): BrowserWindowConstructorOptions {
  const { state } = input
  return {
    title: 'Keyward',
    width: state?.width ?? DEFAULT_WINDOW_SIZE.width,
    height: state?.height ?? DEFAULT_WINDOW_SIZE.height,
    ...(state?.x !== undefined && state?.y !== undefined ? { x: state.x, y: state.y } : {}),
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    // Shown on ready-to-show: no white flash before the page paints.
    show: false,
    backgroundColor: input.dark ? '#18181c' : '#ffffff',
    ...(input.iconPath ? { icon: input.iconPath } : {}),
    webPreferences: {
      preload: input.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: input.devTools
    }
  }
}
