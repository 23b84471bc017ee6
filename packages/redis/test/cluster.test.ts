/**
 * The contract suite again, on a three-master Redis Cluster: sessions spread
 * over the slots of all nodes, scripts must keep to one slot each (Redis
 * refuses otherwise), and worker messages published from scripts on one node
 * reach subscribers connected to another.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runStoreContract, sessionInit, sid } from '@nonstick/server/testing';
import { Cluster } from 'ioredis';
import { RedisStore } from '../src/index.js';
import { HashTagAudit } from './helpers/hash-tags.js';
import { startRedisCluster } from './helpers/redis-cluster.js';
import { startWorker } from './helpers/workers.js';

const cluster = await startRedisCluster(3);
after(() => cluster.stop());

const audit = new HashTagAudit();
let env = 0;

function clusterStore(prefix: string, limits: { maxQueueLength?: number } = {}): RedisStore {
  return new RedisStore({ cluster: { nodes: cluster.nodes }, prefix, limits: { ...limits, workerTtl: 1000 } });
}

runStoreContract('RedisStore on Redis Cluster', async (n, limits) => {
  const prefix = `cluster${++env}`;
  const stores = Array.from({ length: n }, () => clusterStore(prefix, limits));
  for (const s of stores) audit.watch(s.client);
  return {
    stores,
    async close() {
      await Promise.all(stores.map((s) => s.stop()));
    },
  };
});

describe('RedisStore on Redis Cluster', () => {
  it('kept every script call in one slot', () => {
    assert.ok(audit.scriptCalls > 100, `saw ${audit.scriptCalls} script calls`);
    assert.deepEqual(audit.violations, []);
  });

  it('spreads sessions over the nodes and still relays between workers', async () => {
    const a = await startWorker(clusterStore('spread'));
    const b = await startWorker(clusterStore('spread'));
    try {
      assert.ok(a.store instanceof RedisStore && a.store.client instanceof Cluster);
      const ids = Array.from({ length: 30 }, () => sid());
      for (const id of ids) await a.store.create(sessionInit(id, a.id));
      const slots = new Set(await Promise.all(ids.map((id) => (a.store as RedisStore).client.cluster('KEYSLOT', (a.store as RedisStore).keys.session(id)))));
      assert.ok(slots.size > 20, `sessions in ${slots.size} slots`);
      for (const id of ids) {
        assert.deepEqual(await b.store.ingest(id, 'polling', { messages: [`4${id}`] }), { kind: 'relayed', owner: a.id, settling: false });
      }
      for (const id of ids) await a.waitFor((m) => m.t === 'inbox' && m.sid === id);
      for (const id of ids) assert.deepEqual(await a.store.drainInbox(id), [`4${id}`]);
    } finally {
      await Promise.all([a.store.stop(), b.store.stop()]);
    }
  });
});
