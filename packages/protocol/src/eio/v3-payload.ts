// Engine.IO protocol 3 polling payloads, in both of their forms:
//
//   string: "<length>:<packet>" repeated, length in UTF-16 code units, binary
//           packets as "b<digit><base64>". The empty list is "0:".
//   binary (XHR2, Content-Type application/octet-stream): per packet a kind
//           byte (0 string, 1 binary), the decimal digits of the content
//           length as bytes 0..9, a 255 separator, then the content. String
//           content is the UTF-8 of "<digit><data>" (length in bytes), binary
//           content is [typeCode, ...data].

import { DecodeError } from '../errors.js';
import { decodeUtf8 } from '../internal/utf8.js';
import { packetTypeCode } from './packet-type.js';
import type { EioPacket } from './types.js';
import { decodeBinaryPacketV3, decodeTextPacketV3, encodePacketV3Text } from './v3.js';

const COLON = 0x3a;
const ZERO = 0x30;
const KIND_STRING = 0;
const KIND_BINARY = 1;
const SEPARATOR_BYTE = 255;

/**
 * Polling body for `packets`: the binary form if the client supports binary
 * and some packet carries bytes (as engine.io-parser 2 decides), else the
 * string form.
 */
export function encodePayloadV3(packets: readonly EioPacket[], supportsBinary: boolean): string | Uint8Array {
  if (supportsBinary && packets.some(hasBinary)) return encodeBinaryPayload(packets);
  if (packets.length === 0) return '0:';
  let out = '';
  for (const p of packets) {
    const s = encodePacketV3Text(p);
    out += s.length + ':' + s;
  }
  return out;
}

/**
 * Decodes a polling body: strings as the string form, bytes as the binary
 * form. Stricter than the reference, which tolerates truncation and odd
 * length spellings: any inconsistency rejects the whole payload. Binary data
 * in the result may share memory with `body`.
 */
export function decodePayloadV3(body: string | Uint8Array): EioPacket[] {
  if (typeof body === 'string') return decodeStringPayload(body);
  if (body instanceof Uint8Array) return decodeBinaryPayload(body);
  throw new DecodeError('invalid-payload', 'payload is neither a string nor bytes');
}

function hasBinary(p: EioPacket): boolean {
  return p.data instanceof Uint8Array;
}

function decodeStringPayload(body: string): EioPacket[] {
  const len = body.length;
  if (len === 0) throw new DecodeError('empty-payload', 'empty Engine.IO payload');
  const packets: EioPacket[] = [];
  let pos = 0;
  while (pos < len) {
    let n = 0;
    let digits = 0;
    for (;;) {
      if (pos >= len) throw new DecodeError('missing-separator', 'payload length is not followed by ":"');
      const c = body.charCodeAt(pos++);
      if (c === COLON) break;
      const d = c - ZERO;
      if (d < 0 || d > 9) throw new DecodeError('invalid-length', `non-digit in payload length at offset ${pos - 1}`);
      // Once n exceeds the body it can only be a mismatch; freezing it keeps
      // absurdly long digit runs from overflowing to imprecise values.
      if (n <= len) n = n * 10 + d;
      digits++;
    }
    if (digits === 0) throw new DecodeError('invalid-length', `empty payload length at offset ${pos - 1}`);
    if (n > len - pos) throw new DecodeError('length-mismatch', 'payload is shorter than its declared length');
    // "0:" is how the reference spells an empty list; it carries no packet.
    if (n > 0) packets.push(decodeTextPacketV3(body.slice(pos, pos + n)));
    pos += n;
  }
  return packets;
}

function decodeBinaryPayload(body: Uint8Array): EioPacket[] {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const len = buf.length;
  if (len === 0) throw new DecodeError('empty-payload', 'empty Engine.IO binary payload');
  const packets: EioPacket[] = [];
  let pos = 0;
  while (pos < len) {
    const kind = buf[pos++];
    if (kind !== KIND_STRING && kind !== KIND_BINARY) {
      throw new DecodeError('invalid-kind', `unknown payload entry kind ${kind} at offset ${pos - 1}`);
    }
    let n = 0;
    let digits = 0;
    for (;;) {
      const b = buf[pos++];
      if (b === undefined) throw new DecodeError('missing-separator', 'payload length is not followed by byte 255');
      if (b === SEPARATOR_BYTE) break;
      // The reference concatenates each byte's decimal spelling, so a byte
      // of 12 would read as the digits "12"; only single digits are valid.
      if (b > 9) throw new DecodeError('invalid-length', `byte ${b} in payload length at offset ${pos - 1}`);
      if (n <= len) n = n * 10 + b;
      digits++;
    }
    if (digits === 0) throw new DecodeError('invalid-length', `empty payload length at offset ${pos - 1}`);
    if (n > len - pos) throw new DecodeError('length-mismatch', 'payload is shorter than its declared length');
    const end = pos + n;
    packets.push(kind === KIND_STRING ? decodeTextPacketV3(decodeUtf8(buf, pos, end)) : decodeBinaryPacketV3(buf.subarray(pos, end)));
    pos = end;
  }
  return packets;
}

function encodeBinaryPayload(packets: readonly EioPacket[]): Buffer {
  // Sizes first so the whole body is one allocation.
  const contentLengths = new Array<number>(packets.length);
  let total = 0;
  for (let i = 0; i < packets.length; i++) {
    const data = packets[i]!.data;
    const n = data === undefined ? 1 : typeof data === 'string' ? 1 + Buffer.byteLength(data, 'utf8') : 1 + data.length;
    contentLengths[i] = n;
    total += 2 + decimalDigitCount(n) + n;
  }
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  for (let i = 0; i < packets.length; i++) {
    const p = packets[i]!;
    const n = contentLengths[i]!;
    const data = p.data;
    const code = packetTypeCode(p.type);
    const isBinary = data instanceof Uint8Array;
    out[pos++] = isBinary ? KIND_BINARY : KIND_STRING;
    pos = writeDecimalDigits(out, pos, n);
    out[pos++] = SEPARATOR_BYTE;
    if (isBinary) {
      out[pos++] = code;
      out.set(data, pos);
      pos += data.length;
    } else {
      out[pos++] = ZERO + code;
      // Lone surrogates become U+FFFD, as with the reference's utf8.js.
      if (data !== undefined) pos += out.write(data, pos, 'utf8');
    }
  }
  return out;
}

function decimalDigitCount(n: number): number {
  let count = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    count++;
  }
  return count;
}

function writeDecimalDigits(out: Buffer, pos: number, n: number): number {
  const end = pos + decimalDigitCount(n);
  for (let i = end - 1; i >= pos; i--) {
    out[i] = n % 10;
    n = Math.floor(n / 10);
  }
  return end;
}
