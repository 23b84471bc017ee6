import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectSio, type SioClient, type SioVersion } from '../clients/sio.js';
import { SIO_WORKER, startCluster, type Cluster, type WorkerProcess } from '../fixtures/cluster.js';

/** The worker that runs a client's handlers, asked through the session itself. */
async function ownerOf(c: Cluster, client: SioClient): Promise<WorkerProcess> {
  const [id] = await client.ack('whoami');
  const w = c.workers.find((x) => x.workerId === id);
  assert.ok(w, `owner ${String(id)} is one of ours`);
  return w;
}

const live = (c: Cluster): WorkerProcess[] => c.workers.filter((w) => !w.child.exited);

describe('Socket.IO: a worker killed with SIGKILL (3 workers on Redis behind nginx)', () => {
  let c: Cluster;
  const clients: SioClient[] = [];
  before(async () => {
    c = await startCluster(3, ['--allow-eio3', '--worker-ttl', '1000', '--recovery', '60000'], {
      script: SIO_WORKER,
    });
  });
  after(async () => {
    for (const x of clients) x.close();
    await c?.stop();
  });

  for (const version of ['v4', 'v2'] as SioVersion[]) {
    it(`${version} polling clients keep their socket (id, rooms, data) and lose no ack when the owner dies`, async () => {
      const client = await connectSio(version, c.url, 'polling');
      clients.push(client);
      const room = `poll-${version}`;
      await client.ack('join', room);
      await client.ack('set-data', { who: version });
      await new Promise((r) => setTimeout(r, 100)); // the state write is asynchronous
      const owner = await ownerOf(c, client);
      const survivors = live(c).filter((w) => w !== owner);
      const marks = survivors.map((w) => w.mark());
      const id = client.id;
      const answers: Array<Promise<unknown[]>> = [];
      for (let i = 0; i < 80; i++) {
        answers.push(client.ack('echo', i));
        if (i === 30) owner.child.killGroup('SIGKILL');
        await new Promise((r) => setTimeout(r, 5));
      }
      const got = await Promise.all(answers);
      assert.deepEqual(
        got.map((a) => a[0]),
        Array.from({ length: 80 }, (_, i) => i),
        'every ack once, in order',
      );
      assert.equal(client.received('$disconnect').length, 0, 'the client never noticed');
      const rebuilt = await Promise.any(
        survivors.map((w, k) => w.waitFor('connection', (e) => e['id'] === id && e['recovered'] === true, { since: marks[k]!, timeoutMs: 10_000 })),
      );
      assert.deepEqual((rebuilt['rooms'] as string[]).sort(), [id, room].sort());
      assert.deepEqual(rebuilt['data'], { who: version });
      const newOwner = await ownerOf(c, client);
      assert.notEqual(newOwner, owner);
      assert.deepEqual(await client.ack('rooms'), [[id, room].sort()]);
      // The rebuilt socket is still in its room for broadcasts from any worker.
      await client.ack('to', room, 'after', 'failover');
      const after = await client.first('after');
      // With recovery on, socket.io-client 4.x gets each broadcast's offset as last argument.
      assert.deepEqual(after, version === 'v4' ? ['failover', after[1]] : ['failover']);
      if (version === 'v4') assert.match(String(after[1]), /^\d+-\d+$/);
      client.close();
      await c.heal();
    });
  }

  it('websocket clients of the dead worker reconnect and recover rooms, data and missed broadcasts', async () => {
    assert.equal(live(c).length, 3, `live workers: ${c.workers.map((w) => `${w.workerId} ${w.child.exited ? 'exited' : 'up'}`).join(', ')}`);
    const room = 'ws-recovery';
    const listener = await connectSio('v4', c.url, 'websocket', {
      reconnection: true,
      extra: { reconnectionDelay: 500, reconnectionDelayMax: 500, randomizationFactor: 0 },
    });
    clients.push(listener);
    await listener.ack('join', room);
    await listener.ack('set-data', { nick: 'ws' });
    // A first broadcast gives the client an offset to recover from.
    await listener.ack('to', room, 'news', 0);
    await listener.first('news');
    await new Promise((r) => setTimeout(r, 100));
    const owner = await ownerOf(c, listener);
    const id = listener.id;
    // A sender on another worker keeps broadcasting while the listener is away.
    let sender: SioClient | null = null;
    for (let i = 0; i < 10 && !sender; i++) {
      const s = await connectSio('v4', c.url, 'websocket');
      clients.push(s);
      if ((await ownerOf(c, s)) !== owner) sender = s;
      else s.close();
    }
    assert.ok(sender, 'a sender on another worker');
    owner.child.killGroup('SIGKILL');
    await listener.first('$disconnect');
    for (let i = 1; i <= 5; i++) await sender.ack('to', room, 'news', i);
    await listener.nextN('$connect', 2, 15_000);
    assert.equal(listener.raw.recovered, true, 'socket.recovered on the client');
    assert.equal(listener.id, id, 'same socket id');
    const news = await listener.nextN('news', 6, 10_000);
    assert.deepEqual(
      news.map((a) => a[0]),
      [0, 1, 2, 3, 4, 5],
      'missed broadcasts replayed in order',
    );
    await sender.ack('to', room, 'news', 6);
    await listener.nextN('news', 7);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(
      listener.received('news').map((a) => a[0]),
      [0, 1, 2, 3, 4, 5, 6],
      'each once',
    );
    assert.deepEqual(await listener.ack('rooms'), [[id, room].sort()]);
    assert.deepEqual(await listener.ack('get-data'), [{ nick: 'ws' }]);
    await c.heal();
  });
});
