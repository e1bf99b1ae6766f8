import { userInfo } from 'node:os'

/**
 * Who acts when nobody says otherwise (the audit log's actor): the OS user name, else USER or
 * USERNAME, else `fallback` (the CLI says "unknown", the desktop app "desktop").
 */
export function osUserName(fallback = 'unknown', env: NodeJS.ProcessEnv = process.env): string {
  try {
    const name = userInfo().username
    if (name) return name
  } catch {
    // No passwd entry (some containers): fall back to the environment.
  }
  return env.USER || env.USERNAME || fallback
}
