import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { addHeader, requestInfo, type RequestInfo } from '../../http/RequestInfo.js';
import { canonicalAddress } from '../address.js';

/** Copies what the engine needs of a uWS request: uWS invalidates `req` when the handler returns. */
export function snapshotRequest(req: HttpRequest, res: HttpResponse): RequestInfo {
  const headers = Object.create(null) as Record<string, string>;
  req.forEach((k, v) => addHeader(headers, k, v));
  return requestInfo(req.getMethod(), req.getUrl(), req.getQuery() ?? '', headers, canonicalAddress(Buffer.from(res.getRemoteAddressAsText()).toString()));
}
