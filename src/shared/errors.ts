/** Stable error codes shared by the core, the CLI, the IPC bridge and the HTTP APIs. */
export const ERROR_CODES = [
  'VALIDATION',
  'NOT_FOUND',
  'CONFLICT',
  'RULE_VIOLATION',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'RATE_LIMITED',
  /** The server could not write within its deadline (another process held the registry): retry after a moment. */
  'BUSY',
  /** The desktop app's team server did not answer (connection refused, DNS, timeout, a 502/503/504 from a proxy): retry later. */
  'UNREACHABLE',
  'INTERNAL'
] as const
export type ErrorCode = (typeof ERROR_CODES)[number]

/** Field name → what is wrong with it and what to do. */
export type FieldErrors = Record<string, string>

/** The error shape that crosses every boundary (IPC, HTTP, CLI --json). Never a stack, never a secret. */
export interface ErrorPayload {
  code: ErrorCode
  message: string
  fields?: FieldErrors
}

export class KeywardError extends Error {
  override readonly name = 'KeywardError'
  readonly code: ErrorCode
  readonly fields?: FieldErrors

  constructor(code: ErrorCode, message: string, fields?: FieldErrors) {
    super(message)
    this.code = code
    if (fields && Object.keys(fields).length > 0) this.fields = fields
  }

  toPayload(): ErrorPayload {
    return this.fields
      ? { code: this.code, message: this.message, fields: this.fields }
      : { code: this.code, message: this.message }
  }

  static fromPayload(payload: ErrorPayload): KeywardError {
    const code = (ERROR_CODES as readonly string[]).includes(payload.code) ? payload.code : 'INTERNAL'
    return new KeywardError(code, String(payload.message ?? 'Unknown error'), payload.fields)
  }

  static validation(fields: FieldErrors): KeywardError {
    const names = Object.keys(fields)
    const message =
      names.length === 1
        ? `${names[0]}: ${fields[names[0]!]}`
        : `Invalid input: ${names.map((n) => `${n}: ${fields[n]}`).join('; ')}`
    return new KeywardError('VALIDATION', message, fields)
  }
}

export function isErrorPayload(value: unknown): value is ErrorPayload {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorPayload).code === 'string' &&
    typeof (value as ErrorPayload).message === 'string'
  )
}

/**
 * Any thrown value → a payload safe to show a user. Unknown errors become INTERNAL with a
 * generic message: their text may carry SQL, paths or input we do not want to echo.
 */
export function toErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof KeywardError) return error.toPayload()
  return {
    code: 'INTERNAL',
    message: 'Something went wrong inside Keyward. The change was not applied; try again, and report it if it persists.'
  }
}

/** Words a user understands, per code, for UI banners. */
export const ERROR_TITLES: Record<ErrorCode, string> = {
  VALIDATION: 'Some fields need attention',
  NOT_FOUND: 'Not found',
  CONFLICT: 'Already exists or still in use',
  RULE_VIOLATION: 'Not allowed by the registry rules',
  UNAUTHORIZED: 'Sign-in required',
  FORBIDDEN: 'Not permitted',
  RATE_LIMITED: 'Too many attempts',
  BUSY: 'The registry is busy',
  UNREACHABLE: 'The team server cannot be reached',
  INTERNAL: 'Unexpected error'
}
