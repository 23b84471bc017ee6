import { parseQuery } from './query.js';

/**
 * A snapshot of an HTTP request, taken by the host before the handler
 * returns (uWebSockets.js invalidates its request object then), so it stays
 * valid after any `await`. This is also what `allowRequest` and
 * `socket.request` see.
 */
export interface RequestInfo {
  /** Upper-case, as Node reports it. */
  method: string;
  /** Path plus query string. */
  url: string;
  path: string;
  query: Record<string, string>;
  /** Lower-case header names. */
  headers: Record<string, string>;
  remoteAddress: string;
}

/** Builds a `RequestInfo` from a request head's parts (`qs` without its `?`). */
export function requestInfo(method: string, path: string, qs: string, headers: Record<string, string>, remoteAddress: string): RequestInfo {
  return {
    method: method.toUpperCase(),
    url: qs ? `${path}?${qs}` : path,
    path,
    query: parseQuery(qs),
    headers,
    remoteAddress,
  };
}

/** Adds a header to a snapshot, joining repeated ones the way Node joins them. */
export function addHeader(headers: Record<string, string>, name: string, value: string): void {
  const prev = headers[name];
  headers[name] = prev === undefined ? value : `${prev}, ${value}`;
}
