import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, extname, join, relative, resolve, sep } from 'node:path'

/**
 * A checker for the relative links of the project's Markdown (README.md and docs/): every linked
 * file exists and every `#anchor` names a heading of the target file, with GitHub's slug rules.
 * External links (http, https, mailto, any other scheme) are not fetched.
 */

export interface BrokenLink {
  /** The Markdown file holding the link, relative to the root, with `/` separators. */
  file: string
  line: number
  target: string
  reason: string
}

/** GitHub's heading slug (github-slugger): lowercase, drop punctuation and symbols but `-` and `_`, spaces to `-`. */
export function githubSlug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc} -]/gu, '')
    .replace(/ /g, '-')
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' }

/** Splits a line into code spans and the text between them (CommonMark: a run of N backticks closes a run of N). */
function splitCodeSpans(line: string): { text: string; code: boolean }[] {
  const parts: { text: string; code: boolean }[] = []
  let rest = line
  for (;;) {
    const open = /(?<!\\)(`+)/.exec(rest)
    if (!open) break
    const after = rest.slice(open.index + open[1]!.length)
    const close = new RegExp(`(?<!\`)${open[1]}(?!\`)`).exec(after)
    if (!close) break
    parts.push({ text: rest.slice(0, open.index), code: false })
    let code = after.slice(0, close.index)
    // One leading and trailing space is stripped when both are there and the span is not all spaces.
    if (/^ .*[^ ].* $/s.test(code)) code = code.slice(1, -1)
    parts.push({ text: code, code: true })
    rest = after.slice(close.index + open[1]!.length)
  }
  parts.push({ text: rest, code: false })
  return parts
}

/** The text GitHub renders for a heading's content: code kept verbatim, links and images by their text, markup gone. */
export function headingText(content: string): string {
  return splitCodeSpans(content)
    .map(({ text, code }) => {
      if (code) return text
      return text
        .replace(/<!--.*?-->/g, '')
        .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
        .replace(/!?\[([^\]]*)\]\[[^\]]*\]/g, '$1')
        .replace(/<\/?[A-Za-z][^>]*>/g, '')
        .replace(/\\([!-/:-@[-`{-~])/g, '$1')
        .replace(/&(amp|lt|gt|quot|apos|nbsp);/g, (_m, name: string) => ENTITIES[name]!)
        .replace(/\*+/g, '')
        .replace(/(^|[^\p{L}\p{N}])_+(?=\S)/gu, '$1')
        .replace(/(?<=\S)_+(?=[^\p{L}\p{N}]|$)/gu, '')
    })
    .join('')
}

interface Scanned {
  /** Lines outside fenced code blocks, with their 1-based number. */
  lines: { n: number; text: string }[]
  anchors: Set<string>
}

function scan(markdown: string): Scanned {
  const all = markdown.split(/\r?\n/)
  const lines: { n: number; text: string }[] = []
  let fence: { char: string; len: number } | null = null
  all.forEach((text, i) => {
    const f = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(text)
    if (fence) {
      if (f && f[1]![0] === fence.char && f[1]!.length >= fence.len && f[2]!.trim() === '') fence = null
      return
    }
    if (f && !(f[1]![0] === '`' && f[2]!.includes('`'))) {
      fence = { char: f[1]![0]!, len: f[1]!.length }
      return
    }
    lines.push({ n: i + 1, text })
  })

  const anchors = new Set<string>()
  const seen = new Map<string, number>()
  const addHeading = (content: string) => {
    const base = githubSlug(headingText(content))
    let slug = base
    while (seen.has(slug)) {
      const count = seen.get(base)! + 1
      seen.set(base, count)
      slug = `${base}-${count}`
    }
    seen.set(slug, 0)
    anchors.add(slug)
  }
  lines.forEach(({ text }, i) => {
    const atx = /^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(text)
    if (atx) {
      addHeading(atx[1] ?? '')
    } else if (/^ {0,3}(=+|-+)[ \t]*$/.test(text) && i > 0) {
      // A setext heading underlines one paragraph line (not a list item, table row, quote or heading).
      const prev = lines[i - 1]!
      if (prev.n === lines[i]!.n - 1 && prev.text.trim() !== '' && !/^ {0,3}([-*+>#|]|\d+[.)]\s)/.test(prev.text))
        addHeading(prev.text.trim())
    }
    for (const html of text.matchAll(/<a\s[^>]*\b(?:id|name)\s*=\s*"([^"]+)"/gi)) anchors.add(html[1]!)
  })
  return { lines, anchors }
}

/** Every heading anchor of a Markdown document (duplicates numbered -1, -2… as GitHub does). */
export function anchorsOf(markdown: string): Set<string> {
  return scan(markdown).anchors
}

/** Every link target in a Markdown document outside code, with its line: inline links, images, reference definitions, HTML href/src. */
export function linksOf(markdown: string): { line: number; target: string }[] {
  const found: { line: number; target: string }[] = []
  for (const { n, text } of scan(markdown).lines) {
    const prose = splitCodeSpans(text.replace(/<!--.*?-->/g, ''))
      .map((p) => (p.code ? ' '.repeat(p.text.length) : p.text))
      .join('')
    const definition = /^ {0,3}\[[^\]]+\]:\s*(?:<([^>]*)>|(\S+))/.exec(prose)
    if (definition) found.push({ line: n, target: definition[1] ?? definition[2]! })
    for (const m of prose.matchAll(/\]\(\s*(?:<([^>]*)>|((?:[^\s()]|\([^\s()]*\))*))/g)) {
      found.push({ line: n, target: m[1] ?? m[2]! })
    }
    for (const m of prose.matchAll(/<(?:a|img)\s[^>]*\b(?:href|src)\s*=\s*"([^"]*)"/gi))
      found.push({ line: n, target: m[1]! })
  }
  return found
}

/** README.md and every .md file under docs/, relative to the root, with `/` separators. */
export function markdownFiles(root: string): string[] {
  const files = existsSync(join(root, 'README.md')) ? ['README.md'] : []
  const walk = (dir: string) => {
    if (!existsSync(dir)) return
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.name.endsWith('.md')) files.push(relative(root, full).split(sep).join('/'))
    }
  }
  walk(join(root, 'docs'))
  return files
}

/** Checks every relative link of the given files (relative to root); returns what does not resolve. */
export function checkLinks(root: string, files: string[]): BrokenLink[] {
  const anchorCache = new Map<string, Set<string>>()
  const anchorsOfFile = (path: string) => {
    let anchors = anchorCache.get(path)
    if (!anchors) anchorCache.set(path, (anchors = anchorsOf(readFileSync(path, 'utf8'))))
    return anchors
  }
  const rootDir = resolve(root)
  const show = (path: string) => relative(rootDir, path).split(sep).join('/')
  const broken: BrokenLink[] = []
  for (const file of files) {
    const source = resolve(rootDir, file)
    for (const { line, target } of linksOf(readFileSync(source, 'utf8'))) {
      const report = (reason: string) => broken.push({ file, line, target, reason })
      if (target === '') {
        report('empty link target')
        continue
      }
      if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(target) || target.startsWith('//')) continue
      const hash = target.indexOf('#')
      const rawPath = hash < 0 ? target : target.slice(0, hash)
      const rawFragment = hash < 0 ? null : target.slice(hash + 1)
      let path: string
      let fragment: string | null
      try {
        path = decodeURIComponent(rawPath.replace(/\?.*$/, ''))
        fragment = rawFragment === null ? null : decodeURIComponent(rawFragment)
      } catch {
        report('not valid percent-encoding')
        continue
      }
      const resolved =
        path === '' ? source : path.startsWith('/') ? join(rootDir, path) : resolve(dirname(source), path)
      if (resolved !== rootDir && !resolved.startsWith(rootDir + sep)) {
        report('points outside the repository')
        continue
      }
      if (!existsSync(resolved)) {
        report(`no such file: ${show(resolved)}`)
        continue
      }
      if (fragment === null) continue
      if (statSync(resolved).isDirectory()) {
        report(`${show(resolved)} is a folder; an #anchor needs a Markdown file`)
      } else if (extname(resolved).toLowerCase() === '.md') {
        if (!anchorsOfFile(resolved).has(fragment))
          report(`no heading with the anchor #${fragment} in ${show(resolved)}`)
      } else if (!/^L\d+(-L\d+)?$/.test(fragment)) {
        report(
          `#${fragment} in ${show(resolved)}: only Markdown headings and GitHub line anchors (#L10, #L10-L20) can be checked`
        )
      }
    }
  }
  return broken
}

/** One line per broken link: `file:line → target: reason`. */
export function formatBroken(broken: BrokenLink[]): string {
  return broken.map((b) => `  ${b.file}:${b.line} → ${b.target}: ${b.reason}`).join('\n')
}
