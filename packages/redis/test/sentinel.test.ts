/**
 * Sentinel deployments: the store finds the master through a sentinel (both
 * of its connections) and works as usual.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { sessionInit, sid } from '@nonstick/server/testing';
import { Redis } from 'ioredis';
import { RedisStore } from '../src/index.js';
import { startRedisServer } from './helpers/redis-server.js';
import { startWorker } from './helpers/workers.js';

const master = await startRedisServer();
const sentinel = await startRedisServer({
  config: `sentinel monitor nsmaster ${master.host} ${master.port} 1\nsentinel down-after-milliseconds nsmaster 1000\n`,
  args: ['--sentinel'],
});
after(async () => {
  await sentinel.stop();
  await master.stop();
});

describe('RedisStore through Redis Sentinel', () => {
  it('connects to the master the sentinel names and serves sessions and messages', async () => {
    const options = { redis: { sentinels: [{ host: sentinel.host, port: sentinel.port }], name: 'nsmaster' }, prefix: 'sentinel' };
    const a = await startWorker(new RedisStore(options));
    const b = await startWorker(new RedisStore(options));
    try {
      const id = sid();
      await a.store.create(sessionInit(id, a.id));
      assert.deepEqual(await b.store.poll(id, 'polling', 'p'), { kind: 'wait' });
      assert.equal(await a.store.push(id, ['4hello']), true);
      assert.deepEqual(await b.waitFor((m) => m.t === 'wake'), { t: 'wake', sid: id, pollId: 'p' });
      assert.deepEqual(await b.store.poll(id, 'polling', 'p'), { kind: 'data', entries: ['4hello'], generation: 'eio4', flags: '' });
      // The data really is on that master (not on some default localhost:6379).
      const probe = new Redis(master.port, master.host);
      try {
        assert.equal(await probe.hget((a.store as RedisStore).keys.session(id), 'o'), a.id);
      } finally {
        probe.disconnect();
      }
    } finally {
      await Promise.all([a.store.stop(), b.store.stop()]);
    }
  });
});
