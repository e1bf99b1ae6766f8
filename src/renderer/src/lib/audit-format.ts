import type { AuditEntry } from '@shared/types'
import { currentLocale, i18n, t } from '../i18n'
import { isolate } from './bidi'
import { formatNumber } from './format'

/** Audit actions and the message naming each (audit.actions.*). Unknown actions (added later) show as they are. */
const ACTION_MESSAGES: Record<string, string> = {
  'key.create': 'keyCreate',
  'key.edit': 'keyEdit',
  'key.assign': 'keyAssign',
  'key.unassign': 'keyUnassign',
  'key.setResources': 'keySetResources',
  'key.disable': 'keyDisable',
  'key.enable': 'keyEnable',
  'key.rotate': 'keyRotate',
  'key.delete': 'keyDelete',
  'resource.add': 'resourceAdd',
  'resource.edit': 'resourceEdit',
  'resource.remove': 'resourceRemove',
  'resource.upstreamCredential': 'resourceUpstreamCredential',
  'pool.set': 'poolSet'
}

/** The known actions, in the order the filter offers them. */
export const AUDIT_ACTIONS: readonly string[] = Object.keys(ACTION_MESSAGES)

export function actionLabel(action: string): string {
  const message = ACTION_MESSAGES[action]
  return message ? t(`audit.actions.${message}`) : action
}

export function actionTone(action: string): 'success' | 'info' | 'warning' | 'error' | 'default' {
  if (action.endsWith('.create') || action.endsWith('.add') || action === 'key.enable') return 'success'
  if (action.endsWith('.delete') || action.endsWith('.remove')) return 'error'
  if (action === 'key.disable' || action === 'key.rotate') return 'warning'
  if (action.startsWith('key.') && /assign|Resources/.test(action)) return 'info'
  return 'default'
}

/** A field with a name of its own in the messages (audit.fields.*) shows by that name; others as recorded. */
function fieldLabel(field: string): string {
  const key = `audit.fields.${field}`
  return i18n.global.te(key, 'en') ? t(key) : field
}

/**
 * A recorded value as it reads in a sentence: a number through Intl, a status by its word,
 * anything else as recorded and isolated, so a name, a resource (MODEL · TYPE) or a date keeps
 * its own direction in Arabic.
 */
function show(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—'
  if (Array.isArray(value)) {
    if (!value.length) return t('audit.none')
    const list = new Intl.ListFormat(currentLocale.value, { type: 'unit', style: 'short' })
    return list.format(value.map((v) => isolate(String(v).replace(':', ' · '))))
  }
  if (typeof value === 'number') return formatNumber(value)
  const text = String(value)
  if (i18n.global.te(`audit.values.${text}`, 'en')) return t(`audit.values.${text}`)
  return isolate(text.length > 60 ? `${text.slice(0, 57)}…` : text)
}

/** One line per fact: what changed, from what to what. */
export function detailLines(entry: AuditEntry): string[] {
  const d = entry.details ?? {}
  const lines: string[] = []
  const added = d.added as string[] | undefined
  const removed = d.removed as string[] | undefined
  if (added?.length) lines.push(t('audit.added', { list: show(added) }))
  if (removed?.length) lines.push(t('audit.removed', { list: show(removed) }))
  const changes = d.changes as Record<string, { from: unknown; to: unknown }> | undefined
  if (changes && !(added || removed)) {
    for (const [field, { from, to }] of Object.entries(changes))
      lines.push(t('audit.change', { field: fieldLabel(field), from: show(from), to: show(to) }))
  }
  if (entry.action === 'key.rotate') {
    const grace = Number(d.graceSeconds ?? 0)
    const [unit, n] = grace >= 86400 ? (['graceDays', grace / 86400] as const) : (['graceHours', grace / 3600] as const)
    lines.push(grace ? t(`audit.${unit}`, { n: formatNumber(n) }, n) : t('audit.revokedAtOnce'))
  }
  if (entry.action === 'key.create' || entry.action === 'key.delete') {
    if (d.kind === 'admin') lines.push(t('audit.adminKey'))
    for (const field of ['resources', 'department', 'project', 'environment', 'requestor', 'appId'] as const) {
      const v = d[field]
      if (v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0))
        lines.push(t('audit.fact', { field: fieldLabel(field), value: show(v) }))
    }
  }
  if (entry.action === 'resource.add' || entry.action === 'resource.remove') {
    if (d.tpmLimit != null) lines.push(t('audit.fact', { field: fieldLabel('tpmLimit'), value: show(d.tpmLimit) }))
    if (d.status) lines.push(t('audit.fact', { field: fieldLabel('status'), value: show(d.status) }))
    const upstream = d.upstream as { url?: string; model?: string | null } | undefined
    if (upstream?.url)
      lines.push(
        upstream.model
          ? t('audit.upstreamModel', { url: show(upstream.url), model: upstream.model })
          : t('audit.upstream', { url: show(upstream.url) })
      )
    if (d.upstreamKeyEnv)
      lines.push(t('audit.fact', { field: fieldLabel('upstreamKeyEnv'), value: show(d.upstreamKeyEnv) }))
  }
  // The audit log says that a provider credential changed, never what it is.
  if (entry.action === 'resource.upstreamCredential')
    lines.push(d.kept ? t('audit.credentialKept') : t('audit.credentialRemoved'))
  else if (d.credential) lines.push(t('audit.credentialChanged'))
  return lines
}
