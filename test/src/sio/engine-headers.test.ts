/**
 * engine.io's `initial_headers` and `headers` events, seen by real clients:
 * fetch reads the headers a handshake and a later answer carry, and
 * socket.io-client 4.x (withCredentials, so Node's client keeps cookies)
 * sends the handshake's cookie back on every later request of the session,
 * the websocket upgrade included, on one worker and across the 3-worker
 * cluster (each worker adds its own header to the answers it gives).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChildEvent } from '../support/children.js';
import { connectSio, type SioClient } from '../clients/sio.js';
import { SIO_WORKER } from '../fixtures/cluster.js';
import { startTarget, TARGETS, type Target } from '../engine/targets.js';

type HeadersEvent = ChildEvent & { sid: string; transport: string; cookie: string | null; worker: string };

for (const kind of TARGETS) {
  describe(`engine initial_headers / headers: ${kind}`, () => {
    let target: Target;
    const clients: SioClient[] = [];
    before(async () => {
      target = await startTarget(kind, [], { script: SIO_WORKER, env: { NONSTICK_TEST_HEADERS: '1' } });
    });
    after(async () => {
      for (const c of clients) c.close();
      await target?.stop();
    });

    it('fetch: the handshake answer carries the cookie, a later answer only the worker header', async () => {
      const ids = target.workers.map((w) => w.workerId);
      const handshake = await fetch(`${target.url}/socket.io/?EIO=4&transport=polling`);
      assert.equal(handshake.status, 200);
      const first = handshake.headers.get('x-nonstick-worker');
      assert.ok(first !== null && ids.includes(first), `x-nonstick-worker ${first}`);
      assert.deepEqual(handshake.headers.getSetCookie(), [`handshake-worker=${first}; Path=/`]);
      const { sid } = JSON.parse((await handshake.text()).slice(1)) as { sid: string };
      const post = await fetch(`${target.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: '40' });
      assert.equal(post.status, 200);
      await post.text();
      const by = post.headers.get('x-nonstick-worker');
      assert.ok(by !== null && ids.includes(by), `x-nonstick-worker ${by}`);
      assert.deepEqual(post.headers.getSetCookie(), []);
    });

    it('socket.io-client 4.x sends the cookie back on every request of the session, through the upgrade', async () => {
      const c = await connectSio('v4', target.url, 'upgrade', { extra: { withCredentials: true } });
      clients.push(c);
      const deadline = Date.now() + 5000;
      while (c.transportName !== 'websocket' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(c.transportName, 'websocket');
      assert.deepEqual(await c.ack('echo', 'after upgrade'), ['after upgrade']);
      const sid = (c.raw.io.engine as unknown as { id: string }).id;
      // A worker reports before it answers, but its stdout may be read after the client's socket.
      await Promise.any(target.workers.map((w) => w.waitFor<HeadersEvent>('headers', (e) => e.sid === sid && e.transport === 'websocket')));
      const seen = target.workers.flatMap((w) => w.events('headers') as HeadersEvent[]).filter((e) => e.sid === sid);
      assert.ok(
        seen.some((e) => e.transport === 'websocket'),
        'the upgrade request emitted headers',
      );
      for (const e of seen) assert.match(e.cookie ?? '', /^handshake-worker=/, `${e.transport} on ${e.worker}`);
      if (kind === 'cluster') assert.ok(new Set(seen.map((e) => e.worker)).size >= 2, 'round-robin: answers came from several workers');
    });
  });
}
