import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { toErrorPayload, type ErrorPayload } from '@shared/errors'
import type { LeakFinding, ScanActResult } from '@shared/scan'
import { api } from '../api'

/** Findings whose key can still be disabled or deleted (a retired secret no longer verifies; deleted and unknown keys are not here). */
export function actionable(f: LeakFinding): boolean {
  return f.keyId !== null && (f.status === 'active' || f.status === 'disabled' || f.status === 'expired')
}

/**
 * The leak scan of a folder on this computer (desktop app only): the findings of the last scan,
 * shaped like the other stores. Findings carry hints, never secrets. Acting on keys updates the
 * findings in place rather than scanning again.
 */
export const useScanStore = defineStore('scan', () => {
  const items = ref<LeakFinding[]>([])
  const loading = ref(false)
  const error = ref<ErrorPayload | null>(null)
  /** Include files .gitignore excludes. */
  const all = ref(false)
  /** Key ids with a disable or delete in flight. */
  const pending = ref<string[]>([])
  /** The folder of the last scan and what was read; null before the first scan. */
  const last = ref<{ folder: string; files: number; bytes: number; unreadable: string[] } | null>(null)

  const keysToAct = computed(() => [...new Set(items.value.filter(actionable).map((f) => f.keyId!))])

  /** Asks the host for a folder (the native dialog), then scans it; false when the user cancelled. */
  async function pickAndScan(): Promise<boolean> {
    error.value = null
    let folder: string | null
    try {
      folder = (await api['scan.pickFolder']({})).path
    } catch (e) {
      error.value = toErrorPayload(e)
      return false
    }
    if (folder === null) return false
    await scan(folder)
    return true
  }

  async function scan(folder: string): Promise<void> {
    loading.value = true
    error.value = null
    try {
      const report = await api['scan.run']({ paths: [folder], all: all.value })
      items.value = report.findings
      last.value = { folder, files: report.files, bytes: report.bytes, unreadable: report.unreadable }
    } catch (e) {
      error.value = toErrorPayload(e)
    } finally {
      loading.value = false
    }
  }

  /** Disables or deletes the keys of these findings in one transaction; each audit entry says where the key leaked. */
  async function act(action: 'disable' | 'delete', findings: LeakFinding[]): Promise<ScanActResult> {
    const targets = findings.filter(actionable)
    const ids = [...new Set(targets.map((f) => f.keyId!))]
    pending.value = [...pending.value, ...ids]
    try {
      const result = await api['scan.act']({
        action,
        findings: targets.map((f) => ({ keyId: f.keyId!, file: f.file, line: f.line }))
      })
      const status = action === 'disable' ? 'disabled' : 'deleted'
      const acted = new Set(result.keys.map((k) => k.id))
      items.value = items.value.map((f) => (f.keyId !== null && acted.has(f.keyId) ? { ...f, status } : f))
      return result
    } finally {
      pending.value = pending.value.filter((id) => !ids.includes(id))
    }
  }

  return { items, loading, error, all, pending, last, keysToAct, pickAndScan, scan, act }
})
