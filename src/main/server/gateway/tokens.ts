import { countTokens } from 'gpt-tokenizer'

/**
 * What a gateway request may cost, before it is sent: the tokens reserved in a TPM resource's
 * window. Prompt text is counted with gpt-tokenizer (o200k_base, the GPT-4o family's encoding);
 * other models' tokenizers differ, so for them this is an estimate, settled to the upstream's
 * `usage` afterwards. Never throws: a malformed body is counted for what in it is text (the
 * upstream refuses it anyway).
 */

export type GatewayEndpoint = 'chat' | 'completions' | 'embeddings' | 'responses'

export interface TokenEstimate {
  /** Prompt tokens (the request's text, with the chat format's overhead). */
  prompt: number
  /** The most the response may use: the request's max_tokens (times n) or DEFAULT_MAX_OUTPUT; 0 for embeddings. */
  maxOutput: number
  /** prompt + maxOutput: what the window reserves. */
  reserve: number
}

/** Reserved for the output when a request names no max_tokens / max_completion_tokens / max_output_tokens. */
export const DEFAULT_MAX_OUTPUT = 4096
/**
 * OpenAI's chat format (the "How to count tokens with tiktoken" cookbook, GPT-3.5-0613 onwards and
 * GPT-4o): every message costs 3 tokens besides its text, a `name` 1 more, and every reply is
 * primed with 3.
 */
export const TOKENS_PER_MESSAGE = 3
export const TOKENS_PER_NAME = 1
export const REPLY_PRIMING_TOKENS = 3
/** An image part with detail "low". */
export const IMAGE_TOKENS_LOW = 85
/** Any other image part: the most a high-detail image costs GPT-4o (8 tiles of 170 + 85); its size is unknown here. */
export const IMAGE_TOKENS_HIGH = 1445
/**
 * Text beyond this many characters in one request is not tokenized (about 100 ms of the event
 * loop) but counted as its UTF-8 byte length, which no tokenizer exceeds (every token is at least
 * one byte).
 */
export const TOKENIZE_MAX_CHARS = 1_000_000

// Text that looks like a special token (<|endoftext|>) is counted as the plain text it is to the upstream.
const AS_TEXT = { disallowedSpecial: new Set<string>() }

export function estimateTokens(
  endpoint: GatewayEndpoint,
  body: Record<string, unknown>,
  options: { defaultMaxOutput?: number } = {}
): TokenEstimate {
  const counter = new Counter()
  const body_ = isRecord(body) ? body : {}
  const defaultMax = options.defaultMaxOutput ?? DEFAULT_MAX_OUTPUT
  let maxOutput: number
  switch (endpoint) {
    case 'chat': {
      const messages = Array.isArray(body_.messages) ? body_.messages : []
      for (const message of messages) counter.message(message)
      counter.add(REPLY_PRIMING_TOKENS)
      // Tool and schema definitions reach the model as text; their JSON is longer than the form it sees.
      for (const field of ['tools', 'functions', 'response_format', 'tool_choice'] as const) {
        if (isRecord(body_[field]) || Array.isArray(body_[field])) counter.json(body_[field])
      }
      const max = tokenCount(body_.max_completion_tokens) ?? tokenCount(body_.max_tokens) ?? defaultMax
      maxOutput = max * choices(body_.n)
      break
    }
    case 'completions': {
      const prompts = promptList(body_.prompt)
      for (const prompt of prompts) counter.input(prompt)
      counter.text(body_.suffix)
      const max = tokenCount(body_.max_tokens) ?? defaultMax
      // best_of completions are generated (and billed) for each prompt; n of them are returned.
      maxOutput = max * Math.max(choices(body_.n), choices(body_.best_of)) * Math.max(1, prompts.length)
      break
    }
    case 'embeddings': {
      for (const input of promptList(body_.input)) counter.input(input)
      maxOutput = 0
      break
    }
    case 'responses': {
      counter.text(body_.instructions)
      if (typeof body_.input === 'string') counter.text(body_.input)
      else if (Array.isArray(body_.input)) for (const item of body_.input) counter.responseItem(item)
      counter.add(REPLY_PRIMING_TOKENS)
      if (Array.isArray(body_.tools)) counter.json(body_.tools)
      if (isRecord(body_.text)) counter.json(body_.text)
      if (isRecord(body_.tool_choice)) counter.json(body_.tool_choice)
      maxOutput = tokenCount(body_.max_output_tokens) ?? defaultMax
      break
    }
    default:
      maxOutput = defaultMax
  }
  return { prompt: counter.total, maxOutput, reserve: counter.total + maxOutput }
}

