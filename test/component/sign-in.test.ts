import { afterEach, describe, expect, it } from 'vitest'
import { KeywardError } from '@shared/errors'
import { api, signedIn, signOut, signOutReason } from '@renderer/api'
import SignInView from '@renderer/views/SignInView.vue'
import { fakeWebConsole, mountInApp, screenText, settle } from './helpers'

async function submit(key: string): Promise<void> {
  const input = document.getElementById('admin-key') as HTMLInputElement
  input.value = key
  input.dispatchEvent(new Event('input', { bubbles: true }))
  await settle()
  ;[...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Sign in')!.click()
  await settle()
}

afterEach(() => {
  signOut(null)
  document.body.innerHTML = ''
})

describe('Web console sign-in', () => {
  it('starts signed out in the web console (no desktop bridge)', () => {
    fakeWebConsole({})
    signOut(null)
    expect(signedIn.value).toBe(false)
  })

  it("a 401 later signs the console out, with the server's reason", async () => {
    fakeWebConsole({
      'resources.list': () => ({ items: [] }),
      'keys.list': () => {
        throw new KeywardError('UNAUTHORIZED', 'That administrator key was deleted. Sign in with another one.')
      }
    })
    signedIn.value = false
    mountInApp(SignInView)
    await submit('kwa_soon_gone')
    expect(signedIn.value).toBe(true)
    await expect(api['keys.list']({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' })
    expect(signedIn.value).toBe(false)
    expect(signOutReason.value).toBe('That administrator key was deleted. Sign in with another one.')
  })

  it('a refused key never opens the console: one check, and its reason stays on screen', async () => {
    const api = fakeWebConsole({
      'resources.list': () => {
        throw new KeywardError(
          'FORBIDDEN',
          'Standard keys (kw_…) are for models and can only be verified. The admin API needs an administrator key (kwa_…).'
        )
      }
    })
    signedIn.value = false
    mountInApp(SignInView)
    await submit('kw_standard')
    expect(api.calls.map((c) => c.op)).toEqual(['resources.list'])
    expect(signedIn.value).toBe(false)
    expect(screenText()).toContain('Not permitted')
    expect(screenText()).toContain('The admin API needs an administrator key (kwa_…).')
  })

  it('a key the server takes signs in, and the field is emptied', async () => {
    const api = fakeWebConsole({ 'resources.list': () => ({ items: [] }) })
    signedIn.value = false
    mountInApp(SignInView)
    await submit('kwa_good')
    expect(signedIn.value).toBe(true)
    expect(api.requests).toEqual([
      { url: '/v1/admin/rpc/resources.list', headers: expect.objectContaining({ authorization: 'Bearer kwa_good' }) }
    ])
    expect((document.getElementById('admin-key') as HTMLInputElement | null)?.value ?? '').toBe('')
  })
})
