import { currentLocale, isRtl } from '../i18n'
import { isolate } from './bidi'

/**
 * A name, key hint or model inside a plain-string message (a toast, a title, an aria-label): isolated
 * left to right when the app is in a right-to-left language, left as it is in English, so English
 * names stay exactly what tests and screen readers match ("Actions for ChatbotProd").
 */
export function ltrName(text: string): string {
  return isRtl(currentLocale.value) ? isolate(text) : text
}
