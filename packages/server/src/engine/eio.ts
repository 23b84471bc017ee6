import {
  DecodeError,
  decodePacketV3,
  decodePacketV4,
  decodePacketV4Text,
  decodePayloadV3,
  decodePayloadV4,
  encodePacketV3,
  encodePacketV4,
  encodePacketV4Text,
  encodePayloadV3,
  type EioPacket,
} from '@nonstick/protocol';
import type { SessionDialect } from './dialect.js';

/**
 * What differs between Engine.IO 3 and 4 once a session exists. Store
 * entries are always packets in their EIO4 text form (binary as `b<base64>`),
 * so a queue written for a polling session can be drained by the websocket
 * that replaces it, and any worker can encode it for the wire.
 */
export interface EioDialect extends SessionDialect {
  readonly protocol: 3 | 4;
  /** Body of a polling GET answer. */
  encodePoll(entries: string[], supportsBinary: boolean): string | Uint8Array;
  /** Packets of a polling POST body; throws DecodeError. */
  decodePost(body: Buffer, binary: boolean): EioPacket[];
}

const EIO_COMMON = {
  noopEntry: '6',
  closeEntry: '1',
  pingFrame: () => '2',
  closeFrame: null,
  entryOfMessage: (data: string | Uint8Array) => encodePacketV4Text({ type: 'message', data }),
  messageOfEntry(entry: string): string | Uint8Array | null {
    const p = decodePacketV4Text(entry);
    return p.type === 'message' ? (p.data ?? '') : null;
  },
} as const;

const V4: EioDialect = {
  ...EIO_COMMON,
  generation: 'eio4',
  protocol: 4,
  heartbeat: 'server',
  encodePoll: (entries) => entries.join('\x1e'),
  decodePost(body, binary) {
    if (binary) throw new DecodeError('invalid content', 'binary POST bodies are not part of Engine.IO 4');
    return decodePayloadV4(body.toString('utf8'));
  },
  frameOfEntry(entry) {
    return entry.charCodeAt(0) === 98 /* b */ ? encodePacketV4(decodePacketV4Text(entry)) : entry;
  },
  frameOfPacket: (packet) => encodePacketV4(packet),
  frameOfMessage: (data) => encodePacketV4({ type: 'message', data }),
  decodeFrame: (frame) => decodePacketV4(frame),
};

const V3: EioDialect = {
  ...EIO_COMMON,
  generation: 'eio3',
  protocol: 3,
  heartbeat: 'client',
  encodePoll(entries, supportsBinary) {
    return encodePayloadV3(entries.map(decodePacketV4Text), supportsBinary);
  },
  decodePost(body, binary) {
    return decodePayloadV3(binary ? body : body.toString('utf8'));
  },
  frameOfEntry(entry, supportsBinary) {
    return entry.charCodeAt(0) === 98 ? encodePacketV3(decodePacketV4Text(entry), supportsBinary) : entry;
  },
  frameOfPacket: (packet, supportsBinary) => encodePacketV3(packet, supportsBinary),
  frameOfMessage: (data, supportsBinary) => encodePacketV3({ type: 'message', data }, supportsBinary),
  decodeFrame: (frame) => decodePacketV3(frame),
};

export function dialect(protocol: 3 | 4): EioDialect {
  return protocol === 4 ? V4 : V3;
}

export const entryOf = encodePacketV4Text;
export const packetOfEntry = decodePacketV4Text;

/** JSONP body: a JS string literal (not JSON: U+2028/2029 end lines in JS). */
export function jsonpWrap(index: string, payload: string): string {
  const js = JSON.stringify(payload)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return `___eio[${index.replace(/[^0-9]/g, '')}](${js});`;
}

/**
 * A JSONP POST carries the payload in the form field `d`, with the client's
 * newline escaping undone exactly as engine.io undoes it.
 */
export function jsonpUnwrap(body: Buffer): string | null {
  const d = new URLSearchParams(body.toString('utf8')).get('d');
  if (d === null) return null;
  return d.replace(/(\\)?\\n/g, (match, slashes) => (slashes ? match : '\n')).replace(/\\\\n/g, '\\n');
}
