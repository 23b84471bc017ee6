import type { EngineServices } from '../services.js';

/**
 * An open stream (htmlfile, xhr-multipart) keeps its session alive: its
 * client only talks when it answers a heartbeat, and the session ends with
 * the stream anyway.
 */
export function keepAlive(engine: EngineServices, sid: string): void {
  engine.store.ingest(sid, 'polling', { messages: [], heartbeat: 'activity' }).then(
    (r) => {
      // On the owner the ingest takes the inbox along: an answer relayed by
      // another worker just before it (the heartbeat's, often) is only here.
      if (r.kind === 'local' && r.entries.length > 0) engine.sockets.get(sid)?.receiveEntries(r.entries, r.stored);
    },
    (err) => engine.storeFailed(err, 'heartbeat'),
  );
}
