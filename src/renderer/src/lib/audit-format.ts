import type { AuditEntry } from '@shared/types'

/** Audit actions in words. Unknown actions (added later) show as they are. */
export const ACTION_LABELS: Record<string, string> = {
  'key.create': 'Key created',
  'key.edit': 'Key edited',
  'key.assign': 'Resources assigned',
  'key.unassign': 'Resources unassigned',
  'key.setResources': 'Resources changed',
  'key.disable': 'Key disabled',
  'key.enable': 'Key enabled',
  'key.rotate': 'Key rotated',
  'key.delete': 'Key removed',
  'resource.add': 'Resource added',
  'resource.edit': 'Resource edited',
  'resource.remove': 'Resource removed',
  'resource.upstreamCredential': 'Provider key changed',
  'pool.set': 'TPM pool set'
}

export function actionLabel(action: string): string {
  return ACTION_LABELS[action] ?? action
}

export function actionTone(action: string): 'success' | 'info' | 'warning' | 'error' | 'default' {
  if (action.endsWith('.create') || action.endsWith('.add') || action === 'key.enable') return 'success'
  if (action.endsWith('.delete') || action.endsWith('.remove')) return 'error'
  if (action === 'key.disable' || action === 'key.rotate') return 'warning'
  if (action.startsWith('key.') && /assign|Resources/.test(action)) return 'info'
  return 'default'
}

const FIELD_LABELS: Record<string, string> = {
  name: 'Name',
  department: 'Department',
  project: 'Project',
  environment: 'Environment',
  requestor: 'Requestor',
  appId: 'App ID',
  justification: 'Justification',
  notes: 'Notes',
  notifyEmail: 'Notify via Email',
  expiresAt: 'Expires',
  status: 'Status',
  tpmLimit: 'TPM limit',
  tpmPool: 'TPM pool',
  hint: 'Key',
  upstreamUrl: 'Upstream URL',
  upstreamModel: 'Upstream model',
  upstreamKeyEnv: 'Provider key variable',
  resources: 'Resources'
}

function show(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—'
  if (Array.isArray(value)) return value.length ? value.map((v) => String(v).replace(':', ' · ')).join(', ') : 'none'
  const text = String(value)
  return text.length > 60 ? `${text.slice(0, 57)}…` : text
}

/** One line per fact: what changed, from what to what. */
export function detailLines(entry: AuditEntry): string[] {
  const d = entry.details ?? {}
  const lines: string[] = []
  const added = d.added as string[] | undefined
  const removed = d.removed as string[] | undefined
  if (added?.length) lines.push(`Added ${show(added)}`)
  if (removed?.length) lines.push(`Removed ${show(removed)}`)
  const changes = d.changes as Record<string, { from: unknown; to: unknown }> | undefined
  if (changes && !(added || removed)) {
    for (const [field, { from, to }] of Object.entries(changes))
      lines.push(`${FIELD_LABELS[field] ?? field}: ${show(from)} → ${show(to)}`)
  }
  if (entry.action === 'key.rotate') {
    const grace = Number(d.graceSeconds ?? 0)
    lines.push(
      grace
        ? `Old secret valid for ${grace >= 86400 ? `${grace / 86400} day(s)` : `${grace / 3600} hour(s)`}`
        : 'Old secret revoked at once'
    )
  }
  if (entry.action === 'key.create' || entry.action === 'key.delete') {
    if (d.kind === 'admin') lines.push('Administrator key')
    for (const field of ['resources', 'department', 'project', 'environment', 'requestor', 'appId'] as const) {
      const v = d[field]
      if (v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0))
        lines.push(`${FIELD_LABELS[field]}: ${show(v)}`)
    }
  }
  if (entry.action === 'resource.add' || entry.action === 'resource.remove') {
    if (d.tpmLimit != null) lines.push(`TPM limit: ${show(d.tpmLimit)}`)
    if (d.status) lines.push(`Status: ${show(d.status)}`)
    const upstream = d.upstream as { url?: string; model?: string | null } | undefined
    if (upstream?.url) lines.push(`Upstream: ${show(upstream.url)}${upstream.model ? ` → ${upstream.model}` : ''}`)
    if (d.upstreamKeyEnv) lines.push(`Provider key variable: ${show(d.upstreamKeyEnv)}`)
  }
  // The audit log says that a provider credential changed, never what it is.
  if (entry.action === 'resource.upstreamCredential')
    lines.push(d.kept ? 'Provider key kept in the desktop keychain' : 'Provider key removed from the desktop keychain')
  else if (d.credential) lines.push('Upstream credential changed')
  return lines
}
