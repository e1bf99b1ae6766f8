import { afterEach, describe, expect, it } from 'vitest'
import { KeywardError } from '@shared/errors'
import { SmtpSettingsInput } from '@shared/schemas'
import type { SmtpSettings, TestEmailResult } from '@shared/types'
import SmtpSettingsSection from '@renderer/components/SmtpSettingsSection.vue'
import { fakeClient, mountInApp, screenText, settle } from './helpers'

const STORED_PASSWORD = 'Stored-Relay-Secret-42'

/**
 * A host applying notify.settings.* as the real handlers do: settings are replaced, the password
 * is write-only (undefined keeps it, null removes it) and only `passwordSet` comes back.
 */
function smtpHost(
  start: Partial<SmtpSettings> = {},
  options: { password?: string | null; test?: () => TestEmailResult } = {}
) {
  let password: string | null = options.password ?? null
  let settings: Omit<SmtpSettings, 'passwordSet'> = {
    host: null,
    port: null,
    security: 'starttls',
    user: null,
    from: null,
    passwordStorage: 'os',
    ...start
  }
  const view = (): SmtpSettings => ({ ...settings, passwordSet: password != null })
  const api = fakeClient({
    'notify.settings.get': () => view(),
    'notify.settings.set': (input) => {
      const v = SmtpSettingsInput.parse(input)
      if (v.password !== undefined) password = v.password || null
      settings = { ...settings, host: v.host, port: v.port, security: v.security, user: v.user || null, from: v.from }
      return view()
    },
    'notify.test': () => (options.test ?? (() => ({ ok: true, message: 'Sent.' })))()
  })
  return { ...api, password: () => password }
}

function field(id: string): HTMLInputElement {
  const el = document.getElementById(id) as HTMLInputElement | null
  if (!el) throw new Error(`no #${id}`)
  return el
}

async function type(id: string, value: string): Promise<void> {
  const el = field(id)
  el.value = value
  el.dispatchEvent(new Event('input', { bubbles: true }))
  await settle()
}

function button(text: string): HTMLButtonElement {
  const found = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === text)
  if (!found) throw new Error(`no button "${text}"`)
  return found
}

async function click(text: string): Promise<void> {
  button(text).click()
  await settle()
}

const passwordState = () =>
  document.querySelector('[data-testid="password-state"]')!.textContent!.replace(/\s+/g, ' ').trim()
const storageWarning = () => document.querySelector('[data-testid="password-storage-warning"]')?.textContent ?? null

const CONFIGURED: Partial<SmtpSettings> = {
  host: 'smtp.example.com',
  port: 587,
  security: 'starttls',
  user: 'mailer',
  from: 'keyward@example.com'
}

afterEach(() => {
  document.body.innerHTML = ''
})

