import { DecodeError, type EioPacket } from '@nonstick/protocol';
import type { SessionDialect } from '../dialect.js';

const text = (data: string | Uint8Array): string =>
  typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');

/**
 * Socket.IO protocol 1 (0.7–0.9) has no engine layer of its own: a store
 * entry is one protocol-1 packet as it goes on the wire, and so is a
 * websocket frame. Only heartbeats (`2::`) and noops (`8::`) mean something
 * to the engine; every other packet is a message for the Socket.IO layer,
 * which decodes it. The server pings, the client echoes the ping: to the
 * engine a `2::` from the client is the pong.
 */
export const SIO1_DIALECT: SessionDialect = {
  generation: 'sio1',
  protocol: 1,
  heartbeat: 'server',
  noopEntry: '8::',
  closeEntry: '0::',
  pingFrame: () => '2::',
  closeFrame: '0::',
  entryOfMessage: text,
  messageOfEntry: (entry) => entry,
  frameOfEntry: (entry) => entry,
  frameOfMessage: text,
  frameOfPacket(packet: EioPacket) {
    switch (packet.type) {
      case 'ping':
        return '2::';
      case 'close':
        return '0::';
      case 'message':
        return text(packet.data ?? '');
      default:
        return '8::';
    }
  },
  decodeFrame(frame) {
    if (typeof frame !== 'string') throw new DecodeError('binary-frame', 'protocol 1 has no binary frames');
    return classifyLegacyPacket(frame);
  },
};

/** What a protocol-1 packet is to the engine. */
export function classifyLegacyPacket(packet: string): EioPacket {
  if (packet.startsWith('2:')) return { type: 'pong' };
  if (packet.startsWith('8:')) return { type: 'noop' };
  return { type: 'message', data: packet };
}
