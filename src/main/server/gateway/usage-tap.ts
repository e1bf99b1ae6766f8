import { StringDecoder } from 'node:string_decoder'
import { Transform, type TransformCallback } from 'node:stream'

/** The tokens an upstream said a request used. */
export interface Tokens {
  prompt: number
  completion: number
}

const count = (value: unknown): number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0

/**
 * `usage` in any of the shapes OpenAI-compatible servers answer: chat/completions and embeddings
 * (prompt_tokens, completion_tokens), responses (input_tokens, output_tokens, also nested in a
 * streamed `response.completed` event's `response`).
 */
export function usageOf(document: unknown): Tokens | undefined {
  if (typeof document !== 'object' || document === null) return undefined
  const doc = document as { usage?: unknown; response?: { usage?: unknown } }
  const usage = (doc.usage ?? doc.response?.usage) as Record<string, unknown> | null | undefined
  if (typeof usage !== 'object' || usage === null) return undefined
  return {
    prompt: count(usage.prompt_tokens ?? usage.input_tokens),
    completion: count(usage.completion_tokens ?? usage.output_tokens)
  }
}

/** How much of a JSON answer's end is looked at first for its `usage` (OpenAI-compatible servers put it last). */
const USAGE_TAIL_BYTES = 4096

/**
 * The usage of a JSON answer, from its chunks: the `"usage": {…}` object near the end is read on its
 * own, so an answer (an embedding of thousands of numbers, a long completion) is not parsed whole on
 * every request. Anything unexpected there (no such key in the tail, no object after it, no token
 * count in it) falls back to parsing the whole answer, so the result is what usageOf(JSON.parse(answer)) is.
 */
export function usageOfJsonAnswer(chunks: readonly Buffer[]): Tokens | undefined {
  let tailSize = 0
  let first = chunks.length
  while (first > 0 && tailSize < USAGE_TAIL_BYTES) tailSize += chunks[--first]!.length
  const tail = first === chunks.length - 1 ? chunks[first]! : Buffer.concat(chunks.slice(first), tailSize)
  const found = usageInTail(tail.toString('latin1', Math.max(0, tail.length - USAGE_TAIL_BYTES)))
  if (found) return found
  const whole = first === 0 ? tail : Buffer.concat(chunks)
  if (!whole.includes('"usage"')) return undefined
  try {
    return usageOf(JSON.parse(whole.toString('utf8')))
  } catch {
    return undefined
  }
}

/** The last `"usage": {…}` in `text` when it holds a token count; undefined for anything else. */
function usageInTail(text: string): Tokens | undefined {
  const at = text.lastIndexOf('"usage"')
  if (at < 0 || (at > 0 && text.charCodeAt(at - 1) === 92) /* \" */) return undefined
  let i = skipSpace(text, at + 7)
  if (text[i] !== ':') return undefined
  i = skipSpace(text, i + 1)
  if (text[i] !== '{') return undefined
  const end = closingBrace(text, i)
  if (end < 0) return undefined
  let usage: unknown
  try {
    usage = JSON.parse(text.slice(i, end + 1))
  } catch {
    return undefined
  }
  const u = usage as Record<string, unknown>
  if (typeof (u.prompt_tokens ?? u.input_tokens) !== 'number') return undefined
  return usageOf({ usage })
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++
  return i
}

/** Index of the `}` closing the object that opens at `open`, strings skipped; -1 when it is not in `text`. */
function closingBrace(text: string, open: number): number {
  let depth = 0
  let inString = false
  for (let j = open; j < text.length; j++) {
    const c = text.charCodeAt(j)
    if (inString) {
      if (c === 92) j++
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 123) depth++
    else if (c === 125 && --depth === 0) return j
  }
  return -1
}

const EVENT_END = /\r?\n\r?\n/g
const USAGE_KEY = Buffer.from('"usage"')

/**
 * Whether `chunk` ends with an event's blank line that EVENT_END's last match ends at: "\n\n" or
 * "\r\n\r\n" after a byte that is neither (a longer run of newlines is left to the text path).
 */
function endsWithWholeEvent(chunk: Buffer): boolean {
  const n = chunk.length
  const notNewline = (i: number) => i >= 0 && chunk[i] !== 0x0a && chunk[i] !== 0x0d
  if (n >= 3 && chunk[n - 1] === 0x0a && chunk[n - 2] === 0x0a) return notNewline(n - 3)
  if (n >= 5 && chunk[n - 1] === 0x0a && chunk[n - 2] === 0x0d && chunk[n - 3] === 0x0a && chunk[n - 4] === 0x0d)
    return notNewline(n - 5)
  return false
}

/**
 * Passes a server-sent event stream through event by event (never more than the one incomplete
 * event is held back), reading the usage from the event that carries it. With `dropUsageOnly`,
 * the final usage-only chunk (`"choices": []` with `usage`), which the gateway asked for with
 * stream_options.include_usage and the client did not, is not passed on.
 */
export class SseUsageTap extends Transform {
  usage: Tokens | undefined
  private readonly decoder = new StringDecoder('utf8')
  private carry = ''
  /** The last chunk did not end in a newline: the decoder may hold part of a character. */
  private partial = false

  constructor(private readonly dropUsageOnly: boolean) {
    super()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    // The usual chunk: whole events with no usage in them and nothing held back. Passed on as it
    // came, neither decoded nor scanned: the text path below would pass on exactly these bytes.
    if (this.carry === '' && !this.partial && endsWithWholeEvent(chunk) && !chunk.includes(USAGE_KEY)) {
      this.push(chunk)
      callback()
      return
    }
    this.partial = chunk[chunk.length - 1] !== 0x0a
    const text = this.carry + this.decoder.write(chunk)
    let cut = 0
    EVENT_END.lastIndex = 0
    for (let m = EVENT_END.exec(text); m; m = EVENT_END.exec(text)) cut = m.index + m[0].length
    this.carry = text.slice(cut)
    if (cut > 0) this.push(this.inspect(text.slice(0, cut)))
    callback()
  }

  override _flush(callback: TransformCallback): void {
    const rest = this.carry + this.decoder.end()
    this.carry = ''
    if (rest) this.push(this.inspect(rest))
    callback()
  }

  /** Complete events: untouched unless one mentions usage (a cheap substring test first). */
  private inspect(events: string): string {
    if (!events.includes('"usage"')) return events
    const parts = events.split(/(\r?\n\r?\n)/)
    let out = ''
    for (let i = 0; i < parts.length; i += 2) {
      const event = parts[i]!
      const separator = parts[i + 1] ?? ''
      if (event.includes('"usage"') && this.readUsage(event)) continue
      out += event + separator
    }
    return out
  }

  /** Reads the event's usage; true when it is the usage-only chunk to leave out. */
  private readUsage(event: string): boolean {
    const data = event
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
      .join('\n')
    let doc: unknown
    try {
      doc = JSON.parse(data)
    } catch {
      return false
    }
    const usage = usageOf(doc)
    if (!usage) return false
    this.usage = usage
    const choices = (doc as { choices?: unknown }).choices
    return this.dropUsageOnly && Array.isArray(choices) && choices.length === 0
  }
}
