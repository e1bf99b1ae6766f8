import { reactive, watch } from 'vue'
import type { z } from 'zod'
import type { ErrorPayload } from '@shared/errors'
import type { ApiKey } from '@shared/types'
import { KEY_DETAIL_FIELDS } from '@shared/schemas'
import { formFieldErrors } from '../lib/errors'
import { fieldMessage } from '../lib/validation'

/** The key details a user types, in the order the dialogs show them. */
export const DETAIL_FIELDS = KEY_DETAIL_FIELDS
export type DetailField = (typeof DETAIL_FIELDS)[number]
/** Every field as the inputs hold it: text, '' for "none". */
export type KeyDetails = Record<DetailField, string>

export function emptyDetails(): KeyDetails {
  return {
    name: '',
    department: '',
    project: '',
    environment: '',
    requestor: '',
    appId: '',
    justification: '',
    notes: '',
    notifyEmail: '',
    expiresAt: ''
  }
}

export function detailsOf(key: ApiKey): KeyDetails {
  return {
    name: key.name,
    department: key.department ?? '',
    project: key.project ?? '',
    environment: key.environment ?? '',
    requestor: key.requestor ?? '',
    appId: key.appId ?? '',
    justification: key.justification ?? '',
    notes: key.notes ?? '',
    notifyEmail: key.notifyEmail ?? '',
    expiresAt: key.expiresAt ? key.expiresAt.slice(0, 10) : ''
  }
}

/**
 * A key-details form validated as the user types with the SAME zod field schemas main uses
 * (KeyCreateInput or KeyChanges), so the words on screen are the words the core would answer.
 */
export function useKeyDetailsForm(shape: Record<string, z.ZodType>) {
  const form = reactive<KeyDetails>(emptyDetails())
  const errors = reactive<Record<string, string | undefined>>({})
  /** Values the form was opened with; a field is validated once the user has changed it (or on submit). */
  let baseline: KeyDetails = emptyDetails()
  const touched = new Set<string>()

  function check(field: string, value: unknown): void {
    const schema = shape[field]
    errors[field] = schema ? fieldMessage(schema, value) : undefined
  }

  for (const field of DETAIL_FIELDS) {
    watch(
      () => form[field],
      (value) => {
        if (value !== baseline[field]) touched.add(field)
        if (touched.has(field)) check(field, value)
      }
    )
  }

  function reset(values: KeyDetails = emptyDetails()): void {
    baseline = { ...values }
    touched.clear()
    Object.assign(form, values)
    for (const k of Object.keys(errors)) errors[k] = undefined
  }

  /** Validates every field now; true when all pass. */
  function validateAll(): boolean {
    for (const field of DETAIL_FIELDS) {
      touched.add(field)
      check(field, form[field])
    }
    return DETAIL_FIELDS.every((f) => !errors[f])
  }

  /** Puts the server's field errors on the fields (the edit operation nests them under "changes."). */
  function applyServerErrors(error: ErrorPayload, prefix = ''): boolean {
    const fields = formFieldErrors(error, prefix)
    let placed = false
    for (const [field, message] of Object.entries(fields)) {
      errors[field] = message
      placed = true
    }
    return placed
  }

  return { form, errors, reset, validateAll, applyServerErrors, check }
}
