import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type ClientVersion, type TestClient } from '../clients/eio.js';
import { startCluster, type Cluster, type WorkerProcess } from '../fixtures/cluster.js';

/** The worker that owns a client's session, asked through the session itself. */
async function ownerOf(c: Cluster, client: TestClient): Promise<WorkerProcess> {
  client.send('whoami');
  const [answer] = await client.nextMessages(1);
  const id = String(answer).replace(/^worker:/, '');
  const w = c.workers.find((x) => x.workerId === id);
  assert.ok(w, `owner ${id} is one of ours`);
  return w;
}

describe('a worker killed with SIGKILL (3 workers on Redis behind nginx)', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster(3, ['--allow-eio3', '--worker-ttl', '1000']);
  });
  after(() => c?.stop());

  for (const version of ['v4', 'v3'] as ClientVersion[]) {
    it(`${version} polling clients keep their session and lose nothing when the owner dies`, async () => {
      const client = await connect(version, c.url, 'polling');
      let closed: string | null = null;
      void client.closed.then((r) => (closed = r));
      const owner = await ownerOf(c, client);
      const survivors = c.workers.filter((w) => w !== owner && !w.child.exited);
      const marks = survivors.map((w) => w.mark());
      const n = 200;
      const sent: string[] = [];
      for (let i = 0; i < n; i++) {
        const m = `m${i}`;
        sent.push(m);
        client.send(m);
        if (i === 60) owner.child.killGroup('SIGKILL');
        await new Promise((r) => setTimeout(r, 5));
      }
      const echoes = await client.nextMessages(n, 30_000);
      assert.deepEqual(echoes, sent, 'every message echoed once, in order');
      assert.equal(closed, null, 'the client never noticed');
      assert.equal(client.transportName(), 'polling');
      const taken = await Promise.any(
        survivors.map((w, k) => w.waitFor('connection', (e) => e['sid'] === client.id && e['resumed'] === true, { since: marks[k]!, timeoutMs: 10_000 })),
      );
      assert.equal(taken['resumed'], true);
      const newOwner = await ownerOf(c, client);
      assert.notEqual(newOwner, owner);
      client.close();
      await c.heal();
    });
  }

  it('websocket clients of the dead worker are disconnected and their sessions reaped', async () => {
    const live = c.workers.filter((w) => !w.child.exited);
    assert.equal(live.length, 3);
    const client = await connect('v4', c.url, 'websocket');
    const owner = await ownerOf(c, client);
    const sid = client.id; // engine.io-client forgets its id once closed
    const others = live.filter((w) => w !== owner);
    const marks = others.map((w) => w.mark());
    owner.child.killGroup('SIGKILL');
    assert.match(await client.closed, /transport close|transport error/);
    const reaped = await Promise.any(others.map((w, k) => w.waitFor('reap', (e) => e['sid'] === sid, { since: marks[k]!, timeoutMs: 10_000 })));
    assert.equal(reaped['sid'], sid);
    // The cluster keeps serving new clients.
    const fresh = await connect('v4', c.url, 'upgrade');
    fresh.send('hello');
    assert.deepEqual(await fresh.nextMessages(1), ['hello']);
    fresh.close();
  });
});
