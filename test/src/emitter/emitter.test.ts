/**
 * @nonstick/emitter against a real cluster: three Socket.IO workers on one
 * redis-server, clients of every generation attached to chosen workers
 * (socket.io-client 4.x over websocket and polling, 2.x over both, a
 * protocol 1 (0.9) websocket and a 0.6 websocket), and an emitter in this
 * process on its own ioredis client.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Emitter } from '@nonstick/emitter';
import { RedisBus } from '@nonstick/redis';
import { compareIds } from '@nonstick/server';
import { Redis } from 'ioredis';
import { connectSio, type SioClient, type SioMode, type SioVersion } from '../clients/sio.js';
import { SIO_WORKER, startCluster, type Cluster, type WorkerProcess } from '../fixtures/cluster.js';
import { handshake, LegacyWs } from '../legacy/legacy-wire.js';
import { Ws06 } from '../sio06/wire06.js';
import { waitUntil } from '../support/wait.js';

type Args = unknown[];

/** One connected client of any generation, seen as the events it received (name → argument lists, in order). */
interface Receiver {
  name: string;
  /** Generations that carry Socket.IO binary attachments. */
  binary: boolean;
  events(ev: string): Args[];
}

const OFFSET = /^\d+-\d+$/;

/**
 * A socket.io-client receiver. With recovery on, 4.x clients get each
 * broadcast's offset as last argument: checked here, and left out of
 * `events` (kept in `offsets`).
 */
function sioReceiver(name: string, c: SioClient): Receiver & { offsets(ev: string): string[] } {
  const split = (ev: string): Array<[Args, string | null]> =>
    c.received(ev).map((a) => {
      if (c.version !== 'v4') return [a, null];
      const last = a[a.length - 1];
      assert.match(String(last), OFFSET, `${name}: "${ev}" ends with its offset: ${JSON.stringify(a)}`);
      return [a.slice(0, -1), last as string];
    });
  return {
    name,
    binary: true,
    events: (ev) => split(ev).map(([a]) => a),
    offsets: (ev) => split(ev).map(([, o]) => o!),
  };
}

/** Events out of text frames: protocol 1 `5:::{"name","args"}`, 0.6 `~m~<n>~m~~j~{"name","args"}`. */
function frameReceiver(name: string, frames: () => string[], parse: (frame: string) => { name: string; args?: Args } | null): Receiver {
  return {
    name,
    binary: false,
    events: (ev) =>
      frames()
        .map(parse)
        .filter((e) => e?.name === ev)
        .map((e) => e!.args ?? []),
  };
}

const legacyEvent = (f: string): { name: string; args?: Args } | null => (f.startsWith('5:::') ? JSON.parse(f.slice(4)) : null);
const sio06Event = (f: string): { name: string; args?: Args } | null => {
  const m = /^~m~\d+~m~~j~(.*)$/s.exec(f);
  return m ? JSON.parse(m[1]!) : null;
};

const asBuffer = (v: unknown): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v as ArrayBuffer));

