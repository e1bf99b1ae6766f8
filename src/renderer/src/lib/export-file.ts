import { useMessage } from 'naive-ui'
import { ref } from 'vue'
import type { Input } from '@shared/contract'
import { toErrorPayload } from '@shared/errors'
import { api } from '../api'
import { t } from '../i18n'
import { formatNumber } from './format'

/** The message naming what was exported, singular or plural by count. */
const NOUN: Record<Input<'files.export'>['kind'], string> = {
  keys: 'shell.exportKeys',
  audit: 'shell.exportAudit',
  usage: 'shell.exportUsage'
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
      const noun = t(NOUN[input.kind], count)
      message.success(t('shell.exported', { n: formatNumber(count), noun, path }), { duration: 6000 })
    } catch (e) {
      const error = toErrorPayload(e)
      const reason = Object.values(error.fields ?? {})[0] ?? error.message
      message.error(t('shell.exportFailed', { reason }), { duration: 8000 })
    } finally {
      exporting.value = false
    }
  }
  return { exporting, exportFile }
}
