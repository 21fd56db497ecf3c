// Characters XML 1.0 forbids anywhere, even escaped: C0 controls other than tab, line feed and
// carriage return, U+FFFE and U+FFFF, and UTF-16 surrogates without their pair. HTML treats
// the same characters as errors.
const NOT_XML_CHAR =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/**
 * `text` with every character XML cannot hold replaced by U+FFFD (the replacement character),
 * so a label taken from a monitored database (a table named `a\x01b`) can be written into SVG or
 * HTML and still parse; everything else, escaping included, is left to the caller.
 *
 * @example
 * ```ts
 * xmlSafeText('orders\u0001\u0008') // 'orders\uFFFD\uFFFD'
 * ```
 */
export function xmlSafeText(text: string): string {
  return text.replace(NOT_XML_CHAR, '\uFFFD')
}
