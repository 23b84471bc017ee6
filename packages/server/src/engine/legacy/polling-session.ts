import type { Generation } from '../../store/Store.js';
import type { EngineServices } from '../services.js';
import type { HandshakeRecord } from '../handshake.js';

/**
 * Stores a new polling session of a legacy generation (0.9's `sio1`, `sio06`).
 * Both generations judge a polling client by its requests alone: the
 * session ends when none came for `closeTimeout` after a poll held
 * `pollingDuration`, and says nothing when it times out (the client's next
 * request finds it unknown and starts over, as with 0.9 and 0.6).
 */
export function createLegacyPollingSession(
  engine: EngineServices,
  generation: Extract<Generation, 'sio1' | 'sio06'>,
  sid: string,
  handshake: HandshakeRecord,
  timing: { closeTimeout: number; pollingDuration: number },
  opts: { pingEntry: string; settling: boolean },
): Promise<void> {
  return engine.store.create({
    sid,
    generation,
    transport: 'polling',
    owner: engine.workerId,
    persistent: false,
    // The activity deadline: closeTimeout after the end of a poll held pollingDuration.
    pingInterval: timing.closeTimeout,
    pingTimeout: timing.pollingDuration,
    heartbeat: 'client',
    pingEntry: opts.pingEntry,
    closeEntry: '',
    storeHeartbeat: true,
    handshake: JSON.stringify(handshake),
    flags: '',
    settling: opts.settling,
  });
}
