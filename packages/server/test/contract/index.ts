/**
 * The store contract suite. Every `Store` implementation runs it:
 *
 *   runStoreContract('MemoryStore', async (n) => ({ stores: [...], close }));
 *
 * A factory returns `n` unstarted handles on one shared state (one per
 * simulated worker). The suite starts them as workers A, B, C...
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { SessionInit, Store, WorkerMessage } from '../../src/store/Store.js';

export interface ContractEnv {
  stores: Store[];
  close(): Promise<void>;
}
/** `closeLinger` is only set by tests that need a short one; factories pass the limits on as they are. */
export type ContractFactory = (n: number, limits: { maxQueueLength: number; closeLinger?: number }) => Promise<ContractEnv>;

interface Worker {
  id: string;
  store: Store;
  messages: WorkerMessage[];
  waitFor(pred: (m: WorkerMessage) => boolean, timeoutMs?: number): Promise<WorkerMessage>;
}

let seq = 0;
export function sid(): string {
  return `s${process.pid}x${Date.now().toString(36)}x${++seq}`;
}

export function sessionInit(id: string, owner: string, over: Partial<SessionInit> = {}): SessionInit {
  return {
    sid: id,
    generation: 'eio4',
    transport: 'polling',
    owner,
    persistent: false,
    pingInterval: 1000,
    pingTimeout: 500,
    heartbeat: 'server',
    pingEntry: '2',
    closeEntry: '1',
    storeHeartbeat: true,
    handshake: '{"h":1}',
    flags: '',
    settling: false,
    ...over,
  };
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

export function runStoreContract(name: string, factory: ContractFactory): void {
  describe(`${name} satisfies the store contract`, () => {
    let env: ContractEnv | null = null;
    afterEach(async () => {
      await env?.close();
      env = null;
    });

    async function cluster(n: number, maxQueueLength = 10_000, closeLinger?: number): Promise<Worker[]> {
      env = await factory(n, closeLinger === undefined ? { maxQueueLength } : { maxQueueLength, closeLinger });
      const workers: Worker[] = [];
      for (let i = 0; i < n; i++) {
        const id = `${String.fromCharCode(65 + i)}-${seq++}-${process.pid}`;
        const messages: WorkerMessage[] = [];
        const waiters: Array<{ pred: (m: WorkerMessage) => boolean; resolve: (m: WorkerMessage) => void }> = [];
        const store = env.stores[i]!;
        await store.start(id, (m) => {
          messages.push(m);
          for (const w of waiters.splice(0)) {
            if (w.pred(m)) w.resolve(m);
            else waiters.push(w);
          }
        });
        workers.push({
          id,
          store,
          messages,
          waitFor(pred, timeoutMs = 2000) {
            const found = messages.find(pred);
            if (found) return Promise.resolve(found);
            return new Promise((resolve, reject) => {
              const t = setTimeout(() => reject(new Error(`worker ${id}: no matching message; got ${JSON.stringify(messages)}`)), timeoutMs);
              waiters.push({ pred, resolve: (m) => (clearTimeout(t), resolve(m)) });
            });
          },
        });
      }
      return workers;
    }

    it('creates and reads a session record', async () => {
      const [a] = await cluster(1);
      const id = sid();
      await a!.store.create(sessionInit(id, a!.id, { handshake: '{"x":"y"}', flags: 'bin', generation: 'eio3', heartbeat: 'client' }));
      const rec = await a!.store.get(id);
      assert.ok(rec);
      assert.equal(rec.sid, id);
      assert.equal(rec.owner, a!.id);
      assert.equal(rec.generation, 'eio3');
      assert.equal(rec.heartbeat, 'client');
      assert.equal(rec.transport, 'polling');
      assert.equal(rec.handshake, '{"x":"y"}');
      assert.equal(rec.flags, 'bin');
      assert.equal(rec.closed, null);
      assert.equal(rec.upgrading, null);
      assert.equal(rec.epoch, 1);
      assert.equal(await a!.store.get(sid()), null);
    });

    it('drains queued entries in order, then waits', async () => {
      const [a, b] = await cluster(2);
      const id = sid();
      await a!.store.create(sessionInit(id, a!.id));
      assert.equal(await a!.store.push(id, ['4one', '4two']), true);
      assert.equal(await b!.store.push(id, ['4three']), true);
      assert.deepEqual(await b!.store.poll(id, 'polling', 'p1'), { kind: 'data', entries: ['4one', '4two', '4three'], generation: 'eio4', flags: '' });
      assert.deepEqual(await b!.store.poll(id, 'polling', 'p2'), { kind: 'wait' });
    });

    it('keeps what a named poll request drained in flight: the same request gets it again, the next one does not', async () => {
      const [a, b, c] = await cluster(3);
      const id = sid();
      await a!.store.create(sessionInit(id, a!.id));
      const data = (entries: string[]) => ({ kind: 'data', entries, generation: 'eio4', flags: '' });
      await a!.store.push(id, ['4one', '4two']);
      assert.deepEqual(await b!.store.poll(id, 'polling', 'p1', undefined, 'T1'), data(['4one', '4two']));
      // b died before answering; the load balancer replays T1 on c. What was queued since comes after.
      await a!.store.push(id, ['4three']);
      assert.deepEqual(
        await c!.store.poll(id, 'polling', 'p2', undefined, 'T1'),
        data(['4one', '4two', '4three']),
        'a replay gets the drained entries again, first',
      );
      assert.deepEqual(await c!.store.poll(id, 'polling', 'p3', undefined, 'T1'), data(['4one', '4two', '4three']), 'as often as it is replayed');
      // The client read that answer and polls again: nothing is repeated.
      assert.deepEqual(await c!.store.poll(id, 'polling', 'p4', undefined, 'T2'), { kind: 'wait' });
      assert.equal(await c!.store.unpoll(id, 'p4'), true);
      assert.deepEqual(await b!.store.poll(id, 'polling', 'p5', undefined, 'T1'), { kind: 'wait' }, 'an old request cannot bring them back');
      assert.equal(await b!.store.unpoll(id, 'p5'), true);
      await a!.store.push(id, ['4four']);
      assert.deepEqual(await b!.store.poll(id, 'polling', 'p6', undefined, 'T3'), data(['4four']));
      assert.deepEqual(await b!.store.poll(id, 'polling', 'p7'), { kind: 'wait' }, 'a poll without a request name drops them too');
      assert.equal(await b!.store.unpoll(id, 'p7'), true);
      assert.deepEqual(await b!.store.poll(id, 'polling', 'p8', undefined, 'T3'), { kind: 'wait' });
      assert.equal(await b!.store.unpoll(id, 'p8'), true);
      // Without a request name nothing stays in flight.
      await a!.store.push(id, ['4five']);
      assert.deepEqual(await b!.store.poll(id, 'polling', 'p9'), data(['4five']));
      assert.deepEqual(await b!.store.poll(id, 'polling', 'p10', undefined, ''), { kind: 'wait' });
    });

    it('drops what was in flight when the session upgrades', async () => {
      const [a, b] = await cluster(2);
      const id = sid();
      await a!.store.create(sessionInit(id, a!.id));
      await a!.store.push(id, ['4x']);
      assert.equal((await a!.store.poll(id, 'polling', 'p1', undefined, 'T1')).kind, 'data');
      assert.equal((await b!.store.beginUpgrade(id)).kind, 'ok');
      const up = await b!.store.completeUpgrade(id, 'websocket');
      assert.deepEqual(up?.entries, [], 'the in-flight answer is not written to the new transport');
      await a!.store.push(id, ['4y']);
      assert.deepEqual(await b!.store.poll(id, 'websocket', '*'), { kind: 'data', entries: ['4y'], generation: 'eio4', flags: '' });
    });

    it('wakes a waiting poll exactly once per wait, on its own worker', async () => {
      const [a, b, c] = await cluster(3);
      const id = sid();
      await a!.store.create(sessionInit(id, a!.id));
      assert.deepEqual(await b!.store.poll(id, 'polling', 'p7'), { kind: 'wait' });
      await c!.store.push(id, ['4x']);
      await c!.store.push(id, ['4y']);
      const wake = await b!.waitFor((m) => m.t === 'wake');
      assert.deepEqual(wake, { t: 'wake', sid: id, pollId: 'p7' });
      await tick(20);
      assert.equal(b!.messages.filter((m) => m.t === 'wake').length, 1, 'no duplicate wake');
      assert.equal(a!.messages.filter((m) => m.t === 'wake').length + c!.messages.filter((m) => m.t === 'wake').length, 0);
      assert.deepEqual(await b!.store.poll(id, 'polling', 'p7'), { kind: 'data', entries: ['4x', '4y'], generation: 'eio4', flags: '' });
    });

    it('reports unknown sessions and transport mismatches', async () => {
      const [a] = await cluster(1);
      const id = sid();
      assert.equal(await a!.store.push(id, ['4x']), false);
      assert.deepEqual(await a!.store.poll(id, 'polling', 'p'), { kind: 'unknown' });
      assert.deepEqual(await a!.store.ingest(id, 'polling', { messages: ['4x'] }), { kind: 'unknown' });
      await a!.store.create(sessionInit(id, a!.id));
      assert.deepEqual(await a!.store.poll(id, 'xhr-polling', 'p'), { kind: 'transport', transport: 'polling' });
      assert.deepEqual(await a!.store.ingest(id, 'websocket', { messages: [] }), { kind: 'transport', transport: 'polling' });
    });

    it('refuses a second poll while one is registered, and lets a stale one be replaced', async () => {
      const [a, b] = await cluster(2);
      const id = sid();
      await a!.store.create(sessionInit(id, a!.id));
      assert.deepEqual(await a!.store.poll(id, 'polling', '1'), { kind: 'wait' });
      assert.deepEqual(await a!.store.poll(id, 'polling', '1'), { kind: 'wait' }, 'the same poll may poll again');
      assert.deepEqual(await b!.store.poll(id, 'polling', '9'), { kind: 'busy', holder: { worker: a!.id, pollId: '1' } });
      assert.deepEqual(
        await b!.store.poll(id, 'polling', '9', { worker: a!.id, pollId: '0' }),
        { kind: 'busy', holder: { worker: a!.id, pollId: '1' } },
        'steal must name the current holder',
      );
      assert.deepEqual(await b!.store.poll(id, 'polling', '9', { worker: a!.id, pollId: '1' }), { kind: 'wait' });
      await a!.store.push(id, ['4z']);
      assert.deepEqual(await b!.waitFor((m) => m.t === 'wake'), { t: 'wake', sid: id, pollId: '9' });
      assert.equal(await a!.store.unpoll(id, '1'), false, 'only the holder can unpoll');
      assert.equal(await b!.store.unpoll(id, '9'), true);
      assert.equal(await b!.store.unpoll(id, '9'), false);
    });

    it('runs inbound messages on the owner, relaying them from other workers in order', async () => {
      const [a, b] = await cluster(2);
      const id = sid();
      await a!.store.create(sessionInit(id, a!.id));
      assert.deepEqual(await b!.store.ingest(id, 'polling', { messages: ['4m1', '4m2'] }), { kind: 'relayed', owner: a!.id, settling: false });
      assert.deepEqual(await a!.waitFor((m) => m.t === 'inbox'), { t: 'inbox', sid: id });
      assert.deepEqual(await b!.store.ingest(id, 'polling', { messages: ['4m3'] }), { kind: 'relayed', owner: a!.id, settling: false });
      assert.equal(await b!.store.drainInbox(id), null, 'only the owner drains');
      // The owner's own POST gets the backlog first.
      assert.deepEqual(await a!.store.ingest(id, 'polling', { messages: ['4m4'] }), { kind: 'local', entries: ['4m1', '4m2', '4m3', '4m4'], stored: 3 });
      assert.deepEqual(await a!.store.drainInbox(id), []);
      await b!.store.ingest(id, 'polling', { messages: ['4m5'] });
      assert.deepEqual(await a!.store.drainInbox(id), ['4m5']);
      assert.deepEqual(await a!.store.drainInbox(id), [], 'drained entries are not handed out twice');
      // Notices of the relays above may still be on their way (pub/sub, a Redis Cluster): count
      // from once they have stopped coming, so a late one is not taken for the empty ingest's.
      const inboxCount = () => a!.messages.filter((m) => m.t === 'inbox').length;
      for (let last = -1, stableSince = Date.now(); Date.now() - stableSince < 200; await tick(20)) {
        if (inboxCount() !== last) [last, stableSince] = [inboxCount(), Date.now()];
      }
      const before = inboxCount();
      assert.deepEqual(await b!.store.ingest(id, 'polling', { messages: [] }), { kind: 'relayed', owner: a!.id, settling: false });
      await tick(20);
      assert.equal(inboxCount(), before, 'nothing to relay, nobody bothered');
    });

    it('keeps drained inbound entries until the owner acknowledges them with its push', async () => {
      const [a, b, c] = await cluster(3);
      const id = sid();
      await a!.store.create(sessionInit(id, a!.id));
      await b!.store.ingest(id, 'polling', { messages: ['4m1', '4m2'] });
      assert.deepEqual(await a!.store.drainInbox(id), ['4m1', '4m2']);
      // m1 was processed: its outbound and its acknowledgement land together.
      assert.equal(await a!.store.push(id, ['4echo1'], 1), true);
      await b!.store.ingest(id, 'polling', { messages: ['4m3'] });
      const local = await a!.store.ingest(id, 'polling', { messages: ['4m4'] });
      assert.deepEqual(local, { kind: 'local', entries: ['4m3', '4m4'], stored: 1 });
      // The owner dies before acknowledging m2 and m3: the next owner gets them again, in order.
      await a!.store.stop();
      const claimed = await c!.store.claim(id, a!.id);
      assert.equal(claimed.kind, 'claimed');
      assert.deepEqual(claimed.kind === 'claimed' && claimed.inbox, ['4m2', '4m3']);
      assert.equal(await c!.store.push(id, [], 2), true, 'an acknowledgement without outbound entries');
      await b!.store.ingest(id, 'polling', { messages: ['4m5'] });
      assert.deepEqual(await c!.store.drainInbox(id), ['4m5']);
      await c!.store.stop();
      const again = await b!.store.claim(id, c!.id);
      assert.deepEqual(again.kind === 'claimed' && again.inbox, ['4m5'], 'acknowledged entries never come back');
      assert.deepEqual(await b!.store.poll(id, 'polling', 'p'), { kind: 'data', entries: ['4echo1'], generation: 'eio4', flags: '' });
    });

    it('keeps a settling session unannounced: messages wait in the inbox until it settles', async () => {
      const [a, b] = await cluster(2);
      const id = sid();
      await a!.store.create(sessionInit(id, a!.id, { settling: true }));
      const created = (await a!.store.get(id))!.created;
      // Even the owner's own POST is not processed while settling.
      assert.deepEqual(await a!.store.ingest(id, 'polling', { messages: ['4connect'] }), { kind: 'relayed', owner: a!.id, settling: true });
      const seenBy = Date.now();
      assert.deepEqual(await b!.store.settle(id, Date.now(), 20, 1000), { kind: 'done' }, 'only the owner settles');
      // The first request came at once: settle after max(2 * rtt, min window).
      const early = await a!.store.settle(id, created + 5, 20, 1000);
      assert.equal(early.kind, 'wait');
      const late = await a!.store.settle(id, seenBy + 2 * (seenBy - created) + 20, 20, 1000);
      assert.equal(late.kind, 'settled');
      assert.deepEqual(late.kind === 'settled' && late.inbox, ['4connect']);
      assert.deepEqual(await a!.store.settle(id, Date.now() + 60, 20, 1000), { kind: 'done' }, 'settles once');
      assert.equal((await a!.store.ingest(id, 'polling', { messages: ['4next'] })).kind, 'local');
    });

    it('waits for the probe while one is under way, and an upgrade ends the settling elsewhere', async () => {
      const [a, b] = await cluster(2);
      const id = sid();
      await a!.store.create(sessionInit(id, a!.id, { settling: true }));
      await b!.store.ingest(id, 'polling', { messages: ['4hello'] });
      assert.equal((await b!.store.beginUpgrade(id)).kind, 'ok');
      assert.deepEqual(await a!.store.settle(id, Date.now() + 5000, 20, 1000), { kind: 'upgrading' });
      const up = await b!.store.completeUpgrade(id, 'websocket');
      assert.equal(up?.fresh, true, 'announced as new by the websocket worker');
      assert.deepEqual(up?.inbox, ['4hello']);
      assert.deepEqual(await a!.store.settle(id, Date.now() + 5000, 20, 1000), { kind: 'done' });
      const plain = sid();
      await a!.store.create(sessionInit(plain, a!.id));
      assert.equal((await b!.store.beginUpgrade(plain)).kind, 'ok');
      assert.equal((await b!.store.completeUpgrade(plain, 'websocket'))?.fresh, false);
    });

    it('settles at the latest after the max window, and a claim of a settling session is fresh', async () => {
      const [a, b] = await cluster(2);
      const id = sid();
      await a!.store.create(sessionInit(id, a!.id, { settling: true }));
      const created = (await a!.store.get(id))!.created;
      const w = await a!.store.settle(id, created + 10, 20, 1000);
      assert.deepEqual(w, { kind: 'wait', at: created + 30 }, 'no request yet: look again after the min window');
      assert.equal((await a!.store.settle(id, created + 1000, 20, 1000)).kind, 'settled');
      const other = sid();
      await a!.store.create(sessionInit(other, a!.id, { settling: true }));
      await a!.store.stop();
      const claimed = await b!.store.claim(other, a!.id);
      assert.equal(claimed.kind === 'claimed' && claimed.fresh, true);
    });

    it('keeps per-session state for the layers above, and hands it over with a reaped session', async () => {
      const [a, b] = await cluster(2);
      const id = sid();
      await a!.store.create(sessionInit(id, a!.id, { transport: 'websocket', persistent: true, storeHeartbeat: false }));
      assert.deepEqual(await a!.store.getState(id), {});
      await a!.store.setState(id, '/', '{"id":"x","rooms":["r1"]}');
      await a!.store.setState(id, '/chat', '{"id":"y"}');
      await a!.store.setState(id, '/chat', null);
      await a!.store.setState(id, '/admin', '{"id":"z"}');
      assert.deepEqual(await b!.store.getState(id), { '/': '{"id":"x","rooms":["r1"]}', '/admin': '{"id":"z"}' });
      await a!.store.setState(sid(), '/', 'ignored');
      await a!.store.stop();
      const reaped = await b!.store.claim(id, a!.id);
      assert.equal(reaped.kind, 'reaped');
      assert.deepEqual(reaped.kind === 'reaped' && reaped.state, { '/': '{"id":"x","rooms":["r1"]}', '/admin': '{"id":"z"}' });
    });

    it('records a mark with a push', async () => {
      const [a] = await cluster(1);
      const id = sid();
      await a!.store.create(sessionInit(id, a!.id));
      assert.equal((await a!.store.get(id))!.mark, '');
      await a!.store.push(id, ['4b1'], 0, '1700000000000-3');
      assert.equal((await a!.store.get(id))!.mark, '1700000000000-3');
      await a!.store.push(id, ['4x']);
      assert.equal((await a!.store.get(id))!.mark, '1700000000000-3', 'a push without a mark keeps it');
    });

    it('stores recovery records once, for a while', async () => {
      const [a, b] = await cluster(2);
      const pid = `pid-${sid()}`;
      await a!.store.saveRecovery(pid, '{"rooms":["x"]}', 60_000);
      assert.equal(await b!.store.takeRecovery(pid), '{"rooms":["x"]}');
      assert.equal(await b!.store.takeRecovery(pid), null, 'taken once');
      await a!.store.saveRecovery(`${pid}-short`, 'v', 30);
      await tick(80);
      assert.equal(await a!.store.takeRecovery(`${pid}-short`), null, 'expired');
    });

    it('lists live workers', async () => {
      const [a, b] = await cluster(2);
      const live = await a!.store.workers();
      assert.ok(live.includes(a!.id) && live.includes(b!.id));
      await b!.store.stop();
      assert.ok(!(await a!.store.workers()).includes(b!.id));
    });

    it('times the settle window from the first request, poll or POST, and hands over what arrived meanwhile', async () => {
      const [a, b] = await cluster(2);
      const id = sid();
      await a!.store.create(sessionInit(id, a!.id, { settling: true }));
      const created = (await a!.store.get(id))!.created;
      await tick(30);
      const before = Date.now();
      // The first request is a poll, on another worker.
      assert.deepEqual(await b!.store.poll(id, 'polling', 'p1'), { kind: 'wait' });
      const after = Date.now();
      await tick(30);
      // Later requests do not move the first-seen time.
      assert.deepEqual(await b!.store.ingest(id, 'polling', { messages: ['4m1'] }), { kind: 'relayed', owner: a!.id, settling: true });
      assert.deepEqual(await a!.store.ingest(id, 'polling', { messages: ['4m2'] }), { kind: 'relayed', owner: a!.id, settling: true });
      // Asked as of just before the first request: too early whatever the latencies.
      const w = await a!.store.settle(id, before, 20, 10_000);
      assert.equal(w.kind, 'wait');
      const at = w.kind === 'wait' ? w.at : 0;
      // Seen rtt >= 30 ms after creation: settled at first-seen + 2 * rtt.
      assert.ok(at >= before + 2 * (before - created) && at <= after + 2 * (after - created), `settles at ${at - created} ms`);
      assert.equal((await a!.store.settle(id, at - 1, 20, 10_000)).kind, 'wait');
      const done = await a!.store.settle(id, at, 20, 10_000);
      assert.equal(done.kind, 'settled');
      assert.deepEqual(done.kind === 'settled' && done.inbox, ['4m1', '4m2'], 'in arrival order');
      assert.equal(done.kind === 'settled' && done.record.owner, a!.id);
      // Settled: the owner runs its POSTs again, the backlog having become pending.
      assert.deepEqual(await a!.store.ingest(id, 'polling', { messages: ['4m3'] }), { kind: 'local', entries: ['4m3'], stored: 0 });
      assert.equal(await a!.store.push(id, ['4ack'], 2), true);
      await a!.store.stop();
      const claimed = await b!.store.claim(id, a!.id);
      assert.deepEqual(claimed.kind === 'claimed' && claimed.inbox, [], 'acknowledged');
      assert.equal(claimed.kind === 'claimed' && claimed.fresh, false, 'announced already');
    });

    it('ends the settling once: by a claim, by an upgrade on the owner, never for a closed session', async () => {
      const [a, b] = await cluster(2);
      const claimedId = sid();
      await a!.store.create(sessionInit(claimedId, a!.id, { settling: true }));
      await b!.store.ingest(claimedId, 'polling', { messages: ['4m1'] });
      const own = sid();
      await b!.store.create(sessionInit(own, b!.id, { settling: true }));
      await b!.store.ingest(own, 'polling', { messages: ['4own'] });
      assert.equal((await b!.store.beginUpgrade(own)).kind, 'ok');
      const up = await b!.store.completeUpgrade(own, 'websocket');
      assert.equal(up?.fresh, true);
      assert.equal(up?.previousOwner, b!.id);
      assert.deepEqual(up?.inbox, ['4own']);
      assert.deepEqual(await b!.store.settle(own, Date.now() + 5000, 20, 1000), { kind: 'done' });
      const closed = sid();
      await b!.store.create(sessionInit(closed, b!.id, { settling: true }));
      await b!.store.close(closed, 'transport close');
      assert.deepEqual(await b!.store.settle(closed, Date.now() + 5000, 20, 1000), { kind: 'done' });
      await a!.store.stop();
      const claimed = await b!.store.claim(claimedId, a!.id);
      assert.equal(claimed.kind, 'claimed');
      assert.equal(claimed.kind === 'claimed' && claimed.fresh, true);
      assert.deepEqual(claimed.kind === 'claimed' && claimed.inbox, ['4m1']);
      assert.deepEqual(await b!.store.settle(claimedId, Date.now() + 5000, 20, 1000), { kind: 'done' }, 'the claim announced it');
      assert.deepEqual(await b!.store.ingest(claimedId, 'polling', { messages: ['4m2'] }), { kind: 'local', entries: ['4m2'], stored: 0 });
    });

    it('keeps state with a claimed polling session and removes it with the session', async () => {
      const [a, b] = await cluster(2, 10_000, 500);
      const moved = sid();
      await a!.store.create(sessionInit(moved, a!.id));
      await a!.store.setState(moved, '/', 'kept');
      await a!.store.stop();
      const claimed = await b!.store.claim(moved, a!.id);
      assert.equal(claimed.kind === 'claimed' && claimed.fresh, false);
      assert.deepEqual(await b!.store.getState(moved), { '/': 'kept' });

      const destroyed = sid();
      await b!.store.create(sessionInit(destroyed, b!.id));
      await b!.store.setState(destroyed, '/', 'x');
      await b!.store.destroy(destroyed);
      assert.deepEqual(await b!.store.getState(destroyed), {});
      await b!.store.create(sessionInit(destroyed, b!.id));
      assert.deepEqual(await b!.store.getState(destroyed), {}, 'a new session starts without state');

      const polled = sid();
      await b!.store.create(sessionInit(polled, b!.id));
      await b!.store.setState(polled, '/', 'x');
      await b!.store.close(polled, 'forced close', ['1']);
      assert.deepEqual(await b!.store.getState(polled), { '/': 'x' }, 'lingers with the closed record');
      assert.equal((await b!.store.poll(polled, 'polling', 'p')).kind, 'data');
      assert.equal(await b!.store.get(polled), null);
      assert.deepEqual(await b!.store.getState(polled), {}, 'gone with the last poll');

      const lingering = sid();
      await b!.store.create(sessionInit(lingering, b!.id));
      await b!.store.setState(lingering, '/', 'x');
      await b!.store.close(lingering, 'forced close');
      await b!.store.setState(lingering, '/late', 'y');
      assert.deepEqual(await b!.store.getState(lingering), { '/': 'x', '/late': 'y' });
      await tick(800);
      assert.equal(await b!.store.get(lingering), null);
      assert.deepEqual(await b!.store.getState(lingering), {}, 'gone when the closed record expires');
      assert.deepEqual(await b!.store.getState(sid()), {});
    });

    it('records the creation time, and a mark even with an empty push, never on a closed session', async () => {
      const [a] = await cluster(1);
      const id = sid();
      const before = Date.now();
      await a!.store.create(sessionInit(id, a!.id));
      const created = (await a!.store.get(id))!.created;
      assert.ok(created >= before && created <= Date.now(), `created ${created - before} ms after`);
      assert.equal(await a!.store.push(id, [], 0, 'm1'), true);
      assert.equal((await a!.store.get(id))!.mark, 'm1');
      await a!.store.push(id, ['4x'], 0, '');
      assert.equal((await a!.store.get(id))!.mark, '', 'an empty mark is a mark');
      await a!.store.close(id, 'forced close');
      assert.equal(await a!.store.push(id, ['4y'], 0, 'm2'), false);
      assert.equal((await a!.store.get(id))!.mark, '');
    });

    it('replaces a recovery record saved again, and knows no others', async () => {
      const [a, b] = await cluster(2);
      const pid = `pid-${sid()}`;
      await a!.store.saveRecovery(pid, 'v1', 60_000);
      await b!.store.saveRecovery(pid, 'v2', 60_000);
      assert.equal(await a!.store.takeRecovery(pid), 'v2');
      assert.equal(await a!.store.takeRecovery(`pid-${sid()}`), null);
      await a!.store.saveRecovery(pid, 'v3', 60_000);
      await a!.store.saveRecovery(pid, 'v4', 20);
      await tick(60);
      assert.equal(await b!.store.takeRecovery(pid), null, 'the shorter ttl of the last save counts');
    });

    it('pushes ingest replies and wakes the waiter', async () => {
      const [a, b] = await cluster(2);
      const id = sid();
      await a!.store.create(sessionInit(id, a!.id, { heartbeat: 'client', generation: 'eio3' }));
      await a!.store.poll(id, 'polling', 'g');
      await b!.store.ingest(id, 'polling', { messages: [], heartbeat: 'activity', reply: ['3'] });
      await a!.waitFor((m) => m.t === 'wake');
      assert.deepEqual(await a!.store.poll(id, 'polling', 'g'), { kind: 'data', entries: ['3'], generation: 'eio3', flags: '' });
    });

    it('closes on a client close, tells the owner, and lets the waiter fetch its final entries', async () => {
      const [a, b, c] = await cluster(3);
      const id = sid();
      await a!.store.create(sessionInit(id, a!.id));
      await c!.store.poll(id, 'polling', 'w');
      assert.deepEqual(await b!.store.ingest(id, 'polling', { messages: ['4bye'], reply: ['6'], close: 'transport close' }), {
        kind: 'relayed',
        owner: a!.id,
        settling: false,
      });
      await a!.waitFor((m) => m.t === 'inbox');
      assert.deepEqual(await a!.waitFor((m) => m.t === 'closed'), { t: 'closed', sid: id, reason: 'transport close' });
      assert.deepEqual(await a!.store.drainInbox(id), ['4bye'], 'the owner still gets what came before the close');
      await c!.waitFor((m) => m.t === 'wake');
      assert.deepEqual(await c!.store.poll(id, 'polling', 'w'), { kind: 'data', entries: ['6'], generation: 'eio4', flags: '' });
      assert.deepEqual(await c!.store.poll(id, 'polling', 'w2'), { kind: 'unknown' });
      assert.equal(await b!.store.push(id, ['4late']), false);
      assert.deepEqual(await b!.store.ingest(id, 'polling', { messages: ['4x'] }), { kind: 'unknown' });
    });

    it('close() leaves final entries for one poll and notifies a remote owner only', async () => {
      const [a, b] = await cluster(2);
      const id = sid();
      await a!.store.create(sessionInit(id, a!.id));
      await a!.store.push(id, ['4last']);
      assert.equal(await b!.store.close(id, 'forced close', ['1']), true);
      assert.equal(await b!.store.close(id, 'forced close', ['1']), false, 'closing twice is a no-op');
      assert.deepEqual(await a!.waitFor((m) => m.t === 'closed'), { t: 'closed', sid: id, reason: 'forced close' });
      const rec = await a!.store.get(id);
      assert.equal(rec?.closed, 'forced close');
      assert.deepEqual(await b!.store.poll(id, 'polling', 'p'), { kind: 'data', entries: ['4last', '1'], generation: 'eio4', flags: '' });
      assert.deepEqual(await b!.store.poll(id, 'polling', 'p'), { kind: 'unknown' });

      const own = sid();
      await a!.store.create(sessionInit(own, a!.id));
      await a!.store.close(own, 'forced close', []);
      await tick(20);
      assert.equal(a!.messages.filter((m) => m.t === 'closed' && m.sid === own).length, 0, 'the closer is not told about its own close');
    });

    it('pings polling sessions from the store and times out a missing pong', async () => {
      const [a, b] = await cluster(2);
      const id = sid();
      const t0 = Date.now();
      await a!.store.create(sessionInit(id, a!.id, { pingInterval: 1000, pingTimeout: 50 }));
      assert.deepEqual(await b!.store.sweepHeartbeats(t0 + 500, 100), { pinged: 0, timedOut: 0 });
      // Sweep with real time so the ping's deadline (now + 50 ms) is real too.
      await tick(Math.max(0, t0 + 1005 - Date.now()));
      const r1 = await b!.store.sweepHeartbeats(Date.now(), 100);
      assert.equal(r1.pinged, 1);
      assert.deepEqual(await b!.store.poll(id, 'polling', 'p'), { kind: 'data', entries: ['2'], generation: 'eio4', flags: '' });
      await tick(30);
      // The pong arrives on yet another worker, before the deadline.
      await a!.store.ingest(id, 'polling', { messages: [], heartbeat: 'pong' });
      const pongAt = Date.now();
      assert.deepEqual(await b!.store.sweepHeartbeats(pongAt + 100, 100), { pinged: 0, timedOut: 0 }, 'the pong cleared the deadline');
      const r2 = await b!.store.sweepHeartbeats(pongAt + 1100, 100);
      assert.equal(r2.pinged, 1, 'next ping one interval after the pong');
      const r3 = await b!.store.sweepHeartbeats(pongAt + 1100 + 600, 100);
      assert.equal(r3.timedOut, 1);
      assert.deepEqual(await a!.waitFor((m) => m.t === 'closed'), { t: 'closed', sid: id, reason: 'ping timeout' });
      assert.equal((await a!.store.get(id))?.closed, 'ping timeout');
    });

    it('forgets a timed-out Engine.IO session at once: only a waiting poll hears the close', async () => {
      const [a, b] = await cluster(2);
      const idle = sid();
      const waiting = sid();
      await a!.store.create(sessionInit(idle, a!.id, { pingInterval: 100, pingTimeout: 50 }));
      await a!.store.create(sessionInit(waiting, a!.id, { pingInterval: 100, pingTimeout: 50 }));
      const t0 = Date.now();
      await tick(Math.max(0, t0 + 105 - Date.now()));
      assert.equal((await b!.store.sweepHeartbeats(Date.now(), 100)).pinged, 2);
      assert.deepEqual(await b!.store.poll(waiting, 'polling', 'p'), { kind: 'data', entries: ['2'], generation: 'eio4', flags: '' });
      assert.deepEqual(await b!.store.poll(waiting, 'polling', 'p2'), { kind: 'wait' });
      await a!.store.push(idle, ['4queued']);
      const r = await b!.store.sweepHeartbeats(Date.now() + 100, 100);
      assert.equal(r.timedOut, 2);
      assert.deepEqual(await b!.store.poll(idle, 'polling', 'late'), { kind: 'unknown' }, 'the ping and the message went with the session');
      assert.deepEqual(await b!.store.poll(waiting, 'polling', 'p2'), { kind: 'data', entries: ['1'], generation: 'eio4', flags: '' });
    });

    it('tells the owner of a ping timeout even when the owner swept it', async () => {
      const [a] = await cluster(1);
      const id = sid();
      await a!.store.create(sessionInit(id, a!.id, { heartbeat: 'client', pingInterval: 100, pingTimeout: 100 }));
      const t0 = Date.now();
      await a!.store.ingest(id, 'polling', { messages: [], heartbeat: 'activity' });
      assert.deepEqual(await a!.store.sweepHeartbeats(t0 + 150, 100), { pinged: 0, timedOut: 0 }, 'client mode never pings');
      const r = await a!.store.sweepHeartbeats(Date.now() + 250, 100);
      assert.equal(r.timedOut, 1);
      assert.deepEqual(await a!.waitFor((m) => m.t === 'closed'), { t: 'closed', sid: id, reason: 'ping timeout' });
    });

    it('leaves sessions without store heartbeats alone', async () => {
      const [a] = await cluster(1);
      const id = sid();
      await a!.store.create(sessionInit(id, a!.id, { transport: 'websocket', persistent: true, storeHeartbeat: false, pingInterval: 10, pingTimeout: 10 }));
      assert.deepEqual(await a!.store.sweepHeartbeats(Date.now() + 60_000, 100), { pinged: 0, timedOut: 0 });
      assert.equal((await a!.store.get(id))?.closed, null);
    });

    it('upgrades across workers: ownership, queued entries, inbox and waiter move in one step', async () => {
      const [a, b, c] = await cluster(3);
      const id = sid();
      await a!.store.create(sessionInit(id, a!.id));
      await c!.store.poll(id, 'polling', 'g1');
      const begun = await b!.store.beginUpgrade(id);
      assert.equal(begun.kind, 'ok');
      assert.equal(begun.kind === 'ok' && begun.record.sid, id);
      assert.deepEqual(await c!.store.beginUpgrade(id), { kind: 'busy' });
      assert.equal((await a!.store.get(id))?.upgrading, b!.id);
      await a!.store.push(id, ['4q1']);
      await c!.waitFor((m) => m.t === 'wake');
      assert.deepEqual(await c!.store.poll(id, 'polling', 'g1'), { kind: 'data', entries: ['4q1'], generation: 'eio4', flags: '' });
      await c!.store.poll(id, 'polling', 'g2');
      await a!.store.push(id, ['4q2']);
      await c!.waitFor((m) => m.t === 'wake' && m.pollId === 'g2');
      await c!.store.ingest(id, 'polling', { messages: ['4in'] });
      const up = await b!.store.completeUpgrade(id, 'websocket');
      assert.ok(up);
      assert.deepEqual(up.entries, ['4q2']);
      assert.deepEqual(up.inbox, ['4in']);
      assert.equal(up.previousOwner, a!.id);
      assert.equal(up.epoch, 2);
      assert.equal(up.record.owner, b!.id);
      assert.equal(up.record.transport, 'websocket');
      assert.deepEqual(await a!.waitFor((m) => m.t === 'handover'), { t: 'handover', sid: id, owner: b!.id });
      assert.deepEqual(await c!.store.poll(id, 'polling', 'g2'), { kind: 'transport', transport: 'websocket' });
      // Later pushes from anyone wake the websocket holder.
      await a!.store.push(id, ['4after']);
      assert.deepEqual(await b!.waitFor((m) => m.t === 'wake'), { t: 'wake', sid: id, pollId: '*' });
      assert.deepEqual(await b!.store.poll(id, 'websocket', '*'), { kind: 'data', entries: ['4after'], generation: 'eio4', flags: '' });
      assert.deepEqual(await b!.store.poll(id, 'websocket', '*'), { kind: 'wait' });
      assert.deepEqual(await c!.store.ingest(id, 'polling', { messages: ['4x'] }), { kind: 'transport', transport: 'websocket' });
      assert.deepEqual(await c!.store.beginUpgrade(id), { kind: 'transport', transport: 'websocket' });
    });

    it('an upgrade on the owner itself keeps ownership and the epoch', async () => {
      const [a] = await cluster(1);
      const id = sid();
      await a!.store.create(sessionInit(id, a!.id));
      assert.equal((await a!.store.beginUpgrade(id)).kind, 'ok');
      const up = await a!.store.completeUpgrade(id, 'websocket');
      assert.equal(up?.previousOwner, a!.id);
      assert.equal(up?.epoch, 1);
      await tick(20);
      assert.equal(a!.messages.filter((m) => m.t === 'handover').length, 0);
    });

    it('aborted or foreign upgrades do not complete', async () => {
      const [a, b] = await cluster(2);
      const id = sid();
      await a!.store.create(sessionInit(id, a!.id));
      assert.equal(await b!.store.completeUpgrade(id, 'websocket'), null, 'not begun');
      assert.equal((await b!.store.beginUpgrade(id)).kind, 'ok');
      assert.equal(await a!.store.completeUpgrade(id, 'websocket'), null, 'begun by someone else');
      await a!.store.abortUpgrade(id);
      assert.equal((await a!.store.get(id))?.upgrading, b!.id, 'only the prober aborts');
      await b!.store.abortUpgrade(id);
      assert.equal((await a!.store.get(id))?.upgrading, null);
      assert.equal(await b!.store.completeUpgrade(id, 'websocket'), null);
      assert.equal((await a!.store.beginUpgrade(id)).kind, 'ok', 'a new probe may start');
      // The probe of a worker that died is cleared by another, naming it.
      await b!.store.abortUpgrade(id, b!.id);
      assert.equal((await b!.store.get(id))?.upgrading, a!.id, 'a stale name clears nothing');
      await b!.store.abortUpgrade(id, a!.id);
      assert.equal((await b!.store.get(id))?.upgrading, null);
    });

    it("lets a live worker claim a dead worker's polling session, and reaps its websockets", async () => {
      const [a, b, c] = await cluster(3);
      const poll = sid();
      const ws = sid();
      await a!.store.create(sessionInit(poll, a!.id));
      await a!.store.create(sessionInit(ws, a!.id, { transport: 'websocket', persistent: true, storeHeartbeat: false }));
      await c!.store.ingest(poll, 'polling', { messages: ['4pending'] });
      await a!.store.poll(poll, 'polling', 'held');
      await a!.store.stop();
      const dead = await b!.store.deadWorkers();
      assert.ok(dead.includes(a!.id), `dead workers ${JSON.stringify(dead)} include ${a!.id}`);
      const orphans: string[] = [];
      for (;;) {
        const batch = await b!.store.orphans(a!.id, 1);
        if (batch.length === 0) break;
        assert.equal(batch.length, 1);
        orphans.push(...batch);
      }
      assert.deepEqual(orphans.sort(), [poll, ws].sort());
      const claimed = await b!.store.claim(poll, a!.id);
      assert.equal(claimed.kind, 'claimed');
      assert.deepEqual(claimed.kind === 'claimed' && claimed.inbox, ['4pending']);
      assert.equal(claimed.kind === 'claimed' && claimed.record.owner, b!.id);
      assert.deepEqual(await c!.store.claim(poll, a!.id), { kind: 'lost' }, 'only one claimer wins');
      // The dead worker's poll no longer blocks the client's next poll.
      assert.deepEqual(await c!.store.poll(poll, 'polling', 'new'), { kind: 'wait' });
      const reaped = await c!.store.claim(ws, a!.id);
      assert.equal(reaped.kind, 'reaped');
      assert.equal(reaped.kind === 'reaped' && reaped.record.sid, ws);
      const gone = await b!.store.get(ws);
      assert.ok(gone === null || gone.closed !== null);
      await b!.store.forgetWorker(a!.id);
      assert.ok(!(await b!.store.deadWorkers()).includes(a!.id));
      // New relays go to the new owner.
      assert.deepEqual(await c!.store.ingest(poll, 'polling', { messages: ['4m'] }), { kind: 'relayed', owner: b!.id, settling: false });
    });

    it('closes a session whose queue overflows and tells its owner', async () => {
      const [a, b] = await cluster(2, 5);
      const id = sid();
      await a!.store.create(sessionInit(id, a!.id));
      assert.equal(await b!.store.push(id, ['1', '2', '3']), true);
      assert.equal(await b!.store.push(id, ['4', '5', '6']), false);
      assert.deepEqual(await a!.waitFor((m) => m.t === 'closed'), { t: 'closed', sid: id, reason: 'transport error' });
    });

    it('destroys a session at once', async () => {
      const [a] = await cluster(1);
      const id = sid();
      await a!.store.create(sessionInit(id, a!.id));
      await a!.store.destroy(id);
      assert.equal(await a!.store.get(id), null);
      assert.deepEqual(await a!.store.poll(id, 'polling', 'p'), { kind: 'unknown' });
    });

    it('destroying a session wakes a poll waiting on it (on any worker), which then finds it unknown', async () => {
      const [a, b] = await cluster(2);
      const id = sid();
      await a!.store.create(sessionInit(id, a!.id));
      assert.deepEqual(await b!.store.poll(id, 'polling', 'p3'), { kind: 'wait' });
      await a!.store.destroy(id);
      assert.deepEqual(await b!.waitFor((m) => m.t === 'wake'), { t: 'wake', sid: id, pollId: 'p3' });
      assert.deepEqual(await b!.store.poll(id, 'polling', 'p3'), { kind: 'unknown' });
      // A websocket's standing registration is its own worker's: nobody is woken.
      const ws = sid();
      await a!.store.create(sessionInit(ws, a!.id, { transport: 'websocket', persistent: true }));
      await a!.store.destroy(ws);
      await tick(20);
      assert.equal(a!.messages.filter((m) => m.t === 'wake' && m.sid === ws).length, 0);
    });

    it('carries requests and responses between workers', async () => {
      const [a, b] = await cluster(2);
      await a!.store.send(b!.id, { t: 'req', id: 'r1', from: a!.id, body: 'p x|y 1' });
      assert.deepEqual(await b!.waitFor((m) => m.t === 'req'), { t: 'req', id: 'r1', from: a!.id, body: 'p x|y 1' });
      await b!.store.send(a!.id, { t: 'res', id: 'r1', body: '1' });
      assert.deepEqual(await a!.waitFor((m) => m.t === 'res'), { t: 'res', id: 'r1', body: '1' });
    });

    it('delivers every entry exactly once and in order under concurrent pushes and polls', async () => {
      const workers = await cluster(3);
      const id = sid();
      await workers[0]!.store.create(sessionInit(id, workers[0]!.id));
      const received: string[] = [];
      let pollSeq = 0;
      // A client whose polls land on a random worker each time.
      const consumer = (async () => {
        const deadline = Date.now() + 10_000;
        while (received.length < 300 && Date.now() < deadline) {
          const w = workers[pollSeq % 3]!;
          const pollId = `c${++pollSeq}`;
          const r = await w.store.poll(id, 'polling', pollId);
          if (r.kind === 'data') {
            received.push(...r.entries);
            continue;
          }
          assert.equal(r.kind, 'wait');
          await w.waitFor((m) => m.t === 'wake' && m.pollId === pollId, 5000);
          const d = await w.store.poll(id, 'polling', pollId);
          if (d.kind === 'data') received.push(...d.entries);
          else assert.equal(d.kind, 'wait');
          await w.store.unpoll(id, pollId);
        }
      })();
      await Promise.all(
        workers.map(async (w, k) => {
          for (let i = 0; i < 100; i++) {
            await w.store.push(id, [`4${k}:${i}`]);
            if (i % 7 === 0) await tick(1);
          }
        }),
      );
      await consumer;
      assert.equal(received.length, 300);
      assert.equal(new Set(received).size, 300, 'no duplicates');
      for (let k = 0; k < 3; k++) {
        const mine = received.filter((e) => e.startsWith(`4${k}:`)).map((e) => Number(e.split(':')[1]));
        assert.deepEqual(mine, [...Array(100).keys()], `pusher ${k} in order`);
      }
    });
  });
}
