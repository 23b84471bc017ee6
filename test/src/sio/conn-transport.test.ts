/**
 * `socket.conn.transport` is engine.io's transport object (`.name`), and
 * `upgrading`/`upgrade` pass it, as socket.io 4 applications expect; with
 * socket.io-client 4.x on one worker and through the cluster.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectSio, type SioClient } from '../clients/sio.js';
import { SIO_WORKER } from '../fixtures/cluster.js';
import { startTarget, TARGETS, type Target } from '../engine/targets.js';
import { waitUntil } from '../support/wait.js';

type Event = Record<string, unknown>;

function eventsOf(target: Target, name: string, id: string): Event[] {
  return target.workers.flatMap((w) => w.events(name).filter((e) => e['id'] === id));
}

for (const kind of TARGETS) {
  describe(`socket.conn.transport with socket.io-client 4.x: ${kind}`, () => {
    let target: Target;
    const clients: SioClient[] = [];
    before(async () => {
      target = await startTarget(kind, [], { script: SIO_WORKER });
    });
    after(async () => {
      for (const c of clients) c.close();
      await target?.stop();
    });

    it('polling: the connection and every handler see { name: "polling" }', async () => {
      const c = await connectSio('v4', target.url, 'polling');
      clients.push(c);
      assert.deepEqual(await c.ack('transport'), ['polling']);
      const conns = eventsOf(target, 'connection', c.id);
      assert.ok(conns.length >= 1);
      for (const e of conns) assert.equal(e['transport'], 'polling');
    });

    it('upgrade: the name changes to "websocket" and upgrade events carry the transport object', async () => {
      const c = await connectSio('v4', target.url, 'upgrade');
      clients.push(c);
      await waitUntil(() => c.transportName === 'websocket', 'client upgraded');
      assert.deepEqual(await c.ack('transport'), ['websocket']);
      // The worker's reports come over its stdout, apart from the ack: wait for them. A session
      // announced while polling then reports its upgrade; one announced at the probe (the client
      // upgraded before the announcement, on any number of workers) is a websocket already.
      const sawWebsocket = (): boolean => {
        const cs = eventsOf(target, 'connection', c.id);
        return cs.length >= 1 && (cs[cs.length - 1]!['transport'] === 'websocket' || eventsOf(target, 'upgrade', c.id).length === 1);
      };
      await waitUntil(sawWebsocket, 'the final owner reported the websocket');
      const conns = eventsOf(target, 'connection', c.id);
      const upgrades = eventsOf(target, 'upgrade', c.id);
      for (const e of conns) assert.ok(e['transport'] === 'polling' || e['transport'] === 'websocket', `connection saw ${JSON.stringify(e['transport'])}`);
      for (const u of upgrades) assert.deepEqual([u['name'], u['transport']], ['websocket', 'websocket']);
      for (const u of eventsOf(target, 'upgrading', c.id)) assert.equal(u['name'], 'websocket');
      assert.ok(upgrades.length <= 1, 'one upgrade at most');
    });
  });
}
