import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { addHeader, requestInfo, type RequestInfo } from '../../http/RequestInfo.js';
import { canonicalAddress } from '../address.js';
import type { MiddlewareRequest } from '../Host.js';

/** Copies what the engine needs of a uWS request: uWS invalidates `req` when the handler returns. */
export function snapshotRequest(req: HttpRequest, res: HttpResponse): RequestInfo {
  const headers = Object.create(null) as Record<string, string>;
  req.forEach((k, v) => addHeader(headers, k, v));
  return requestInfo(req.getMethod(), req.getUrl(), req.getQuery() ?? '', headers, canonicalAddress(Buffer.from(res.getRemoteAddressAsText()).toString()));
}

/**
 * The request engine middlewares see on uWS, as engine.io's uServer adapts
 * it: the fields Connect-style middlewares read (uWS's own request object
 * is gone once the handler returns, and middlewares may be asynchronous).
 */
export function middlewareRequest(info: RequestInfo): MiddlewareRequest {
  const connection = { remoteAddress: info.remoteAddress, encrypted: false };
  return {
    method: info.method,
    url: info.url,
    headers: { ...info.headers },
    httpVersion: '1.1',
    httpVersionMajor: 1,
    httpVersionMinor: 1,
    connection,
    socket: connection,
  };
}
