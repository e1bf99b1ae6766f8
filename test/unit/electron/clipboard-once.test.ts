import { describe, expect, it } from 'vitest'
import { createSecretClipboard } from '../../../src/main/desktop/clipboard-once'
import { fakeClipboard, fakeTimers } from './fakes'

const SECRET = 'kw_0123456789abcdefghijABCDEFGHIJ0123456789'
const OTHER = 'kw_zyxwvutsrqponmlkjihgfedcbaZYXWVUTSRQPONM'

function setup(seconds = 30, initial = 'what the user had') {
  const clipboard = fakeClipboard(initial)
  const timers = fakeTimers()
  let clearAfter = seconds
  const secretClipboard = createSecretClipboard({ clipboard, timers, clearAfterSeconds: () => clearAfter })
  return { clipboard, timers, secretClipboard, setClearAfter: (s: number) => void (clearAfter = s) }
}

describe('the secret clipboard', () => {
  it('writes the secret once and clears it after the configured delay, not before', async () => {
    const { clipboard, timers, secretClipboard } = setup(30)
    expect(await secretClipboard.write(SECRET)).toEqual({ clearsInSeconds: 30 })
    expect(clipboard.writes).toEqual([SECRET])
    await timers.advance(29_999)
    expect(clipboard.text).toBe(SECRET)
    expect(clipboard.clears).toBe(0)
    await timers.advance(1)
    expect(clipboard.text).toBe('')
    expect(clipboard.clears).toBe(1)
    expect(clipboard.writes).toEqual([SECRET])
  })

  it('leaves the clipboard alone when the user copied something else meanwhile', async () => {
    const { clipboard, timers, secretClipboard } = setup(30)
    await secretClipboard.write(SECRET)
    await clipboard.writeText('a URL the user copied')
    await timers.advance(60_000)
    expect(clipboard.text).toBe('a URL the user copied')
    expect(clipboard.clears).toBe(0)
    await secretClipboard.clearOnQuit()
    expect(clipboard.text).toBe('a URL the user copied')
  })

  it('clears on quit when the secret is still there, and cancels the timer', async () => {
    const { clipboard, timers, secretClipboard } = setup(30)
    await secretClipboard.write(SECRET)
    await timers.advance(5_000)
    await secretClipboard.clearOnQuit()
    expect(clipboard.text).toBe('')
    expect(clipboard.clears).toBe(1)
    expect(timers.pendingCount()).toBe(0)
    await timers.advance(60_000)
    expect(clipboard.clears).toBe(1)
  })

  it('with 0, never clears on a timer, but still clears on quit', async () => {
    const { clipboard, timers, secretClipboard } = setup(0)
    expect(await secretClipboard.write(SECRET)).toEqual({ clearsInSeconds: 0 })
    expect(timers.pendingCount()).toBe(0)
    await timers.advance(24 * 3600_000)
    expect(clipboard.text).toBe(SECRET)
    await secretClipboard.clearOnQuit()
    expect(clipboard.text).toBe('')
  })

  it('a second key replaces the first: the first timer does not clear the second secret early', async () => {
    const { clipboard, timers, secretClipboard } = setup(30)
    await secretClipboard.write(SECRET)
    await timers.advance(20_000)
    await secretClipboard.write(OTHER)
    await timers.advance(10_000)
    expect(clipboard.text).toBe(OTHER)
    await timers.advance(20_000)
    expect(clipboard.text).toBe('')
    expect(clipboard.clears).toBe(1)
  })

  it('reads the delay at each write, so a changed setting applies to the next key', async () => {
    const { timers, secretClipboard, setClearAfter, clipboard } = setup(30)
    setClearAfter(5)
    expect(await secretClipboard.write(SECRET)).toEqual({ clearsInSeconds: 5 })
    await timers.advance(5_000)
    expect(clipboard.text).toBe('')
  })

  it('quitting with nothing written touches nothing', async () => {
    const { clipboard, secretClipboard } = setup(30)
    await secretClipboard.clearOnQuit()
    expect(clipboard.text).toBe('what the user had')
    expect(clipboard.clears).toBe(0)
  })

  it('survives a clipboard that cannot be read (no display server)', async () => {
    const { clipboard, timers, secretClipboard } = setup(1)
    clipboard.readText = async () => {
      throw new Error('no X11 display')
    }
    await secretClipboard.write(SECRET)
    await timers.advance(1_000)
    await secretClipboard.clearOnQuit()
    expect(clipboard.clears).toBe(0)
  })
})