class Counter {
  total = 0
  private tokenizedChars = 0

  add(tokens: number): void {
    this.total += tokens
  }

  text(value: unknown): void {
    if (typeof value !== 'string' || value.length === 0) return
    if (this.tokenizedChars + value.length > TOKENIZE_MAX_CHARS) {
      this.total += Buffer.byteLength(value, 'utf8')
      return
    }
    this.tokenizedChars += value.length
    this.total += countChunked(value)
  }

  json(value: unknown): void {
    let text: string | undefined
    try {
      text = JSON.stringify(value)
    } catch {
      return
    }
    this.text(text)
  }

  /** A prompt or embeddings input: a string, or an array of token ids (each one token). */
  input(value: unknown): void {
    if (typeof value === 'string') this.text(value)
    else if (Array.isArray(value)) this.total += value.filter((id) => typeof id === 'number').length
  }

  /** A chat message: the format's overhead, then every text it carries. */
  message(message: unknown): void {
    if (!isRecord(message)) return
    this.total += TOKENS_PER_MESSAGE
    for (const [field, value] of Object.entries(message)) {
      if (field === 'content') this.content(value)
      else if (typeof value === 'string') this.text(value)
      else if (value !== null && typeof value === 'object') this.json(value) // tool_calls, function_call
      if (field === 'name') this.total += TOKENS_PER_NAME
    }
  }

  /** Message content: a string, or parts (text, images, refusals). */
  content(value: unknown): void {
    if (typeof value === 'string') return this.text(value)
    if (!Array.isArray(value)) return
    for (const part of value) {
      if (!isRecord(part)) continue
      if (typeof part.text === 'string') this.text(part.text)
      else if (typeof part.refusal === 'string') this.text(part.refusal)
      else if (typeof part.type === 'string' && part.type.includes('image')) this.total += imageTokens(part)
    }
  }

  /** A Responses API input item: a message, or another item (function call, its output…) counted as JSON. */
  responseItem(item: unknown): void {
    if (typeof item === 'string') return this.text(item)
    if (!isRecord(item)) return
    if (typeof item.role === 'string' && (item.type === undefined || item.type === 'message')) {
      this.total += TOKENS_PER_MESSAGE
      this.text(item.role)
      this.content(item.content)
      return
    }
    this.json(item)
  }
}

/**
 * Tokenizes in pieces of about CHUNK_CHARS: BPE time grows faster than linearly in a long run
 * without spaces (50 000 "a"s take seconds in one piece). Pieces end before a space that starts
 * a word, where the tokenizer's own pre-split cuts too, so ordinary text counts the same.
 */
function countChunked(text: string): number {
  let count = 0
  let start = 0
  while (text.length - start > CHUNK_CHARS) {
    let end = start + CHUNK_CHARS
    const floor = start + CHUNK_CHARS / 2
    while (end > floor && !(text[end] === ' ' && !isSpace(text[end - 1]) && !isSpace(text[end + 1]))) end--
    if (end === floor) {
      end = start + CHUNK_CHARS
      if (/[\uDC00-\uDFFF]/.test(text[end]!)) end-- // not between the halves of a surrogate pair
    }
    count += countTokens(text.slice(start, end), AS_TEXT)
    start = end
  }
  return count + countTokens(text.slice(start), AS_TEXT)
}

const CHUNK_CHARS = 1000

function isSpace(char: string | undefined): boolean {
  return char === undefined || /\s/.test(char)
}

function imageTokens(part: Record<string, unknown>): number {
  const nested = isRecord(part.image_url) ? part.image_url.detail : undefined
  return (part.detail ?? nested) === 'low' ? IMAGE_TOKENS_LOW : IMAGE_TOKENS_HIGH
}

/** A prompt/input field as a list: one string or token array, or an array of them. */
function promptList(value: unknown): unknown[] {
  if (typeof value === 'string') return [value]
  if (!Array.isArray(value)) return []
  // An array of numbers is one prompt of token ids; otherwise each element is a prompt.
  return value.length > 0 && value.every((v) => typeof v === 'number') ? [value] : value
}

/** A whole, non-negative token count, or undefined (then the default applies). */
function tokenCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined
}

/** n / best_of: how many completions are generated (1 when absent or not a positive whole number). */
function choices(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 ? Math.min(value, 128) : 1
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
