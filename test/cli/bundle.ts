/**
 * The CLI tests run the built bundle (out/cli/keyward.cjs), as `keyward` and the installers do.
 * This module makes sure that bundle is the one the current sources build: it is the node
 * project's vitest globalSetup (rebuilds a stale bundle once, before any test), and run.ts
 * refuses to start the CLI from a stale one.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { STAMP_FILE, sha256 } from '../../vite.cli.config'

export const ROOT = resolve(__dirname, '../..')
export const CLI_OUT = join(ROOT, 'out', 'cli')
export const CLI_BUNDLE = join(CLI_OUT, 'keyward.cjs')

interface Stamp {
  bundle: string
  bundleSha256: string
  inputs: Record<string, string>
}

/** Why the bundle on disk does not match the sources, or null when it does. */
export function staleReason(root = ROOT): string | null {
  const out = join(root, 'out', 'cli')
  const stampFile = join(out, STAMP_FILE)
  if (!existsSync(stampFile)) return `${stampFile} is missing (never built)`
  let stamp: Stamp
  try {
    stamp = JSON.parse(readFileSync(stampFile, 'utf8')) as Stamp
  } catch {
    return `${stampFile} is not readable JSON`
  }
  const bundle = join(out, stamp.bundle)
  if (!existsSync(bundle)) return `${bundle} is missing`
  if (sha256(bundle) !== stamp.bundleSha256) return `${bundle} was changed after it was built`
  for (const [file, hash] of Object.entries(stamp.inputs)) {
    const path = join(root, file)
    if (!existsSync(path)) return `${file} was removed since the build`
    if (sha256(path) !== hash) return `${file} changed since the build`
  }
  return null
}

/** `npm run build:cli`, synchronously; throws with vite's output when it fails. */
export function buildCliBundle(root = ROOT): void {
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js')
  const result = spawnSync(
    process.execPath,
    [vite, 'build', '--config', 'vite.cli.config.ts', '--configLoader', 'runner', '--logLevel', 'warn'],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' }
    }
  )
  if (result.status !== 0)
    throw new Error(`Building the CLI bundle failed (exit ${result.status}):\n${result.stdout}${result.stderr}`)
  const still = staleReason(root)
  if (still) throw new Error(`The CLI bundle was built but does not match its sources: ${still}`)
}

/** Builds the bundle when it does not match the sources. Returns why it was rebuilt, or null. */
export function ensureCliBundle(root = ROOT): string | null {
  const reason = staleReason(root)
  if (reason) buildCliBundle(root)
  return reason
}

/** Throws when the bundle does not match the sources: a stale CLI must never be tested. */
export function assertCliBundleFresh(root = ROOT): void {
  const reason = staleReason(root)
  if (reason) {
    throw new Error(
      `The CLI bundle out/cli/keyward.cjs is stale (${reason}). Run "npm run build:cli", or run the tests through vitest, whose globalSetup builds it.`
    )
  }
}

/** vitest globalSetup (vitest.config.ts, node project). */
export default function setup(): void {
  ensureCliBundle()
}
