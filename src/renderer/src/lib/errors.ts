import { ERROR_TITLES, type ErrorPayload } from '@shared/errors'
import { i18n, t } from '../i18n'

/** The headline for an error, in words a user understands, in the app's language. */
export function errorTitle(error: ErrorPayload): string {
  const code = error.code in ERROR_TITLES ? error.code : 'INTERNAL'
  return i18n.global.te(`errors.${code}`) ? t(`errors.${code}`) : ERROR_TITLES[code]
}

/** Field errors keyed by form field: the edit operation nests them under "changes.". */
export function formFieldErrors(error: ErrorPayload | null, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {}
  if (!error?.fields) return out
  for (const [field, message] of Object.entries(error.fields)) {
    const name = prefix && field.startsWith(prefix) ? field.slice(prefix.length) : field
    out[name] = message
  }
  return out
}
