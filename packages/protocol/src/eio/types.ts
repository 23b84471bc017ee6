export type EioPacketType = 'open' | 'close' | 'ping' | 'pong' | 'message' | 'upgrade' | 'noop';

/**
 * One Engine.IO packet. `data` is absent when the packet carries nothing;
 * binary data is a Uint8Array (decoders return Buffers, which may share memory
 * with the frame or body they were decoded from).
 */
export interface EioPacket {
  type: EioPacketType;
  data?: string | Uint8Array;
}
