import { ref } from 'vue'
import { toErrorPayload, type ErrorPayload } from '@shared/errors'

/**
 * The state every form's submit button shares: `saving` while the operation runs, and `failure`,
 * the error payload of the last attempt for the dialog's alert. `run` clears the old failure,
 * lets the caller put field errors on the form, and never throws.
 */
export function useSubmission() {
  const saving = ref(false)
  const failure = ref<ErrorPayload | null>(null)

  async function run(action: () => Promise<void>, onFailure?: (payload: ErrorPayload) => void): Promise<boolean> {
    saving.value = true
    failure.value = null
    try {
      await action()
      return true
    } catch (e) {
      const payload = toErrorPayload(e)
      onFailure?.(payload)
      failure.value = payload
      return false
    } finally {
      saving.value = false
    }
  }

  return { saving, failure, run }
}
