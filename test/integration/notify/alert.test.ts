import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempRegistry, type TempRegistry } from '../../helpers/registry'
import { createNotifyHandlers, type NotifyHandlers } from '../../../src/main/notify/handlers'
import { processPasswordStore } from '../../../src/main/notify/types'
import { composeKeyCreatedAlert } from '../../../src/main/core/alert-message'
import { startLoopbackSmtp, type LoopbackSmtp } from './smtp-fixture'

const ctx = { actor: 'alice' }

describe('the "key created" alert, as a real SMTP server receives it', () => {
  let t: TempRegistry
  let smtp: LoopbackSmtp
  let notify: NotifyHandlers

  beforeEach(async () => {
    t = tempRegistry()
    smtp = await startLoopbackSmtp()
    notify = createNotifyHandlers({
      registry: t.registry,
      passwords: processPasswordStore(null),
      clock: () => t.clock.now
    })
    await notify['notify.settings.set'](
      { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'keyward@example.com' },
      ctx
    )
    t.registry.addResource({ model: 'gpt-4o', type: 'TPM', tpmLimit: 1000 }, 'alice')
    t.registry.addResource({ model: 'claude-3', type: 'PYG' }, 'alice')
  })
  afterEach(async () => {
    await smtp.close()
    t.close()
  })

  it('says which key was created, with its hint and details, and never the secret', async () => {
    const { key, secret } = t.registry.createKey(
      {
        name: 'PaymentsBot',
        resources: ['gpt-4o:TPM', 'claude-3:PYG'],
        department: 'R&D <Labs>',
        project: 'Checkout',
        environment: 'production',
        requestor: 'Bob Builder',
        appId: 'payments-svc',
        justification: 'Fraud scoring',
        notes: 'Rotate quarterly',
        notifyEmail: 'security@example.com'
      },
      'alice'
    )
    const flushed = await notify['notify.flush']({}, ctx)
    expect(flushed).toEqual({ sent: 1, failed: 0, pending: 0 })

    const [mail] = await smtp.waitForReceived(1)
    expect(smtp.received).toHaveLength(1)
    const m = mail!.parsed
    // Envelope and headers.
    expect(mail!.mailFrom).toBe('keyward@example.com')
    expect(mail!.rcptTo).toEqual(['security@example.com'])
    expect(m.from?.text).toBe('keyward@example.com')
    expect((m.to as { text: string }).text).toBe('security@example.com')
    expect(m.subject).toBe('Keyward: API key "PaymentsBot" was created')
    const outboxRow = t.registry.db.prepare('SELECT message_id FROM outbox').get() as { message_id: string }
    expect(m.messageId).toBe(outboxRow.message_id)
    expect(m.headers.get('auto-submitted')).toBe('auto-generated')
    expect(m.headers.get('x-keyward-alert')).toBe('key.created')

    // Plain text: every detail §3 asks for.
    const text = m.text ?? ''
    expect(text).toContain('A new API key named "PaymentsBot" was created')
    expect(text).toContain(`Key: ${key.hint}`)
    expect(text).toContain('Department: R&D <Labs>')
    expect(text).toContain('Project: Checkout')
    expect(text).toContain('Environment: production')
    expect(text).toContain('Resources: claude-3 · PYG, gpt-4o · TPM')
    expect(text).toContain('Requestor: Bob Builder')
    expect(text).toContain('Created by: alice')
    expect(text).toContain(`Created at: ${key.createdAt}`)

    // HTML: the same facts, escaped.
    const html = String(m.html)
    expect(html).toContain('<strong>PaymentsBot</strong>')
    expect(html).toContain('R&amp;D &lt;Labs&gt;')
    expect(html).not.toContain('<Labs>')
    expect(html).toContain(key.hint)
    expect(html).toContain('Bob Builder')
    expect(html).toContain(key.createdAt)

    // The secret is nowhere: not in the raw bytes, not in any decoded part or header.
    expect(secret.length).toBeGreaterThan(20)
    const raw = mail!.raw.toString('latin1')
    expect(raw).not.toContain(secret)
    expect(raw).not.toContain(Buffer.from(secret).toString('base64').slice(0, 24))
    const everything = [
      m.subject,
      m.text,
      String(m.html),
      ...[...m.headers.values()].map((v) => JSON.stringify(v))
    ].join('\n')
    expect(everything).not.toContain(secret)
    // Nor a long fragment of it (the hint shows only its ends).
    expect(everything).not.toContain(secret.slice(6, 30))
  })

  it('marks the message sent with the time, and the outbox lists it', async () => {
    t.registry.createKey({ name: 'Ops1', notifyEmail: 'ops@example.com' }, 'alice')
    t.clock.advance(5_000)
    await notify['notify.flush']({}, ctx)
    const { items } = await notify['notify.outbox']({ limit: 200 }, ctx)
    expect(items).toHaveLength(1)
    expect(items[0]).toMatchObject({
      to: 'ops@example.com',
      subject: 'Keyward: API key "Ops1" was created',
      status: 'sent',
      attempts: 1,
      lastError: null,
      createdAt: '2026-06-01T12:00:00.000Z',
      sentAt: '2026-06-01T12:00:05.000Z',
      nextAttemptAt: null
    })
  })

  it('queues nothing for a key created without Notify via Email', async () => {
    t.registry.createKey({ name: 'Quiet' }, 'alice')
    expect(await notify['notify.flush']({}, ctx)).toEqual({ sent: 0, failed: 0, pending: 0 })
    expect(smtp.received).toHaveLength(0)
  })

  it('keeps the alert and the key together: a refused key queues no alert', () => {
    t.registry.createKey({ name: 'Taken', notifyEmail: 'a@example.com' }, 'alice')
    expect(() => t.registry.createKey({ name: 'taken', notifyEmail: 'b@example.com' }, 'alice')).toThrow(
      /already exists/
    )
    const rows = t.registry.db.prepare('SELECT recipient FROM outbox').all()
    expect(rows).toEqual([{ recipient: 'a@example.com' }])
  })
})

describe('composeKeyCreatedAlert', () => {
  it('builds subject, text and HTML from the key document alone', () => {
    const message = composeKeyCreatedAlert(
      {
        id: 'k_1',
        name: 'A1',
        kind: 'admin',
        hint: 'kwa_Ab…yz',
        status: 'active',
        department: null,
        project: null,
        environment: null,
        requestor: null,
        appId: null,
        justification: null,
        notes: null,
        notifyEmail: 'x@example.com',
        resources: [],
        createdAt: '2026-06-01T12:00:00.000Z',
        updatedAt: '2026-06-01T12:00:00.000Z',
        expiresAt: null,
        lastUsedAt: null
      },
      'root',
      Date.parse('2026-06-01T12:00:00Z')
    )
    expect(message.subject).toBe('Keyward: API key "A1" was created')
    expect(message.text).toContain('Kind: Administrator')
    expect(message.text).toContain('Department: —')
    expect(message.text).toContain('Resources: none yet')
    expect(message.text).toContain('Created by: root')
    expect(message.html).toContain('<th align="left">Created at</th><td>2026-06-01T12:00:00.000Z</td>')
  })
})
