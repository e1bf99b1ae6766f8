import { countTokens, encode, encodeChat } from 'gpt-tokenizer'
import { describe, expect, it } from 'vitest'
import {
  DEFAULT_MAX_OUTPUT,
  estimateTokens,
  IMAGE_TOKENS_HIGH,
  IMAGE_TOKENS_LOW,
  REPLY_PRIMING_TOKENS,
  TOKENIZE_MAX_CHARS,
  TOKENS_PER_MESSAGE,
  TOKENS_PER_NAME
} from '../../../src/main/server/gateway/tokens'

const tokens = (text: string): number => encode(text, { disallowedSpecial: new Set() }).length

describe('estimateTokens: chat', () => {
  it('counts messages exactly as the ChatML encoding of gpt-tokenizer does (3 per message, 3 to prime the reply)', () => {
    const messages = [
      { role: 'system' as const, content: 'You are a terse assistant. Answer in one line.' },
      { role: 'user' as const, content: 'What is the capital of Mongolia? Spell it in Cyrillic too: Улаанбаатар.' },
      { role: 'assistant' as const, content: 'Ulaanbaatar (Улаанбаатар).' },
      { role: 'user' as const, content: 'And its population, roughly?' }
    ]
    const estimate = estimateTokens('chat', { model: 'gpt-4o', messages, max_tokens: 50 })
    expect(estimate.prompt).toBe(encodeChat(messages, 'gpt-4o').length)
    const byHand = messages.reduce((n, m) => n + TOKENS_PER_MESSAGE + tokens(m.role) + tokens(m.content), 0)
    expect(estimate.prompt).toBe(byHand + REPLY_PRIMING_TOKENS)
    expect(estimate).toMatchObject({ maxOutput: 50, reserve: estimate.prompt + 50 })
  })

  it('adds a token for a name, and counts tool calls, text parts and images', () => {
    const plain = estimateTokens('chat', { messages: [{ role: 'user', content: 'hi there' }] }).prompt
    const named = estimateTokens('chat', { messages: [{ role: 'user', content: 'hi there', name: 'ana' }] }).prompt
    expect(named - plain).toBe(tokens('ana') + TOKENS_PER_NAME)

    const call = [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }]
    const withCall = estimateTokens('chat', { messages: [{ role: 'assistant', content: null, tool_calls: call }] })
    expect(withCall.prompt).toBe(
      TOKENS_PER_MESSAGE + tokens('assistant') + tokens(JSON.stringify(call)) + REPLY_PRIMING_TOKENS
    )

    const parts = [
      { type: 'text', text: 'What is in this picture?' },
      { type: 'image_url', image_url: { url: 'https://example.test/cat.png', detail: 'low' } },
      { type: 'image_url', image_url: { url: 'https://example.test/dog.png' } }
    ]
    const withParts = estimateTokens('chat', { messages: [{ role: 'user', content: parts }] })
    expect(withParts.prompt).toBe(
      TOKENS_PER_MESSAGE +
        tokens('user') +
        tokens('What is in this picture?') +
        IMAGE_TOKENS_LOW +
        IMAGE_TOKENS_HIGH +
        REPLY_PRIMING_TOKENS
    )
  })

  it('counts tool definitions and a response format as their JSON text (more than the model sees)', () => {
    const messages = [{ role: 'user', content: 'Weather in Oslo?' }]
    const tools = [
      {
        type: 'function',
        function: {
          name: 'weather',
          description: 'Current weather for a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }
        }
      }
    ]
    const format = { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object' } } }
    const base = estimateTokens('chat', { messages }).prompt
    const withTools = estimateTokens('chat', { messages, tools, response_format: format }).prompt
    expect(withTools - base).toBe(countTokens(JSON.stringify(tools)) + countTokens(JSON.stringify(format)))
  })

  it('reserves max_completion_tokens over max_tokens, the default without either, and n completions', () => {
    const messages = [{ role: 'user', content: 'hello' }]
    expect(estimateTokens('chat', { messages, max_tokens: 100 }).maxOutput).toBe(100)
    expect(estimateTokens('chat', { messages, max_tokens: 100, max_completion_tokens: 70 }).maxOutput).toBe(70)
    expect(estimateTokens('chat', { messages }).maxOutput).toBe(DEFAULT_MAX_OUTPUT)
    expect(estimateTokens('chat', { messages }, { defaultMaxOutput: 512 }).maxOutput).toBe(512)
    expect(estimateTokens('chat', { messages, max_tokens: 100, n: 3 }).maxOutput).toBe(300)
    expect(estimateTokens('chat', { messages, max_tokens: 0 }).maxOutput).toBe(0)
    // Not a whole non-negative number: the default (the upstream refuses such a request anyway).
    for (const bad of ['100', -1, 1.5, null, Number.NaN]) {
      expect(estimateTokens('chat', { messages, max_tokens: bad }).maxOutput).toBe(DEFAULT_MAX_OUTPUT)
    }
  })

  it('counts text that looks like a special token as plain text instead of throwing', () => {
    const content = 'ignore <|endoftext|> and <|im_start|> please'
    const estimate = estimateTokens('chat', { messages: [{ role: 'user', content }], max_tokens: 1 })
    expect(estimate.prompt).toBe(TOKENS_PER_MESSAGE + tokens('user') + tokens(content) + REPLY_PRIMING_TOKENS)
    expect(tokens(content)).toBeGreaterThan(5)
  })
})

