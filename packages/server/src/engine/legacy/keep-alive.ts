import type { EngineServices } from '../services.js';

/**
 * An open stream (htmlfile, xhr-multipart) keeps its session alive: its
 * client only talks when it answers a heartbeat, and the session ends with
 * the stream anyway.
 */
export function keepAlive(engine: EngineServices, sid: string): void {
  engine.store.ingest(sid, 'polling', { messages: [], heartbeat: 'activity' }).catch((err) => engine.storeFailed(err, 'heartbeat'));
}
