/**
 * One protocol-1 packet (`type:id:endpoint:data`). `endpoint` is the
 * namespace ('' = main). `id` asks the peer for an ack; `dataAck` (the `+`)
 * says the ack goes to a user callback and carries arguments. The decoder
 * only sets `dataAck` when it is true, and only next to an `id`.
 */
export type LegacyPacket =
  | { type: 'disconnect'; endpoint: string }
  | { type: 'connect'; endpoint: string; query?: string }
  | { type: 'heartbeat'; endpoint: string }
  | { type: 'message'; endpoint: string; id?: number; dataAck?: boolean; data: string }
  | { type: 'json'; endpoint: string; id?: number; dataAck?: boolean; data: unknown }
  | { type: 'event'; endpoint: string; id?: number; dataAck?: boolean; name: string; args: unknown[] }
  | { type: 'ack'; endpoint: string; ackId: number; args: unknown[] }
  | { type: 'error'; endpoint: string; reason: LegacyErrorReason | ''; advice: LegacyErrorAdvice | '' }
  | { type: 'noop'; endpoint: string };

export type LegacyPacketType = LegacyPacket['type'];
export type LegacyErrorReason = 'transport not supported' | 'client not handshaken' | 'unauthorized';
export type LegacyErrorAdvice = 'reconnect';

/** The wire digit of a type is its index here. */
export const LEGACY_PACKET_TYPES: readonly LegacyPacketType[] = ['disconnect', 'connect', 'heartbeat', 'message', 'json', 'event', 'ack', 'error', 'noop'];

/** Error packets carry indices into these lists, not the names. */
export const LEGACY_ERROR_REASONS: readonly LegacyErrorReason[] = ['transport not supported', 'client not handshaken', 'unauthorized'];
export const LEGACY_ERROR_ADVICE: readonly LegacyErrorAdvice[] = ['reconnect'];

/**
 * Ids longer than this are refused: 15 decimal digits always fit a double
 * exactly, so a decoded id re-encodes to the same digits.
 */
export const MAX_ID_DIGITS = 15;
