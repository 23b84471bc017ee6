// Engine.IO protocol 3 (engine.io-parser 2.x; socket.io-client 1.x/2.x,
// engine.io-client 3.x): single packets.
//
// Unlike v4, binary packets keep their type: a binary websocket frame is
// [typeCode, ...data] (the code as a number, not an ASCII digit), and the text
// fallback for clients without binary support is "b<digit><base64>".

import { DecodeError } from '../errors.js';
import { decodeBase64, encodeBase64 } from '../internal/base64.js';
import { packetTypeChar, packetTypeCode, packetTypeFromChar, packetTypeFromCode } from './packet-type.js';
import type { EioPacket } from './types.js';

const B = 0x62;

/**
 * Websocket frame for `p`. Binary data goes out as a binary frame when the
 * client supports it, otherwise base64 in a text frame.
 */
export function encodePacketV3(p: EioPacket, supportsBinary: boolean): string | Uint8Array {
  const data = p.data;
  if (data === undefined || typeof data === 'string' || !supportsBinary) return encodePacketV3Text(p);
  const out = Buffer.allocUnsafe(data.length + 1);
  out[0] = packetTypeCode(p.type);
  out.set(data, 1);
  return out;
}

/** Text form of `p` (also the packet form inside string payloads). */
export function encodePacketV3Text(p: EioPacket): string {
  const data = p.data;
  const prefix = packetTypeChar(p.type);
  if (data === undefined) return prefix;
  if (typeof data === 'string') return prefix + data;
  return 'b' + prefix + encodeBase64(data);
}

/**
 * Decodes one websocket frame. Binary data in the result is a view of
 * `frame`, not a copy.
 */
export function decodePacketV3(frame: string | Uint8Array): EioPacket {
  if (typeof frame === 'string') return decodeTextPacketV3(frame);
  if (frame instanceof Uint8Array) return decodeBinaryPacketV3(frame);
  throw new DecodeError('invalid-frame', 'frame is neither a string nor bytes');
}

/** Text packet decoder shared with string payloads (callers ensure a string). */
export function decodeTextPacketV3(s: string): EioPacket {
  if (s.length === 0) throw new DecodeError('empty-packet', 'empty Engine.IO packet');
  if (s.charCodeAt(0) === B) return { type: packetTypeFromChar(s, 1), data: decodeBase64(s, 2) };
  const type = packetTypeFromChar(s, 0);
  // Like the reference, empty data is indistinguishable from no data.
  return s.length > 1 ? { type, data: s.slice(1) } : { type };
}

/** Binary packet decoder shared with XHR2 payloads: [typeCode, ...data]. */
export function decodeBinaryPacketV3(bytes: Uint8Array): EioPacket {
  if (bytes.length === 0) throw new DecodeError('empty-packet', 'empty Engine.IO binary packet');
  return { type: packetTypeFromCode(bytes[0] ?? -1), data: bytes.subarray(1) };
}
