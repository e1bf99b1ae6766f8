import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { parse } from 'vue/compiler-sfc'
import { describe, expect, it } from 'vitest'
import { collectMessages, LOCALES, type Messages } from '../../../src/renderer/src/i18n/collect'

/**
 * Every word the app shows goes through vue-i18n (issue 12): English is the source, and every other
 * language carries exactly its message keys with the same {placeholders}. Templates are scanned for
 * text left in them: text nodes, text attributes (title, label, placeholder...) and string literals
 * in interpolations or bound text attributes. Content that is not language (a key, a code sample, a
 * model name) sits inside an element marked translate="no", the HTML attribute that says so.
 */
const root = resolve(__dirname, '../../..')
const rendererDir = join(root, 'src/renderer/src')

/** Files not yet moved to vue-i18n. Empty when the work is done; shrink it, never grow it. */
const PENDING = new Set<string>([])

function leaves(tree: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  if (typeof tree === 'string') out.set(prefix, tree)
  else if (tree && typeof tree === 'object')
    for (const [k, v] of Object.entries(tree))
      for (const [p, s] of leaves(v, prefix ? `${prefix}.${k}` : k)) out.set(p, s)
  return out
}

const localesDir = join(rendererDir, 'i18n/locales')
async function loadMessages() {
  const files: Record<string, { default: Messages }> = {}
  for (const lang of readdirSync(localesDir))
    for (const f of readdirSync(join(localesDir, lang)))
      files[`locales/${lang}/${f}`] = (await import(join(localesDir, lang, f))) as { default: Messages }
  return collectMessages(files)
}
const messages = await loadMessages()

// Each name once: Arabic's six plural forms use {n} in some forms only, English's two in both.
const placeholders = (s: string): string[] => [...new Set([...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))].sort()

describe('translations', () => {
  const en = leaves(messages.en)

  it('English has messages', () => {
    expect(en.size).toBeGreaterThan(0)
  })

  for (const locale of LOCALES.filter((l) => l !== 'en')) {
    it(`${locale} has every English message and no other, with the same placeholders`, () => {
      const other = leaves(messages[locale])
      expect(
        [...en.keys()].filter((k) => !other.has(k)),
        'missing'
      ).toEqual([])
      expect(
        [...other.keys()].filter((k) => !en.has(k)),
        'not in English'
      ).toEqual([])
      const mismatched = [...en].filter(([k, s]) => placeholders(s).join() !== placeholders(other.get(k) ?? '').join())
      expect(
        mismatched.map(([k]) => k),
        'placeholders differ'
      ).toEqual([])
      const untranslated = [...en].filter(([k, s]) => /\p{L}{3}/u.test(s) && other.get(k) === s).map(([k]) => k)
      expect(untranslated, 'same text as English').toEqual([])
    })
  }
})

// ── Templates ────────────────────────────────────────────────────────────

const TEXT_ATTRIBUTES = new Set([
  'title',
  'label',
  'placeholder',
  'aria-label',
  'aria-description',
  'aria-valuetext',
  'description',
  'positive-text',
  'negative-text',
  'content',
  'alt',
  'header',
  'empty-description',
  'tooltip'
])
/** Words that are names, not language. */
const NOT_LANGUAGE = /^(Keyward|TPM|PYG|English|العربية)$/u

function vueFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? vueFiles(join(dir, e.name)) : e.name.endsWith('.vue') ? [join(dir, e.name)] : []
  )
}

/** String literals with letters in an expression, after dropping t('...') keys. */
function literals(expression: string): string[] {
  const withoutKeys = expression.replace(/\$?\bt[ec]?\(\s*(['"`])[^'"`]*\1/g, '')
  return [...withoutKeys.matchAll(/(['"`])((?:(?!\1).)*\p{L}(?:(?!\1).)*)\1/gu)].map((m) => m[2])
}

interface AstNode {
  type: number
  tag?: string
  content?: string | { content?: string }
  props?: AstNode[]
  name?: string
  value?: { content: string }
  arg?: { content?: string }
  exp?: { content?: string }
  children?: AstNode[]
  loc: { start: { line: number } }
}

export function untranslated(source: string): string[] {
  const { descriptor } = parse(source)
  const found: string[] = []
  const visit = (node: AstNode): void => {
    const line = node.loc.start.line
    if (node.type === 1) {
      if (node.props?.some((p) => p.type === 6 && p.name === 'translate' && p.value?.content === 'no')) return
      for (const p of node.props ?? []) {
        if (p.type === 6 && TEXT_ATTRIBUTES.has(p.name ?? '') && p.value && /\p{L}/u.test(p.value.content))
          if (!NOT_LANGUAGE.test(p.value.content.trim())) found.push(`${line}: ${p.name}="${p.value.content}"`)
        if (p.type === 7 && p.name === 'bind' && TEXT_ATTRIBUTES.has(p.arg?.content ?? ''))
          for (const l of literals(p.exp?.content ?? '')) found.push(`${line}: :${p.arg?.content} '${l}'`)
      }
    }
    if (node.type === 2 && typeof node.content === 'string') {
      const text = node.content.trim()
      if (/\p{L}/u.test(text) && !NOT_LANGUAGE.test(text)) found.push(`${line}: ${text.slice(0, 60)}`)
    }
    if (node.type === 5 && typeof node.content === 'object')
      for (const l of literals(node.content.content ?? '')) found.push(`${line}: {{ '${l}' }}`)
    for (const child of node.children ?? []) visit(child)
  }
  if (descriptor.template?.ast) visit(descriptor.template.ast as unknown as AstNode)
  return found
}

describe('templates', () => {
  it('the scanner finds text, text attributes and literals, and skips t() and translate="no"', () => {
    const found = untranslated(`<template>
      <p>Hello</p>
      <NButton title="Copy" :label="ok ? 'Yes' : t('common.no')" />
      <span>{{ count === 1 ? 'key' : t('keys.many') }}</span>
      <code translate="no">kw_AbCd</code>
      <span>{{ t('keys.title') }} · TPM</span>
    </template>`)
    expect(found).toEqual(['2: Hello', '3: title="Copy"', "3: :label 'Yes'", "4: {{ 'key' }}", '6: · TPM'])
  })

  for (const file of vueFiles(rendererDir)) {
    const name = relative(rendererDir, file)
    it.skipIf(PENDING.has(name))(`${name} has no text outside vue-i18n`, () => {
      expect(untranslated(readFileSync(file, 'utf8'))).toEqual([])
    })
  }

  it('every pending file still exists', () => {
    const all = new Set(vueFiles(rendererDir).map((f) => relative(rendererDir, f)))
    expect([...PENDING].filter((f) => !all.has(f))).toEqual([])
  })
})