describe('@nonstick/emitter: a process outside the cluster sends through Redis (3 workers)', () => {
  let c: Cluster;
  let redis: Redis;
  let emitter: Emitter;
  const sio: SioClient[] = [];
  const raw: Array<LegacyWs | Ws06> = [];
  /** The main namespace's clients, by name, each on a known worker. */
  const main = new Map<string, { rx: Receiver; worker: WorkerProcess; client?: SioClient; sid?: string }>();
  let markers = 0;

  const connect = async (version: SioVersion, w: WorkerProcess, mode: SioMode, opts: Parameters<typeof connectSio>[3] = {}): Promise<SioClient> => {
    const client = await connectSio(version, w.url, mode, opts);
    sio.push(client);
    return client;
  };

  /** Waits until each receiver has `n` events named `ev`. */
  const waitEvents = async (rxs: Receiver[], ev: string, n: number): Promise<void> => {
    for (const rx of rxs) await waitUntil(() => rx.events(ev).length >= n, `${rx.name}: ${n} "${ev}" (got ${rx.events(ev).length})`, 15_000);
  };

  /**
   * Emits a marker to every main-namespace client and waits for it. The bus
   * is one ordered log, so whatever the emitter sent before the marker has
   * been delivered by then, or never will be: what a client lacks now, it
   * was not sent.
   */
  const barrier = async (): Promise<void> => {
    const n = ++markers;
    emitter.emit('marker', n);
    await waitEvents(
      [...main.values()].map((m) => m.rx),
      'marker',
      n,
    );
  };

  before(async () => {
    c = await startCluster(3, ['--allow-eio3', '--recovery', '60000'], { script: SIO_WORKER });
    redis = new Redis(c.redis.url);
    emitter = new Emitter(redis);
    const [w0, w1, w2] = c.workers as [WorkerProcess, WorkerProcess, WorkerProcess];
    const add = async (name: string, version: SioVersion, w: WorkerProcess, mode: SioMode): Promise<void> => {
      const client = await connect(version, w, mode);
      const [worker] = await client.ack('whoami');
      assert.equal(worker, w.workerId, `${name} runs on the worker it connected to`);
      main.set(name, { rx: sioReceiver(name, client), worker: w, client });
    };
    await add('v4 websocket', 'v4', w0, 'websocket');
    await add('v4 polling', 'v4', w1, 'polling');
    await add('v2 websocket', 'v2', w2, 'websocket');
    await add('v2 polling', 'v2', w0, 'polling');

    const { sid } = await handshake(w1.url);
    const legacy = await LegacyWs.open(w1.url, `/socket.io/1/websocket/${sid}`);
    raw.push(legacy);
    await legacy.exchange(null, ['1::']);
    await w1.waitFor('connection', (e) => e['sid'] === sid && e['nsp'] === '/');
    main.set('0.9 websocket', { rx: frameReceiver('0.9 websocket', () => legacy.frames, legacyEvent), worker: w1, sid });

    const old = await Ws06.open(w2.url, '/socket.io/websocket');
    raw.push(old);
    await old.take(1);
    const sid06 = old.sid;
    await w2.waitFor('connection', (e) => e['sid'] === sid06 && e['nsp'] === '/');
    main.set('0.6 websocket', { rx: frameReceiver('0.6 websocket', () => old.frames, sio06Event), worker: w2, sid: sid06 });
  });

  after(async () => {
    for (const x of sio) x.close();
    for (const x of raw) x.terminate();
    redis?.disconnect();
    await c?.stop();
  });

  const all = (): Receiver[] => [...main.values()].map((m) => m.rx);
  const modern = (): Array<{ rx: Receiver; client: SioClient; worker: WorkerProcess }> =>
    [...main.values()].filter((m): m is { rx: Receiver; client: SioClient; worker: WorkerProcess } => m.client !== undefined);

  it('emit reaches every client of every generation on every worker, once', async () => {
    assert.equal(emitter.emit('hello', 'wörld ✓ 😀', { n: 1, list: [1, null, 'x'] }), true);
    await waitEvents(all(), 'hello', 1);
    await barrier();
    for (const rx of all()) assert.deepEqual(rx.events('hello'), [['wörld ✓ 😀', { n: 1, list: [1, null, 'x'] }]], rx.name);
  });

  it('to(room), in(rooms) and except(room) select across workers', async () => {
    // v4 websocket (worker 0) and v2 websocket (worker 2) in `red`; v4 polling (worker 1) in `blue`.
    for (const [name, room] of [
      ['v4 websocket', 'red'],
      ['v2 websocket', 'red'],
      ['v4 polling', 'blue'],
    ] as const) {
      await main.get(name)!.client!.ack('join', room);
    }
    // The 0.9 client joins through the app's own handler, with an ack.
    const legacy = raw[0] as LegacyWs;
    legacy.send('5:1+::{"name":"join","args":["blue"]}');
    await waitUntil(() => legacy.frames.some((f) => f.startsWith('6:::1+')), 'the 0.9 join ack');
    assert.match(
      legacy.frames.find((f) => f.startsWith('6:::1+'))!,
      /^6:::1\+\[\[.*"blue".*\]\]$/,
      'the join ack lists the room',
    );

    emitter.to('red').emit('only-red', 1);
    emitter.in(['red', 'blue']).emit('red-or-blue', 2);
    emitter.to('red').to('blue').except('red').emit('blue-not-red', 3);
    emitter.except('blue').emit('not-blue', 4);
    await barrier();
    const got = (ev: string): string[] =>
      all()
        .filter((rx) => rx.events(ev).length > 0)
        .map((rx) => {
          assert.equal(rx.events(ev).length, 1, `${rx.name}: "${ev}" once`);
          return rx.name;
        })
        .sort();
    assert.deepEqual(got('only-red'), ['v2 websocket', 'v4 websocket']);
    assert.deepEqual(got('red-or-blue'), ['0.9 websocket', 'v2 websocket', 'v4 polling', 'v4 websocket']);
    assert.deepEqual(got('blue-not-red'), ['0.9 websocket', 'v4 polling']);
    assert.deepEqual(got('not-blue'), ['0.6 websocket', 'v2 polling', 'v2 websocket', 'v4 websocket']);
  });

  it('binary arguments arrive as binary (socket.io-client 4.x and 2.x)', async () => {
    for (const m of modern()) await m.client.ack('join', 'modern');
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    emitter.to('modern').emit('bin', bytes, { nested: [new Uint8Array([7, 8, 9])], text: 'ünï' }, new Uint8Array([42]).buffer);
    await waitEvents(
      modern().map((m) => m.rx),
      'bin',
      1,
    );
    for (const { rx } of modern()) {
      const [a, b, d] = rx.events('bin')[0]! as [unknown, { nested: unknown[]; text: string }, unknown];
      assert.deepEqual(asBuffer(a), bytes, rx.name);
      assert.deepEqual(asBuffer(b.nested[0]), Buffer.from([7, 8, 9]), rx.name);
      assert.equal(b.text, 'ünï', rx.name);
      assert.deepEqual(asBuffer(d), Buffer.from([42]), rx.name);
    }
  });

  it('publishes the very entry a worker publishes for the same broadcast', async () => {
    const bus = new RedisBus({ client: redis });
    const from = await bus.lastId();
    const payload = { text: 'same ✓', bytes: Buffer.from([1, 2, 3]) };
    const sender = main.get('v4 websocket')!.client!;
    const mirror = main.get('v4 polling')!;
    await mirror.client!.ack('join', 'mirror');
    // The app's `to` handler runs `io.of(nsp).to(room).emit(ev, ...args)` on the worker.
    await sender.ack('to', 'mirror', 'same', payload);
    emitter.to('mirror').emit('same', payload);
    await emitter.flush();
    const entries = (await bus.range(from, 100))!.filter((e) => e.kind === 'b');
    assert.equal(entries.length, 2, "the worker's broadcast and the emitter's");
    const [byWorker, byEmitter] = entries.map((e) => ({ kind: e.kind, fields: e.fields, binary: e.binary.map((b) => Buffer.from(b)) }));
    assert.deepEqual(byEmitter, byWorker);
    await waitEvents([mirror.rx], 'same', 2);
    const [a, b] = mirror.rx.events('same') as [[{ text: string; bytes: unknown }], [{ text: string; bytes: unknown }]];
    assert.deepEqual([a[0].text, asBuffer(a[0].bytes)], [b[0].text, asBuffer(b[0].bytes)]);
  });

  it('of(nsp) emits to that namespace only', async () => {
    const [, w1, w2] = c.workers as [WorkerProcess, WorkerProcess, WorkerProcess];
    const a = await connect('v4', w1, 'websocket', { nsp: '/chat' });
    const b = await connect('v2', w2, 'polling', { nsp: '/chat' });
    const chat = [sioReceiver('v4 /chat', a), sioReceiver('v2 /chat', b)];
    emitter.of('/chat').emit('chat-news', 'in /chat');
    emitter.of('chat').emit('chat-news', 'again, no leading slash');
    await waitEvents(chat, 'chat-news', 2);
    await barrier();
    for (const rx of chat) assert.deepEqual(rx.events('chat-news'), [['in /chat'], ['again, no leading slash']], rx.name);
    for (const rx of all()) assert.deepEqual(rx.events('chat-news'), [], `${rx.name} is not in /chat`);
    a.close();
    b.close();
  });

  it('socketsJoin then a room emit, socketsLeave then nothing', async () => {
    // Everyone in `red` (workers 0 and 2) also joins `green`; then everyone except `red` joins `amber`.
    emitter.in('red').socketsJoin('green');
    emitter.to('green').emit('green-news', 1);
    emitter.except('red').socketsJoin(['amber']);
    emitter.to('amber').emit('amber-news', 2);
    await barrier();
    const names = (ev: string): string[] =>
      all()
        .filter((rx) => rx.events(ev).length === 1)
        .map((rx) => rx.name)
        .sort();
    assert.deepEqual(names('green-news'), ['v2 websocket', 'v4 websocket']);
    assert.deepEqual(names('amber-news'), ['0.6 websocket', '0.9 websocket', 'v2 polling', 'v4 polling']);
    assert.deepEqual((await main.get('v2 websocket')!.client!.ack('rooms'))[0], [main.get('v2 websocket')!.client!.id, 'green', 'modern', 'red'].sort());

    emitter.in('green').socketsLeave('green');
    emitter.socketsLeave('amber');
    emitter.to(['green', 'amber']).emit('after-leave', 3);
    await barrier();
    for (const rx of all()) assert.deepEqual(rx.events('after-leave'), [], rx.name);
    assert.deepEqual((await main.get('v4 websocket')!.client!.ack('rooms'))[0], [main.get('v4 websocket')!.client!.id, 'modern', 'red'].sort());
  });

  it('many emits arrive at every client once each, in order', async () => {
    const n = 300;
    for (let i = 0; i < n; i++) {
      if (i % 3 === 0) emitter.emit('seq', i);
      else if (i % 3 === 1) emitter.except('nobody').emit('seq', i);
      else emitter.of('/').emit('seq', i);
    }
    await waitEvents(all(), 'seq', n);
    await barrier();
    const expected = Array.from({ length: n }, (_, i) => [i]);
    for (const rx of all()) assert.deepEqual(rx.events('seq'), expected, rx.name);
    // Each offset is the entry's own, so they increase with the events.
    const offsets = sioReceiver('v4 websocket', main.get('v4 websocket')!.client!).offsets('seq');
    for (let i = 1; i < offsets.length; i++) assert.ok(compareIds(offsets[i - 1]!, offsets[i]!) < 0, `offset ${i} after ${i - 1}`);
  });

  it("serverSideEmit reaches the handler on every worker (and of(nsp) that namespace's)", async () => {
    const marks = c.workers.map((w) => w.mark());
    emitter.serverSideEmit('server-side-report', 'from the emitter', { n: 7 });
    emitter.of('/chat').serverSideEmit('server-side-report', 'to /chat');
    const seen = await Promise.all(
      c.workers.map((w, i) =>
        Promise.all([
          w.waitFor('server-side', (e) => e['nsp'] === '/', { since: marks[i]! }),
          w.waitFor('server-side', (e) => e['nsp'] === '/chat', { since: marks[i]! }),
        ]),
      ),
    );
    for (const [i, [root, chat]] of seen.entries()) {
      assert.equal(root['worker'], c.workers[i]!.workerId);
      assert.deepEqual(root['args'], ['from the emitter', { n: 7 }]);
      assert.deepEqual(chat['args'], ['to /chat']);
    }
    assert.throws(() => emitter.serverSideEmit('server-side-report', () => {}), /Acknowledgements are not supported/);
    assert.throws(() => emitter.serverSideEmit('connection'), /reserved event name/);
    assert.throws(() => emitter.emit('disconnect'), /reserved event name/);
  });

  it('a 4.x client that lost its connection recovers what the emitter sent meanwhile', async () => {
    const w0 = c.workers[0]!;
    const listener = await connect('v4', w0, 'websocket');
    const rx = sioReceiver('recovering', listener);
    await listener.ack('join', 'rec');
    const id = listener.id;
    // A first broadcast gives the client an offset to recover from.
    emitter.to('rec').emit('news', 0);
    await waitEvents([rx], 'news', 1);
    const mark = w0.mark();
    listener.raw.io.engine.close();
    await listener.first('$disconnect');
    // Once the worker has seen the connection go (a recoverable "transport close"), the emitter sends on.
    await w0.waitFor('disconnect', (e) => e['id'] === id, { since: mark });
    for (let i = 1; i <= 5; i++) emitter.to('rec').emit('news', i);
    await emitter.flush();
    // Reconnect by hand (no timer): the CONNECT carries the private id and the offset of news 0.
    listener.raw.connect();
    await listener.nextN('$connect', 2, 15_000);
    assert.equal(listener.raw.recovered, true, 'socket.recovered on the client');
    assert.equal(listener.id, id, 'same socket id');
    emitter.to('rec').emit('news', 6);
    await waitEvents([rx], 'news', 7);
    await barrier();
    assert.deepEqual(rx.events('news'), [[0], [1], [2], [3], [4], [5], [6]], 'missed broadcasts replayed in order, each once');
  });

  it('disconnectSockets(): the selected sockets, on any worker; close = their whole connection', async () => {
    const [w0, w1, w2] = c.workers as [WorkerProcess, WorkerProcess, WorkerProcess];
    const a = await connect('v4', w1, 'websocket');
    const b = await connect('v2', w2, 'polling');
    const d = await connect('v4', w0, 'polling');
    await a.ack('join', 'doomed');
    await b.ack('join', 'doomed');
    await d.ack('join', 'doomed-close');
    emitter.in('doomed').disconnectSockets();
    const [ra] = await a.first('$disconnect');
    const [rb] = await b.first('$disconnect');
    assert.equal(ra, 'io server disconnect');
    assert.equal(rb, 'io server disconnect');
    const engineClosed = new Promise((resolve) => d.raw.io.engine.once('close', resolve));
    emitter.to('doomed-close').disconnectSockets(true);
    await d.first('$disconnect');
    await engineClosed;
    // Nobody else was touched.
    await barrier();
    for (const m of modern()) assert.equal(m.client.received('$disconnect').length, 0, m.rx.name);
  });
});
