import { AppSettings, AppSettingsPatch, DEFAULT_APP_SETTINGS } from '../../shared/schemas'
import { parseInput } from '../core/validate'
import type { PreferenceStore } from './preferences'

export type SettingsListener = (next: AppSettings, previous: AppSettings) => void

export interface SettingsService {
  get(): AppSettings
  /** Validates the patch (VALIDATION with fields when wrong, nothing stored), stores, notifies. */
  set(patch: unknown): AppSettings
  onChange(listener: SettingsListener): () => void
}

/**
 * App preferences over a PreferenceStore. A stored field that is missing or invalid reads as its
 * default, so one bad value never loses the others.
 */
export function createSettingsService(
  store: PreferenceStore,
  log: (line: string) => void = (l) => console.error(l)
): SettingsService {
  const listeners = new Set<SettingsListener>()

  const get = (): AppSettings => {
    const stored = store.get('settings')
    const raw = (typeof stored === 'object' && stored !== null ? stored : {}) as Record<string, unknown>
    const out = { ...DEFAULT_APP_SETTINGS } as Record<string, unknown>
    for (const [field, schema] of Object.entries(AppSettings.shape)) {
      const parsed = schema.safeParse(raw[field])
      if (parsed.success) out[field] = parsed.data
    }
    return out as AppSettings
  }

  return {
    get,
    set(patch) {
      const { registry, ...changes } = parseInput(AppSettingsPatch, patch)
      const previous = get()
      // Only where the registry is: a team server's admin key belongs to the keychain (./registry-switch.ts).
      const where: Partial<AppSettings> = registry
        ? { registry: registry.kind === 'team' ? { kind: 'team', url: registry.url } : { kind: 'local' } }
        : {}
      const next: AppSettings = { ...previous, ...changes, ...where }
      store.set('settings', next)
      for (const listener of listeners) {
        try {
          listener(next, previous)
        } catch (error) {
          // The setting is stored; a side effect that failed (e.g. restarting the local server) reports itself.
          log(`keyward: applying settings failed: ${(error as Error)?.message ?? String(error)}`)
        }
      }
      return next
    },
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    }
  }
}
