/**
 * What the contract suite cannot see: the key layout, expiry, real
 * cross-process messaging, and the script cache going away.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { sessionInit, sid } from '@nonstick/server/testing';
import { hashTag, RedisStore, SCRIPTS, scriptSource, type RedisStoreOptions } from '../src/index.js';
import { startRedisServer } from './helpers/redis-server.js';
import { sleep, startWorker, until, type TestWorker } from './helpers/workers.js';

const server = await startRedisServer();
let prefixes = 0;
const open: RedisStore[] = [];

after(async () => {
  await Promise.all(open.map((s) => s.stop()));
  await server.stop();
});

/** `n` started workers sharing a fresh prefix. */
async function workers(n: number, options: RedisStoreOptions = {}): Promise<TestWorker[]> {
  const prefix = `spec${++prefixes}`;
  const out: TestWorker[] = [];
  for (let i = 0; i < n; i++) {
    const store = new RedisStore({ url: server.url, prefix, ...options });
    open.push(store);
    out.push(await startWorker(store));
  }
  return out;
}

function redisOf(w: TestWorker): RedisStore {
  return w.store as RedisStore;
}

describe('RedisStore on a real redis-server', () => {
  it('keeps all keys of one session under the sid as hash tag, and global keys apart', async () => {
    const [a, b] = await workers(2);
    const id = sid();
    await a!.store.create(sessionInit(id, a!.id));
    await a!.store.push(id, ['4q']);
    await b!.store.ingest(id, 'polling', { messages: ['4in1'] });
    assert.deepEqual(await a!.store.drainInbox(id), ['4in1']);
    await b!.store.ingest(id, 'polling', { messages: ['4in2'] });
    const store = redisOf(a!);
    const keys = await store.client.keys(`${store.keys.prefix}:*`);
    const sessionKeys = keys.filter((k) => k.includes('{')).sort();
    assert.deepEqual(sessionKeys, [...store.keys.sessionKeys(id)].sort());
    assert.deepEqual(store.keys.sessionKeys(id), [store.keys.session(id), store.keys.queue(id), store.keys.inbox(id), store.keys.pending(id)]);
    for (const k of sessionKeys) assert.equal(hashTag(k), id);
    const globals = keys.filter((k) => !k.includes('{')).sort();
    assert.deepEqual(globals, [store.keys.heartbeats, store.keys.owned(a!.id), store.keys.workers].sort());
  });

  it('gives open sessions no TTL, expires closed ones after closeLinger and drops them from the indexes', async () => {
    const [a, b] = await workers(2, { limits: { closeLinger: 300 } });
    const store = redisOf(a!);
    const k = store.keys;
    const id = sid();
    await a!.store.create(sessionInit(id, a!.id));
    await a!.store.push(id, ['4q']);
    await b!.store.ingest(id, 'polling', { messages: ['4in1'] });
    await a!.store.drainInbox(id);
    await b!.store.ingest(id, 'polling', { messages: ['4in2'] });
    for (const key of k.sessionKeys(id)) assert.equal(await store.client.pttl(key), -1, key);
    assert.equal(await store.client.sismember(k.owned(a!.id), id), 1);
    assert.notEqual(await store.client.zscore(k.heartbeats, id), null);

    assert.equal(await b!.store.close(id, 'forced close', ['1']), true);
    for (const key of k.sessionKeys(id)) {
      const ttl = await store.client.pttl(key);
      assert.ok(ttl > 0 && ttl <= 300, `${key} expires in ${ttl} ms`);
    }
    assert.equal(await store.client.sismember(k.owned(a!.id), id), 0, 'a closed session is nobody to adopt');
    assert.equal(await store.client.zscore(k.heartbeats, id), null);
    assert.equal((await a!.store.get(id))?.closed, 'forced close');
    await sleep(400);
    assert.equal(await store.client.exists(...k.sessionKeys(id)), 0);
    assert.equal(await a!.store.get(id), null);
    assert.deepEqual(await b!.store.poll(id, 'polling', 'p'), { kind: 'unknown' });
  });

  it('deletes a closed session once its last entries are polled', async () => {
    const [a] = await workers(1);
    const store = redisOf(a!);
    const id = sid();
    await a!.store.create(sessionInit(id, a!.id));
    await a!.store.close(id, 'forced close', ['1']);
    assert.deepEqual(await a!.store.poll(id, 'polling', 'p'), { kind: 'data', entries: ['1'], generation: 'eio4', flags: '' });
    assert.equal(await store.client.exists(store.keys.session(id), store.keys.queue(id)), 0);
  });

  it('carries messages and wake-ups between separate processes', async () => {
    const [a] = await workers(1);
    const store = redisOf(a!);
    const childId = `child-${process.pid}`;
    const script = fileURLToPath(new URL('./fixtures/worker.js', import.meta.url));
    const child = spawn(process.execPath, [script, server.url, store.keys.prefix, childId], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const [first] = (await once(child.stdout, 'data')) as [Buffer];
      assert.equal(first.toString().trim(), 'ready');
      await a!.store.send(childId, { t: 'req', id: 'r1', from: a!.id, body: 'hello there' });
      assert.deepEqual(await a!.waitFor((m) => m.t === 'res' && m.id === 'r1'), { t: 'res', id: 'r1', body: 'echo hello there' });

      const id = sid();
      await a!.store.create(sessionInit(id, a!.id));
      assert.deepEqual(await a!.store.poll(id, 'polling', 'g'), { kind: 'wait' });
      await a!.store.send(childId, { t: 'req', id: 'r2', from: a!.id, body: `push ${id} 4fromchild` });
      assert.deepEqual(await a!.waitFor((m) => m.t === 'res' && m.id === 'r2'), { t: 'res', id: 'r2', body: 'true' });
      assert.deepEqual(await a!.waitFor((m) => m.t === 'wake'), { t: 'wake', sid: id, pollId: 'g' });
      assert.deepEqual(await a!.store.poll(id, 'polling', 'g'), { kind: 'data', entries: ['4fromchild'], generation: 'eio4', flags: '' });
    } finally {
      child.stdin.end();
      const exited = once(child, 'exit');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
  });

  it('runs its scripts again after SCRIPT FLUSH (EVALSHA falls back to EVAL)', async () => {
    const [a, b] = await workers(2);
    const store = redisOf(a!);
    const id = sid();
    await a!.store.create(sessionInit(id, a!.id));
    await a!.store.push(id, ['4one']);
    assert.equal(await store.client.script('FLUSH'), 'OK');
    await a!.store.push(id, ['4two']);
    await b!.store.push(id, ['4three']);
    assert.deepEqual(await b!.store.poll(id, 'polling', 'p'), { kind: 'data', entries: ['4one', '4two', '4three'], generation: 'eio4', flags: '' });
    const r = await b!.store.sweepHeartbeats(Date.now() + 1100, 10);
    assert.equal(r.pinged, 1);
  });

  it('treats session ids that cannot be hash tags as unknown without asking Redis', async () => {
    const [a] = await workers(1);
    for (const bad of ['', '}x']) {
      assert.equal(await a!.store.get(bad), null);
      assert.equal(await a!.store.push(bad, ['4']), false);
      assert.deepEqual(await a!.store.poll(bad, 'polling', 'p'), { kind: 'unknown' });
      assert.deepEqual(await a!.store.ingest(bad, 'polling', { messages: ['4'] }), { kind: 'unknown' });
      assert.deepEqual(await a!.store.claim(bad, 'x'), { kind: 'lost' });
      await assert.rejects(a!.store.create(sessionInit(bad, a!.id)), TypeError);
    }
    // Braces inside an id are fine: the tag stops at the first '}', the same for all three keys.
    const odd = `${sid()}}{x`;
    await a!.store.create(sessionInit(odd, a!.id));
    await a!.store.push(odd, ['4']);
    assert.deepEqual(await a!.store.poll(odd, 'polling', 'p'), { kind: 'data', entries: ['4'], generation: 'eio4', flags: '' });
  });

  it('pushes and drains batches larger than one Lua unpack() allows', async () => {
    const [a] = await workers(1, { limits: { maxQueueLength: 50_000 } });
    const id = sid();
    await a!.store.create(sessionInit(id, a!.id));
    const batch = Array.from({ length: 20_000 }, (_, i) => `4${i}`);
    assert.equal(await a!.store.push(id, batch), true);
    const r = await a!.store.poll(id, 'polling', 'p');
    assert.equal(r.kind, 'data');
    assert.deepEqual(r.kind === 'data' && r.entries, batch);
  });

  it('renews its lease and, stopped, shows as dead at once', async () => {
    const [a, b] = await workers(2, { limits: { workerTtl: 300 } });
    const store = redisOf(a!);
    await sleep(450);
    assert.deepEqual(await b!.store.deadWorkers(), [], 'leases renewed every ttl/3');
    const score = Number(await store.client.zscore(store.keys.workers, a!.id));
    assert.ok(score > Date.now(), 'lease in the future');
    await a!.store.stop();
    assert.deepEqual(await b!.store.deadWorkers(), [a!.id]);
  });

  it('reports connection status changes', async () => {
    const store = new RedisStore({ url: server.url, prefix: `spec${++prefixes}` });
    const seen: string[] = [];
    store.on('status', (e) => seen.push(`${e.connection}:${e.status}`));
    await startWorker(store);
    await store.stop();
    await until(() => seen.includes('command:end') && seen.includes('subscriber:end'), 2000, 'end events');
    assert.ok(seen.includes('command:ready') && seen.includes('subscriber:ready'), seen.join(' '));
  });
});

describe('RedisStore scripts', () => {
  /** The highest KEYS index a script body reaches, directly or through the prelude's names and helpers. */
  function keysNeeded(body: string): number {
    let n = 0;
    for (const m of body.matchAll(/KEYS\[(\d+)\]/g)) n = Math.max(n, Number(m[1]));
    if (/\bKS\b|\brecord\(\)|\bwake\(\)|\bSID\b/.test(body)) n = Math.max(n, 1);
    if (/\bKQ\b/.test(body)) n = Math.max(n, 2);
    if (/\bKI\b/.test(body)) n = Math.max(n, 3);
    // close_session expires all four keys; move_inbox moves KEYS[3] into KEYS[4].
    if (/\bKP\b|\bmove_inbox\(|\bclose_session\(/.test(body)) n = Math.max(n, 4);
    return n;
  }

  it('only touch the KEYS they declare', () => {
    for (const def of SCRIPTS) {
      const needed = keysNeeded(def.lua);
      assert.ok(needed >= 1, `${def.name} uses its keys`);
      assert.ok(needed <= def.keys, `${def.name} declares ${def.keys} keys, needs ${needed}`);
      // A key built inside a script would escape the one-slot rule.
      assert.doesNotMatch(def.lua, /PREFIX\s*\.\./, `${def.name} builds nothing from the prefix`);
    }
  });

  it('bake the prefix into the prelude only', () => {
    for (const def of SCRIPTS) {
      const lua = scriptSource(def, 'myapp');
      if (def.prelude) assert.match(lua, /local PREFIX = 'myapp'/);
      else assert.equal(lua, def.lua);
    }
  });
});
