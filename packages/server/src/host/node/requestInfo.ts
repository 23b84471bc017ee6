import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { RequestInfo } from '../../http/RequestInfo.js';
import { parseQuery } from '../../http/query.js';
import { canonicalAddress } from '../address.js';

/** A request as node:http (HTTP/1) or node:http2's compatibility API (HTTP/2) gives it. */
export type NodeRequest = IncomingMessage | Http2ServerRequest;

/** The path of a request target, without its query. */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/**
 * The request as the engine sees it, identical to what the uWS host reports
 * for the same bytes: headers from `rawHeaders`, because Node's own
 * `req.headers` drops repeats of some headers and joins cookies with `; `,
 * while uWS keeps every repeat, joined with `, `.
 */
export function nodeRequestInfo(req: NodeRequest): RequestInfo {
  const url = req.url || '/';
  const path = pathOf(url);
  const qs = url.length > path.length ? url.slice(path.length + 1) : '';
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    url: qs ? `${path}?${qs}` : path,
    path,
    query: parseQuery(qs),
    headers: joinHeaders(req.rawHeaders),
    remoteAddress: canonicalAddress(req.socket?.remoteAddress ?? ''),
  };
}

function joinHeaders(raw: string[]): Record<string, string> {
  const headers = Object.create(null) as Record<string, string>;
  let authority: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    // HTTP/2 pseudo-headers: only the authority has an HTTP/1 equivalent (host).
    if (name.charCodeAt(0) === 58) {
      if (name === ':authority') authority = value;
      continue;
    }
    const prev = headers[name];
    headers[name] = prev === undefined ? value : `${prev}, ${value}`;
  }
  if (authority !== undefined && headers['host'] === undefined) headers['host'] = authority;
  return headers;
}
