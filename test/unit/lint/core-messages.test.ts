import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { coreMessages, isSentence, root } from '../../support/core-messages'
import { CORE_CATALOGS } from '../../../src/shared/core-messages'

/**
 * The sentences main sends to the window (errors, validation messages shared with the CLI, result
 * texts) are English in the source and translated by the renderer (issue 12: all user-visible
 * text in Arabic). Every sentence found in the app's message sources needs its Arabic; Arabic may
 * drop an English plural ending's placeholder ("key{0}") but never invents one.
 */
const arabic: Record<string, string> = CORE_CATALOGS.ar
const found = coreMessages()
const placeholders = (s: string) => new Set([...s.matchAll(/\{(\d+)\}/g)].map((m) => m[1]))

/** Field labels the schemas put into sentences ("{0} must be text."): translated as words. */
function schemaLabels(): string[] {
  const text = readFileSync(join(root, 'src/shared/schemas.ts'), 'utf8')
  return [...text.matchAll(/optional(?:Text|Name)\('([^']+)'/g), ...text.matchAll(/\['\w+', '([^']+)'\]/g)]
    .map((m) => m[1]!)
    .filter((label) => /^[A-Z][a-z]/.test(label))
}

describe('the sentences main sends, in Arabic', () => {
  it('finds the sentences (the scan itself works)', () => {
    const templates = found.map((m) => m.template)
    expect(templates).toContain('Name is required: use 1 to 64 letters and digits.')
    expect(templates).toContain('Resource {0}:{1} already exists. Edit it instead of adding it again.')
    expect(templates.some((t) => /SELECT|WHERE/.test(t))).toBe(false)
    expect(found.length).toBeGreaterThan(300)
  })

  it('has an Arabic translation of every sentence', () => {
    const missing = found.filter((m) => !(m.template in arabic)).map((m) => `${m.file}: ${JSON.stringify(m.template)}`)
    expect(missing).toEqual([])
  })

  it('translates every field label the schemas put in a sentence', () => {
    const labels = schemaLabels()
    expect(labels).toContain('Business justification')
    expect(labels.filter((l) => !(l in arabic))).toEqual([])
  })

  it('keeps the placeholders and translates for real', () => {
    const wrong: string[] = []
    for (const [english, target] of Object.entries(arabic)) {
      const mine = placeholders(target)
      for (const p of mine) if (!placeholders(english).has(p)) wrong.push(`${english} → invents {${p}}`)
      if (!/[\u0600-\u06FF]/.test(target)) wrong.push(`${english} → no Arabic`)
    }
    expect(wrong).toEqual([])
  })

  it('holds no translation of a sentence the source no longer has', () => {
    // Single words that fill a placeholder ("deleted" in "it cannot be {1}.") are kept as words.
    const current = new Set(found.map((m) => m.template))
    expect(Object.keys(arabic).filter((english) => isSentence(english) && !current.has(english))).toEqual([])
  })

  it("reads the schemas' messages only through the renderer's translating helpers", () => {
    // fieldErrors() gives the schemas' English; lib/validation.ts's formErrors() gives it translated.
    const dir = join(root, 'src/renderer/src')
    const offenders = (readdirSync(dir, { recursive: true }) as string[])
      .filter((f) => /\.(vue|ts)$/.test(f) && !f.endsWith('lib/validation.ts'))
      .filter((f) => /\bfieldErrors\b/.test(readFileSync(join(dir, f), 'utf8')))
    expect(offenders).toEqual([])
  })
})
