import { DecodeError } from '../errors.js';

/**
 * A DecodeError from one of the protocol-1 (socket.io 0.9) decoders: packets,
 * `U+FFFD` payloads and JSONP form bodies. A subclass so callers keep the single
 * `instanceof DecodeError` check while logs still tell the legacy codec apart.
 */
export class LegacyDecodeError extends DecodeError {
  override readonly name: string = 'LegacyDecodeError';
}
