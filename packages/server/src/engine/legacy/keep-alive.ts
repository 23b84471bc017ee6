import type { EngineServices } from '../services.js';

/**
 * An open stream (htmlfile, xhr-multipart) keeps its session alive: its
 * client only talks when it answers a heartbeat, and the session ends with
 * the stream anyway.
 *
 * On the owner the store hands this ingest whatever other workers relayed
 * to the session's inbox and not yet drained (a POST that went to another
 * worker a moment ago); the inbox notification then finds it empty, so the
 * entries must be delivered here or they are lost (heartbeat answers, which
 * then timed the session out, and client messages alike).
 */
export function keepAlive(engine: EngineServices, sid: string): void {
  engine.store.ingest(sid, 'polling', { messages: [], heartbeat: 'activity' }).then(
    (r) => {
      if (r.kind === 'local' && r.entries.length > 0) void engine.receiveOwned(sid, r.entries, r.stored);
    },
    (err) => engine.storeFailed(err, 'heartbeat'),
  );
}
