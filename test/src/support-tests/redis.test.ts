import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { canConnect } from '../support/net.js';
import { startRedis } from '../support/redis.js';
import type { RedisProcess } from '../support/redis.js';

/** ioredis client; connection errors while a test has the server down are expected. */
function newClient(url: string, opts: RedisOptions = {}): Redis {
  const c = new Redis(url, opts);
  c.on('error', () => {});
  return c;
}

/** A client that fails fast instead of queueing while the server is down. */
function strictClient(url: string): Redis {
  return newClient(url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
}

describe('startRedis', () => {
  let redis: RedisProcess;
  const clients: Redis[] = [];

  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    // quit() closes at once; disconnect() on a live socket arms a 2 s timer
    // that keeps the test process alive.
    await Promise.all(
      clients.map((c) => {
        if (c.status === 'ready')
          return c.quit().then(
            () => {},
            () => c.disconnect(),
          );
        if (c.status !== 'end') c.disconnect();
        return Promise.resolve();
      }),
    );
    await redis?.stop();
  });

  it('runs a private, non-persistent server on a free loopback port', async () => {
    assert.match(redis.url, /^redis:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(redis.port, 6379);
    assert.equal(redis.url, `redis://127.0.0.1:${redis.port}`);
    const client = newClient(redis.url);
    clients.push(client);
    assert.deepEqual(await client.config('GET', 'save'), ['save', '']);
    assert.deepEqual(await client.config('GET', 'appendonly'), ['appendonly', 'no']);
    assert.deepEqual(await client.config('GET', 'bind'), ['bind', '127.0.0.1']);
    assert.deepEqual(await client.config('GET', 'dir'), ['dir', redis.dir]);
  });

  it('serves the data plane (ioredis) and flushAll() empties it', async () => {
    const client = newClient(redis.url);
    clients.push(client);
    await client.set('k', 'v');
    await client.hset('h', { a: '1' });
    assert.equal(await client.get('k'), 'v');
    await redis.flushAll();
    assert.equal(await client.dbsize(), 0);
  });

  it('kill() is a crash; restart() comes back on the same port without the data', async () => {
    const port = redis.port;
    // A long-lived client with ioredis defaults (reconnect + offline queue),
    // like a worker's connection, must recover by itself after the restart.
    const survivor = newClient(redis.url);
    clients.push(survivor);
    await survivor.set('before-crash', '1');

    await redis.kill();
    assert.equal(redis.running, false);
    assert.equal(redis.child.signalCode, 'SIGKILL');
    assert.equal(await canConnect('127.0.0.1', port, 500), false);
    const strict = strictClient(redis.url);
    clients.push(strict);
    await assert.rejects(strict.connect());

    await redis.restart();
    assert.equal(redis.running, true);
    assert.equal(redis.port, port);
    assert.equal(await survivor.get('before-crash'), null, 'no persistence: data is gone');
    await survivor.set('after-restart', '2');
    const fresh = newClient(redis.url);
    clients.push(fresh);
    assert.equal(await fresh.get('after-restart'), '2');
  });

  it('restart() of a running server is a clean stop + start on the same port', async () => {
    const port = redis.port;
    const first = redis.child;
    await redis.restart();
    assert.equal(first.exited, true);
    assert.notEqual(redis.child.pid, first.pid);
    assert.equal(redis.port, port);
    assert.ok(await canConnect('127.0.0.1', port));
  });

  it('stop() shuts down and removes the temp dir; two servers never share a port', async () => {
    const other = await startRedis({ name: 'other' });
    try {
      assert.notEqual(other.port, redis.port);
      assert.ok(existsSync(other.dir));
    } finally {
      await other.stop();
    }
    assert.equal(other.running, false);
    assert.equal(existsSync(other.dir), false);
    assert.equal(await canConnect('127.0.0.1', other.port, 500), false);
    await other.stop(); // idempotent
  });
});
