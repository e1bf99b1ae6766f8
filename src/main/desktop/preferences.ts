import { z } from 'zod'
import { AppSettings, DEFAULT_APP_SETTINGS } from '../../shared/schemas'

/** Where and how big the window was, restored at the next start. */
export const WindowState = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(200).max(20000),
  height: z.number().int().min(200).max(20000),
  maximized: z.boolean()
})
export type WindowState = z.infer<typeof WindowState>

/** Everything the preferences file holds. Preferences only: never a secret. */
export interface Preferences {
  settings: AppSettings
  window?: WindowState
}

/**
 * The part of electron-store (conf) the app uses. Reads are `unknown` on purpose: the file is the
 * user's, so every value is validated before use. Node tests pass `memoryPreferenceStore()`.
 */
export interface PreferenceStore {
  get(key: keyof Preferences): unknown
  set<K extends keyof Preferences>(key: K, value: Preferences[K]): void
}

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema) as Record<string, unknown>
  return rest
}

/**
 * Options for `new Store(...)` (electron-store 11 over conf 15), kept here so a Node test can open
 * the very same configuration with conf. The file is the owner's alone (0600), and a corrupt or
 * hand-broken file is reset to defaults instead of stopping the app.
 */
export function preferenceStoreOptions() {
  return {
    name: 'preferences',
    defaults: { settings: { ...DEFAULT_APP_SETTINGS } },
    schema: {
      // Partial: a file from an older version (without a newer setting) stays valid; reads fill defaults.
      settings: jsonSchema(AppSettings.partial()),
      window: jsonSchema(WindowState)
    },
    clearInvalidConfig: true,
    configFileMode: 0o600,
    accessPropertiesByDotNotation: false
  }
}

/** An in-memory PreferenceStore for tests and for a session whose file cannot be opened. */
export function memoryPreferenceStore(initial: Partial<Record<keyof Preferences, unknown>> = {}): PreferenceStore & {
  data: Partial<Record<keyof Preferences, unknown>>
} {
  const data: Partial<Record<keyof Preferences, unknown>> = {
    settings: { ...DEFAULT_APP_SETTINGS },
    ...structuredClone(initial)
  }
  return {
    data,
    get: (key) => structuredClone(data[key]),
    set: (key, value) => {
      data[key] = structuredClone(value)
    }
  }
}
