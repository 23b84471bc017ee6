import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { WorkerRpc } from '../../src/engine/WorkerRpc.js';
import { MemoryCluster, MemoryStore } from '../../src/store/MemoryStore.js';
import type { WorkerMessage } from '../../src/store/Store.js';

type RpcMessage = Extract<WorkerMessage, { t: 'req' } | { t: 'res' }>;

/** A worker: its store handle on the shared cluster, with its RPC fed by the store's messages. */
async function worker(cluster: MemoryCluster, id: string, handle: (body: string) => string | Promise<string>, timeout = 1_000) {
  const store = new MemoryStore({ cluster });
  const seen: WorkerMessage[] = [];
  const rpc = new WorkerRpc(store, id, timeout, handle);
  await store.start(id, (m) => {
    seen.push(m);
    if (m.t === 'req' || m.t === 'res') rpc.onMessage(m as RpcMessage);
  });
  return { store, rpc, seen };
}

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function pair(handleB: (body: string) => string | Promise<string>, timeout?: number) {
  const cluster = new MemoryCluster();
  const a = await worker(cluster, 'w-a', () => 'a', timeout);
  const b = await worker(cluster, 'w-b', handleB, timeout);
  stops.push(async () => {
    a.rpc.close();
    b.rpc.close();
    await a.store.stop();
    await b.store.stop();
  });
  return { a, b };
}

describe('WorkerRpc over MemoryStore', () => {
  it("call() resolves with the other worker's answer", async () => {
    const { a } = await pair((body) => `echo ${body}`);
    assert.equal(await a.rpc.call('w-b', 'hello'), 'echo hello');
  });

  it('an asynchronous handler is awaited', async () => {
    const { a } = await pair(async (body) => {
      await new Promise((r) => setImmediate(r));
      return body.toUpperCase();
    });
    assert.equal(await a.rpc.call('w-b', 'x'), 'X');
  });

  it('concurrent calls each get their own answer', async () => {
    const { a } = await pair(async (body) => {
      await new Promise((r) => setTimeout(r, Number(body) % 3));
      return `r${body}`;
    });
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => a.rpc.call('w-b', String(i))));
    assert.deepEqual(answers, Array.from({ length: 20 }, (_, i) => `r${i}`));
  });

  it("a handler that throws or rejects answers '' (the caller is not left waiting)", async () => {
    const { a } = await pair((body) => {
      if (body === 'throw') throw new Error('sync');
      return Promise.reject(new Error('async'));
    });
    assert.equal(await a.rpc.call('w-b', 'throw'), '');
    assert.equal(await a.rpc.call('w-b', 'reject'), '');
  });

  it('a worker that never answers is null after the timeout', async () => {
    const { a } = await pair(() => new Promise<string>(() => {}), 50);
    const t0 = Date.now();
    assert.equal(await a.rpc.call('w-b', 'x'), null);
    assert.ok(Date.now() - t0 >= 45, 'waited for the timeout');
  });

  it('a call to a worker that is not there is null after the timeout', async () => {
    const { a } = await pair(() => 'b');
    assert.equal(await a.rpc.call('w-nobody', 'x', 30), null);
  });

  it('an answer that comes after the timeout is dropped', async () => {
    let release!: (v: string) => void;
    const { a } = await pair(() => new Promise<string>((r) => (release = r)));
    assert.equal(await a.rpc.call('w-b', 'x', 20), null);
    release('late');
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(await a.rpc.call('w-b', 'y', 20), null, 'the late answer did not resolve the next call');
  });

  it('notify() runs the handler and sends no answer back', async () => {
    const got: string[] = [];
    const { a } = await pair((body) => (got.push(body), 'ignored'));
    await a.rpc.notify('w-b', 'one-way');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(got, ['one-way']);
    assert.ok(!a.seen.some((m) => m.t === 'res'), `no response came back: ${JSON.stringify(a.seen)}`);
  });

  it('close() resolves every pending call with null at once', async () => {
    const { a } = await pair(() => new Promise<string>(() => {}), 60_000);
    const pending = [a.rpc.call('w-b', '1'), a.rpc.call('w-b', '2')];
    await new Promise((r) => setImmediate(r));
    a.rpc.close();
    assert.deepEqual(await Promise.all(pending), [null, null]);
  });

  it('a store that fails to send makes the call null without waiting for the timeout', async () => {
    const cluster = new MemoryCluster();
    const store = new MemoryStore({ cluster });
    store.send = () => Promise.reject(new Error('store down'));
    const rpc = new WorkerRpc(store, 'w-a', 60_000, () => '');
    assert.equal(await rpc.call('w-b', 'x'), null);
  });
});
