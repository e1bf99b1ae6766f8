import type { Dirent } from 'node:fs'
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import ignore, { type Ignore } from 'ignore'

/** The .gitignore of one folder, for paths relative to that folder. */
interface IgnoreLevel {
  dir: string
  rules: Ignore
}

export interface WalkOptions {
  /** Include what .gitignore files exclude, and .git folders. */
  all: boolean
  /** Called for a folder that cannot be listed (permissions); the walk goes on. */
  unreadable: (path: string) => void
}

/** A file to scan: `path` as reached from the argument (for reports), `real` its canonical path. */
export interface WalkedFile {
  path: string
  real: string
}

/**
 * Files under `root` (a folder, already known to exist), depth first in name order. Symbolic
 * links are never followed, inside the tree or out of it: a link's target inside the tree is
 * scanned at its own path once, and one outside is not ours to read. Without links there are no
 * loops; folders are also remembered by device and inode, so a bind mount cannot loop either.
 * `.gitignore` files apply at every level as git applies them (a deeper file overrides, `!` re-includes).
 */
export async function* walkFolder(
  root: string,
  options: WalkOptions,
  seenFolders: Set<string>
): AsyncGenerator<WalkedFile> {
  const rootReal = await realpath(root)
  const above = options.all ? [] : await enclosingGitignores(rootReal)
  yield* walk(root, rootReal, above, options, seenFolders)
}

/**
 * The .gitignore files of the folders above `dir` up to its repository's top (the folder that
 * holds .git), outermost first: scanning repo/src honours repo/.gitignore as git would. Outside a
 * repository nothing above the scanned folder applies.
 */
async function enclosingGitignores(dir: string): Promise<IgnoreLevel[]> {
  if (await exists(join(dir, '.git'))) return []
  const chain: string[] = []
  for (let current = dirname(dir); ; current = dirname(current)) {
    chain.unshift(current)
    if (await exists(join(current, '.git'))) break
    if (dirname(current) === current) return []
  }
  const levels: IgnoreLevel[] = []
  for (const folder of chain) {
    try {
      levels.push({ dir: folder, rules: ignore().add(await readFile(join(folder, '.gitignore'), 'utf8')) })
    } catch {
      // No .gitignore there (or unreadable): nothing to apply.
    }
  }
  return levels
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path)
    return true
  } catch {
    return false
  }
}

async function* walk(
  shown: string,
  real: string,
  levels: IgnoreLevel[],
  options: WalkOptions,
  seenFolders: Set<string>
): AsyncGenerator<WalkedFile> {
  let entries: Dirent[]
  try {
    const st = await stat(real)
    const id = `${st.dev}:${st.ino}`
    if (seenFolders.has(id)) return
    seenFolders.add(id)
    entries = await readdir(real, { withFileTypes: true })
  } catch {
    options.unreadable(shown)
    return
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const here = options.all ? levels : await withGitignore(levels, real, entries)
  for (const entry of entries) {
    if (entry.isSymbolicLink()) continue
    const childShown = join(shown, entry.name)
    const childReal = join(real, entry.name)
    if (entry.isDirectory()) {
      if (!options.all && (entry.name === '.git' || isIgnored(here, childReal, true))) continue
      yield* walk(childShown, childReal, here, options, seenFolders)
    } else if (entry.isFile()) {
      if (!options.all && isIgnored(here, childReal, false)) continue
      yield { path: childShown, real: childReal }
    }
    // Sockets, FIFOs and devices are not files to read (a FIFO would block).
  }
}

async function withGitignore(levels: IgnoreLevel[], dir: string, entries: Dirent[]): Promise<IgnoreLevel[]> {
  if (!entries.some((e) => e.name === '.gitignore' && e.isFile())) return levels
  try {
    const text = await readFile(join(dir, '.gitignore'), 'utf8')
    return [...levels, { dir, rules: ignore().add(text) }]
  } catch {
    return levels
  }
}

/** Each level from the top down; the deepest rule that matches decides, as in git. */
function isIgnored(levels: IgnoreLevel[], path: string, isDir: boolean): boolean {
  let ignored = false
  for (const level of levels) {
    const rel = relative(level.dir, path).split(sep).join('/') + (isDir ? '/' : '')
    const result = level.rules.test(rel)
    if (result.ignored) ignored = true
    else if (result.unignored) ignored = false
  }
  return ignored
}
