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
      // The worker's reports come over its stdout, apart from the ack: wait for them on one worker,
      // where both events must come (in the cluster the session may have been announced at the probe).
      if (kind === 'single') {
        await waitUntil(
          () => eventsOf(target, 'upgrade', c.id).length >= 1 && eventsOf(target, 'upgrading', c.id).length >= 1,
          'upgrading and upgrade reported',
        );
      }
      const conns = eventsOf(target, 'connection', c.id);
      const upgrades = eventsOf(target, 'upgrade', c.id);
      for (const e of conns) assert.ok(e['transport'] === 'polling' || e['transport'] === 'websocket', `connection saw ${JSON.stringify(e['transport'])}`);
      for (const u of upgrades) assert.deepEqual([u['name'], u['transport']], ['websocket', 'websocket']);
      for (const u of eventsOf(target, 'upgrading', c.id)) assert.equal(u['name'], 'websocket');
      if (kind === 'single') {
        // One process announces at once, so the application sees the session before and after its upgrade.
        assert.deepEqual(
          conns.map((e) => e['transport']),
          ['polling'],
        );
        assert.equal(upgrades.length, 1);
        assert.equal(eventsOf(target, 'upgrading', c.id).length, 1);
      } else {
        // Announced while polling, the session either upgraded in place or moved; announced at the probe, it is already a websocket.
        const last = conns[conns.length - 1]!;
        assert.ok(last['transport'] === 'websocket' || upgrades.length === 1, 'the final owner saw the websocket');
      }
    });
  });
}
