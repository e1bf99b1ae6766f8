import { ERROR_TITLES, type ErrorPayload } from '@shared/errors'

/** The headline for an error, in words a user understands. */
export function errorTitle(error: ErrorPayload): string {
  return ERROR_TITLES[error.code] ?? ERROR_TITLES.INTERNAL
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
