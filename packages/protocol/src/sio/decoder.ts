// Stateful Socket.IO decoder: a BINARY_EVENT/BINARY_ACK arrives as a text
// frame followed by one binary frame per attachment, so one decoder serves
// one connection.
//
// Binary data comes out as Buffers, as socket.io hands it to handlers; they
// are views of the frames given to add(), not copies. (The package already
// relies on Buffer for Engine.IO, so this adds no new platform dependency.)

import { SioDecodeError } from '../errors.js';
import { parseText } from './decode-text.js';
import { fillPlaceholders, type PlaceholderSlot } from './placeholders.js';
import type { SioPacket, SioRevision } from './types.js';

export interface SioDecoderOptions {
  /** Protocol revision of the peer; default 5. */
  revision?: SioRevision;
  /**
   * Most attachments one packet may announce; default 10, as in
   * socket.io-parser 4.2.6+ and 3.4.x. Each one is a frame the decoder holds
   * until the packet completes.
   */
  maxAttachments?: number;
}

export class SioDecoder {
  readonly revision: SioRevision;
  readonly maxAttachments: number;
  #packet: SioPacket | null = null;
  #slots: PlaceholderSlot[] = [];
  #buffers: Buffer[] = [];
  #expected = 0;

  constructor(opts: SioDecoderOptions = {}) {
    const { revision = 5, maxAttachments = 10 } = opts;
    if (revision !== 4 && revision !== 5) throw new TypeError(`unknown Socket.IO revision: ${String(revision)}`);
    if (!(maxAttachments >= 0) || (!Number.isInteger(maxAttachments) && maxAttachments !== Infinity)) {
      throw new TypeError(`maxAttachments must be a non-negative integer, not ${String(maxAttachments)}`);
    }
    this.revision = revision;
    this.maxAttachments = maxAttachments;
  }

  /** Binary frames still awaited by the packet being reassembled (0 if none). */
  get awaiting(): number {
    return this.#packet === null ? 0 : this.#expected - this.#buffers.length;
  }

  /**
   * Feeds one frame. Returns the packet it completes, or null while a binary
   * packet awaits attachments. Throws SioDecodeError on malformed input; the
   * partly received packet, if any, is dropped first, since a peer that sent
   * garbage should be disconnected rather than resynchronised.
   */
  add(frame: string | Uint8Array): SioPacket | null {
    if (typeof frame === 'string') {
      if (this.#packet !== null) {
        this.reset();
        throw new SioDecodeError(this.revision, 'unexpected-text', 'got plaintext data when reconstructing a packet');
      }
      const { packet, attachments, slots } = parseText(frame, this.revision, this.maxAttachments);
      if (attachments === 0) return packet;
      this.#packet = packet;
      this.#slots = slots;
      this.#expected = attachments;
      return null;
    }
    if (!(frame instanceof Uint8Array)) {
      this.reset();
      throw new SioDecodeError(this.revision, 'invalid-frame', 'frame is neither a string nor bytes');
    }
    const packet = this.#packet;
    if (packet === null) {
      throw new SioDecodeError(this.revision, 'unexpected-binary', 'got binary data when not reconstructing a packet');
    }
    this.#buffers.push(Buffer.isBuffer(frame) ? frame : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
    if (this.#buffers.length < this.#expected) return null;
    fillPlaceholders(this.#slots, this.#buffers);
    this.reset();
    return packet;
  }

  /** Drops a partly received packet (call when the connection closes). */
  reset(): void {
    this.#packet = null;
    this.#slots = [];
    this.#buffers = [];
    this.#expected = 0;
  }
}
