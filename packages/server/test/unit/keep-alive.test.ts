import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { Engine } from '../../src/engine/Engine.js';
import type { EngineSocket } from '../../src/engine/EngineSocket.js';
import { keepAlive } from '../../src/engine/legacy/keep-alive.js';
import { MemoryCluster, MemoryStore } from '../../src/store/MemoryStore.js';

const engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});

/** Two workers on one cluster; a 0.6 stream session owned by the first, as its stream GET creates it. */
async function twoWorkers(): Promise<{ owner: Engine; other: MemoryStore; socket: EngineSocket; sid: string }> {
  const cluster = new MemoryCluster();
  const owner = new Engine({ store: new MemoryStore({ cluster }), sio06: true });
  const otherStore = new MemoryStore({ cluster });
  const other = new Engine({ store: otherStore, sio06: true });
  engines.push(owner, other);
  await Promise.all([owner.ready, other.ready]);
  const sid = 'streamsession0000001';
  await owner.store.create({
    sid,
    generation: 'sio06',
    transport: 'polling',
    owner: owner.workerId,
    persistent: false,
    pingInterval: 60_000,
    pingTimeout: 60_000,
    heartbeat: 'client',
    pingEntry: '',
    closeEntry: '',
    storeHeartbeat: true,
    handshake: '{}',
    flags: '',
    settling: false,
  });
  const hs = {
    request: { method: 'GET', path: '/socket.io/htmlfile', query: {}, headers: {}, remoteAddress: '127.0.0.1' },
    issued: Date.now(),
    supportsBinary: false,
  };
  const socket = owner.adopt(sid, 'sio06', 'polling', hs as never, false);
  return { owner, other: otherStore, socket, sid };
}

describe("keepAlive (a stream's heartbeat ingest on the owner)", () => {
  it('delivers what another worker relayed just before it, instead of leaving the inbox notification nothing to drain', async () => {
    const { owner, other, socket, sid } = await twoWorkers();
    const got: string[] = [];
    socket.on('message', (d: Buffer | string) => got.push(String(d)));
    const sentAt = Date.now();
    // A POST on the other worker relays the client's heartbeat answer and a
    // message; the owner's heartbeat ingest runs before it hears of them.
    const relayed = other.ingest(sid, 'polling', { messages: ['~h~1', 'hello'], heartbeat: 'activity' });
    keepAlive(owner, sid);
    assert.equal((await relayed).kind, 'relayed');
    const deadline = Date.now() + 2_000;
    while ((got.length === 0 || socket.lastPong < sentAt) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(got, ['hello'], 'the relayed message reached the application');
    assert.ok(socket.lastPong >= sentAt, 'the relayed heartbeat answer counted');
  });
});
