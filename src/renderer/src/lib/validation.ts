import { fieldErrors } from '@shared/schemas'
import type { z } from 'zod'
import { coreMessage } from '../i18n/core-messages'

/**
 * Validates one form field with the same zod schema main uses, so the message the user sees
 * while typing is the message the core would answer with.
 */
export function fieldMessage(schema: z.ZodType, value: unknown): string | undefined {
  const result = schema.safeParse(value)
  const message = result.error?.issues[0]?.message
  return message === undefined ? undefined : coreMessage(message)
}

/** A zod error as field → message, each in the app's language (the schemas write English). */
export function formErrors(error: z.ZodError): Record<string, string> {
  const out = fieldErrors(error)
  for (const field of Object.keys(out)) out[field] = coreMessage(out[field]!)
  return out
}

/** Validates every field of a form against its object schema's shape. */
export function validateFields<T extends Record<string, unknown>>(
  shape: Record<string, z.ZodType>,
  values: T,
  fields: readonly (keyof T & string)[]
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const field of fields) {
    const schema = shape[field]
    if (!schema) continue
    const message = fieldMessage(schema, values[field])
    if (message) out[field] = message
  }
  return out
}
