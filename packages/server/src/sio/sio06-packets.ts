import { decodeSio06Message, sio06TextOf, SioPacketType, type SioPacket } from '@nonstick/protocol';

/**
 * Socket.IO 0.6 messages as the Socket.IO layer sees them. 0.6 has
 * nothing but messages: a text or JSON message from the client is the
 * `message` event on the main namespace, `socket.send(x)` (the `message`
 * event) reaches the client as 0.6's `send` wrote it (plain objects as
 * `~j~` JSON, anything else as text). Other events reach a 0.6 client as
 * a JSON message `{"name": …, "args": […]}` (the shape of a 0.7 event);
 * acks do not exist in 0.6.
 */

/**
 * The packet a client message means; null for heartbeats. `~j~` that is
 * not JSON is `{}`, as 0.6 read it; `damaged` hears of it.
 */
export function sio06Inbound(message: string, damaged: (err: unknown) => void): SioPacket | null {
  if (message.startsWith('~h~')) return null;
  let data: unknown;
  try {
    const m = decodeSio06Message(message);
    data = m.kind === 'heartbeat' ? null : m.data;
  } catch (err) {
    damaged(err);
    data = {};
  }
  return { type: SioPacketType.EVENT, nsp: '/', data: ['message', data] };
}

/**
 * The 0.6 message for a packet the Socket.IO layer writes; null when 0.6
 * has nothing to say (connect, acks), 'close' when the session must end
 * (leaving or being refused the main namespace).
 */
export function sio06Outbound(packet: SioPacket): string | null | 'close' {
  if (packet.nsp !== '/') return null; // 0.6 clients only ever join the main namespace
  switch (packet.type) {
    case SioPacketType.EVENT:
    case SioPacketType.BINARY_EVENT: {
      const [name, ...args] = Array.isArray(packet.data) ? (packet.data as unknown[]) : [];
      if (name === 'message' && args.length === 1) return sio06TextOf(args[0]);
      return sio06TextOf({ name, args });
    }
    case SioPacketType.DISCONNECT:
    case SioPacketType.CONNECT_ERROR:
      return 'close';
    default:
      return null;
  }
}
