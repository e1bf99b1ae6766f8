import type { z } from 'zod'
import { contract, type OperationName, type ParsedInput } from '../../shared/contract'
import { KeywardError } from '../../shared/errors'
import { fieldErrors } from '../../shared/schemas'

/** Input checked against a schema: the parsed value, or a VALIDATION error naming each bad field. Nothing is changed. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {})
  if (!result.success) throw KeywardError.validation(fieldErrors(result.error))
  return result.data
}

/**
 * The one validation of an operation's input, with the contract's schema. Every entry calls it
 * exactly once (transport/dispatch.ts for IPC, HTTP and the CLI; the Registry's own methods for
 * in-process callers) and hands the parsed value on; the core never parses it again.
 */
export function validateInput<K extends OperationName>(name: K, input: unknown): ParsedInput<K> {
  return parseInput(contract[name].input, input) as ParsedInput<K>
}
