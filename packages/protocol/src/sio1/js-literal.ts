/**
 * `s` as a JavaScript string literal. JSON.stringify alone is not enough:
 * U+2028/U+2029 are legal raw in JSON but were line terminators in JS string
 * literals before ES2019, which old browsers (the only users of these
 * transports) enforce. Lone surrogates are already escaped by JSON.stringify,
 * so the result is always valid UTF-16 and survives UTF-8 encoding.
 */
export function jsStringLiteral(s: string): string {
  return JSON.stringify(s).replace(/[\u2028\u2029]/g, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029'));
}
