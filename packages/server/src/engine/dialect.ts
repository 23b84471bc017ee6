import type { EioPacket } from '@nonstick/protocol';
import type { Generation, HeartbeatMode } from '../store/Store.js';

/**
 * What a session's protocol generation decides once the session exists:
 * the form of its store entries, its heartbeat direction, and its websocket
 * frames. The engine's sockets, queues and transports are shared by every
 * generation; only this differs.
 *
 * Inbound frames decode to Engine.IO-shaped packets (`message`, `ping`,
 * `pong`, `close`, `noop`) so the socket's heartbeat and close logic is the
 * same for all of them.
 */
export interface SessionDialect {
  readonly generation: Generation;
  /** `socket.protocol`: the Engine.IO revision, or 1 for Socket.IO 0.7–0.9 and 0 for 0.6 (which have no separate engine layer). */
  readonly protocol: 0 | 1 | 3 | 4;
  readonly heartbeat: HeartbeatMode;
  /** Entry that ends a waiting poll without carrying anything. */
  readonly noopEntry: string;
  /** Entry that tells a polling client the session is over. */
  readonly closeEntry: string;
  /** Frame of the session's `seq`-th server ping (from 1). */
  pingFrame(seq: number): string;
  /** Frame written on a websocket before the server closes it (null: the close frame says it). */
  readonly closeFrame: string | null;
  entryOfMessage(data: string | Uint8Array): string;
  /** The application message an inbound entry carries, or null. */
  messageOfEntry(entry: string): string | Uint8Array | null;
  /** Whether an inbound entry is the client's answer to a ping (generations whose streams relay them). */
  isPongEntry?(this: void, entry: string): boolean;
  frameOfEntry(entry: string, supportsBinary: boolean): string | Uint8Array;
  frameOfMessage(data: string | Uint8Array, supportsBinary: boolean): string | Uint8Array;
  frameOfPacket(packet: EioPacket, supportsBinary: boolean): string | Uint8Array;
  /** Throws DecodeError. */
  decodeFrame(frame: string | Uint8Array): EioPacket;
  /**
   * For generations whose websocket frames may hold several packets; throws
   * DecodeError, or (generations whose peers relied on a lenient reader)
   * reports the damage to `damaged` and returns what could be read.
   */
  decodeFrames?(frame: string | Uint8Array, damaged: (err: Error) => void): EioPacket[];
}
