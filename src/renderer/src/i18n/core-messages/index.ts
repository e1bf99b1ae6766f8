import type { ErrorPayload } from '@shared/errors'
import { coreTranslatorFor } from '@shared/core-messages'
import type { Locale } from '../collect'
import { currentLocale } from '../index'

/**
 * The sentences main sends (errors, validation messages shared with the CLI, result texts) in
 * the app's language, from the catalogs in src/shared/core-messages. English is their source.
 */
const translator = (locale: Locale) => coreTranslatorFor(locale)

/** A sentence from main in the app's language (as it came when that language has no translation of it). */
export function coreMessage(text: string, locale: Locale = currentLocale.value): string {
  return translator(locale)?.message(text) ?? text
}

/** An error from main with its headline and field messages in the app's language. */
export function localizeError(payload: ErrorPayload, locale: Locale = currentLocale.value): ErrorPayload {
  return translator(locale)?.payload(payload) ?? payload
}
