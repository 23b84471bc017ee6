import { payloadProblem, SioPacketType, type SioPacket, type SioPacketTypeCode } from '@nonstick/protocol';

/** A packet as socket.io-parser and the parsers written for it see it. */
export interface ParserPacket {
  type: number;
  nsp: string;
  data?: unknown;
  id?: number;
}

export interface ParserEncoder {
  encode(packet: ParserPacket): unknown[];
}

export interface ParserDecoder {
  add(chunk: unknown): void;
  on(ev: 'decoded', listener: (packet: ParserPacket) => void): unknown;
  destroy?(): void;
}

/** socket.io's `parser` option: `{ Encoder, Decoder }`, e.g. socket.io-msgpack-parser. */
export interface CustomParser {
  Encoder: new () => ParserEncoder;
  Decoder: new () => ParserDecoder;
}

/** One client's decoder: the packets one frame completed (a parser may need several frames for one). */
export interface FrameDecoder {
  add(frame: string | Buffer): SioPacket[];
  destroy(): void;
}

type Frames = Array<string | Uint8Array>;

/**
 * A custom parser on the Socket.IO wire of Engine.IO sessions. The bus keeps
 * Nonstick's own encoding, so broadcasts reach this parser's sockets as
 * frames that are re-encoded once per bus entry (reencodeFrames caches by
 * frames and by this codec's `encode`, one function for the whole server).
 */
export class ParserCodec {
  readonly #parser: CustomParser;
  readonly #encoder: ParserEncoder;

  constructor(parser: CustomParser) {
    this.#parser = parser;
    this.#encoder = new parser.Encoder();
  }

  readonly encode = (packet: SioPacket): Frames => this.#encoder.encode(toParser(packet)).map(toFrame);

  decoder(): FrameDecoder {
    const decoder = new this.#parser.Decoder();
    let out: SioPacket[] = [];
    decoder.on('decoded', (p) => out.push(fromParser(p)));
    return {
      add(frame) {
        out = [];
        decoder.add(frame);
        return out;
      },
      destroy: () => decoder.destroy?.(),
    };
  }
}

/** Attachments are the parser's business: it gets EVENT/ACK with the binaries in place, as socket.io hands them. */
function toParser(packet: SioPacket): ParserPacket {
  const type = packet.type === SioPacketType.BINARY_EVENT ? SioPacketType.EVENT : packet.type === SioPacketType.BINARY_ACK ? SioPacketType.ACK : packet.type;
  const out: ParserPacket = { type, nsp: packet.nsp };
  if (packet.data !== undefined) out.data = packet.data;
  if (packet.id !== undefined) out.id = packet.id;
  return out;
}

/** What the parser decoded, held to the rules Nonstick's own decoder applies. */
function fromParser(p: ParserPacket): SioPacket {
  if (!Number.isInteger(p.type) || p.type < SioPacketType.CONNECT || p.type > SioPacketType.BINARY_ACK) throw new Error('invalid packet type');
  if (typeof p.nsp !== 'string' || !p.nsp.startsWith('/')) throw new Error('invalid namespace');
  if (p.id !== undefined && (!Number.isSafeInteger(p.id) || p.id < 0)) throw new Error('invalid packet id');
  const type = (
    p.type === SioPacketType.BINARY_EVENT ? SioPacketType.EVENT : p.type === SioPacketType.BINARY_ACK ? SioPacketType.ACK : p.type
  ) as SioPacketTypeCode;
  const problem = payloadProblem(type, p.data);
  if (problem !== null) throw new Error(problem);
  const packet: SioPacket = { type, nsp: p.nsp };
  if (p.data !== undefined) packet.data = p.data;
  if (p.id !== undefined) packet.id = p.id;
  return packet;
}

function toFrame(f: unknown): string | Uint8Array {
  if (typeof f === 'string' || f instanceof Uint8Array) return f;
  if (f instanceof ArrayBuffer) return new Uint8Array(f);
  if (ArrayBuffer.isView(f)) return new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
  throw new TypeError('a parser must encode packets to strings or bytes');
}
