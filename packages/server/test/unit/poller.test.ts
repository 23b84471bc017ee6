import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { Poller, type PollSink } from '../../src/engine/Poller.js';
import { NOOP_METRICS } from '../../src/metrics/Metrics.js';
import { MemoryCluster, MemoryStore } from '../../src/store/MemoryStore.js';
import type { Generation, WorkerMessage } from '../../src/store/Store.js';

/** The part of an Exchange a PollSink's owner touches: abort notice, open, streaming, end. */
class FakeExchange {
  open = true;
  streaming = false;
  ended = false;
  #onAbort: (() => void) | null = null;
  onAbort(cb: (() => void) | null): void {
    this.#onAbort = cb;
  }
  abort(): void {
    this.open = false;
    this.#onAbort?.();
  }
  end(): void {
    this.ended = true;
    this.open = false;
  }
}

/** A sink that records every call; `deliver` fails once `gone`. */
class FakeSink implements PollSink {
  readonly ex = new FakeExchange() as unknown as PollSink['ex'];
  calls: string[] = [];
  delivered: string[][] = [];
  gone = false;
  constructor(
    readonly stream = false,
    readonly idleAfter = 0,
    readonly request = '',
  ) {}
  get fake(): FakeExchange {
    return this.ex as unknown as FakeExchange;
  }
  deliver(entries: string[], _g: Generation, _f: string): boolean {
    this.calls.push('deliver');
    if (this.gone) return false;
    this.delivered.push(entries);
    return true;
  }
  unknown(): void {
    this.calls.push('unknown');
  }
  moved(waited: boolean, transport: string): void {
    this.calls.push(`moved ${waited} ${transport}`);
  }
  async overlap(): Promise<void> {
    this.calls.push('overlap');
  }
  async dropped(): Promise<void> {
    this.calls.push('dropped');
  }
  async lost(): Promise<void> {
    this.calls.push('lost');
  }
  idle(): void {
    this.calls.push('idle');
  }
  stop(): void {
    this.calls.push('stop');
  }
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A worker's Poller on a MemoryStore, wakes routed to it as the engine does; `rpc` answers other workers' "still waiting?". */
async function worker(cluster: MemoryCluster, id: string, dead = new Set<string>()) {
  const store = new MemoryStore({ cluster });
  const rpcCalls: string[] = [];
  const engine = {
    store,
    metrics: NOOP_METRICS,
    workerId: id,
    deadWorkers: dead,
    rpc: {
      on: () => {},
      call: async (worker: string, m: PollRequest) => (rpcCalls.push(`${worker} ${m.t} ${m.sid} ${m.pollId}`), answers.get(worker)?.(m) ?? null),
    },
    storeUnavailable: () => assert.fail('store unavailable'),
    storeFailed: () => assert.fail('store failed'),
  };
  const poller = new Poller(engine as unknown as ConstructorParameters<typeof Poller>[0]);
  await store.start(id, (m: WorkerMessage) => {
    if (m.t === 'wake') poller.wake(m.sid, m.pollId);
  });
  cleanups.push(() => store.stop());
  return { store, poller, rpcCalls };
}
type PollRequest = { t: 'poll'; sid: string; pollId: string };
type PollReply = { t: 'poll'; waiting: boolean };
/** How each worker answers a `poll` request (is that poll still waiting?). */
const answers = new Map<string, (m: PollRequest) => PollReply>();

async function session(store: MemoryStore, sid: string, owner: string, transport = 'polling'): Promise<void> {
  await store.create({
    sid,
    generation: 'eio4',
    transport,
    owner,
    persistent: false,
    pingInterval: 60_000,
    pingTimeout: 60_000,
    heartbeat: 'server',
    pingEntry: '2',
    closeEntry: '1',
    storeHeartbeat: false,
    handshake: '{}',
    flags: '',
    settling: false,
  });
}

/** Lets the microtask-driven MemoryStore and Poller settle. */
const settle = () => new Promise((r) => setImmediate(r));

describe('Poller (MemoryStore, fake sinks)', () => {
  it('a poll with queued entries is answered at once with all of them', async () => {
    const { store, poller } = await worker(new MemoryCluster(), 'w1');
    await session(store, 's1', 'w1');
    await store.push('s1', ['4a', '4b']);
    const sink = new FakeSink();
    await poller.start('s1', 'polling', sink);
    assert.deepEqual(sink.delivered, [['4a', '4b']]);
    assert.equal(poller.waitingCount(), 0);
  });

  it('an empty queue registers the poll; a push from another worker wakes it with the entries', async () => {
    const cluster = new MemoryCluster();
    const a = await worker(cluster, 'w1');
    const b = await worker(cluster, 'w2');
    await session(a.store, 's1', 'w1');
    const sink = new FakeSink();
    await a.poller.start('s1', 'polling', sink);
    assert.equal(a.poller.waitingCount(), 1);
    assert.deepEqual(sink.delivered, []);
    await b.store.push('s1', ['4x']);
    await settle();
    assert.deepEqual(sink.delivered, [['4x']]);
    assert.equal(a.poller.waitingCount(), 0);
  });

  it('a stream keeps its answer open: each wake delivers more on it', async () => {
    const { store, poller } = await worker(new MemoryCluster(), 'w1');
    await session(store, 's1', 'w1');
    const sink = new FakeSink(true);
    await poller.start('s1', 'polling', sink);
    for (const e of ['4a', '4b', '4c']) {
      await store.push('s1', [e]);
      await settle();
    }
    assert.deepEqual(sink.delivered, [['4a'], ['4b'], ['4c']]);
    assert.equal(poller.waitingCount(), 1, 'still waiting for more');
  });

  it('entries a gone client could not take make the sink lose them', async () => {
    const { store, poller } = await worker(new MemoryCluster(), 'w1');
    await session(store, 's1', 'w1');
    await store.push('s1', ['4a']);
    const sink = new FakeSink();
    sink.gone = true;
    await poller.start('s1', 'polling', sink);
    assert.deepEqual(sink.calls, ['deliver', 'lost']);
  });

  it('an unknown session, or one on another transport, is told to the sink', async () => {
    const { store, poller } = await worker(new MemoryCluster(), 'w1');
    const unknown = new FakeSink();
    await poller.start('nope', 'polling', unknown);
    assert.deepEqual(unknown.calls, ['unknown']);
    await session(store, 's1', 'w1', 'websocket');
    const moved = new FakeSink();
    await poller.start('s1', 'polling', moved);
    assert.deepEqual(moved.calls, ['moved false websocket']);
  });

  it('idleAfter ends a poll that had nothing to say, and unregisters it: later entries wait for the next poll', async () => {
    const { store, poller } = await worker(new MemoryCluster(), 'w1');
    await session(store, 's1', 'w1');
    const sink = new FakeSink(false, 20);
    await poller.start('s1', 'polling', sink);
    const t0 = Date.now();
    while (!sink.calls.includes('idle') && Date.now() - t0 < 2_000) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(sink.calls, ['idle']);
    assert.equal(poller.waitingCount(), 0);
    await store.push('s1', ['4late']);
    await settle();
    assert.deepEqual(sink.delivered, [], 'the ended poll got nothing');
    const next = new FakeSink();
    await poller.start('s1', 'polling', next);
    assert.deepEqual(next.delivered, [['4late']]);
  });

  it('a client that drops its waiting poll unregisters it (dropped)', async () => {
    const { store, poller } = await worker(new MemoryCluster(), 'w1');
    await session(store, 's1', 'w1');
    const sink = new FakeSink();
    await poller.start('s1', 'polling', sink);
    sink.fake.abort();
    await settle();
    assert.deepEqual(sink.calls, ['dropped']);
    assert.equal(poller.waitingCount(), 0);
    const next = new FakeSink();
    await poller.start('s1', 'polling', next);
    assert.equal(poller.waitingCount(), 1, 'a new poll can register');
  });

  it('a second poll while the first still waits here is an overlap; the first keeps waiting', async () => {
    const { store, poller } = await worker(new MemoryCluster(), 'w1');
    await session(store, 's1', 'w1');
    const first = new FakeSink();
    await poller.start('s1', 'polling', first);
    const second = new FakeSink();
    await poller.start('s1', 'polling', second);
    assert.deepEqual(second.calls, ['overlap']);
    assert.ok(poller.isWaiting('s1', '1'));
    await store.push('s1', ['4a']);
    await settle();
    assert.deepEqual(first.delivered, [['4a']]);
  });

  it("a poll registered by a dead worker is stolen (the load balancer's retry), without asking it", async () => {
    const cluster = new MemoryCluster();
    const dead = new Set<string>();
    const a = await worker(cluster, 'w1');
    const b = await worker(cluster, 'w2', dead);
    await session(a.store, 's1', 'w1');
    await a.poller.start('s1', 'polling', new FakeSink());
    dead.add('w1');
    const retry = new FakeSink();
    await b.poller.start('s1', 'polling', retry);
    assert.deepEqual(retry.calls, []);
    assert.equal(b.poller.waitingCount(), 1, 'the retry waits in its place');
    assert.deepEqual(b.rpcCalls, []);
    await a.store.push('s1', ['4a']);
    await settle();
    assert.deepEqual(retry.delivered, [['4a']]);
  });

  it('a live worker is asked whether its poll still waits: yes is an overlap, no lets the new poll take over', async () => {
    const cluster = new MemoryCluster();
    const a = await worker(cluster, 'w1');
    const b = await worker(cluster, 'w2');
    await session(a.store, 's1', 'w1');
    await a.poller.start('s1', 'polling', new FakeSink());
    answers.set('w1', (m) => ({ t: 'poll', waiting: a.poller.isWaiting(m.sid, m.pollId) }));
    try {
      const overlapping = new FakeSink();
      await b.poller.start('s1', 'polling', overlapping);
      assert.deepEqual(overlapping.calls, ['overlap']);
      assert.deepEqual(b.rpcCalls, ['w1 poll s1 1']);
      answers.set('w1', () => ({ t: 'poll', waiting: false }));
      const taking = new FakeSink();
      await b.poller.start('s1', 'polling', taking);
      assert.deepEqual(taking.calls, []);
      assert.equal(b.poller.waitingCount(), 1);
    } finally {
      answers.delete('w1');
    }
  });

  it('a wake that overtakes the store reply registering the poll is not lost', async () => {
    const { store, poller } = await worker(new MemoryCluster(), 'w1');
    await session(store, 's1', 'w1');
    const sink = new FakeSink();
    // The store registered the poll, but its reply is not handled yet when a
    // push lands and its wake comes in (wakes and replies travel apart).
    const started = poller.start('s1', 'polling', sink);
    queueWithoutWake(store, 's1', '4a');
    poller.wake('s1', '1');
    await started;
    await settle();
    assert.deepEqual(sink.delivered, [['4a']]);
  });

  it('repoll() re-checks waiting polls (a lost wake) and closeAll() stops every held poll', async () => {
    const { store, poller } = await worker(new MemoryCluster(), 'w1');
    await session(store, 's1', 'w1');
    await session(store, 's2', 'w1');
    const s1 = new FakeSink();
    const s2 = new FakeSink();
    await poller.start('s1', 'polling', s1);
    await poller.start('s2', 'polling', s2);
    // An entry queued without a wake (as after a lost pub/sub message).
    queueWithoutWake(store, 's1', '4quiet');
    poller.repoll();
    await settle();
    assert.deepEqual(s1.delivered, [['4quiet']]);
    poller.closeAll();
    assert.deepEqual(s2.calls, ['stop']);
    assert.equal(poller.waitingCount(), 0);
  });
});

/** Queues an entry the way a push would, but with no wake. */
function queueWithoutWake(store: MemoryStore, sid: string, entry: string): void {
  const s = store.cluster.sessions.get(sid) as unknown as { queue: string[] };
  s.queue.push(entry);
}
