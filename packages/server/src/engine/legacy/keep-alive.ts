import type { Engine } from '../Engine.js';

/**
 * An open stream (htmlfile, xhr-multipart) keeps its session alive: its
 * client only talks when it answers a heartbeat, and the session ends with
 * the stream anyway.
 */
export function keepAlive(engine: Engine, sid: string): void {
  engine.store.ingest(sid, 'polling', { messages: [], heartbeat: 'activity' }).catch((err) => engine.storeFailed(err, 'heartbeat'));
}
