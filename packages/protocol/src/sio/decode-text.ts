// Parses one Socket.IO text frame:
//
//   <type>[<attachments>-][<nsp>,][<ack id>][<JSON data>]
//
// The layout follows socket.io-parser 4.2.x: the namespace is present iff the
// header continues with "/", and runs to the first "," or the end; an ack id
// is the run of digits right after; everything left is JSON. Where the
// reference reads its input through Number() coercion we only accept what its
// encoder writes, so " 1-", "1e0-" or "0x1-" are not attachment counts and a
// space after the namespace is not ack id 0.

import { SioDecodeError } from '../errors.js';
import { payloadProblem } from './payload.js';
import { findPlaceholders, type PlaceholderSlot } from './placeholders.js';
import { SioPacketType, type SioPacket, type SioPacketTypeCode, type SioRevision } from './types.js';

const ZERO = 0x30;
const DASH = 0x2d;
const SLASH = 0x2f;

export interface ParsedText {
  /** The packet, with EVENT/ACK in place of BINARY_* and placeholders still in its data. */
  packet: SioPacket;
  /** Binary frames that must follow before the packet is complete. */
  attachments: number;
  slots: PlaceholderSlot[];
}

const NO_SLOTS: PlaceholderSlot[] = [];

export function parseText(s: string, revision: SioRevision, maxAttachments: number): ParsedText {
  const len = s.length;
  // The reference reads "" (and " ") as a CONNECT to "/", through Number("").
  if (len === 0) throw new SioDecodeError(revision, 'empty-packet', 'empty Socket.IO packet');
  const code = s.charCodeAt(0) - ZERO;
  if (!(code >= 0 && code <= 6)) {
    throw new SioDecodeError(revision, 'unknown-type', `unknown Socket.IO packet type ${JSON.stringify(s.charAt(0))}`);
  }
  let type = code as SioPacketTypeCode;
  let pos = 1;

  let attachments = 0;
  const isBinary = type === SioPacketType.BINARY_EVENT || type === SioPacketType.BINARY_ACK;
  if (isBinary) {
    const start = pos;
    for (let d = s.charCodeAt(pos) - ZERO; d >= 0 && d <= 9; d = s.charCodeAt(++pos) - ZERO) {
      // Past the limit the exact count no longer matters; freezing it keeps
      // long digit runs from growing into imprecise numbers.
      if (attachments <= maxAttachments) attachments = attachments * 10 + d;
    }
    if (pos === start || s.charCodeAt(pos) !== DASH) {
      throw new SioDecodeError(revision, 'invalid-attachments', 'a binary packet must start with its attachment count and "-"');
    }
    pos++;
    // socket.io-client 2.x sends "50-" for emits flagged binary(true) that
    // hold none, and parser 3.3 (the 2.x client's own) decodes it as an
    // ordinary packet; parser 4.2.7 rejects it, and so does protocol 5 here.
    if (attachments === 0 && revision === 5) {
      throw new SioDecodeError(revision, 'invalid-attachments', 'a binary packet must have at least one attachment');
    }
    if (attachments > maxAttachments) {
      throw new SioDecodeError(revision, 'too-many-attachments', `more than ${maxAttachments} attachments`);
    }
    type = type === SioPacketType.BINARY_EVENT ? SioPacketType.EVENT : SioPacketType.ACK;
  }

  let nsp = '/';
  if (s.charCodeAt(pos) === SLASH) {
    const comma = s.indexOf(',', pos);
    const end = comma === -1 ? len : comma;
    nsp = s.slice(pos, end);
    pos = comma === -1 ? len : comma + 1;
  }

  let id: number | undefined;
  let d = s.charCodeAt(pos) - ZERO;
  if (d >= 0 && d <= 9) {
    id = 0;
    do {
      id = id * 10 + d;
      // The reference keeps going into imprecise floats; an id that cannot
      // be echoed back exactly is useless for acknowledging.
      if (id > Number.MAX_SAFE_INTEGER) throw new SioDecodeError(revision, 'invalid-ack-id', 'ack id is too large');
      d = s.charCodeAt(++pos) - ZERO;
    } while (d >= 0 && d <= 9);
  }

  let data: unknown;
  if (pos < len) {
    const c = s.charCodeAt(pos);
    // JSON.parse would skip it, but the reference reads leading whitespace as
    // part of an ack id (Number(" ") is 0): reject rather than disagree.
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) {
      throw new SioDecodeError(revision, 'invalid-json', 'whitespace before the JSON data');
    }
    try {
      data = JSON.parse(s.slice(pos));
    } catch {
      throw new SioDecodeError(revision, 'invalid-json', 'packet data is not valid JSON');
    }
  }
  const problem = payloadProblem(type, data);
  if (problem !== null) throw new SioDecodeError(revision, 'invalid-payload', problem);

  const packet: SioPacket = { type, nsp };
  if (id !== undefined) packet.id = id;
  if (data !== undefined) packet.data = data;
  if (revision === 4 && type === SioPacketType.CONNECT) splitQuery(packet);
  const slots = isBinary ? findPlaceholders(data, attachments, revision) : NO_SLOTS;
  return { packet, attachments, slots };
}

// socket.io-client 2.x sends its handshake query on namespace CONNECTs as
// "0/chat?a=1,"; socket.io 2.x servers take the path as the namespace (the
// first "?" ends it) and hand the rest to the namespace's middlewares.
function splitQuery(packet: SioPacket): void {
  const q = packet.nsp.indexOf('?');
  if (q === -1) return;
  packet.query = packet.nsp.slice(q + 1);
  packet.nsp = packet.nsp.slice(0, q);
}
