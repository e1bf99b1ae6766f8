/** Types for scripts/browser.cjs (used by playwright.config.ts and its unit test). */
import type { LaunchOptions } from '@playwright/test'

export interface Browser {
  source: 'playwright' | 'system'
  executablePath: string
  launchOptions: LaunchOptions
}
export interface FindOptions {
  playwrightChromium?: string | null
  systemChromium?: readonly string[]
  exists?: (file: string) => boolean
}
export interface InstallResult {
  ok: boolean
  detail: string
}
export type EnsureResult = { ok: true; browser: Browser; installed: boolean } | { ok: false; message: string }
export interface EnsureOptions {
  find?: () => Browser | null
  install?: () => InstallResult
  platform?: NodeJS.Platform
  osRelease?: () => string
  log?: (line: string) => void
}

export function find(options?: FindOptions): Browser | null
export function ensure(options?: EnsureOptions): EnsureResult
export function packageHint(platform: NodeJS.Platform, osRelease: string): string
export function installPlaywrightChromium(options?: { extraArgs?: string[] }): InstallResult
export function playwrightChromiumPath(): string | null
export const SYSTEM_CHROMIUM: readonly string[]
export const SYSTEM_CHROMIUM_ARGS: readonly string[]
