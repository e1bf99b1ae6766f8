import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import ts from 'typescript'

/**
 * The English sentences main and the shared schemas send to people: validation messages, errors,
 * result texts. The renderer translates them through a catalog keyed by these very sentences
 * (src/shared/core-messages/), gettext's way: the English text is the message id, so
 * the CLI and the HTTP APIs keep answering in English and nothing gains a code to keep in step.
 *
 * A sentence is a string or template literal, or a `+` chain of them; each `${…}` or non-literal
 * operand becomes a numbered placeholder {0}, {1}… in order.
 */
export const root = resolve(__dirname, '../..')

/** Where the app's sentences come from (the CLI's own words and the gateway's API answers stay English). */
export const MESSAGE_SOURCES = [
  'src/shared',
  'src/main/core',
  'src/main/files',
  'src/main/scan',
  'src/main/notify',
  'src/main/desktop/ipc',
  'src/main/desktop/local-server.ts',
  'src/main/desktop/password-store.ts',
  'src/main/desktop/upstream-keys.ts',
  'src/main/desktop/clipboard-once.ts',
  'src/main/desktop/registry-switch.ts',
  'src/main/desktop/team-key-store.ts',
  'src/main/transport/remote-table.ts',
  'src/main/server/admin.ts',
  'src/main/server/http.ts'
]

/** Files under those folders whose text is not said to the app's user. */
const NOT_SAID_TO_THE_APP = [
  'src/main/core/demo-data.ts', // sample registry content, stored as data
  'src/shared/core-messages/', // the catalogs themselves
  'src/main/core/alert-message.ts', // the alert email, written for its recipient, not the app's user
  'src/main/core/migrate.ts', // `keyward migrate`, a CLI command
  'src/main/core/pg/' // PostgreSQL, reached from the CLI only for now
]

export interface CoreMessage {
  /** The English sentence with {0}, {1}… for its variable parts. */
  template: string
  /** Where it was found, relative to the repository. */
  file: string
}

function filesUnder(path: string): string[] {
  if (statSync(path).isFile()) return path.endsWith('.ts') ? [path] : []
  return readdirSync(path).flatMap((name) => filesUnder(join(path, name)))
}

/**
 * A literal, template or `+` chain as one template (null when no part of it is literal text), and
 * the expressions that fill its placeholders, which may hold sentences of their own.
 */
function templateOf(node: ts.Node): { template: string | null; holes: ts.Node[] } {
  const parts: (string | null)[] = []
  const holes: ts.Node[] = []
  const collect = (n: ts.Node) => {
    if (ts.isParenthesizedExpression(n)) return collect(n.expression)
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.PlusToken) {
      collect(n.left)
      collect(n.right)
    } else if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) parts.push(n.text)
    else if (ts.isTemplateExpression(n)) {
      parts.push(n.head.text)
      for (const span of n.templateSpans) {
        parts.push(null, span.literal.text)
        holes.push(span.expression)
      }
    } else {
      parts.push(null)
      holes.push(n)
    }
  }
  collect(node)
  if (!parts.some((p) => p)) return { template: null, holes }
  let index = 0
  return { template: parts.map((p) => (p === null ? `{${index++}}` : p)).join(''), holes }
}

const isStringish = (n: ts.Node): boolean =>
  ts.isStringLiteral(n) ||
  ts.isNoSubstitutionTemplateLiteral(n) ||
  ts.isTemplateExpression(n) ||
  (ts.isBinaryExpression(n) &&
    n.operatorToken.kind === ts.SyntaxKind.PlusToken &&
    (isStringish(n.left) || isStringish(n.right)))

const SQL =
  /^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|WITH|PRAGMA|ALTER|DROP|BEGIN)\b|\b(WHERE|SELECT)\b|= \?|\bcoalesce\(|json_each/
/** A log line, for the terminal and not the window. */
const LOG = /^keyward: /

/** Looks like a sentence for a person: words, a space, and closing punctuation. */
export function isSentence(text: string): boolean {
  const trimmed = text.trim()
  return (
    /^[A-Za-z{"]/.test(trimmed) &&
    / /.test(trimmed) &&
    /[.?!)]$/.test(trimmed) &&
    /[a-z]{2,}/.test(trimmed.replace(/\{\d+\}/g, '')) &&
    !SQL.test(trimmed) &&
    !LOG.test(trimmed)
  )
}

/** Every sentence in the app's message sources, each once (the first place it is found). */
export function coreMessages(): CoreMessage[] {
  const found = new Map<string, CoreMessage>()
  const files = MESSAGE_SOURCES.flatMap((source) => filesUnder(join(root, source)))
  for (const path of files) {
    const file = relative(root, path)
    if (NOT_SAID_TO_THE_APP.some((skip) => file.startsWith(skip))) continue
    const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true)
    const visit = (node: ts.Node): void => {
      if (isStringish(node)) {
        const { template, holes } = templateOf(node)
        if (template !== null && isSentence(template) && !found.has(template)) found.set(template, { template, file })
        // What fills a placeholder may be a sentence too (a ternary's two texts, a nested template).
        holes.forEach(visit)
        return
      }
      ts.forEachChild(node, visit)
    }
    visit(source)
  }
  return [...found.values()]
}
