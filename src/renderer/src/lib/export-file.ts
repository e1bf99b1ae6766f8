import { useMessage } from 'naive-ui'
import { ref } from 'vue'
import type { Input } from '@shared/contract'
import { toErrorPayload } from '@shared/errors'
import { api } from '../api'
import { formatNumber } from './format'

const NOUN: Record<Input<'files.export'>['kind'], [one: string, many: string]> = {
  keys: ['key', 'keys'],
  audit: ['audit entry', 'audit entries'],
  usage: ['usage row', 'usage rows']
}

/**
 * A screen's Export button: the desktop app asks where in its save dialog, then writes the file
 * (main does; the text never comes to the page). Says what was written, or why not; a cancelled
 * dialog says nothing.
 */
export function useFileExport() {
  const message = useMessage()
  const exporting = ref(false)
  async function exportFile(input: Input<'files.export'>): Promise<void> {
    exporting.value = true
    try {
      const { path, count } = await api['files.export'](input)
      if (path === null) return
      const [one, many] = NOUN[input.kind]
      message.success(`Exported ${formatNumber(count)} ${count === 1 ? one : many} to ${path}`, { duration: 6000 })
    } catch (e) {
      const error = toErrorPayload(e)
      message.error(`Export failed: ${Object.values(error.fields ?? {})[0] ?? error.message}`, { duration: 8000 })
    } finally {
      exporting.value = false
    }
  }
  return { exporting, exportFile }
}
