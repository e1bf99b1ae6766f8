import { fileURLToPath, pathToFileURL } from 'node:url'
import { resolve } from 'node:path'

/** The app's own page: the built renderer file in production, the electron-vite dev server in dev. */
export type AppPage = { kind: 'file'; path: string } | { kind: 'dev-server'; url: string }

/** The URL the window loads for `page`. */
export function appPageUrl(page: AppPage): string {
  return page.kind === 'file' ? pathToFileURL(page.path).href : page.url
}

/**
 * A predicate on a sender frame's URL: true only for the app's own page. A file URL must name the
 * very renderer file (any other local file is foreign); a dev URL must share the dev server's origin.
 */
export function isAppPage(page: AppPage, platform: NodeJS.Platform = process.platform): (frameUrl: string) => boolean {
  if (page.kind === 'dev-server') {
    const origin = new URL(page.url).origin
    return (frameUrl) => parse(frameUrl)?.origin === origin
  }
  const expected = normalisePath(resolve(page.path), platform)
  return (frameUrl) => {
    const url = parse(frameUrl)
    if (!url || url.protocol !== 'file:' || url.host !== '') return false
    url.hash = ''
    url.search = ''
    let path: string
    try {
      path = fileURLToPath(url)
    } catch {
      return false
    }
    return normalisePath(path, platform) === expected
  }
}

function parse(value: string): URL | null {
  try {
    return new URL(value)
  } catch {
    return null
  }
}

function normalisePath(path: string, platform: NodeJS.Platform): string {
  return platform === 'win32' || platform === 'darwin' ? path.toLowerCase() : path
}