describe('Settings → Email', () => {
  it('shows the saved settings but never the stored password: the field is empty and says one is saved', async () => {
    smtpHost(CONFIGURED, { password: STORED_PASSWORD })
    const { pinia } = mountInApp(SmtpSettingsSection)
    await settle()
    expect(field('smtp-host').value).toBe('smtp.example.com')
    expect(field('smtp-port').value).toBe('587')
    expect(field('smtp-user').value).toBe('mailer')
    expect(field('smtp-from').value).toBe('keyward@example.com')
    expect(field('smtp-password').value).toBe('')
    expect(field('smtp-password').type).toBe('password')
    expect(passwordState()).toBe('Password saved Remove')
    expect(screenText()).toContain('New password')
    expect(document.body.innerHTML).not.toContain(STORED_PASSWORD)
    expect(JSON.stringify(pinia.state.value)).not.toContain(STORED_PASSWORD)
    expect(storageWarning()).toBeNull()
    expect(button('Save').disabled).toBe(true)
  })

  it('checks every field with SmtpSettingsInput while typing, and Save sends nothing while one is wrong', async () => {
    const api = smtpHost()
    mountInApp(SmtpSettingsSection)
    await settle()
    expect(passwordState()).toBe('No password saved')
    expect(screenText()).not.toContain('SMTP host is required')

    await type('smtp-host', 'smtp.example.com')
    await type('smtp-host', '   ')
    expect(screenText()).toContain('SMTP host is required, e.g. smtp.example.com.')
    await type('smtp-port', '70000')
    expect(screenText()).toContain('SMTP port must be 1 to 65535.')
    await type('smtp-from', 'keyward@')
    expect(screenText()).toContain('From must be one valid email address, like keyward@example.com.')
    // The same words the host would answer with.
    expect(
      SmtpSettingsInput.safeParse({ host: ' ', port: 70000, from: 'keyward@' }).error!.issues.map((i) => i.message)
    ).toEqual([
      'SMTP host is required, e.g. smtp.example.com.',
      'SMTP port must be 1 to 65535.',
      'From must be one valid email address, like keyward@example.com.'
    ])

    await click('Save')
    expect(api.callsTo('notify.settings.set')).toHaveLength(0)

    await type('smtp-host', 'smtp.example.com')
    await type('smtp-port', '587')
    await type('smtp-from', 'keyward@example.com')
    expect(screenText()).not.toContain('is required')
    expect(screenText()).not.toContain('must be')
    await click('Save')
    expect(api.callsTo('notify.settings.set').map((c) => c.input)).toEqual([
      {
        host: 'smtp.example.com',
        port: 587,
        security: 'starttls',
        user: null,
        from: 'keyward@example.com',
        password: undefined
      }
    ])
  })

  it('an empty port asks for one, and a port left at the usual number follows the security mode', async () => {
    smtpHost({ ...CONFIGURED, port: 587 })
    mountInApp(SmtpSettingsSection)
    await settle()
    ;(document.querySelector('input[type="radio"][value="tls"]') as HTMLInputElement).click()
    await settle()
    expect(field('smtp-port').value).toBe('465')
    expect(screenText()).toContain('TLS from the first byte (usually port 465).')
    await type('smtp-port', '')
    expect(screenText()).toContain('Give the SMTP port, e.g. 465.')
  })

  it('sends a new password once, then empties the field; later saves leave it unchanged; Remove sends null', async () => {
    const api = smtpHost(CONFIGURED)
    const { pinia } = mountInApp(SmtpSettingsSection)
    await settle()
    await type('smtp-password', 'N3w-Relay-Pass')
    expect(button('Save').disabled).toBe(false)
    await click('Save')
    expect(api.callsTo('notify.settings.set').at(-1)!.input).toMatchObject({ password: 'N3w-Relay-Pass' })
    expect(api.password()).toBe('N3w-Relay-Pass')
    expect(field('smtp-password').value).toBe('')
    expect(passwordState()).toBe('Password saved Remove')
    expect(document.body.innerHTML).not.toContain('N3w-Relay-Pass')
    expect(JSON.stringify(pinia.state.value)).not.toContain('N3w-Relay-Pass')
    expect(screenText()).toContain('Email settings saved; password saved')

    await type('smtp-host', 'relay.example.com')
    await click('Save')
    expect((api.callsTo('notify.settings.set').at(-1)!.input as { password?: unknown }).password).toBeUndefined()
    expect(api.password()).toBe('N3w-Relay-Pass')

    await click('Remove')
    expect(passwordState()).toMatch(/^Removed when you save\s*Keep it$/)
    expect(field('smtp-password').disabled).toBe(true)
    await click('Save')
    expect((api.callsTo('notify.settings.set').at(-1)!.input as { password?: unknown }).password).toBeNull()
    expect(api.password()).toBeNull()
    expect(passwordState()).toBe('No password saved')
    expect(field('smtp-password').disabled).toBe(false)
  })

  it('warns where Linux has no keyring (basic_text): the password is only obfuscated, yet it can be saved', async () => {
    smtpHost({ ...CONFIGURED, passwordStorage: 'basic_text' })
    mountInApp(SmtpSettingsSection)
    await settle()
    expect(storageWarning()).toContain('The password is only obfuscated on this computer')
    expect(storageWarning()).toContain('basic_text')
    expect(field('smtp-password').disabled).toBe(false)
  })

  it('where no password can be stored: says so, offers no password field and no Remove', async () => {
    smtpHost({ ...CONFIGURED, passwordStorage: 'unavailable' })
    mountInApp(SmtpSettingsSection)
    await settle()
    expect(storageWarning()).toContain('A password cannot be stored here')
    expect(field('smtp-password').disabled).toBe(true)
    expect([...document.querySelectorAll('button')].some((b) => b.textContent?.trim() === 'Remove')).toBe(false)
  })

  it('a refusal from the host shows on the form, naming the field', async () => {
    const api = fakeClient({
      'notify.settings.get': () => ({ ...CONFIGURED, passwordSet: false, passwordStorage: 'os' }) as SmtpSettings,
      'notify.settings.set': () => {
        throw new KeywardError('VALIDATION', 'This computer offers no secure storage for the SMTP password.', {
          password: 'No secure storage on this computer: the password cannot be saved.'
        })
      }
    })
    mountInApp(SmtpSettingsSection)
    await settle()
    await type('smtp-password', 'whatever-1')
    await click('Save')
    expect(api.callsTo('notify.settings.set')).toHaveLength(1)
    expect(screenText()).toContain('This computer offers no secure storage for the SMTP password.')
    expect(screenText()).toContain('No secure storage on this computer: the password cannot be saved.')
  })

  it("Send test email checks the address, then reports the server's answer as success or error", async () => {
    let answer: TestEmailResult = {
      ok: false,
      message: 'The SMTP server refused the login (535 Invalid username or password): check the user name and password.'
    }
    const api = smtpHost(CONFIGURED, { password: STORED_PASSWORD, test: () => answer })
    mountInApp(SmtpSettingsSection)
    await settle()
    await type('smtp-test-to', 'me@')
    expect(screenText()).toContain('Give one valid email address to send the test to.')
    await click('Send test email')
    expect(api.callsTo('notify.test')).toHaveLength(0)

    await type('smtp-test-to', 'me@example.com')
    await click('Send test email')
    expect(api.callsTo('notify.test').map((c) => c.input)).toEqual([{ to: 'me@example.com' }])
    const result = () => document.querySelector('[data-testid="test-email-result"]')!
    expect(result().textContent).toContain('Test email not sent')
    expect(result().textContent).toContain('The SMTP server refused the login (535 Invalid username or password)')
    expect(result().getAttribute('data-outcome')).toBe('not-sent')

    answer = {
      ok: true,
      message: 'The SMTP server at smtp.example.com:587 accepted the message for me@example.com. It answered: "250 OK".'
    }
    await click('Send test email')
    expect(result().textContent).toContain('Test email sent')
    expect(result().textContent).toContain('accepted the message for me@example.com')
    expect(result().getAttribute('data-outcome')).toBe('sent')
  })

  it('asks to save first when the form has unsaved changes: the test uses the saved settings', async () => {
    smtpHost(CONFIGURED)
    mountInApp(SmtpSettingsSection)
    await settle()
    await type('smtp-port', '2525')
    expect(screenText()).toContain('Save first: the test uses the saved settings.')
    expect(button('Send test email').disabled).toBe(true)
    await click('Discard changes')
    expect(field('smtp-port').value).toBe('587')
    expect(button('Send test email').disabled).toBe(false)
  })
})
