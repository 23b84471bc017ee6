/**
 * RedisBus: the bus contract against a test-owned redis-server and a
 * three-master Redis Cluster, then what only Redis has: reconnects and
 * restarts, trimming stream nodes by retention, big binary entries,
 * pipelining, a shared client.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { compareIds, type BusEntry, type BusInput } from '@nonstick/server';
import { plain, runBusContract, startReader } from '@nonstick/server/testing';
import { Redis } from 'ioredis';
import { RedisBus, type BusStatusEvent, type RedisBusOptions } from '../src/index.js';
import { startRedisCluster } from './helpers/redis-cluster.js';
import { freePort, startRedisServer } from './helpers/redis-server.js';

// The suite's retention test trims two entries and looks for the gap: with
// one entry per stream node, `MINID ~` (whole nodes) trims them as exactly
// as the in-memory log does. The Redis-specific tests use the default (100).
const contractServer = await startRedisServer({ args: ['--stream-node-max-entries', '1'] });
const server = await startRedisServer();
const cluster = await startRedisCluster(3);
for (const node of cluster.nodes) {
  const c = new Redis(node.port, node.host, { lazyConnect: true, maxRetriesPerRequest: 0 });
  await c.connect();
  await c.config('SET', 'stream-node-max-entries', '1');
  c.disconnect();
}

const open: RedisBus[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
before(() => process.on('unhandledRejection', onUnhandled));
after(async () => {
  process.off('unhandledRejection', onUnhandled);
  await Promise.all(open.map((b) => b.stop()));
  await Promise.all([contractServer.stop(), server.stop(), cluster.stop()]);
});

let prefixes = 0;

runBusContract('RedisBus', async (n, options) => {
  const prefix = `contract${++prefixes}`;
  const buses = Array.from({ length: n }, () => new RedisBus({ url: contractServer.url, prefix, ...options }));
  return {
    buses,
    async close() {
      await Promise.all(buses.map((b) => b.stop()));
    },
  };
});

runBusContract('RedisBus on Redis Cluster', async (n, options) => {
  const prefix = `cluster${++prefixes}`;
  const buses = Array.from({ length: n }, () => new RedisBus({ cluster: { nodes: cluster.nodes }, prefix, ...options }));
  return {
    buses,
    async close() {
      await Promise.all(buses.map((b) => b.stop()));
    },
  };
});

/** `n` unstarted buses on `server`, sharing a fresh prefix. */
function buses(n: number, options: RedisBusOptions = {}): RedisBus[] {
  const prefix = `spec${++prefixes}`;
  const list = Array.from({ length: n }, () => new RedisBus({ url: server.url, prefix, ...options }));
  open.push(...list);
  return list;
}

