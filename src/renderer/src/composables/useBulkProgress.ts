import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue'
import type { BulkProgressEvent } from '@shared/ipc'
import { onBulkProgress } from '../api'

/**
 * The progress of this component's bulk action while `running`: null until the host reports
 * (the web console never does), then done/total after each chunk. Cleared when a run starts.
 */
export function useBulkProgress(running: Ref<boolean>): {
  progress: Ref<BulkProgressEvent | null>
  reset: () => void
} {
  const progress = ref<BulkProgressEvent | null>(null)
  let off = () => {}
  onMounted(() => {
    off = onBulkProgress((p) => {
      if (running.value) progress.value = p
    })
  })
  onBeforeUnmount(() => off())
  return { progress, reset: () => (progress.value = null) }
}
