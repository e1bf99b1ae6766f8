import {
  CORE_OPERATIONS,
  isOperationName,
  type CoreOperationName,
  type OperationName,
  type Output,
  type ParsedInput
} from '../../shared/contract'
import { KeywardError, toErrorPayload, type ErrorCode, type ErrorPayload } from '../../shared/errors'
import type { CallContext, HostHandlers } from '../core/operations'
import type { Registry } from '../core/registry'
import { validateInput } from '../core/validate'

/** Every operation of the contract, bound to its implementation in one host. Handlers receive the parsed input. */
export type OperationTable = {
  [K in OperationName]: (input: ParsedInput<K>, ctx: CallContext) => Output<K> | Promise<Output<K>>
}

export type DispatchResult = { ok: true; result: unknown } | { ok: false; error: ErrorPayload }

/** The core's operations bound to one registry, plus the host's own (settings, SMTP). */
export function operationTable(registry: Registry, host: HostHandlers): OperationTable {
  const core = {} as Record<CoreOperationName, unknown>
  for (const name of CORE_OPERATIONS) {
    core[name] = (input: ParsedInput<typeof name>, ctx: CallContext) => registry.run(name, input, ctx)
  }
  return { ...(core as Pick<OperationTable, CoreOperationName>), ...host } as OperationTable
}

/**
 * The one path every transport takes (IPC, the HTTP APIs, the CLI): known name → input validated
 * ONCE by the contract's schema → handler with the parsed value → result, or an error payload
 * with a stable code. Unknown failures are logged by name
 * only (never their input, which may hold a secret) and reach the caller as INTERNAL.
 */
export async function dispatch(
  table: OperationTable,
  name: unknown,
  input: unknown,
  ctx: CallContext,
  log: (line: string) => void = (line) => console.error(line)
): Promise<DispatchResult> {
  if (!isOperationName(name)) {
    return { ok: false, error: { code: 'NOT_FOUND', message: `Unknown operation "${String(name).slice(0, 64)}".` } }
  }
  let parsed: unknown
  try {
    parsed = validateInput(name, input)
  } catch (error) {
    return { ok: false, error: toErrorPayload(error) }
  }
  try {
    const handler = table[name] as (input: unknown, ctx: CallContext) => unknown
    return { ok: true, result: await handler(parsed, ctx) }
  } catch (error) {
    if (!(error instanceof KeywardError))
      log(
        `keyward: ${name} failed: ${(error as Error)?.name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}`
      )
    return { ok: false, error: toErrorPayload(error) }
  }
}

export const HTTP_STATUS: Record<ErrorCode, number> = {
  VALIDATION: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RULE_VIOLATION: 422,
  RATE_LIMITED: 429,
  BUSY: 503,
  UNREACHABLE: 503,
  INTERNAL: 500
}
