/**
 * Socket.IO packet types by wire code. Protocol 4 calls 4 ERROR; protocol 5
 * renamed it CONNECT_ERROR when it became connection-only.
 */
export const SioPacketType = {
  CONNECT: 0,
  DISCONNECT: 1,
  EVENT: 2,
  ACK: 3,
  CONNECT_ERROR: 4,
  BINARY_EVENT: 5,
  BINARY_ACK: 6,
} as const;

export type SioPacketTypeCode = (typeof SioPacketType)[keyof typeof SioPacketType];

/**
 * Socket.IO protocol revision: 5 for socket.io 3.x/4.x (over Engine.IO 4),
 * 4 for socket.io 2.x clients (over Engine.IO 3). The text format is the
 * same; they differ in how a CONNECT names its query (see `query`).
 */
export type SioRevision = 4 | 5;

/**
 * One Socket.IO packet. Keys are absent rather than undefined when a packet
 * lacks them. Decoded packets never have a BINARY_* type: attachments are a
 * wire detail, so the decoder reports EVENT/ACK with the binaries in place
 * (as Buffers); the encoder picks BINARY_* itself when the data holds binary.
 */
export interface SioPacket {
  type: SioPacketTypeCode;
  /** Namespace, always starting with "/" ("/" is the main namespace). */
  nsp: string;
  data?: unknown;
  /** Ack id: a non-negative safe integer. */
  id?: number;
  /**
   * Revision 4 CONNECT only: socket.io-client 2.x appends its handshake query
   * to the namespace ("0/chat?token=x,"); this is the raw text after "?", not
   * percent-decoded. Absent when the namespace had no "?".
   */
  query?: string;
}
