/**
 * Redis going away and coming back: store calls must fail fast with an error
 * (never hang, never crash the process) and work again afterwards, with the
 * worker's lease re-registered, its channel re-subscribed and the scripts
 * reloaded into the fresh server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sessionInit, sid } from '@nonstick/server/testing';
import { RedisStore, type StatusEvent } from '../src/index.js';
import { freePort, startRedisServer } from './helpers/redis-server.js';
import { startWorker, until, type TestWorker } from './helpers/workers.js';

const server = await startRedisServer();
const stores: RedisStore[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

before(() => process.on('unhandledRejection', onUnhandled));
after(async () => {
  process.off('unhandledRejection', onUnhandled);
  await Promise.all(stores.map((s) => s.stop()));
  await server.stop();
});

function store(prefix: string): RedisStore {
  const s = new RedisStore({ url: server.url, prefix, limits: { workerTtl: 1000 } });
  stores.push(s);
  return s;
}

/** Resolves with how long `p` took to reject; fails if it resolves. */
async function rejectsWithin(p: Promise<unknown>, ms: number, label: string): Promise<void> {
  const t0 = Date.now();
  await assert.rejects(p, Error, `${label} should fail`);
  const took = Date.now() - t0;
  assert.ok(took < ms, `${label} failed after ${took} ms (limit ${ms})`);
}

describe('RedisStore across a Redis restart', () => {
  it('fails fast while Redis is down and recovers lease, subscription and scripts after', async () => {
    const a = store('outage');
    const b = store('outage');
    const events: StatusEvent[] = [];
    a.on('status', (e) => events.push(e));
    const wa: TestWorker = await startWorker(a);
    const wb: TestWorker = await startWorker(b);
    const id = sid();
    await a.create(sessionInit(id, wa.id));

    // Commands in flight when the server dies are rejected, not kept forever.
    const inFlight = Promise.allSettled(Array.from({ length: 50 }, (_, i) => a.push(id, [`4${i}`])));
    await server.kill();
    const settled = await Promise.race([inFlight, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 3000))]);
    assert.notEqual(settled, 'hung', 'in-flight commands settle');

    // Every kind of call fails fast during the outage, again and again.
    for (let round = 0; round < 3; round++) {
      await rejectsWithin(a.push(id, ['4x']), 500, 'push');
      await rejectsWithin(b.poll(id, 'polling', 'p'), 500, 'poll');
      await rejectsWithin(b.ingest(id, 'polling', { messages: ['4m'] }), 500, 'ingest');
      await rejectsWithin(a.sweepHeartbeats(Date.now(), 10), 500, 'sweep');
      await rejectsWithin(b.deadWorkers(), 500, 'deadWorkers');
      await rejectsWithin(b.send(wa.id, { t: 'res', id: 'x', body: '' }), 500, 'send');
      await new Promise((r) => setTimeout(r, 150));
    }
    await until(() => events.some((e) => e.connection === 'command' && e.status === 'reconnecting'), 2000, 'reconnecting status');
    await until(() => events.some((e) => e.connection === 'subscriber' && e.status === 'reconnecting'), 2000, 'subscriber reconnecting');

    await server.start();
    for (const s of [a, b]) {
      await until(() => s.client.status === 'ready' && s.subscriber.status === 'ready', 10_000, 'reconnection');
    }
    assert.ok(events.some((e) => e.connection === 'command' && e.status === 'ready'));

    // The lease is back although the restarted server started empty.
    await until(async () => Number(await b.client.zscore(b.keys.workers, wa.id)) > Date.now(), 3000, 'lease re-registered');
    assert.deepEqual(await b.deadWorkers(), []);

    // The channel is subscribed again: messages reach the worker.
    let n = 0;
    await until(
      async () => {
        await b.send(wa.id, { t: 'req', id: `after${++n}`, from: wb.id, body: 'ping' });
        await new Promise((r) => setTimeout(r, 50));
        return wa.messages.some((m) => m.t === 'req' && m.id.startsWith('after'));
      },
      5000,
      'message after resubscribe',
    );

    // Scripts run on the fresh server (its script cache is empty).
    const id2 = sid();
    await a.create(sessionInit(id2, wa.id));
    assert.equal(await b.push(id2, ['4back']), true);
    assert.deepEqual(await b.poll(id2, 'polling', 'p'), { kind: 'data', entries: ['4back'], generation: 'eio4', flags: '' });
    assert.equal(await a.get(id), null, 'data from before the restart is gone (no persistence)');
    assert.deepEqual(unhandled, []);
  });

  it('fails start() fast when Redis is unreachable, leaving nothing running', async () => {
    const port = await freePort();
    const s = new RedisStore({ url: `redis://127.0.0.1:${port}`, prefix: 'down' });
    const events: StatusEvent[] = [];
    s.on('status', (e) => events.push(e));
    const t0 = Date.now();
    await assert.rejects(s.start('nobody', () => {}));
    assert.ok(Date.now() - t0 < 2000, 'start failed fast');
    assert.ok(
      events.some((e) => e.status === 'error'),
      'the connection error was reported',
    );
    await s.stop();
    // Nothing keeps reconnecting in the background (the retry delay is 100 ms).
    const before = events.length;
    await new Promise((r) => setTimeout(r, 400));
    assert.deepEqual(events.slice(before), []);
  });
});
