import { readonly, ref } from 'vue'

/** The app's screens. Hash routes so the same build works from file:// (Electron) and over HTTP. */
export const SCREENS = ['keys', 'resources', 'audit', 'outbox', 'settings', 'scan'] as const
export type Screen = (typeof SCREENS)[number]

export interface Route {
  screen: Screen
  query: URLSearchParams
}

function parse(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#\/?/, '').split('?')
  const screen = (SCREENS as readonly string[]).includes(path) ? (path as Screen) : 'keys'
  return { screen, query: new URLSearchParams(search) }
}

const current = ref<Route>(parse(typeof location === 'undefined' ? '' : location.hash))
if (typeof window !== 'undefined') window.addEventListener('hashchange', () => (current.value = parse(location.hash)))

export const route = readonly(current)

export function navigate(screen: Screen, query: Record<string, string> = {}): void {
  const search = new URLSearchParams(query).toString()
  const hash = `#/${screen}${search ? `?${search}` : ''}`
  if (location.hash !== hash) location.hash = hash
  current.value = parse(hash)
}
