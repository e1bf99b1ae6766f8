import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SseUsageTap } from '../../../src/main/server/gateway/usage-tap'

/** Runs `bytes`, cut at `cuts`, through a tap; what it passed on and the usage it read. */
async function through(bytes: Buffer, cuts: number[], dropUsageOnly: boolean) {
  const tap = new SseUsageTap(dropUsageOnly)
  const out: Buffer[] = []
  tap.on('data', (chunk: Buffer) => out.push(chunk))
  const ended = new Promise((resolve) => tap.on('end', resolve))
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  let from = 0
  for (const to of [...at, bytes.length]) {
    if (to > from) tap.write(bytes.subarray(from, to))
    from = Math.max(from, to)
  }
  tap.end()
  await ended
  return { text: Buffer.concat(out).toString('utf8'), usage: tap.usage }
}

const chunkEvent = (content: string) =>
  `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content } }] })}`
const usageEvent = (prompt: number, completion: number) =>
  `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: prompt, completion_tokens: completion } })}`

describe('SseUsageTap: events passed on whole, the usage read, the usage-only chunk left out when asked', () => {
  it('for any stream and any chunking (cuts inside events, separators and multi-byte characters)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: 'grapheme', maxLength: 40 }), { maxLength: 8 }),
        fc.nat({ max: 1000 }),
        fc.nat({ max: 1000 }),
        fc.constantFrom('\n\n', '\r\n\r\n'),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.boolean(),
        async (contents, prompt, completion, separator, cuts, drop) => {
          const events = [...contents.map(chunkEvent), usageEvent(prompt, completion), 'data: [DONE]']
          const stream = events.map((e) => e + separator).join('')
          const expected = events
            .filter((_, i) => !(drop && i === events.length - 2))
            .map((e) => e + separator)
            .join('')
          const { text, usage } = await through(Buffer.from(stream, 'utf8'), cuts, drop)
          expect(text).toBe(expected)
          expect(usage).toEqual({ prompt, completion })
        }
      ),
      { numRuns: 300 }
    )
  })

  it('passes a longer run of newlines through unchanged', async () => {
    const stream = `${chunkEvent('a')}\n\n\n${chunkEvent('é')}\n\n\n\ndata: [DONE]\n\n`
    for (const cuts of [[], [stream.indexOf('\n') + 2], [5, 60, 61, 62]]) {
      expect((await through(Buffer.from(stream), cuts, true)).text).toBe(stream)
    }
  })

  it('keeps a multi-byte character cut right after an event whole (a line that is no field of SSE)', async () => {
    const head = `${chunkEvent('a')}

`
    const stream = Buffer.from(`${head}é: unknown

data: [DONE]

`)
    const cut = Buffer.byteLength(head) + 1 // between the two bytes of é
    expect((await through(stream, [cut], true)).text).toBe(stream.toString('utf8'))
  })
})