function waitStatus(bus: RedisBus, pred: (e: BusStatusEvent) => boolean, what: string, timeoutMs = 10_000): Promise<BusStatusEvent> {
  return new Promise((resolve, reject) => {
    const on = (e: BusStatusEvent): void => {
      if (!pred(e)) return;
      clearTimeout(timer);
      bus.off('status', on);
      resolve(e);
    };
    const timer = setTimeout(() => {
      bus.off('status', on);
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    bus.on('status', on);
  });
}

const ids = (entries: readonly BusEntry[] | null): string[] | null => entries && entries.map((e) => e.id);
const entry = (tag: string): BusInput => ({ kind: 'b', fields: [tag], binary: [] });
const msOf = (id: string): number => Number(id.slice(0, id.indexOf('-')));

async function clockPasses(t: number): Promise<void> {
  for (let now = Date.now(); now <= t; now = Date.now()) await new Promise((r) => setTimeout(r, t - now + 1));
}

describe('RedisBus on a real redis-server', () => {
  it('resumes after its reader connection is killed, delivering what was published meanwhile once', async () => {
    const prefix = `spec${++prefixes}`;
    const a = new RedisBus({ url: server.url, prefix });
    const b = new RedisBus({ url: server.url, prefix, redis: { connectionName: `reader-test-${prefix}` } });
    open.push(a, b);
    // b's reader, found from outside (a command sent on it would queue behind its blocked XREAD).
    const readerOfB = async (): Promise<string | undefined> => {
      const list = String(await a.client.call('CLIENT', 'LIST'));
      return /(?:^|\s)id=(\d+) /.exec(list.split('\n').find((l) => l.includes(` name=reader-test-${prefix} `) && l.includes(' cmd=xread')) ?? '')?.[1];
    };
    const [ra, rb] = await Promise.all([startReader(a), startReader(b)]);
    const e1 = await a.publish(entry('1'));
    await Promise.all([ra.waitFor(1), rb.waitFor(1)]);
    const readerId = await readerOfB();
    assert.ok(readerId, 'found the reader connection');
    const reconnecting = waitStatus(b, (e) => e.connection === 'reader' && e.status === 'reconnecting', 'reader reconnecting');
    const back = waitStatus(b, (e) => e.connection === 'reader' && e.status === 'ready', 'reader ready');
    await a.client.call('CLIENT', 'KILL', 'ID', readerId);
    await reconnecting;
    // Published while b's reader is away.
    const e2 = await a.publish(entry('2'));
    const e3 = await a.publish(entry('3'));
    await back;
    assert.deepEqual(ids(await rb.waitFor(3)), [e1, e2, e3]);
    const e4 = await b.publish(entry('4'));
    assert.deepEqual(ids(await rb.waitFor(4)), [e1, e2, e3, e4]);
    assert.deepEqual(ids(await ra.waitFor(4)), [e1, e2, e3, e4]);
    assert.equal(rb.entries.length, 4, 'no duplicates');
    const now = await readerOfB();
    assert.ok(now && now !== readerId, 'reading on a new connection');
  });

  it('survives a redis-server restart: fails fast meanwhile, then delivers without duplicates, and old offsets range null', async () => {
    const [a, b] = buses(2);
    const [ra, rb] = await Promise.all([startReader(a!), startReader(b!)]);
    const e1 = await a!.publish(entry('1'));
    await Promise.all([ra.waitFor(1), rb.waitFor(1)]);
    const readerDown = waitStatus(b!, (e) => e.connection === 'reader' && e.status === 'reconnecting', 'reader reconnecting');
    const commandDown = waitStatus(a!, (e) => e.connection === 'command' && e.status === 'reconnecting', 'command reconnecting');
    await server.kill();
    await Promise.all([readerDown, commandDown]);
    // Publishing during the outage rejects at once (no offline queue), it does not hang.
    const t0 = Date.now();
    await assert.rejects(a!.publish(entry('lost')));
    assert.ok(Date.now() - t0 < 500, 'publish failed fast');

    const ready = [a!, b!].map((bus) => waitStatus(bus, (e) => e.connection === 'command' && e.status === 'ready', 'command ready'));
    await server.start();
    await Promise.all(ready);
    // The restarted server is empty: the first publish recreates the stream (with its marker).
    const e2 = await a!.publish(entry('2'));
    const e3 = await b!.publish(entry('3'));
    assert.ok(compareIds(e1, e2) < 0);
    for (const r of [ra, rb]) assert.deepEqual(ids(await r.waitFor(3)), [e1, e2, e3]);
    const e4 = await a!.publish(entry('4'));
    for (const r of [ra, rb]) {
      assert.deepEqual(ids(await r.waitFor(4)), [e1, e2, e3, e4]);
      assert.equal(r.entries.length, 4, 'no duplicates');
    }
    // What was published before the restart is gone: a replay from e1 would have a gap.
    assert.equal(await b!.range(e1, 10), null);
    assert.deepEqual(ids(await b!.range(e2, 10)), [e3, e4]);
    assert.equal(await a!.lastId(), e4);
    assert.deepEqual(unhandled, []);
  });

  it('trims whole stream nodes by retention, keeps recent entries, and ranges null past the trim point', async () => {
    const retention = 300;
    const [a, b] = buses(2, { retention });
    const [, rb] = await Promise.all([startReader(a!), startReader(b!)]);
    const old = await Promise.all(Array.from({ length: 250 }, (_, i) => a!.publish(entry(`old${i}`))));
    await clockPasses(msOf(old.at(-1)!) + retention + 100);
    const recent = await Promise.all(Array.from({ length: 10 }, (_, i) => a!.publish(entry(`recent${i}`))));
    await rb.waitFor(260);

    const [[first]] = (await a!.client.xrange(a!.key, '-', '+', 'COUNT', 1)) as [[string, string[]]];
    assert.ok(compareIds(first, old[0]!) > 0, 'the oldest entries were trimmed');
    // Approximate: only whole nodes go, so some old entries may still be there; the recent ones all are.
    assert.ok(compareIds(first, recent[0]!) <= 0, 'nothing within the retention was trimmed');
    const length = await a!.client.xlen(a!.key);
    assert.ok(length < 260 && length >= 10, `stream length ${length}`);
    const surviving = [...old, ...recent].filter((id) => compareIds(id, first) >= 0);
    assert.equal(surviving.length, length);

    assert.equal(await b!.range(old[0]!, 10), null, 'a replay from the trimmed head has a gap');
    assert.equal(await b!.range('0-0', 10), null);
    assert.deepEqual(ids(await b!.range(first, 1000)), surviving.slice(1), 'from the first surviving entry on: complete');
    assert.deepEqual(ids(await b!.range(recent[4]!, 1000)), recent.slice(5));
    // Live delivery had everything.
    assert.deepEqual(ids(rb.entries), [...old, ...recent]);
  });

  it('round-trips large binary entries byte for byte', async () => {
    const [a, b] = buses(2);
    const [ra, rb] = await Promise.all([startReader(a!), startReader(b!)]);
    const anchor = await a!.publish(entry('anchor'));
    const big: BusInput = {
      kind: 'b',
      fields: ['/', 'big', 'x'.repeat(100_000)],
      binary: [randomBytes(8 * 1024 * 1024), new Uint8Array(0), randomBytes(1024 * 1024 + 7)],
    };
    const many: BusInput[] = Array.from({ length: 40 }, (_, i) => ({ kind: 'b', fields: [String(i)], binary: [randomBytes(100_000 + i)] }));
    const bigId = await b!.publish(big);
    const manyIds = await Promise.all(many.map((e) => a!.publish(e)));
    const want = [plain({ id: bigId, ...big }), ...many.map((e, i) => plain({ id: manyIds[i]!, ...e }))];
    for (const r of [ra, rb]) assert.deepEqual((await r.waitFor(42)).slice(1).map(plain), want);
    assert.deepEqual((await a!.range(anchor, 100))?.map(plain), want);
    // Delivered buffers stay intact after later traffic reuses the parser's buffers.
    await a!.publish({ kind: 'b', fields: [], binary: [randomBytes(2 * 1024 * 1024)] });
    await rb.waitFor(43);
    assert.deepEqual(rb.entries.slice(1, 42).map(plain), want);
  });

  it('sends the publishes of one synchronous run as one pipeline, in order', async () => {
    const [a, b] = buses(2);
    const [, rb] = await Promise.all([startReader(a!), startReader(b!)]);
    const client = a!.client as Redis;
    const pipeline = client.pipeline.bind(client);
    let pipelines = 0;
    client.pipeline = (...args: Parameters<Redis['pipeline']>) => {
      pipelines++;
      return pipeline(...args);
    };
    await a!.publish(entry('anchor')); // creates the stream (a first publish finds none and sends again)
    const published = await Promise.all(Array.from({ length: 500 }, (_, i) => a!.publish(entry(String(i)))));
    assert.equal(pipelines, 1);
    for (let i = 1; i < published.length; i++) assert.ok(compareIds(published[i - 1]!, published[i]!) < 0);
    const got = (await rb.waitFor(501)).slice(1);
    assert.deepEqual(ids(got), published);
    assert.deepEqual(
      got.map((e) => e.fields[0]),
      Array.from({ length: 500 }, (_, i) => String(i)),
    );
    // A lone publish is a plain command.
    await a!.publish(entry('alone'));
    assert.equal(pipelines, 1);
  });

  it('works on an existing client and leaves it open', async () => {
    const prefix = `shared${++prefixes}`;
    const shared = new Redis(server.url);
    try {
      const a = new RedisBus({ client: shared, prefix });
      const [b] = [new RedisBus({ url: server.url, prefix })];
      open.push(a, b);
      assert.equal(a.client, shared);
      const [ra, rb] = await Promise.all([startReader(a), startReader(b)]);
      const id = await a.publish(entry('x'));
      assert.deepEqual(ids(await ra.waitFor(1)), [id]);
      assert.deepEqual(ids(await rb.waitFor(1)), [id]);
      await a.stop();
      assert.equal(shared.status, 'ready');
      assert.equal(await shared.ping(), 'PONG');
    } finally {
      shared.disconnect();
    }
  });

  it('fails start() fast when Redis is unreachable, leaving nothing running', async () => {
    const port = await freePort();
    const bus = new RedisBus({ url: `redis://127.0.0.1:${port}`, prefix: 'down' });
    const events: BusStatusEvent[] = [];
    bus.on('status', (e) => events.push(e));
    const t0 = Date.now();
    await assert.rejects(bus.start(() => {}));
    assert.ok(Date.now() - t0 < 2000, 'start failed fast');
    assert.ok(
      events.some((e) => e.status === 'error'),
      'the connection error was reported',
    );
    assert.equal(bus.reader, null);
    await bus.stop();
    // Nothing keeps reconnecting in the background (the first retry would come after 100 ms).
    const before = events.length;
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      events.slice(before).filter((e) => e.status !== 'end'),
      [],
    );
  });

  it('delivers at most batchSize entries per batch', async () => {
    const [a, b] = buses(2, { batchSize: 7 });
    const [, rb] = await Promise.all([startReader(a!), startReader(b!)]);
    const published = await Promise.all(Array.from({ length: 50 }, (_, i) => a!.publish(entry(String(i)))));
    assert.deepEqual(ids(await rb.waitFor(50)), published);
    assert.ok(
      rb.batches.every((batch) => batch.length <= 7),
      'batches of at most batchSize',
    );
  });
});
