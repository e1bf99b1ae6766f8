import type { ErrorPayload, FieldErrors } from '../errors'

/**
 * English sentence → the same sentence in another language. The keys are the very sentences
 * main and the shared schemas write (they stay English for the CLI and the HTTP APIs), with
 * {0}, {1}… where a value goes; test/support/core-messages.ts finds them all in the source and
 * test/unit/lint/core-messages.test.ts checks that each has its translation.
 */
export type CoreCatalog = Readonly<Record<string, string>>

/** Keeps a value (a name, a path, a number) whole and in its own direction inside the sentence. */
export type Isolate = (value: string) => string

interface Template {
  pattern: RegExp
  /** Which placeholder each capture group fills, in the order they appear in the English. */
  slots: number[]
  target: string
  /** Letters of fixed text: the most specific template is tried first. */
  weight: number
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

export interface CoreTranslator {
  /** The sentence in the catalog's language; the English as it was when the catalog lacks it. */
  message(text: string): string
  /** An error payload with its message and field messages translated (code and field names kept). */
  payload(payload: ErrorPayload): ErrorPayload
}

/**
 * Compiles a catalog once: sentences without placeholders are looked up whole; the others are
 * matched by a pattern anchored at both ends, and what fills a placeholder is itself translated
 * when the catalog knows it (a field's label, a nested sentence) and isolated otherwise.
 */
export function coreTranslator(
  catalog: CoreCatalog,
  isolate: Isolate,
  /** The headline for several invalid fields, from their translated messages. */
  severalInvalid: (messages: string[]) => string
): CoreTranslator {
  const exact = new Map<string, string>()
  const templates: Template[] = []
  for (const [english, target] of Object.entries(catalog)) {
    if (!/\{\d+\}/.test(english)) {
      exact.set(english, target)
      continue
    }
    const slots: number[] = []
    const source = english
      .split(/(\{\d+\})/)
      .map((part) => {
        const slot = /^\{(\d+)\}$/.exec(part)
        if (!slot) return escape(part)
        slots.push(Number(slot[1]))
        return '([\\s\\S]*?)'
      })
      .join('')
    templates.push({
      pattern: new RegExp(`^${source}$`),
      slots,
      target,
      weight: english.replace(/\{\d+\}/g, '').length
    })
  }
  templates.sort((a, b) => b.weight - a.weight)

  const translate = (text: string, depth: number): string | null => {
    const whole = exact.get(text) ?? exact.get(text.trim())
    if (whole !== undefined) return whole
    if (depth > 2) return null
    for (const template of templates) {
      const match = template.pattern.exec(text)
      if (!match) continue
      const values = new Map<number, string>()
      template.slots.forEach((slot, i) => values.set(slot, fill(match[i + 1] ?? '', depth)))
      return template.target.replace(/\{(\d+)\}/g, (_, n: string) => values.get(Number(n)) ?? '')
    }
    return null
  }
  const fill = (value: string, depth: number): string => {
    if (value === '') return ''
    return translate(value, depth + 1) ?? isolate(value)
  }
  const message = (text: string) => translate(text, 0) ?? text

  return {
    message,
    payload(payload) {
      if (!payload.fields) return { ...payload, message: message(payload.message) }
      const fields: FieldErrors = {}
      for (const [name, text] of Object.entries(payload.fields)) fields[name] = message(text)
      const names = Object.keys(fields)
      // KeywardError.validation's headline: "field: message" for one field, "Invalid input: …" for several.
      const headline =
        names.length === 1 && payload.message === `${names[0]}: ${payload.fields[names[0]!]}`
          ? fields[names[0]!]!
          : payload.message.startsWith('Invalid input: ')
            ? severalInvalid(names.map((n) => fields[n]!))
            : message(payload.message)
      return { ...payload, message: headline, fields }
    }
  }
}
