import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectSio, type SioClient } from '../clients/sio.js';
import { SIO_WORKER, startCluster, type Cluster, type WorkerProcess } from '../fixtures/cluster.js';

async function ownerOf(c: Cluster, client: SioClient): Promise<WorkerProcess> {
  const [id] = await client.ack('whoami');
  const w = c.workers.find((x) => x.workerId === id);
  assert.ok(w, `owner ${String(id)} is one of ours`);
  return w;
}

/** Connects clients until one is owned by `target` (round robin spreads them). */
async function clientOn(c: Cluster, target: WorkerProcess, mode: 'polling' | 'websocket', clients: SioClient[], opts = {}): Promise<SioClient> {
  for (let i = 0; i < 12; i++) {
    const x = await connectSio('v4', c.url, mode, opts);
    clients.push(x);
    if ((await ownerOf(c, x)) === target) return x;
    x.close();
  }
  throw new Error(`no ${mode} client landed on ${target.workerId}`);
}

describe('graceful stop: SIGTERM on a worker (3 workers on Redis behind nginx)', () => {
  let c: Cluster;
  const clients: SioClient[] = [];
  before(async () => {
    c = await startCluster(3, ['--recovery', '60000'], { script: SIO_WORKER });
  });
  after(async () => {
    for (const x of clients) x.close();
    await c?.stop();
  });

  it('polling sessions move to the other workers unnoticed; websocket clients reconnect and recover; nothing is lost', async () => {
    const target = c.workers[0]!;
    const poller = await clientOn(c, target, 'polling', clients);
    const ws = await clientOn(c, target, 'websocket', clients, {
      reconnection: true,
      extra: { reconnectionDelay: 200, reconnectionDelayMax: 200, randomizationFactor: 0 },
    });
    const room = 'graceful';
    for (const x of [poller, ws]) {
      await x.ack('join', room);
      await x.ack('set-data', { who: x === poller ? 'poller' : 'ws' });
    }
    // A broadcast first gives the websocket client an offset to recover from.
    await poller.ack('to', room, 'news', 0);
    await ws.nextN('news', 1);
    const pollerId = poller.id;
    const wsId = ws.id;
    const others = c.workers.filter((w) => w !== target);
    const marks = others.map((w) => w.mark());

    const answers: Array<Promise<unknown[]>> = [];
    for (let i = 0; i < 40; i++) {
      answers.push(poller.ack('echo', i));
      if (i === 10) void target.child.stop(15_000, 'SIGTERM');
      await new Promise((r) => setTimeout(r, 20));
    }
    const got = await Promise.all(answers);
    assert.deepEqual(
      got.map((a) => a[0]),
      Array.from({ length: 40 }, (_, i) => i),
      'every poller ack, once, in order',
    );
    assert.equal(poller.received('$disconnect').length, 0, 'the polling client never noticed');

    const exit = await target.child.waitForExit(12_000);
    assert.equal(exit.code, 0, 'the worker exited by itself, in time');
    const adopted = await Promise.any(
      others.map((w, k) => w.waitFor('connection', (e) => e['id'] === pollerId && e['recovered'] === true, { since: marks[k]!, timeoutMs: 10_000 })),
    );
    assert.deepEqual((adopted['rooms'] as string[]).sort(), [pollerId, room].sort());
    assert.deepEqual(adopted['data'], { who: 'poller' });

    // The websocket client was told to go and came back to another worker.
    assert.equal((await ws.first('$disconnect'))[0], 'transport close');
    await ws.nextN('$connect', 2, 10_000);
    assert.equal(ws.raw.recovered, true);
    assert.equal(ws.id, wsId);
    assert.notEqual(await ownerOf(c, ws), target);
    await poller.ack('to', room, 'news', 1);
    const news = await ws.nextN('news', 2);
    assert.deepEqual(
      news.map((a) => a[0]),
      [0, 1],
    );
    assert.deepEqual(await ws.ack('get-data'), [{ who: 'ws' }]);
    assert.deepEqual(await poller.ack('rooms'), [[pollerId, room].sort()]);
  });
});
