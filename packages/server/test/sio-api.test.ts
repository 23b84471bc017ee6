import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import type { BusEntry, BusHandler } from '../src/bus/Bus.js';
import { MemoryBus } from '../src/bus/MemoryBus.js';
import { Server, type ServerOptions } from '../src/sio/Server.js';
import type { Socket } from '../src/sio/Socket.js';
import { sleep, until } from './helpers/engine.js';
import { connected } from './helpers/sio-client.js';

/** In-process Server on a free port, with socket.io-client 4.x peers. */
async function start(opts: ServerOptions = {}): Promise<{ io: Server; url: string }> {
  const io = new Server({ address: '127.0.0.1', ...opts }).listen(0);
  const port = await io.listening;
  servers.push(io);
  return { io, url: `http://127.0.0.1:${port}` };
}

/** A MemoryBus whose deliveries can be held back, as a lagging stream reader's are. */
class GatedBus extends MemoryBus {
  #held: BusEntry[][] | null = null;
  #handler: BusHandler | null = null;

  override start(onEntries: BusHandler): Promise<void> {
    this.#handler = onEntries;
    return super.start((entries) => (this.#held ? this.#held.push(entries) : onEntries(entries)));
  }

  gate(): void {
    this.#held = [];
  }

  open(): void {
    const held = this.#held ?? [];
    this.#held = null;
    for (const batch of held) this.#handler?.(batch);
  }
}

const servers: Server[] = [];
const clients: ClientSocket[] = [];

function client(url: string, opts: Record<string, unknown> = {}): ClientSocket {
  const c = connectClient(url, { forceNew: true, reconnection: false, transports: ['websocket'], ...opts });
  clients.push(c);
  return c;
}

function once<T extends unknown[]>(c: { once(ev: string, fn: (...a: T) => void): unknown }, ev: string): Promise<T> {
  return new Promise((resolve) => c.once(ev, (...a: T) => resolve(a)));
}

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});
after(async () => {
  for (const s of servers.splice(0)) await s.close();
});

