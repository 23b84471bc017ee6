import type { SocketDetails } from '../sio/RemoteSocket.js';

/**
 * Worker-to-worker messages carried as the opaque body of the store's
 * `req`/`res` worker messages (see WorkerRpc). One codec, JSON: these are
 * per-request control messages (overlapping polls, fetchSockets, ack
 * counts), never per-recipient broadcast traffic, which goes over the bus
 * (`sio/wire.ts`). Decoding validates every field, so a message from a
 * mismatched or buggy peer is rejected instead of cast.
 */

/** Requests that the caller awaits an answer to. */
export type RpcRequest =
  /** Is this worker's long-poll `pollId` for session `sid` still waiting? */
  | { t: 'poll'; sid: string; pollId: string }
  /** Liveness: any answer at all means the worker is alive. */
  | { t: 'ping' }
  /** Does this worker still serve session `sid`? */
  | { t: 'holds'; sid: string }
  /** The local sockets of namespace `nsp` in any of `rooms` (all when empty) and in none of `except`. */
  | { t: 'fetch'; nsp: string; rooms: string[]; except: string[] };

/** One-way messages to the worker awaiting a broadcast's or serverSideEmit's acks. */
export type RpcNotice =
  /** The sender wrote ack request `req` to `n` sockets: that many responses will follow. */
  | { t: 'ack-count'; req: string; n: number }
  /** One socket's (or one worker's) answer to ack request `req`. */
  | { t: 'ack-response'; req: string; value: unknown };

export type RpcMessage = RpcRequest | RpcNotice;

export type RpcReply =
  | { t: 'poll'; waiting: boolean }
  | { t: 'ping' }
  | { t: 'holds'; holds: boolean }
  | { t: 'fetch'; sockets: SocketDetails[] }
  /** The answering worker is alive but did not answer the request (its handler failed, or it has none). */
  | { t: 'error' };

export type ReplyTo<T extends RpcRequest['t']> = Extract<RpcReply, { t: T }>;

/** What a handler of message type `T` returns: its reply for a request, nothing for a notice. */
export type HandlerResult<T extends RpcMessage['t']> = T extends RpcRequest['t'] ? ReplyTo<T> : void;

export function encodeRpc(m: RpcMessage | RpcReply): string {
  return JSON.stringify(m);
}

/** Null for anything malformed: a bad message must never crash a worker. */
export function decodeRpcMessage(s: string): RpcMessage | null {
  const o = parseObject(s);
  if (!o) return null;
  switch (o.t) {
    case 'poll':
      return isString(o.sid) && isString(o.pollId) ? { t: 'poll', sid: o.sid, pollId: o.pollId } : null;
    case 'ping':
      return { t: 'ping' };
    case 'holds':
      return isString(o.sid) ? { t: 'holds', sid: o.sid } : null;
    case 'fetch':
      return isString(o.nsp) && isStrings(o.rooms) && isStrings(o.except) ? { t: 'fetch', nsp: o.nsp, rooms: o.rooms, except: o.except } : null;
    case 'ack-count':
      return isString(o.req) && Number.isSafeInteger(o.n) && (o.n as number) >= 0 ? { t: 'ack-count', req: o.req, n: o.n as number } : null;
    case 'ack-response':
      return isString(o.req) ? { t: 'ack-response', req: o.req, value: o.value ?? null } : null;
    default:
      return null;
  }
}

/** Null for anything malformed. */
export function decodeRpcReply(s: string): RpcReply | null {
  const o = parseObject(s);
  if (!o) return null;
  switch (o.t) {
    case 'poll':
      return typeof o.waiting === 'boolean' ? { t: 'poll', waiting: o.waiting } : null;
    case 'ping':
      return { t: 'ping' };
    case 'holds':
      return typeof o.holds === 'boolean' ? { t: 'holds', holds: o.holds } : null;
    case 'fetch':
      return Array.isArray(o.sockets) && o.sockets.every(isSocketDetails) ? { t: 'fetch', sockets: o.sockets } : null;
    case 'error':
      return { t: 'error' };
    default:
      return null;
  }
}

function parseObject(s: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(s) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function isString(v: unknown): v is string {
  return typeof v === 'string';
}

function isStrings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every(isString);
}

function isSocketDetails(v: unknown): v is SocketDetails {
  if (typeof v !== 'object' || v === null) return false;
  const d = v as Record<string, unknown>;
  return isString(d.id) && isStrings(d.rooms) && typeof d.handshake === 'object' && d.handshake !== null;
}
