// What data each packet type may carry. Shared by the decoder (on parsed JSON)
// and the encoder (on the caller's values, before JSON.stringify), so that
// anything we send is something a strict receiver accepts.
//
// The rules are socket.io-parser 4.2.x's isPayloadValid, applied to both
// revisions (a socket.io 4 server applies them to socket.io 2.x clients too),
// plus one tightening: EVENT, ACK and CONNECT_ERROR must carry data. The
// reference only checks data that is there, so it lets "2" through as an
// event with no name, which its server then dispatches as `undefined`.

import { SioPacketType, type SioPacketTypeCode } from './types.js';

/**
 * Event names a peer may not send: they mean something to socket.io itself
 * (connect, connect_error and disconnect on the client, disconnecting on the
 * server) or to Node's EventEmitter, so dispatching them would let a peer
 * fake lifecycle events.
 */
export const RESERVED_EVENT_NAMES: ReadonlySet<string> = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

/** Why `data` cannot be the payload of a `type` packet, or null if it can. */
export function payloadProblem(type: SioPacketTypeCode, data: unknown): string | null {
  switch (type) {
    case SioPacketType.EVENT:
    case SioPacketType.BINARY_EVENT: {
      if (!Array.isArray(data) || data.length === 0) return 'an event must be a non-empty array';
      const name: unknown = data[0];
      if (typeof name === 'string') {
        return RESERVED_EVENT_NAMES.has(name) ? `"${name}" is a reserved event name` : null;
      }
      // Non-finite numbers would arrive as null, which no receiver accepts.
      return typeof name === 'number' && Number.isFinite(name) ? null : 'an event name must be a string or a number';
    }
    case SioPacketType.ACK:
    case SioPacketType.BINARY_ACK:
      return Array.isArray(data) ? null : 'an ack must be an array';
    case SioPacketType.CONNECT:
      return data === undefined || isObject(data) ? null : 'connect data must be an object';
    case SioPacketType.DISCONNECT:
      return data === undefined ? null : 'a disconnect carries no data';
    case SioPacketType.CONNECT_ERROR:
      return typeof data === 'string' || isObject(data) ? null : 'connect error data must be a string or an object';
  }
}

// For parsed JSON this is the reference's "[object Object]" test; for the
// encoder's inputs it also admits class instances, which serialise as objects.
function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