describe('Server API (in-process, socket.io-client 4.x)', () => {
  it('closes a connection that joins no namespace within connectTimeout', async () => {
    const { io, url } = await start({ connectTimeout: 150 });
    const closed = new Promise<string>((resolve) => io.engine.once('connection', (s) => s.once('close', (r: string) => resolve(r))));
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    assert.equal(await closed, 'forced close');
    ws.close();
  });

  it('refuses reserved event names on emit', async () => {
    const { io, url } = await start();
    const got = once<[Socket]>(io, 'connection');
    const c = client(url);
    await connected(c);
    const [socket] = await got;
    for (const ev of ['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']) {
      assert.throws(() => socket.emit(ev as never), /reserved event name/);
      assert.throws(() => io.emit(ev as never), /reserved event name/);
    }
    assert.throws(() => io.serverSideEmit('connection' as never), /reserved event name/);
  });

  it('catch-all listeners, socket middlewares and handshake details', async () => {
    const { io, url } = await start();
    const incoming: unknown[][] = [];
    const outgoing: unknown[][] = [];
    io.on('connection', (socket: Socket) => {
      socket.onAny((...a: unknown[]) => incoming.push(a));
      socket.onAnyOutgoing((...a: unknown[]) => outgoing.push(a));
      socket.use(([ev], next) => (ev === 'forbidden' ? next(new Error('not allowed')) : next()));
      socket.on('error', (err: Error) => socket.emit('failed', err.message));
      socket.on('hello', (x: string) => socket.emit('hi', x));
      socket.on('forbidden', () => socket.emit('hi', 'never'));
      socket.on('handshake', (cb: (h: unknown) => void) => cb(socket.handshake));
    });
    const c = client(url, { auth: { token: 't1' }, query: { q: 'v' }, extraHeaders: { 'x-test': 'yes' } });
    await connected(c);
    c.emit('hello', 'there');
    assert.deepEqual(await once(c, 'hi'), ['there']);
    c.emit('forbidden');
    assert.deepEqual(await once(c, 'failed'), ['not allowed']);
    assert.deepEqual(incoming[0], ['hello', 'there']);
    assert.deepEqual(outgoing[0], ['hi', 'there']);
    const h = (await c.emitWithAck('handshake')) as Record<string, unknown>;
    assert.deepEqual(h['auth'], { token: 't1' });
    assert.equal((h['query'] as Record<string, string>)['q'], 'v');
    assert.equal((h['headers'] as Record<string, string>)['x-test'], 'yes');
    assert.equal(h['address'], '127.0.0.1');
    assert.equal(typeof h['issued'], 'number');
    assert.ok(new Date(h['time'] as string).getTime() > 0);
    assert.match(h['url'] as string, /^\/socket\.io\/\?/);
  });

  it('dynamic namespaces by function; new_namespace; a parent emit reaches every child', async () => {
    const { io, url } = await start();
    const created: string[] = [];
    io.on('new_namespace', (nsp: { name: string }) => created.push(nsp.name));
    const parent = io.of((name, auth, next) => next(null, name.startsWith('/team-') && auth['ok'] === true));
    parent.on('connection', (socket: Socket) => socket.emit('welcome', socket.nsp.name));
    const a = client(`${url}/team-a`, { auth: { ok: true } });
    const [wa] = await once<[string]>(a, 'welcome');
    assert.equal(wa, '/team-a');
    const b = client(`${url}/team-b`, { auth: { ok: true } });
    await once(b, 'welcome');
    const refused = client(`${url}/team-c`, { auth: { ok: false } });
    const [err] = await once<[Error]>(refused, 'connect_error');
    assert.equal(err.message, 'Invalid namespace');
    assert.deepEqual(created, ['/team-a', '/team-b']);
    parent.emit('all', 1);
    assert.deepEqual(await Promise.all([once(a, 'all'), once(b, 'all')]), [[1], [1]]);
  });

  it('volatile, local and compress flags deliver on a connected socket', async () => {
    const { io, url } = await start();
    const c = client(url);
    await connected(c);
    io.volatile.emit('v', 1);
    assert.deepEqual(await once(c, 'v'), [1]);
    io.local.emit('l', 2);
    assert.deepEqual(await once(c, 'l'), [2]);
    io.compress(false).emit('c', 3);
    assert.deepEqual(await once(c, 'c'), [3]);
  });

  it('connection-state recovery: rooms, data and missed broadcasts come back, once and in order', async () => {
    const { io, url } = await start({ connectionStateRecovery: { maxDisconnectionDuration: 10_000 }, pingInterval: 300, pingTimeout: 200 });
    const seen: Array<{ recovered: boolean; id: string }> = [];
    io.on('connection', (socket: Socket) => {
      seen.push({ recovered: socket.recovered, id: socket.id });
      if (!socket.recovered) {
        socket.join('news');
        socket.data = { name: 'ana' };
      }
      socket.on('state', (cb: (s: unknown) => void) => cb({ rooms: [...socket.rooms].sort(), data: socket.data }));
    });
    const c = client(url, { reconnection: true, reconnectionDelay: 300, reconnectionDelayMax: 300 });
    const got: number[] = [];
    c.on('news', (n: number) => got.push(n));
    await connected(c);
    io.to('news').emit('news', 0);
    await until(() => got.length === 1, 3000, 'first broadcast');
    const firstId = c.id;
    // Drop the transport: the client reconnects after 300 ms, meanwhile three broadcasts go out.
    (c.io as unknown as { engine: { close(): void } }).engine.close();
    await sleep(20);
    for (let i = 1; i <= 3; i++) io.to('news').emit('news', i);
    await once(c, 'connect');
    assert.equal(c.recovered, true);
    assert.equal(c.id, firstId);
    await until(() => got.length >= 4, 3000, 'missed broadcasts');
    io.to('news').emit('news', 4);
    await until(() => got.length >= 5, 3000, 'live broadcast');
    await sleep(50);
    assert.deepEqual(got, [0, 1, 2, 3, 4]);
    assert.deepEqual(
      seen.map((s) => s.recovered),
      [false, true],
    );
    assert.deepEqual(await c.emitWithAck('state'), { rooms: [firstId, 'news'].sort(), data: { name: 'ana' } });
  });

  it('recovery: a broadcast the replay sent is not sent again when the bus reader delivers it late', async () => {
    // The replay reads the log on its own; the reader can deliver the same entry after the replay is over.
    const bus = new GatedBus();
    const { io, url } = await start({ connectionStateRecovery: true, bus });
    const gone: Array<Promise<unknown>> = [];
    io.on('connection', (socket: Socket) => {
      if (!socket.recovered) socket.join('news');
      gone.push(once(socket, 'disconnect'));
    });
    const c = client(url);
    const got: number[] = [];
    c.on('news', (n: number) => got.push(n));
    await connected(c);
    io.to('news').emit('news', 0);
    await until(() => got.length === 1, 3000, 'first broadcast');
    (c.io as unknown as { engine: { close(): void } }).engine.close();
    await gone[0];
    bus.gate();
    io.to('news').emit('news', 1);
    c.connect();
    await once(c, 'connect');
    assert.equal(c.recovered, true);
    await until(() => got.length === 2, 3000, 'the replayed broadcast');
    bus.open();
    io.to('news').emit('news', 2);
    await until(() => got.length >= 3, 3000, 'a live broadcast');
    assert.deepEqual(got, [0, 1, 2]);
  });

  it('recovery fails cleanly for an unknown pid or an offset the log no longer has', async () => {
    const { io, url } = await start({ connectionStateRecovery: true });
    const recovered: boolean[] = [];
    io.on('connection', (s: Socket) => recovered.push(s.recovered));
    const c = client(url, { auth: { pid: 'nope', offset: '1-0' } });
    await connected(c);
    assert.equal(c.recovered, false);
    assert.deepEqual(recovered, [false]);
  });
});

// Typed events, as socket.io types them: this block only has to compile.
interface ClientToServer {
  hello: (name: string, cb: (greeting: string) => void) => void;
}
interface ServerToClient {
  greet: (text: string, n: number) => void;
}
interface InterServer {
  ping: () => void;
}
interface Data {
  name: string;
}
export function typedUsage(io: Server<ClientToServer, ServerToClient, InterServer, Data>): void {
  io.on('connection', (socket: Socket<ClientToServer, ServerToClient, InterServer, Data>) => {
    socket.on('hello', (name, cb) => cb(`hi ${name}`));
    socket.emit('greet', 'x', 1);
    socket.data.name = 'ana';
    io.to('room').emit('greet', 'y', 2);
    // @ts-expect-error wrong argument type
    socket.emit('greet', 1, 'x');
  });
  io.serverSideEmit('ping');
}
