import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { usageOf, usageOfJsonAnswer } from '../../../src/main/server/gateway/usage-tap'

/** `text` as an upstream may deliver it: cut into chunks at the given byte offsets. */
function chunked(text: string, cuts: number[] = []): Buffer[] {
  const bytes = Buffer.from(text, 'utf8')
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const chunks: Buffer[] = []
  let from = 0
  for (const to of at) {
    if (to > from) chunks.push(bytes.subarray(from, to))
    from = Math.max(from, to)
  }
  chunks.push(bytes.subarray(from))
  return chunks
}

const embedding = Array.from({ length: 1536 }, (_, i) => Math.sin(i) / 3)

describe('usageOfJsonAnswer: the usage of a JSON answer without parsing it whole', () => {
  it('reads the usage of a chat completion, an embedding (a long answer) and a responses answer', () => {
    const chat = {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello "usage": {"prompt_tokens": 99}' } }],
      usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18, prompt_tokens_details: { cached_tokens: 0 } }
    }
    expect(usageOfJsonAnswer(chunked(JSON.stringify(chat), [5, 40]))).toEqual({ prompt: 11, completion: 7 })
    const embeddings = {
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding }],
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 8, total_tokens: 8 }
    }
    const text = JSON.stringify(embeddings)
    expect(text.length).toBeGreaterThan(8192)
    expect(usageOfJsonAnswer(chunked(text, [1000, 16000, text.length - 30]))).toEqual({ prompt: 8, completion: 0 })
    const responses = { id: 'resp_1', output: [], usage: { input_tokens: 5, output_tokens: 3, total_tokens: 8 } }
    expect(usageOfJsonAnswer(chunked(JSON.stringify(responses, null, 2)))).toEqual({ prompt: 5, completion: 3 })
  })

  it('falls back to the whole answer when the last "usage" near the end is not the answer\'s (a tool schema after it, null)', () => {
    const tools = {
      id: 'resp_2',
      usage: { input_tokens: 21, output_tokens: 4 },
      tools: [{ type: 'function', name: 'f', parameters: { properties: { usage: { type: 'object' } } } }]
    }
    expect(usageOfJsonAnswer(chunked(JSON.stringify(tools)))).toEqual({ prompt: 21, completion: 4 })
    expect(usageOfJsonAnswer(chunked(JSON.stringify({ id: 'x', usage: null })))).toBeUndefined()
    expect(usageOfJsonAnswer(chunked(JSON.stringify({ id: 'x', choices: [] })))).toBeUndefined()
    expect(usageOfJsonAnswer(chunked('{"usage": {"prompt_tokens": 3'))).toBeUndefined()
    expect(usageOfJsonAnswer([])).toBeUndefined()
  })

  it('agrees with usageOf(JSON.parse(answer)) for any answer and any chunking', () => {
    const usage = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.record(
        {
          prompt_tokens: fc.oneof(fc.nat(), fc.double(), fc.string()),
          completion_tokens: fc.nat(),
          input_tokens: fc.nat(),
          output_tokens: fc.nat(),
          details: fc.dictionary(fc.string(), fc.oneof(fc.nat(), fc.string()))
        },
        { requiredKeys: [] }
      )
    )
    const answer = fc.record({
      before: fc.dictionary(fc.string(), fc.jsonValue()),
      usage,
      after: fc.dictionary(fc.constantFrom('usage', 'note', 'x'), fc.jsonValue()),
      pad: fc.string({ maxLength: 6000 })
    })
    fc.assert(
      fc.property(answer, fc.array(fc.nat(), { maxLength: 5 }), fc.boolean(), (a, cuts, nested) => {
        const doc: Record<string, unknown> = { ...a.before, pad: a.pad }
        if (a.usage !== undefined) doc.usage = a.usage
        // nested: another "usage" may follow the answer's, and its usage may lie beyond the tail looked at first.
        const top = nested ? { ...doc, extra: a.after, tail: a.pad } : doc
        const text = JSON.stringify(top)
        expect(usageOfJsonAnswer(chunked(text, cuts))).toEqual(usageOf(JSON.parse(text)))
      }),
      { numRuns: 300 }
    )
  })
})
