import { createInterface } from 'node:readline'
import { Writable } from 'node:stream'

/**
 * Reads a secret from stdin. Piped input is read whole; on a terminal the user types or pastes
 * one line, which is not echoed (readline in raw mode writing to a muted stream).
 */
export async function readStdin(prompt: string): Promise<string> {
  const stdin = process.stdin
  if (!stdin.isTTY) {
    const chunks: Buffer[] = []
    for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
    return Buffer.concat(chunks).toString('utf8')
  }
  process.stderr.write(prompt)
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() })
  const rl = createInterface({ input: stdin, output: muted, terminal: true })
  try {
    return await new Promise<string>((resolve) => {
      rl.once('line', resolve)
      rl.once('close', () => resolve(''))
    })
  } finally {
    rl.close()
    process.stderr.write('\n')
  }
}
