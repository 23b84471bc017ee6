/**
 * A user app on a cluster: 3 real `nonstick --app <ES module>` workers on
 * Redis behind the project's nginx config. socket.io-client 4.x clients
 * through nginx reach the app's handlers on every worker, a room broadcast
 * from one worker reaches clients on all three, and the app's `options`
 * reach the server, under the settings given by flag.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { connectSio, type SioClient } from '../clients/sio.js';
import { startCluster, type Cluster } from '../fixtures/cluster.js';
import { repoRoot } from '../support/paths.js';

const BIN = join(repoRoot(), 'packages', 'nonstick', 'dist', 'src', 'bin.js');
const ESM_APP = fileURLToPath(new URL('../fixtures/app-esm.js', import.meta.url));

describe('nonstick --app on 3 workers behind nginx', { timeout: 90_000 }, () => {
  let c: Cluster;
  const clients: SioClient[] = [];
  before(async () => {
    c = await startCluster(3, ['--app', ESM_APP, '--ping-timeout', '5000'], { script: BIN });
  });
  after(async () => {
    for (const x of clients) x.close();
    await c?.stop();
  });

  it("every worker runs the app's handlers, and a room broadcast reaches clients on all of them", async () => {
    const ids = new Set(c.workers.map((w) => w.workerId));
    /** One client per worker, found through round robin. */
    const onWorker = new Map<string, SioClient>();
    for (let attempt = 0; attempt < 15 && onWorker.size < ids.size; attempt++) {
      const client = await connectSio('v4', c.url, 'websocket');
      clients.push(client);
      const [greeting, worker] = await client.ack('hello');
      assert.equal(greeting, 'hello from the app');
      assert.ok(ids.has(String(worker)), `${String(worker)} is one of the cluster's workers`);
      if (!onWorker.has(String(worker))) onWorker.set(String(worker), client);
    }
    assert.deepEqual([...onWorker.keys()].sort(), [...ids].sort(), 'a client on each worker');
    const members = [...onWorker.values()];
    for (const m of members) await m.ack('join', 'lobby');
    const [senderWorker, sender] = [...onWorker][0]!;
    const heard = members.map((m) => m.next('heard'));
    sender.emit('shout', 'lobby', 'hi all');
    for (const args of await Promise.all(heard)) assert.deepEqual(args[0], { text: 'hi all', via: senderWorker });
  });

  it("the app's options reach the server, and a flag overrides them", async () => {
    const body = await (await fetch(`${c.url}/socket.io/?EIO=4&transport=polling`)).text();
    const handshake = JSON.parse(body.slice(1));
    assert.equal(handshake.pingInterval, 4321, 'from the app');
    assert.equal(handshake.pingTimeout, 5000, '--ping-timeout over the app');
  });
});
