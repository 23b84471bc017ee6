import type { RequestInfo } from '../http/RequestInfo.js';
import { EngineErrorCode } from './errors.js';
import type { ResolvedEngineOptions } from './options.js';

export interface Rejection {
  code: EngineErrorCode;
  context: Record<string, unknown>;
}

// Any character not allowed in an HTTP header value (what Node's
// checkInvalidHeaderChar rejects): engine.io refuses such an Origin with 400.
const INVALID_HEADER_CHAR = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * The checks engine.io's `verify` makes before anything touches a session,
 * in the same order, so the same bad request gets the same error code.
 */
export function verifyRequest(o: ResolvedEngineOptions, info: RequestInfo, upgrade: boolean): Rejection | null {
  const transport = info.query['transport'];
  if (transport === undefined || !(o.transports as string[]).includes(transport)) {
    return { code: EngineErrorCode.UNKNOWN_TRANSPORT, context: { transport } };
  }
  const origin = info.headers['origin'];
  if (origin !== undefined && INVALID_HEADER_CHAR.test(origin)) {
    return { code: EngineErrorCode.BAD_REQUEST, context: { name: 'INVALID_ORIGIN', origin } };
  }
  if (info.query['sid'] !== undefined) {
    // Polling requests of a session, or the websocket probe of an upgrade.
    if (upgrade ? transport !== 'websocket' : transport !== 'polling') {
      return { code: EngineErrorCode.BAD_REQUEST, context: { name: 'TRANSPORT_MISMATCH', transport } };
    }
    return null;
  }
  if (info.method !== 'GET') {
    return { code: EngineErrorCode.BAD_HANDSHAKE_METHOD, context: { method: info.method } };
  }
  if (transport === 'websocket' && !upgrade) {
    return { code: EngineErrorCode.BAD_REQUEST, context: { name: 'TRANSPORT_HANDSHAKE_ERROR', error: 'invalid transport upgrade' } };
  }
  if (transport === 'polling' && upgrade) {
    return { code: EngineErrorCode.BAD_REQUEST, context: { name: 'TRANSPORT_HANDSHAKE_ERROR', error: 'polling is not an upgrade' } };
  }
  return null;
}

/**
 * The protocol a handshake asks for. engine.io reads a missing or unknown
 * `EIO` as 3; an unknown value is refused here outright instead of being
 * served as something it did not ask for.
 */
export function protocolOf(o: ResolvedEngineOptions, info: RequestInfo): 3 | 4 | Rejection {
  const eio = info.query['EIO'];
  if (eio === '4') return 4;
  if ((eio === '3' || eio === undefined) && o.allowEIO3) return 3;
  return { code: EngineErrorCode.UNSUPPORTED_PROTOCOL_VERSION, context: { protocol: eio } };
}

/** Runs the application's `allowRequest` hook; null when allowed. */
export function checkAllowRequest(o: ResolvedEngineOptions, info: RequestInfo): Promise<Rejection | null> | null {
  const hook = o.allowRequest;
  if (!hook) return null;
  return new Promise((resolve) => {
    let settled = false;
    const done = (err: string | null | undefined, success: boolean): void => {
      if (settled) return;
      settled = true;
      resolve(success ? null : { code: EngineErrorCode.FORBIDDEN, context: { message: err ?? undefined } });
    };
    try {
      hook(info, done);
    } catch (err) {
      done(err instanceof Error ? err.message : String(err), false);
    }
  });
}

/** What a handshake stores so any worker can rebuild the socket's view of its request. */
export interface HandshakeRecord {
  request: RequestInfo;
  /** Epoch ms of the handshake. */
  issued: number;
  supportsBinary: boolean;
}

export function openPacketData(o: ResolvedEngineOptions, sid: string, upgrades: string[]): string {
  return JSON.stringify({
    sid,
    upgrades,
    pingInterval: o.pingInterval,
    pingTimeout: o.pingTimeout,
    maxPayload: o.maxHttpBufferSize,
  });
}

export function upgradesFor(o: ResolvedEngineOptions, transport: string): string[] {
  return transport === 'polling' && o.allowUpgrades && o.transports.includes('websocket') ? ['websocket'] : [];
}

/** A session's stored handshake record; a usable stand-in if it cannot be read. */
export function parseHandshake(json: string): HandshakeRecord {
  try {
    const v = JSON.parse(json) as HandshakeRecord;
    if (v && typeof v === 'object' && v.request) return v;
  } catch {
    // fall through: a record we cannot read still gets a usable socket
  }
  return {
    request: { method: 'GET', url: '', path: '', query: Object.create(null) as Record<string, string>, headers: Object.create(null) as Record<string, string>, remoteAddress: '' },
    issued: Date.now(),
    supportsBinary: false,
  };
}
