/** The part of Electron's app this module uses. */
export interface SingleInstanceApp {
  requestSingleInstanceLock(): boolean
  on(event: 'second-instance', listener: () => void): unknown
}

/** The window calls this module touches when a second launch asks for focus. */
export interface FocusableWindow {
  isDestroyed(): boolean
  isMinimized(): boolean
  restore(): void
  show(): void
  focus(): void
}

/**
 * One Keyward per user: returns false when another instance holds the lock (this one should quit);
 * otherwise a second launch brings this instance's window to the front.
 */
export function claimSingleInstance(app: SingleInstanceApp, window: () => FocusableWindow | null | undefined): boolean {
  if (!app.requestSingleInstanceLock()) return false
  app.on('second-instance', () => bringToFront(window()))
  return true
}

export function bringToFront(window: FocusableWindow | null | undefined): void {
  if (!window || window.isDestroyed()) return
  if (window.isMinimized()) window.restore()
  window.show()
  window.focus()
}
