import type { HeaderList } from '../http/cors.js';

/** What engine.io's `initial_headers` and `headers` listeners fill in: a header object, as `res.writeHead` takes. */
export type HeaderObject = Record<string, string | number | readonly string[]>;

/** The headers listeners added, one entry per value (an array is a repeated header, e.g. several Set-Cookie). */
export function headerList(headers: HeaderObject): HeaderList {
  const out: HeaderList = [];
  for (const [name, value] of Object.entries(headers)) {
    if (Array.isArray(value)) for (const v of value as readonly string[]) out.push([name, v]);
    else out.push([name, String(value)]);
  }
  return out;
}
