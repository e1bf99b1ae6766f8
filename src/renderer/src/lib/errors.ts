import { ERROR_TITLES, KeywardError, toErrorPayload, type ErrorPayload } from '@shared/errors'

/** Any thrown value → the payload a view shows. Keeps the core's message, never a stack. */
export function asErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof KeywardError) return error.toPayload()
  // The preload rebuilds errors as KeywardError; anything shaped like a payload is taken as one.
  const maybe = error as Partial<ErrorPayload> | null
  if (maybe && typeof maybe.code === 'string' && typeof maybe.message === 'string' && maybe.code in ERROR_TITLES) {
    return maybe.fields ? { code: maybe.code, message: maybe.message, fields: maybe.fields } : { code: maybe.code, message: maybe.message }
  }
  return toErrorPayload(error)
}

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
