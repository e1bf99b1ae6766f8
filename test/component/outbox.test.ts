import { afterEach, describe, expect, it } from 'vitest'
import { KeywardError } from '@shared/errors'
import { OutboxListInput } from '@shared/schemas'
import type { FlushResult, OutboxItem, SmtpSettings } from '@shared/types'
import OutboxView from '@renderer/views/OutboxView.vue'
import { fakeClient, mountInApp, screenText, settle } from './helpers'

const REFUSED =
  'The SMTP server refused the login (535 Invalid username or password): check the user name and password.'

function message(id: number, extra: Partial<OutboxItem> = {}): OutboxItem {
  return {
    id,
    to: `person${id}@example.com`,
    subject: `Keyward: API key "Key${id}" was created`,
    status: 'pending',
    attempts: 0,
    lastError: null,
    createdAt: '2026-06-01T12:00:00.000Z',
    sentAt: null,
    nextAttemptAt: '2026-06-01T12:00:00.000Z',
    ...extra
  }
}

const SMTP: SmtpSettings = {
  host: 'smtp.example.com',
  port: 587,
  security: 'starttls',
  user: 'mailer',
  from: 'keyward@example.com',
  passwordSet: true,
  passwordStorage: 'os'
}

/**
 * An outbox host in miniature: lists newest first with the contract's status filter, retry makes a
 * message pending and due, flush delivers what is pending unless `refuse` says why not, discard removes.
 */
function outboxHost(start: OutboxItem[], options: { smtp?: SmtpSettings; refuse?: string } = {}) {
  let items = [...start]
  const host = fakeClient({
    'notify.settings.get': () => options.smtp ?? SMTP,
    'notify.outbox': (input) => {
      const v = OutboxListInput.parse(input)
      const listed = items
        .filter((m) => !v.status || m.status === v.status)
        .sort((a, b) => b.id - a.id)
        .slice(0, v.limit)
      // A copy, as IPC and HTTP deliver one: the screen never shares objects with the host.
      return { items: structuredClone(listed) }
    },
    'notify.retry': ({ id }) => {
      const m = items.find((x) => x.id === id)
      if (!m) throw new KeywardError('NOT_FOUND', `No outbox message ${id}.`)
      if (m.status === 'sent')
        throw new KeywardError('CONFLICT', `Message ${id} was already delivered; it is not sent twice.`)
      Object.assign(m, { status: 'pending', attempts: 0 })
      return { item: structuredClone(m) }
    },
    'notify.flush': (): FlushResult => {
      let sent = 0
      for (const m of items.filter((x) => x.status === 'pending')) {
        if (options.refuse) {
          Object.assign(m, { attempts: m.attempts + 1, lastError: options.refuse })
        } else {
          Object.assign(m, {
            status: 'sent',
            attempts: m.attempts + 1,
            lastError: null,
            sentAt: '2026-06-01T12:05:00.000Z',
            nextAttemptAt: null
          })
          sent++
        }
      }
      return { sent, failed: 0, pending: items.filter((x) => x.status === 'pending').length }
    },
    'notify.discard': ({ id }) => {
      const m = items.find((x) => x.id === id)!
      items = items.filter((x) => x.id !== id)
      return { discarded: structuredClone(m) }
    }
  })
  return { ...host, items: () => items }
}

function rows(): HTMLTableRowElement[] {
  return [...document.querySelectorAll<HTMLTableRowElement>('[data-testid="outbox-table"] tbody tr')].filter((r) =>
    r.querySelector('td')
  )
}

function row(to: string): HTMLTableRowElement {
  const found = rows().find((r) => r.textContent?.includes(to))
  if (!found) throw new Error(`no row for ${to}`)
  return found
}

function buttonIn(scope: ParentNode, text: string): HTMLButtonElement | undefined {
  return [...scope.querySelectorAll('button')].find((b) => b.textContent?.trim() === text)
}

async function click(el: HTMLElement | undefined): Promise<void> {
  if (!el) throw new Error('nothing to click')
  el.click()
  await settle()
}

const flushResult = () =>
  document.querySelector('[data-testid="flush-result"]')?.textContent?.replace(/\s+/g, ' ') ?? null

afterEach(() => {
  document.body.innerHTML = ''
})

