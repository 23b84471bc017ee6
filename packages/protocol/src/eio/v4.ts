// Engine.IO protocol 4 (engine.io-parser 5.x).
//
// Websocket frames carry one packet: text frames are "<digit><data>", binary
// frames are a message's raw bytes (v4 has no type byte: only messages can be
// binary). Polling bodies are text packets joined by U+001E, with binary
// messages spelled "b<base64>".

import { DecodeError } from '../errors.js';
import { decodeBase64, encodeBase64 } from '../internal/base64.js';
import { packetTypeChar, packetTypeFromChar } from './packet-type.js';
import type { EioPacket } from './types.js';

const SEPARATOR = '\x1e';
const B = 0x62;

/**
 * Websocket frame for `p`: a string for text frames, the packet's own bytes
 * (not a copy) for binary messages.
 */
export function encodePacketV4(p: EioPacket): string | Uint8Array {
  const data = p.data;
  if (data === undefined || typeof data === 'string') return encodeText(p, data);
  assertBinaryMessage(p);
  return data;
}

/**
 * Text form of `p`, as used inside polling payloads (and convenient for
 * per-session queues): binary messages become "b<base64>".
 */
export function encodePacketV4Text(p: EioPacket): string {
  const data = p.data;
  if (data === undefined || typeof data === 'string') return encodeText(p, data);
  assertBinaryMessage(p);
  return 'b' + encodeBase64(data);
}

/** Decodes one websocket frame (text or binary). */
export function decodePacketV4(frame: string | Uint8Array): EioPacket {
  if (typeof frame === 'string') return decodePacketV4Text(frame);
  if (frame instanceof Uint8Array) return { type: 'message', data: frame };
  throw new DecodeError('invalid-frame', 'frame is neither a string nor bytes');
}

/** Decodes the text form produced by encodePacketV4Text. */
export function decodePacketV4Text(s: string): EioPacket {
  if (typeof s !== 'string') throw new DecodeError('invalid-packet', 'packet is not a string');
  if (s.length === 0) throw new DecodeError('empty-packet', 'empty Engine.IO packet');
  if (s.charCodeAt(0) === B) return { type: 'message', data: decodeBase64(s, 1) };
  const type = packetTypeFromChar(s, 0);
  // Like the reference, empty data is indistinguishable from no data.
  return s.length > 1 ? { type, data: s.slice(1) } : { type };
}

/**
 * Polling body for `packets`. The format has no escaping, so a string packet
 * containing U+001E would be split by the receiver; Socket.IO never produces
 * one (JSON escapes control characters). An empty list encodes to "", which
 * is not a decodable payload: only send non-empty lists.
 */
export function encodePayloadV4(packets: readonly EioPacket[]): string {
  let out = '';
  let first = true;
  for (const p of packets) {
    if (first) first = false;
    else out += SEPARATOR;
    out += encodePacketV4Text(p);
  }
  return out;
}

/** Decodes a polling body; any bad packet rejects the whole payload. */
export function decodePayloadV4(body: string): EioPacket[] {
  if (typeof body !== 'string') throw new DecodeError('invalid-payload', 'payload is not a string');
  const packets: EioPacket[] = [];
  let start = 0;
  for (;;) {
    const end = body.indexOf(SEPARATOR, start);
    if (end === -1) {
      packets.push(decodePacketV4Text(start === 0 ? body : body.slice(start)));
      return packets;
    }
    packets.push(decodePacketV4Text(body.slice(start, end)));
    start = end + 1;
  }
}

function encodeText(p: EioPacket, data: string | undefined): string {
  const prefix = packetTypeChar(p.type);
  return data === undefined ? prefix : prefix + data;
}

// The v4 wire format cannot say which type a binary packet has (the reference
// silently sends it as a message), so refuse instead of changing its meaning.
function assertBinaryMessage(p: EioPacket): void {
  if (p.type !== 'message') {
    throw new TypeError(`Engine.IO 4 can only carry binary data in message packets, not ${String(p.type)}`);
  }
}
