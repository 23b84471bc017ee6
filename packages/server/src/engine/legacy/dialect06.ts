import { decodeSio06PayloadLenient, DecodeError, encodeSio06Frame, type EioPacket } from '@nonstick/protocol';
import type { SessionDialect } from '../dialect.js';

const text = (data: string | Uint8Array): string =>
  typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');

/**
 * Socket.IO 0.6: a store entry is one message (`hello`, `~j~{...}`,
 * `~h~3`) without its `~m~<len>~m~` frame, which each transport adds when
 * it writes (several messages share one frame list on polling). The
 * server pings with numbered `~h~<n>` messages and the client echoes them:
 * to the engine any `~h~` from the client is the pong. 0.6 has no
 * disconnect or noop message.
 */
export const SIO06_DIALECT: SessionDialect = {
  generation: 'sio06',
  protocol: 0,
  heartbeat: 'server',
  // Never written: an idle 0.6 poll is answered with an empty body by its transport.
  noopEntry: '',
  closeEntry: '',
  pingFrame: (seq) => encodeSio06Frame(`~h~${seq}`),
  closeFrame: null,
  entryOfMessage: text,
  messageOfEntry: (entry) => entry,
  isPongEntry: (entry) => entry.startsWith('~h~'),
  frameOfEntry: (entry) => encodeSio06Frame(entry),
  frameOfMessage: (data) => encodeSio06Frame(text(data)),
  frameOfPacket(packet: EioPacket) {
    return packet.type === 'message' ? encodeSio06Frame(text(packet.data ?? '')) : '';
  },
  decodeFrame(frame) {
    const packets = SIO06_DIALECT.decodeFrames!(frame, (err) => {
      throw err;
    });
    if (packets.length !== 1) throw new DecodeError('invalid-frame', 'expected one 0.6 message');
    return packets[0]!;
  },
  // 0.6 read frames leniently (what follows a broken frame is dropped, an
  // overrunning length takes the rest); peers written against it get the same.
  decodeFrames(frame, damaged) {
    if (typeof frame !== 'string') throw new DecodeError('binary-frame', '0.6 has no binary frames');
    const r = decodeSio06PayloadLenient(frame);
    if (r.error) damaged(r.error);
    return r.messages.map(classifySio06Message);
  },
};

/** What a 0.6 message is to the engine. */
export function classifySio06Message(message: string): EioPacket {
  return message.startsWith('~h~') ? { type: 'pong' } : { type: 'message', data: message };
}
