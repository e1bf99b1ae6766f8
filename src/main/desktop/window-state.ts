import { WindowState } from './preferences'

export interface Rect {
  x: number
  y: number
  width: number
  height: number
}

/** Enough of the window must show on some display to grab its title bar. */
const MIN_VISIBLE = { width: 120, height: 40 }

/**
 * The saved window state, made safe to use: an invalid record is ignored, and a position that is
 * no longer on any display (a monitor was unplugged) is dropped so the window opens centred.
 */
export function restoreWindowState(
  saved: unknown,
  workAreas: readonly Rect[]
): { bounds?: Omit<WindowState, 'maximized'>; maximized: boolean } {
  const parsed = WindowState.safeParse(saved)
  if (!parsed.success) return { maximized: false }
  const { x, y, width, height, maximized } = parsed.data
  if (x === undefined || y === undefined) return { bounds: { width, height }, maximized }
  const visible = workAreas.some((area) => overlap(area, { x, y, width, height }, MIN_VISIBLE))
  return { bounds: visible ? { x, y, width, height } : { width, height }, maximized }
}

function overlap(a: Rect, b: Rect, min: { width: number; height: number }): boolean {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)
  return w >= min.width && h >= min.height
}

/** What to save when the window closes: its normal (un-maximised) bounds and whether it was maximised. */
export function captureWindowState(window: { getNormalBounds(): Rect; isMaximized(): boolean }): WindowState {
  const b = window.getNormalBounds()
  return {
    x: Math.round(b.x),
    y: Math.round(b.y),
    width: Math.max(200, Math.round(b.width)),
    height: Math.max(200, Math.round(b.height)),
    maximized: window.isMaximized()
  }
}
