import { describe, expect, it } from 'vitest'
import { CLIPBOARD_FAILED, createSecretClipboard, NO_LONGER_HELD } from '../../../src/main/desktop/clipboard-once'
import { SHOW_ONCE_HOLD_SECONDS } from '../../../src/shared/clipboard'
import { fakeClipboard, fakeTimers } from './fakes'

const SECRET = 'kw_0123456789abcdefghijABCDEFGHIJ0123456789'
const OTHER = 'kw_zyxwvutsrqponmlkjihgfedcbaZYXWVUTSRQPONM'

function setup(seconds = 30, initial = 'what the user had') {
  const clipboard = fakeClipboard(initial)
  const timers = fakeTimers()
  let clearAfter = seconds
  const logged: string[] = []
  const secretClipboard = createSecretClipboard({
    clipboard,
    timers,
    clearAfterSeconds: () => clearAfter,
    log: (l) => logged.push(l)
  })
  return { clipboard, timers, secretClipboard, logged, setClearAfter: (s: number) => void (clearAfter = s) }
}

describe('the secret clipboard', () => {
  it('writes the secret once and clears it after the configured delay, not before', async () => {
    const { clipboard, timers, secretClipboard } = setup(30)
    expect(await secretClipboard.offer('k_one', SECRET)).toEqual({ copied: true, clearsInSeconds: 30 })
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
    await secretClipboard.offer('k_one', SECRET)
    await clipboard.writeText('a URL the user copied')
    await timers.advance(60_000)
    expect(clipboard.text).toBe('a URL the user copied')
    expect(clipboard.clears).toBe(0)
    await secretClipboard.clearOnQuit()
    expect(clipboard.text).toBe('a URL the user copied')
  })

  it('clears on quit when the secret is still there, and cancels the timer', async () => {
    const { clipboard, timers, secretClipboard } = setup(30)
    await secretClipboard.offer('k_one', SECRET)
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
    expect(await secretClipboard.offer('k_one', SECRET)).toEqual({ copied: true, clearsInSeconds: 0 })
    // The one timer left is the dialog's hold cap, which never touches the clipboard.
    expect(timers.pendingCount()).toBe(1)
    await timers.advance(24 * 3600_000)
    expect(clipboard.text).toBe(SECRET)
    await secretClipboard.clearOnQuit()
    expect(clipboard.text).toBe('')
  })

  it('a second key replaces the first: the first timer does not clear the second secret early', async () => {
    const { clipboard, timers, secretClipboard } = setup(30)
    await secretClipboard.offer('k_one', SECRET)
    await timers.advance(20_000)
    await secretClipboard.offer('k_two', OTHER)
    await timers.advance(10_000)
    expect(clipboard.text).toBe(OTHER)
    await timers.advance(20_000)
    expect(clipboard.text).toBe('')
    expect(clipboard.clears).toBe(1)
  })

  it('reads the delay at each write, so a changed setting applies to the next key', async () => {
    const { timers, secretClipboard, setClearAfter, clipboard } = setup(30)
    setClearAfter(5)
    expect(await secretClipboard.offer('k_one', SECRET)).toEqual({ copied: true, clearsInSeconds: 5 })
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
    await secretClipboard.offer('k_one', SECRET)
    await timers.advance(1_000)
    await secretClipboard.clearOnQuit()
    expect(clipboard.clears).toBe(0)
  })
})

describe('the secret held for its show-once dialog', () => {
  it('Copy copies the held secret again by key id, and starts a new countdown', async () => {
    const { clipboard, timers, secretClipboard } = setup(30)
    await secretClipboard.offer('k_one', SECRET)
    await clipboard.writeText('something else')
    await timers.advance(10_000)
    expect(await secretClipboard.copy('k_one')).toEqual({ copied: true, clearsInSeconds: 30 })
    expect(clipboard.text).toBe(SECRET)
    await timers.advance(29_999)
    expect(clipboard.text).toBe(SECRET)
    await timers.advance(1)
    expect(clipboard.text).toBe('')
  })

  it("holds one secret per key: Copy for one key never copies another key's secret", async () => {
    const { clipboard, secretClipboard } = setup(30)
    await secretClipboard.offer('k_one', SECRET)
    await secretClipboard.offer('k_two', OTHER)
    await secretClipboard.copy('k_one')
    expect(clipboard.text).toBe(SECRET)
    expect(await secretClipboard.copy('k_unknown')).toEqual({ copied: false, reason: NO_LONGER_HELD })
    expect(clipboard.text).toBe(SECRET)
  })

  it('forgets the secret when the dialog releases it: Copy then says so and writes nothing', async () => {
    const { clipboard, secretClipboard } = setup(30)
    await secretClipboard.offer('k_one', SECRET)
    expect(secretClipboard.release('k_one')).toBe(true)
    expect(secretClipboard.release('k_one')).toBe(false)
    await clipboard.writeText('mine')
    expect(await secretClipboard.copy('k_one')).toEqual({ copied: false, reason: NO_LONGER_HELD })
    expect(clipboard.text).toBe('mine')
    expect(clipboard.writes.filter((w) => w === SECRET)).toHaveLength(1)
  })

  it('forgets it after the cap even when the dialog never closes, and not before', async () => {
    const { timers, secretClipboard } = setup(0)
    await secretClipboard.offer('k_one', SECRET)
    await timers.advance(SHOW_ONCE_HOLD_SECONDS * 1000 - 1)
    expect((await secretClipboard.copy('k_one')).copied).toBe(true)
    await timers.advance(1)
    expect(await secretClipboard.copy('k_one')).toEqual({ copied: false, reason: NO_LONGER_HELD })
  })

  it('a new secret for the same key (rotated again) replaces the held one, with a fresh cap', async () => {
    const { clipboard, timers, secretClipboard } = setup(0)
    await secretClipboard.offer('k_one', SECRET)
    await timers.advance(SHOW_ONCE_HOLD_SECONDS * 500)
    await secretClipboard.offer('k_one', OTHER)
    await timers.advance(SHOW_ONCE_HOLD_SECONDS * 500)
    await clipboard.writeText('mine')
    await secretClipboard.copy('k_one')
    expect(clipboard.text).toBe(OTHER)
    expect(timers.pendingCount()).toBe(1)
  })

  it('quitting forgets every held secret and cancels their timers', async () => {
    const { timers, secretClipboard } = setup(0)
    await secretClipboard.offer('k_one', SECRET)
    await secretClipboard.offer('k_two', OTHER)
    await secretClipboard.clearOnQuit()
    expect(timers.pendingCount()).toBe(0)
    expect((await secretClipboard.copy('k_one')).copied).toBe(false)
    expect((await secretClipboard.copy('k_two')).copied).toBe(false)
  })

  it('a clipboard that refuses the write: the outcome says so, the secret is still held for Copy, the log names the error only', async () => {
    const { clipboard, timers, secretClipboard, logged } = setup(30)
    const write = clipboard.writeText
    clipboard.writeText = async () => {
      throw new Error(`busy with ${SECRET}`)
    }
    expect(await secretClipboard.offer('k_one', SECRET)).toEqual({ copied: false, reason: CLIPBOARD_FAILED })
    expect(timers.pendingCount()).toBe(1)
    expect(logged.join('\n')).toMatch(/could not be copied to the clipboard \(Error\)/)
    expect(logged.join('\n')).not.toContain(SECRET)
    clipboard.writeText = write
    expect(await secretClipboard.copy('k_one')).toEqual({ copied: true, clearsInSeconds: 30 })
    expect(clipboard.text).toBe(SECRET)
  })
})
