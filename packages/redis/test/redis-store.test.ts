/**
 * The shared store contract against a real redis-server, plus a check that
 * every script call the suite made kept its keys in one Cluster slot, and
 * what the contract cannot see of the keys it added (state, recovery).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runStoreContract, sessionInit, sid } from '@nonstick/server/testing';
import { hashTag, RedisStore } from '../src/index.js';
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

describe('RedisStore state and recovery keys', () => {
  it('keeps the state hash under the session tag, expiring and going with the session', async () => {
    const store = new RedisStore({ url: server.url, prefix: `contract${++env}`, limits: { closeLinger: 5000 } });
    audit.watch(store.client);
    await store.start(`W-${process.pid}`, () => {});
    try {
      const k = store.keys;
      const ttlOf = (id: string) => store.client.pttl(k.state(id));
      const open = sid();
      await store.create(sessionInit(open, store.workerId));
      await store.setState(open, '/', 'x');
      assert.equal(hashTag(k.state(open)), open);
      assert.equal(await ttlOf(open), -1, 'an open session has no TTL');
      await store.close(open, 'forced close');
      const ttl = await ttlOf(open);
      assert.ok(ttl > 0 && ttl <= 5000, `expires with the closed record (${ttl} ms)`);

      const late = sid();
      await store.create(sessionInit(late, store.workerId));
      await store.close(late, 'forced close');
      await store.setState(late, '/', 'y');
      const lateTtl = await ttlOf(late);
      assert.ok(lateTtl > 0 && lateTtl <= 5000, `state set after the close takes the record's TTL (${lateTtl} ms)`);
      await store.setState(sid(), '/', 'z');
      assert.equal((await store.client.keys(`${k.prefix}:*:x`)).length, 2, 'no state for unknown sessions');

      const destroyed = sid();
      await store.create(sessionInit(destroyed, store.workerId));
      await store.setState(destroyed, '/', 'x');
      await store.destroy(destroyed);
      assert.equal(await store.client.exists(k.state(destroyed)), 0);

      const polled = sid();
      await store.create(sessionInit(polled, store.workerId));
      await store.setState(polled, '/', 'x');
      await store.close(polled, 'forced close', ['1']);
      await store.poll(polled, 'polling', 'p');
      assert.equal(await store.client.exists(k.session(polled), k.state(polled)), 0, 'the last poll deletes both');

      const replaced = sid();
      await store.create(sessionInit(replaced, store.workerId));
      await store.setState(replaced, '/', 'x');
      await store.create(sessionInit(replaced, store.workerId));
      assert.equal(await store.client.exists(k.state(replaced)), 0);
    } finally {
      await store.stop();
    }
  });

  it('keeps recovery records as single keys that expire', async () => {
    const store = new RedisStore({ url: server.url, prefix: `contract${++env}` });
    await store.start(`W-${process.pid}`, () => {});
    try {
      const key = store.keys.recovery('rid');
      await store.saveRecovery('rid', 'v', 5000);
      const ttl = await store.client.pttl(key);
      assert.ok(ttl > 0 && ttl <= 5000, `${ttl} ms`);
      await store.saveRecovery('rid', 'v', 0);
      assert.equal(await store.client.exists(key), 0, 'a ttl of 0 saves nothing');
    } finally {
      await store.stop();
    }
  });
});

describe('RedisStore scripts under the contract suite', () => {
  it('kept the keys of every script call in one hash slot', () => {
    assert.ok(audit.scriptCalls > 100, `saw ${audit.scriptCalls} script calls`);
    assert.deepEqual(audit.violations, []);
  });
});
