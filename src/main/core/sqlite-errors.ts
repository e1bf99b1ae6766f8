import { KeywardError } from '../../shared/errors'

/**
 * Another process held the write lock past this connection's busy timeout. Code CONFLICT, as the
 * CLI and the app have always said; the server tells it apart (isBusyError) to retry the write.
 */
export class RegistryBusy extends KeywardError {
  constructor() {
    super(
      'CONFLICT',
      'The registry is busy with another change (another window, CLI or server). Nothing was changed; try again.'
    )
  }
}

/** Whether `error` only means "the write lock was taken": translated or straight from better-sqlite3. */
export function isBusyError(error: unknown): boolean {
  if (error instanceof RegistryBusy) return true
  const code = String((error as { code?: unknown } | null)?.code ?? '')
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')
}

/** SQLite failures a user can act on, in their words; `path` is the registry file. */
const ADVICE: Record<string, (path: string) => KeywardError> = {
  SQLITE_BUSY: () => new RegistryBusy(),
  SQLITE_NOTADB: (path) =>
    new KeywardError(
      'INTERNAL',
      `${path} is not a Keyward registry (it is not an SQLite database). It was left untouched; check --db or KEYWARD_DB.`
    ),
  SQLITE_CORRUPT: (path) =>
    new KeywardError('INTERNAL', `The registry at ${path} is damaged. Restore it from a backup.`),
  SQLITE_CANTOPEN: (path) =>
    new KeywardError('INTERNAL', `Cannot open the registry at ${path}. Check the path and its permissions.`),
  SQLITE_READONLY: (path) =>
    new KeywardError('INTERNAL', `The registry at ${path} is read-only. Check the file's permissions.`),
  SQLITE_FULL: (path) =>
    new KeywardError('INTERNAL', `The disk holding ${path} is full. Free some space and try again.`)
}
ADVICE.SQLITE_LOCKED = ADVICE.SQLITE_BUSY!

/**
 * The one translation of SQLite failures into KeywardErrors: constraint failures that slipped past
 * the checks (another process, a race) and file trouble (busy, damaged, full, not a registry).
 * Anything else is returned as it is, for the caller to report as INTERNAL.
 */
export function translateSqliteError(error: unknown, path = 'the registry file'): unknown {
  if (error instanceof KeywardError) return error
  const code = String((error as { code?: unknown } | null)?.code ?? '')
  if (code.startsWith('SQLITE_CONSTRAINT')) return constraintError(String((error as Error).message))
  // Extended codes (SQLITE_BUSY_SNAPSHOT, SQLITE_READONLY_DBMOVED…) get their primary code's advice.
  const advice = ADVICE[code] ?? ADVICE[code.replace(/_[A-Z]+$/, '')]
  return advice ? advice(path) : error
}

function constraintError(message: string): KeywardError {
  if (message.includes('key_resources.key_pk, key_resources.model')) {
    return new KeywardError(
      'RULE_VIOLATION',
      'A key may use a model under one resource type only (TPM or PYG, not both). Nothing was changed.'
    )
  }
  if (message.includes('admin keys take no resources')) {
    return new KeywardError('RULE_VIOLATION', 'Administrator keys take no resources. Nothing was changed.')
  }
  if (message.includes('api_keys.name') || message.includes('api_keys_name')) {
    return new KeywardError(
      'CONFLICT',
      'A key with that name already exists (names are unique, ignoring case). Choose another name.'
    )
  }
  return new KeywardError(
    'CONFLICT',
    'That change conflicts with the registry as it is now. Nothing was changed; reload and try again.'
  )
}
