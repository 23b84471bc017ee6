// Socket.IO packet encoder (both revisions share the text format):
//
//   <type>[<attachments>-][<nsp>,][<ack id>][<JSON data>]
//
// followed, for BINARY_EVENT/BINARY_ACK, by one binary frame per attachment.
// Malformed packets are caller bugs and throw TypeError: better than the
// reference, which writes whatever it is given and leaves the peer to reject
// it (and close the connection).

import { hasBinary, isBinary } from './has-binary.js';
import { payloadProblem } from './payload.js';
import { SioPacketType, type SioPacket, type SioPacketTypeCode, type SioRevision } from './types.js';

const TYPE_DIGITS: readonly string[] = ['0', '1', '2', '3', '4', '5', '6'];
const SLASH = 0x2f;

/**
 * Encodes one packet into its text frame followed by its binary attachment
 * frames. If the data holds binaries (see hasBinary), EVENT becomes
 * BINARY_EVENT and ACK becomes BINARY_ACK; BINARY_* without binaries is sent
 * as EVENT/ACK. Attachment frames are views of the caller's memory, not
 * copies. Without binaries this is one JSON.stringify and a concatenation, so
 * the result can be cached and sent to many sockets.
 */
export function encodeSioPacket(packet: SioPacket, revision: SioRevision = 5): [string, ...Uint8Array[]] {
  const type = packet.type;
  const data = packet.data;
  const digit = typeof type === 'number' ? TYPE_DIGITS[type] : undefined;
  if (digit === undefined) throw new TypeError(`unknown Socket.IO packet type: ${String(type)}`);
  const problem = payloadProblem(type, data);
  if (problem !== null) throw new TypeError(`invalid ${TYPE_NAMES[type]} packet: ${problem}`);

  if (type >= SioPacketType.EVENT && type !== SioPacketType.CONNECT_ERROR) {
    const isAck = type === SioPacketType.ACK || type === SioPacketType.BINARY_ACK;
    if (hasBinary(data)) {
      const attachments: Uint8Array[] = [];
      const json = stringify(deconstruct(data, attachments, false));
      // Only a toJSON() that answers differently on a second call gets here
      // with no attachments; "50-" would be rejected, so send it plain.
      if (attachments.length === 0) return [(isAck ? '3' : '2') + header(packet, revision) + json];
      const head = (isAck ? '6' : '5') + attachments.length + '-' + header(packet, revision);
      return [head + json, ...attachments];
    }
    return [(isAck ? '3' : '2') + header(packet, revision) + stringify(data)];
  }
  return [data === undefined ? digit + header(packet, revision) : digit + header(packet, revision) + stringify(data)];
}

const TYPE_NAMES: Record<SioPacketTypeCode, string> = {
  0: 'CONNECT',
  1: 'DISCONNECT',
  2: 'EVENT',
  3: 'ACK',
  4: 'CONNECT_ERROR',
  5: 'BINARY_EVENT',
  6: 'BINARY_ACK',
};

/** Everything between the type (and attachment count) and the JSON. */
function header(packet: SioPacket, revision: SioRevision): string {
  const { nsp, id, query } = packet;
  let out = '';
  if (query !== undefined) {
    if (revision !== 4 || packet.type !== SioPacketType.CONNECT) {
      throw new TypeError('only revision 4 CONNECT packets carry a query');
    }
    if (typeof query !== 'string' || query.includes(',')) throw new TypeError('a query must be a string without ","');
    checkNamespace(nsp, true);
    out = nsp + '?' + query + ',';
  } else if (nsp !== '/') {
    checkNamespace(nsp, revision === 4 && packet.type === SioPacketType.CONNECT);
    out = nsp + ',';
  }
  if (id !== undefined) {
    if (!Number.isSafeInteger(id) || id < 0) throw new TypeError(`invalid ack id: ${String(id)}`);
    out += id;
  }
  return out;
}

// The receiver reads the namespace up to the first ",", and a revision 4
// server reads a CONNECT's namespace up to the first "?", so neither may
// appear inside it.
function checkNamespace(nsp: unknown, queryAware: boolean): void {
  if (typeof nsp !== 'string' || nsp.charCodeAt(0) !== SLASH || nsp.includes(',') || (queryAware && nsp.includes('?'))) {
    throw new TypeError(`invalid namespace ${JSON.stringify(nsp)}: it must start with "/" and contain no ","${queryAware ? ' or "?"' : ''}`);
  }
}

function stringify(data: unknown): string {
  const json = JSON.stringify(data);
  // Functions, symbols and toJSON() returning undefined serialise to nothing.
  if (json === undefined) throw new TypeError('packet data does not serialise to JSON');
  return json;
}

/**
 * Copy of `data` with every binary replaced by {"_placeholder":true,"num":N}
 * and pushed onto `out` as a Uint8Array view. Follows the reference walk: a
 * toJSON() result replaces its object (Dates excepted, which JSON.stringify
 * handles), only own enumerable properties are copied.
 */
function deconstruct(data: unknown, out: Uint8Array[], fromToJSON: boolean): unknown {
  if (typeof data !== 'object' || data === null) return data;
  if (isBinary(data)) {
    const placeholder = { _placeholder: true, num: out.length };
    out.push(toBytes(data));
    return placeholder;
  }
  if (Array.isArray(data)) {
    const copy = new Array<unknown>(data.length);
    for (let i = 0; i < data.length; i++) copy[i] = deconstruct(data[i], out, false);
    return copy;
  }
  if (data instanceof Date) return data;
  if (!fromToJSON) {
    const toJSON = (data as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return deconstruct(toJSON.call(data), out, true);
  }
  const copy: Record<string, unknown> = {};
  for (const key in data) {
    if (!Object.prototype.hasOwnProperty.call(data, key)) continue;
    const value = deconstruct((data as Record<string, unknown>)[key], out, false);
    // Plain assignment to "__proto__" would set the copy's prototype instead.
    if (key === '__proto__') Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
    else copy[key] = value;
  }
  return copy;
}

function toBytes(binary: ArrayBufferView | ArrayBuffer): Uint8Array {
  if (binary instanceof Uint8Array) return binary;
  if (ArrayBuffer.isView(binary)) return new Uint8Array(binary.buffer, binary.byteOffset, binary.byteLength);
  return new Uint8Array(binary);
}
