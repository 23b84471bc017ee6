import { DecodeError } from '../errors.js';

/**
 * A DecodeError from one of the socket.io 0.6 (`~m~` framing) decoders:
 * payloads, messages and POST form bodies. A subclass so callers keep the
 * single `instanceof DecodeError` check while logs still tell this codec apart.
 *
 * Reasons: `invalid-payload`, `invalid-frame`, `invalid-length`,
 * `missing-separator`, `length-mismatch` (payloads); `invalid-message`,
 * `invalid-heartbeat`, `invalid-json` (messages); `invalid-form`,
 * `missing-field` (form bodies).
 */
export class Sio06DecodeError extends DecodeError {
  override readonly name: string = 'Sio06DecodeError';
}
