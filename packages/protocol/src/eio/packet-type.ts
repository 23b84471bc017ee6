import { DecodeError } from '../errors.js';
import type { EioPacketType } from './types.js';

/** Packet types indexed by their wire code (the same in protocols 3 and 4). */
export const EIO_PACKET_TYPES: readonly EioPacketType[] = Object.freeze(['open', 'close', 'ping', 'pong', 'message', 'upgrade', 'noop']);

/**
 * Wire code of a packet type. Throws TypeError (not DecodeError: this is a
 * caller bug, not bad input) for values that slipped past the type system,
 * rather than writing "undefined" onto the wire as the reference does.
 */
export function packetTypeCode(type: EioPacketType): number {
  switch (type) {
    case 'open':
      return 0;
    case 'close':
      return 1;
    case 'ping':
      return 2;
    case 'pong':
      return 3;
    case 'message':
      return 4;
    case 'upgrade':
      return 5;
    case 'noop':
      return 6;
    default:
      throw new TypeError(`unknown Engine.IO packet type: ${String(type)}`);
  }
}

/** The packet's text-form prefix: its wire code as an ASCII digit. */
export function packetTypeChar(type: EioPacketType): string {
  return String.fromCharCode(0x30 + packetTypeCode(type));
}

/** Packet type for a wire code; NaN and out-of-range codes are DecodeErrors. */
export function packetTypeFromCode(code: number): EioPacketType {
  switch (code) {
    case 0:
      return 'open';
    case 1:
      return 'close';
    case 2:
      return 'ping';
    case 3:
      return 'pong';
    case 4:
      return 'message';
    case 5:
      return 'upgrade';
    case 6:
      return 'noop';
    default:
      throw new DecodeError('unknown-type', `unknown Engine.IO packet type code: ${code}`);
  }
}

/** Packet type spelled as an ASCII digit at `s[index]`. */
export function packetTypeFromChar(s: string, index: number): EioPacketType {
  const code = s.charCodeAt(index) - 0x30;
  if (code >= 0 && code <= 6) return packetTypeFromCode(code);
  throw new DecodeError(
    'unknown-type',
    index < s.length ? `unknown Engine.IO packet type ${JSON.stringify(s.charAt(index))}` : 'missing Engine.IO packet type',
  );
}
