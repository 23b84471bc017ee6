/**
 * The shared store contract against a real redis-server, plus a check that
 * every script call the suite made kept its keys in one Cluster slot.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runStoreContract } from '@nonstick/server/testing';
import { RedisStore } from '../src/index.js';
import { HashTagAudit } from './helpers/hash-tags.js';
import { startRedisServer } from './helpers/redis-server.js';

const server = await startRedisServer();
after(() => server.stop());

const audit = new HashTagAudit();
let env = 0;

runStoreContract('RedisStore', async (n, limits) => {
  // A fresh prefix per test: a clean cluster, like a new MemoryCluster.
  const prefix = `contract${++env}`;
  const stores = Array.from({ length: n }, () => new RedisStore({ url: server.url, prefix, limits: { ...limits, workerTtl: 1000 } }));
  for (const s of stores) audit.watch(s.client);
  return {
    stores,
    async close() {
      await Promise.all(stores.map((s) => s.stop()));
    },
  };
});

describe('RedisStore scripts under the contract suite', () => {
  it('kept the keys of every script call in one hash slot', () => {
    assert.ok(audit.scriptCalls > 100, `saw ${audit.scriptCalls} script calls`);
    assert.deepEqual(audit.violations, []);
  });
});
