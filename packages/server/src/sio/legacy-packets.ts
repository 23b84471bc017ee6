import { decodeLegacyPacket, encodeLegacyPacket, SioDecoder, SioPacketType, type LegacyPacket, type SioPacket } from '@nonstick/protocol';

/**
 * Socket.IO protocol 1 (0.7–0.9) packets as the Socket.IO layer sees them.
 * An endpoint is a namespace; `message` and `json` packets are the
 * `message` event; acks are acks. What protocol 1 has and later revisions
 * lack: a packet with an id but no `+` is acknowledged by the receiver at
 * once, without the application (`autoAck`), and `0::` on the main endpoint
 * ends the whole session.
 */
export type LegacyInbound =
  | { kind: 'packet'; packet: SioPacket; autoAck?: string }
  /** `0::`: the client leaves every namespace and the session ends. */
  | { kind: 'close' }
  /** Nothing for the application (heartbeats, noops, errors, `1::` for the main namespace). */
  | { kind: 'ignore' };

/** Throws DecodeError (LegacyDecodeError) for a malformed packet. */
export function legacyInbound(text: string): LegacyInbound {
  const p = decodeLegacyPacket(text);
  const nsp = nspOf(p.endpoint);
  switch (p.type) {
    case 'disconnect':
      return nsp === '/' ? { kind: 'close' } : { kind: 'packet', packet: { type: SioPacketType.DISCONNECT, nsp } };
    case 'connect': {
      if (nsp === '/') return { kind: 'ignore' };
      const packet: SioPacket = { type: SioPacketType.CONNECT, nsp };
      if (p.query) packet.query = p.query.replace(/^\?/, '');
      return { kind: 'packet', packet };
    }
    case 'message':
    case 'json':
    case 'event': {
      const data = p.type === 'event' ? [p.name, ...p.args] : ['message', p.data];
      const packet: SioPacket = { type: SioPacketType.EVENT, nsp, data };
      if (p.id === undefined) return { kind: 'packet', packet };
      if (p.dataAck) {
        packet.id = p.id;
        return { kind: 'packet', packet };
      }
      return { kind: 'packet', packet, autoAck: encodeLegacyPacket({ type: 'ack', endpoint: p.endpoint, ackId: p.id, args: [] }) };
    }
    case 'ack':
      return { kind: 'packet', packet: { type: SioPacketType.ACK, nsp, id: p.ackId, data: p.args } };
    default:
      return { kind: 'ignore' };
  }
}

/**
 * The protocol-1 form of a packet the Socket.IO layer writes; null for a
 * DISCONNECT of the main namespace, which in protocol 1 is the end of the
 * session (the engine's close says `0::`).
 */
export function legacyOutbound(packet: SioPacket): string | null {
  const endpoint = packet.nsp === '/' ? '' : packet.nsp;
  let p: LegacyPacket;
  switch (packet.type) {
    case SioPacketType.CONNECT:
      p = { type: 'connect', endpoint };
      break;
    case SioPacketType.DISCONNECT:
      if (endpoint === '') return null;
      p = { type: 'disconnect', endpoint };
      break;
    case SioPacketType.EVENT:
    case SioPacketType.BINARY_EVENT: {
      const [name, ...args] = Array.isArray(packet.data) ? (packet.data as unknown[]) : [];
      if (name === 'message' && args.length === 1 && packet.id === undefined) {
        // socket.send(): what 0.9's send and json.send wrote.
        const data = args[0];
        p = typeof data === 'string' ? { type: 'message', endpoint, data } : { type: 'json', endpoint, data };
      } else {
        p = { type: 'event', endpoint, name: String(name), args };
        if (packet.id !== undefined) {
          p.id = packet.id;
          p.dataAck = true;
        }
      }
      break;
    }
    case SioPacketType.ACK:
    case SioPacketType.BINARY_ACK:
      p = { type: 'ack', endpoint, ackId: packet.id ?? 0, args: Array.isArray(packet.data) ? (packet.data as unknown[]) : [] };
      break;
    case SioPacketType.CONNECT_ERROR:
      p = { type: 'error', endpoint, reason: 'unauthorized', advice: '' };
      break;
    default:
      return null;
  }
  return encodeLegacyPacket(p);
}

/**
 * Pre-encoded Socket.IO frames of a broadcast, re-encoded by `encode` for
 * an older generation. Every recipient of one broadcast gets the same
 * frames array, so the result is kept per array and encoder: a broadcast
 * is re-encoded once per worker and generation, not once per recipient.
 */
export function reencodeFrames<T>(frames: readonly (string | Uint8Array)[], encode: (packet: SioPacket) => T): T | null {
  let byEncoder = FRAMES.get(frames);
  if (byEncoder?.has(encode)) return byEncoder.get(encode) as T | null;
  let packet: SioPacket | null = null;
  try {
    const decoder = new SioDecoder({ revision: 5, maxAttachments: frames.length });
    for (const f of frames) packet = decoder.add(f);
  } catch {
    packet = null; // our own encoding: unreachable unless a bus entry was corrupted
  }
  const out = packet ? encode(packet) : null;
  if (!byEncoder) FRAMES.set(frames, (byEncoder = new Map()));
  byEncoder.set(encode, out);
  return out;
}

const FRAMES = new WeakMap<readonly (string | Uint8Array)[], Map<unknown, unknown>>();

function nspOf(endpoint: string): string {
  if (endpoint === '') return '/';
  return endpoint.startsWith('/') ? endpoint : `/${endpoint}`;
}