describe('Outbox screen', () => {
  it('lists each message with its status, attempts, last error and times; Retry now only where it can help', async () => {
    outboxHost([
      message(1, { status: 'sent', attempts: 1, sentAt: '2026-06-01T12:01:00.000Z', nextAttemptAt: null }),
      message(2, { status: 'failed', attempts: 3, lastError: REFUSED, nextAttemptAt: null }),
      message(3, {
        status: 'pending',
        attempts: 1,
        lastError: 'Nothing answered at 127.0.0.1:2525 (connection refused).',
        nextAttemptAt: '2999-01-01T00:00:00.000Z'
      }),
      message(4, { status: 'sending', attempts: 1, nextAttemptAt: null })
    ])
    mountInApp(OutboxView)
    await settle()
    expect(rows().map((r) => r.querySelector('td')!.textContent)).toEqual([
      'person4@example.comKeyward: API key "Key4" was created',
      'person3@example.comKeyward: API key "Key3" was created',
      'person2@example.comKeyward: API key "Key2" was created',
      'person1@example.comKeyward: API key "Key1" was created'
    ])
    expect(row('person1@').textContent).toContain('Sent')
    expect(row('person2@').textContent).toContain('Failed')
    expect(row('person2@').textContent).toContain(REFUSED)
    expect(row('person2@').textContent).toContain('Waits for Retry now')
    expect(row('person3@').textContent).toContain('Pending')
    expect(row('person3@').textContent).toContain('connection refused')
    expect(row('person3@').textContent).toMatch(/Next .*2999/)
    expect(row('person4@').textContent).toContain('Sending')
    expect(screenText()).toContain('4 messages')

    expect(buttonIn(row('person1@'), 'Retry now')).toBeUndefined()
    expect(buttonIn(row('person2@'), 'Retry now')).toBeDefined()
    expect(buttonIn(row('person3@'), 'Retry now')!.getAttribute('aria-label')).toBe(
      'Retry now: alert to person3@example.com'
    )
    expect(buttonIn(row('person4@'), 'Retry now')).toBeUndefined()
    expect(buttonIn(row('person4@'), 'Discard')!.disabled).toBe(true)
    expect(buttonIn(row('person1@'), 'Discard')!.disabled).toBe(false)
  })

  it('filters by status on the host', async () => {
    const host = outboxHost([
      message(1, { status: 'sent', sentAt: '2026-06-01T12:01:00.000Z' }),
      message(2, { status: 'failed', attempts: 3, lastError: REFUSED })
    ])
    mountInApp(OutboxView)
    await settle()
    await click(document.querySelector<HTMLInputElement>('[data-testid="outbox-status-filter"] input[value="failed"]')!)
    expect(host.callsTo('notify.outbox').at(-1)!.input).toEqual({ status: 'failed', limit: 500 })
    expect(rows().map((r) => r.querySelector('td')!.textContent)).toEqual([
      'person2@example.comKeyward: API key "Key2" was created'
    ])
    await click(
      document.querySelector<HTMLInputElement>('[data-testid="outbox-status-filter"] input[value="pending"]')!
    )
    expect(host.callsTo('notify.outbox').at(-1)!.input).toEqual({ status: 'pending', limit: 500 })
    expect(screenText()).toContain('No pending messages.')
    await click(document.querySelector<HTMLInputElement>('[data-testid="outbox-status-filter"] input[value="all"]')!)
    expect(host.callsTo('notify.outbox').at(-1)!.input).toEqual({ status: undefined, limit: 500 })
    expect(rows()).toHaveLength(2)
  })

  it('Send now reports the counts in words, and why a message still waits', async () => {
    const host = outboxHost([message(1)], { refuse: REFUSED })
    mountInApp(OutboxView)
    await settle()
    await click(buttonIn(document, 'Send now'))
    expect(host.callsTo('notify.flush')).toHaveLength(1)
    expect(flushResult()).toContain('Sent 0, failed 0, 1 message still pending.')
    expect(flushResult()).toContain(`Why: ${REFUSED}`)
    expect(row('person1@').textContent).toContain(REFUSED)
  })

  it('Retry now makes the message due and sends it at once; the row shows it sent', async () => {
    const host = outboxHost([message(7, { status: 'failed', attempts: 3, lastError: REFUSED, nextAttemptAt: null })])
    mountInApp(OutboxView)
    await settle()
    await click(buttonIn(row('person7@'), 'Retry now'))
    expect(host.calls.map((c) => c.op).filter((op) => op === 'notify.retry' || op === 'notify.flush')).toEqual([
      'notify.retry',
      'notify.flush'
    ])
    expect(host.callsTo('notify.retry')[0]!.input).toEqual({ id: 7 })
    expect(flushResult()).toContain('Sent 1, failed 0, 0 messages still pending.')
    expect(row('person7@').textContent).toContain('Sent')
    expect(row('person7@').textContent).not.toContain(REFUSED)
    expect(buttonIn(row('person7@'), 'Retry now')).toBeUndefined()
  })

  it('a retry the host refuses is explained, nothing is sent, and the list is reloaded', async () => {
    let status: OutboxItem['status'] = 'failed'
    const host = fakeClient({
      'notify.settings.get': () => SMTP,
      'notify.outbox': () => ({ items: [message(8, { status, attempts: 3, lastError: REFUSED })] }),
      'notify.retry': () => {
        // Another sender (keyward serve on the same file) took it meanwhile.
        status = 'sending'
        throw new KeywardError(
          'CONFLICT',
          'Message 8 is being sent right now, so it cannot be retried. Wait a moment and look at the outbox again.'
        )
      }
    })
    mountInApp(OutboxView)
    await settle()
    await click(buttonIn(row('person8@'), 'Retry now'))
    expect(host.callsTo('notify.flush')).toHaveLength(0)
    expect(screenText()).toContain('Message 8 is being sent right now, so it cannot be retried.')
    expect(row('person8@').textContent).toContain('Sending')
  })

  it('Discard asks first: Cancel keeps the message, Discard removes it', async () => {
    const host = outboxHost([message(5, { status: 'pending', attempts: 2, lastError: REFUSED })])
    mountInApp(OutboxView)
    await settle()
    await click(buttonIn(row('person5@'), 'Discard'))
    expect(screenText()).toContain('Discard the alert to person5@example.com?')
    expect(screenText()).toContain('It has not been delivered and never will be.')
    await click(buttonIn(document.querySelector('.n-dialog')!, 'Cancel'))
    expect(host.callsTo('notify.discard')).toHaveLength(0)
    expect(rows()).toHaveLength(1)

    await click(buttonIn(row('person5@'), 'Discard'))
    await click(buttonIn(document.querySelector('.n-dialog')!, 'Discard'))
    expect(host.callsTo('notify.discard').map((c) => c.input)).toEqual([{ id: 5 }])
    expect(rows()).toHaveLength(0)
    expect(screenText()).toContain('No email alerts yet.')
  })

  it('says when email is not set up, with a way to Settings', async () => {
    outboxHost([], { smtp: { ...SMTP, host: null, port: null, from: null, user: null, passwordSet: false } })
    mountInApp(OutboxView)
    await settle()
    const note = document.querySelector('[data-testid="outbox-not-set-up"]')
    expect(note?.textContent).toContain('Email is not set up')
    expect(buttonIn(note!, 'Open Settings')).toBeDefined()
    expect(screenText()).toContain('No email alerts yet. Create a key with Notify via Email')
  })

  it('a failed load shows the reason and Try again loads once more', async () => {
    let down = true
    const items = [message(1)]
    const host = fakeClient({
      'notify.settings.get': () => SMTP,
      'notify.outbox': () => {
        if (down)
          throw new KeywardError(
            'INTERNAL',
            'Cannot reach the Keyward server. Check that it is still running, then try again.'
          )
        return { items }
      }
    })
    mountInApp(OutboxView)
    await settle()
    expect(document.querySelector('[role="alert"]')!.textContent).toContain('Cannot reach the Keyward server.')
    expect(screenText()).toContain('The outbox could not be loaded.')
    down = false
    await click(buttonIn(document.querySelector('[role="alert"]')!, 'Try again'))
    expect(host.callsTo('notify.outbox')).toHaveLength(2)
    expect(document.querySelector('[role="alert"]')).toBeNull()
    expect(rows()).toHaveLength(1)
  })
})