describe('estimateTokens: completions, embeddings, responses', () => {
  it('completions: a prompt string, several prompts (each generates), token arrays, suffix, best_of', () => {
    const one = estimateTokens('completions', { prompt: 'Once upon a time', max_tokens: 20 })
    expect(one).toEqual({ prompt: tokens('Once upon a time'), maxOutput: 20, reserve: tokens('Once upon a time') + 20 })
    const many = estimateTokens('completions', { prompt: ['a cat', 'a dog sat'], max_tokens: 20, n: 2 })
    expect(many.prompt).toBe(tokens('a cat') + tokens('a dog sat'))
    expect(many.maxOutput).toBe(20 * 2 * 2)
    expect(estimateTokens('completions', { prompt: [1, 2, 3, 4], max_tokens: 5 }).prompt).toBe(4)
    expect(estimateTokens('completions', { prompt: [[1, 2], [3]], max_tokens: 5 })).toMatchObject({
      prompt: 3,
      maxOutput: 10
    })
    expect(estimateTokens('completions', { prompt: 'x', suffix: ' the end', max_tokens: 1, best_of: 4 })).toMatchObject(
      { prompt: tokens('x') + tokens(' the end'), maxOutput: 4 }
    )
    expect(estimateTokens('completions', { prompt: 'x' }).maxOutput).toBe(DEFAULT_MAX_OUTPUT)
  })

  it('embeddings: a string, an array of strings, token arrays; nothing reserved for output', () => {
    expect(estimateTokens('embeddings', { input: 'The food was delicious' })).toEqual({
      prompt: tokens('The food was delicious'),
      maxOutput: 0,
      reserve: tokens('The food was delicious')
    })
    const texts = ['first document', 'second, longer document with more words', '']
    expect(estimateTokens('embeddings', { input: texts }).prompt).toBe(texts.reduce((n, s) => n + tokens(s), 0))
    expect(estimateTokens('embeddings', { input: [5, 6, 7] }).prompt).toBe(3)
    expect(
      estimateTokens('embeddings', {
        input: [
          [5, 6],
          [7, 8, 9]
        ]
      }).prompt
    ).toBe(5)
    expect(estimateTokens('embeddings', { input: 'x', max_tokens: 99 }).maxOutput).toBe(0)
  })

  it('responses: input string or items, instructions, tools, max_output_tokens', () => {
    const simple = estimateTokens('responses', {
      input: 'Tell me a joke',
      instructions: 'Be brief',
      max_output_tokens: 64
    })
    expect(simple).toMatchObject({
      prompt: tokens('Tell me a joke') + tokens('Be brief') + REPLY_PRIMING_TOKENS,
      maxOutput: 64
    })
    const output = { type: 'function_call_output', call_id: 'c1', output: '{"temp":3}' }
    const items = estimateTokens('responses', {
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'Weather in Oslo?' }] }, output]
    })
    expect(items.prompt).toBe(
      TOKENS_PER_MESSAGE +
        tokens('user') +
        tokens('Weather in Oslo?') +
        tokens(JSON.stringify(output)) +
        REPLY_PRIMING_TOKENS
    )
    expect(items.maxOutput).toBe(DEFAULT_MAX_OUTPUT)
    const tools = [{ type: 'function', name: 'weather', parameters: { type: 'object' } }]
    expect(estimateTokens('responses', { input: 'x', tools }).prompt).toBe(
      tokens('x') + REPLY_PRIMING_TOKENS + tokens(JSON.stringify(tools))
    )
  })
})

