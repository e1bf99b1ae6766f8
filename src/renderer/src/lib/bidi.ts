/**
 * Keeps left-to-right text (a key, a secret's hint, a model name, an ID, a path) whole inside a
 * sentence of the other direction, for plain strings (messages, titles, aria-labels) where a
 * <bdi> element cannot go: Unicode's first-strong isolate (U+2068 … U+2069), which screen readers
 * skip. In templates use <bdi> or an element with dir="ltr" instead.
 */
export function isolate(text: string): string {
  return `\u2068${text}\u2069`
}
