import type { HeaderList } from './cors.js';

/** A response with node's progressive header API (`ServerResponse`, http2's, or a `ShimResponse`). */
export interface HeaderTarget {
  getHeader(name: string): unknown;
  setHeader(name: string, value: string | string[]): unknown;
}

/**
 * Puts the engine's answer headers on a response the middlewares may have
 * set headers on already: the engine's replace theirs (its Content-Type and
 * Content-Length describe its body), except Set-Cookie, where both count
 * (a session cookie next to the engine's `io` cookie).
 */
export function mergeHeaders(res: HeaderTarget, headers: HeaderList, keep: (lowerName: string) => boolean = () => true): void {
  const byName = new Map<string, { name: string; values: string[] }>();
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    if (!keep(key)) continue;
    const entry = byName.get(key);
    if (entry) entry.values.push(value);
    else byName.set(key, { name, values: [value] });
  }
  for (const [key, { name, values }] of byName) {
    if (key === 'set-cookie') {
      const prev = res.getHeader(name);
      const before = Array.isArray(prev) ? (prev as string[]) : typeof prev === 'string' || typeof prev === 'number' ? [String(prev)] : [];
      res.setHeader(name, [...before, ...values]);
    } else res.setHeader(name, values.length === 1 ? values[0]! : values);
  }
}