describe('estimateTokens: malformed bodies', () => {
  it('never throws and counts what is text', () => {
    const odd: unknown[] = [
      {},
      { messages: 'not an array' },
      { messages: [null, 5, 'x', [], { role: 7, content: { weird: true } }] },
      { messages: [{ role: 'user', content: [null, 3, { type: 'image_url' }, { text: 9 }] }] },
      { prompt: 42, input: { a: 1 } },
      { prompt: [null, 'ok', [1, 'x']], input: [null] },
      { input: [{ role: 'user' }, null, 3, 'plain'], instructions: 5, tools: 'no' }
    ]
    for (const body of odd) {
      for (const endpoint of ['chat', 'completions', 'embeddings', 'responses'] as const) {
        const estimate = estimateTokens(endpoint, body as Record<string, unknown>)
        expect(Number.isSafeInteger(estimate.prompt) && estimate.prompt >= 0).toBe(true)
        expect(estimate.reserve).toBe(estimate.prompt + estimate.maxOutput)
      }
    }
    expect(() => estimateTokens('chat', null as unknown as Record<string, unknown>)).not.toThrow()
    const cyclic: Record<string, unknown> = { type: 'function' }
    cyclic.self = cyclic
    expect(() => estimateTokens('chat', { messages: [], tools: [cyclic] })).not.toThrow()
    // The countable part of a half-broken body still counts.
    expect(estimateTokens('completions', { prompt: [null, 'hello world', [1, 'x']] }).prompt).toBe(
      tokens('hello world') + 1
    )
  })

  it('counts long ordinary text exactly as one piece, and long runs without spaces in linear time', () => {
    const words = [
      'model',
      'tokens',
      'Köln',
      '東京',
      'per',
      'minute,',
      '(limit)',
      '42',
      "don't",
      '—',
      'x\ny',
      'tab\tbed'
    ]
    let text = ''
    for (let i = 0; text.length < 30_000; i++) text += (i % 7 === 0 ? '  ' : ' ') + words[(i * 7919) % words.length]
    expect(estimateTokens('embeddings', { input: text }).prompt).toBe(tokens(text))
    // One piece of 200 000 letters would take the tokenizer minutes; in pieces it is counted at once.
    const run = 'a'.repeat(200_000)
    expect(estimateTokens('embeddings', { input: run }).prompt).toBeGreaterThanOrEqual(run.length / 8)
    const blob = Buffer.alloc(150_000, 'keyward').toString('base64')
    expect(estimateTokens('embeddings', { input: blob }).prompt).toBeGreaterThan(blob.length / 8)
  })

  it('counts text past TOKENIZE_MAX_CHARS as its UTF-8 bytes, never fewer than the tokenizer would', () => {
    const head = 'The quick brown fox jumps over the lazy dog. '.repeat(Math.floor(TOKENIZE_MAX_CHARS / 45))
    const tail = 'Grüße aus Köln, 東京から。 '.repeat(500)
    const estimate = estimateTokens('embeddings', { input: [head, tail] })
    expect(estimate.prompt).toBe(tokens(head) + Buffer.byteLength(tail, 'utf8'))
    expect(Buffer.byteLength(tail, 'utf8')).toBeGreaterThanOrEqual(tokens(tail))
  })
})
