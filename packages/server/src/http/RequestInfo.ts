import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { parseQuery } from './query.js';

/**
 * A snapshot of an HTTP request. uWebSockets.js invalidates its request object
 * when the handler returns, so anything needed after an `await` is copied
 * here first. This is also what `allowRequest` and `socket.request` see.
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

export function snapshotRequest(req: HttpRequest, res: HttpResponse): RequestInfo {
  const headers = Object.create(null) as Record<string, string>;
  req.forEach((k, v) => {
    // Repeated headers are joined the way Node joins them.
    const prev = headers[k];
    headers[k] = prev === undefined ? v : `${prev}, ${v}`;
  });
  const path = req.getUrl();
  const qs = req.getQuery() ?? '';
  return {
    method: req.getMethod().toUpperCase(),
    url: qs ? `${path}?${qs}` : path,
    path,
    query: parseQuery(qs),
    headers,
    remoteAddress: Buffer.from(res.getRemoteAddressAsText()).toString(),
  };
}
