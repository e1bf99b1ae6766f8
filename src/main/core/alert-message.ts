import type { ApiKey } from '../../shared/types'

export interface AlertMessage {
  subject: string
  text: string
  html: string
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/**
 * The "Notify via Email" alert: that a key was created, with its hint and details. It is built
 * from the stored key document, which has no secret in it, so no secret can reach the message.
 */
export function composeKeyCreatedAlert(key: ApiKey, actor: string, at: number): AlertMessage {
  const when = new Date(at).toISOString()
  const rows: [string, string][] = [
    ['Name', key.name],
    ['Key', `${key.hint} (the key itself is shown only once, to whoever created it)`],
    ['Kind', key.kind === 'admin' ? 'Administrator' : 'Standard'],
    ['Department', key.department ?? '—'],
    ['Project', key.project ?? '—'],
    ['Environment', key.environment ?? '—'],
    ['Resources', key.resources.length ? key.resources.map((r) => `${r.model} · ${r.type}`).join(', ') : 'none yet'],
    ['Requestor', key.requestor ?? '—'],
    ['App ID (x-app-name)', key.appId ?? '—'],
    ['Expires', key.expiresAt ?? 'never'],
    ['Created by', actor],
    ['Created at', when]
  ]
  const subject = `Keyward: API key "${key.name}" was created`
  const text = [
    `A new API key named "${key.name}" was created in Keyward.`,
    '',
    ...rows.map(([label, value]) => `${label}: ${value}`),
    '',
    'You receive this because your address was given under "Notify via Email". If you did not expect it, tell your Keyward administrator.'
  ].join('\n')
  const html = [
    '<!doctype html><html><body style="font-family: sans-serif">',
    `<p>A new API key named <strong>${escapeHtml(key.name)}</strong> was created in Keyward.</p>`,
    '<table cellpadding="4" style="border-collapse: collapse">',
    ...rows.map(([label, value]) => `<tr><th align="left">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`),
    '</table>',
    '<p>You receive this because your address was given under "Notify via Email". If you did not expect it, tell your Keyward administrator.</p>',
    '</body></html>'
  ].join('\n')
  return { subject, text, html }
}
