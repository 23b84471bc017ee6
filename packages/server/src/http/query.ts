/**
 * Parses a query string into a null-prototype record (first value wins, like
 * Node's querystring for the parameters Engine.IO reads). Malformed percent
 * escapes are kept verbatim instead of throwing: a bad query is the client's
 * problem, never the worker's.
 */
export function parseQuery(qs: string): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  if (qs.length === 0) return out;
  let start = 0;
  while (start <= qs.length) {
    let end = qs.indexOf('&', start);
    if (end === -1) end = qs.length;
    if (end > start) {
      const eq = qs.indexOf('=', start);
      const hasValue = eq !== -1 && eq < end;
      const key = decode(qs.slice(start, hasValue ? eq : end));
      if (!(key in out)) out[key] = hasValue ? decode(qs.slice(eq + 1, end)) : '';
    }
    start = end + 1;
  }
  return out;
}

function decode(s: string): string {
  if (s.indexOf('%') === -1 && s.indexOf('+') === -1) return s;
  const plus = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}
