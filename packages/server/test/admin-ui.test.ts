/* eslint-disable @typescript-eslint/no-explicit-any -- the admin events are admin-ui's untyped wire data */
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { instrument } from '@socket.io/admin-ui';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import { MemoryBus, MemoryLog } from '../src/bus/MemoryBus.js';
import { Server, type ServerOptions } from '../src/sio/Server.js';
import type { Socket } from '../src/sio/Socket.js';
import { MemoryCluster, MemoryStore } from '../src/store/MemoryStore.js';
import { until } from './helpers/engine.js';

// @socket.io/admin-ui's instrument() is typed against socket.io's Server; it
// reaches Nonstick's through socket.io's public and semi-private API.
type Instrumentable = Parameters<typeof instrument>[0];
const instrumentNonstick = (io: Server, opts: Parameters<typeof instrument>[1]): void => instrument(io as unknown as Instrumentable, opts);

/** "changeit", hashed with bcrypt (cost 10), as admin-ui's `auth.password` takes it. */
const CHANGEIT_HASH = '$2b$10$heqvAkYMez.Va6Et2uXInOnkCT6/uQj1brkrbyG3LpopDklcq7ZOS';

const servers: Server[] = [];
const clients: ClientSocket[] = [];

async function start(opts: ServerOptions = {}): Promise<{ io: Server; url: string; errors: unknown[] }> {
  const io = new Server({ address: '127.0.0.1', ...opts }).listen(0);
  servers.push(io);
  const errors: unknown[] = [];
  // Listener errors (ours or admin-ui's) land here instead of the console.
  io.on('error', (err: unknown) => errors.push(err));
  const port = await io.listening;
  return { io, url: `http://127.0.0.1:${port}`, errors };
}

function client(url: string, opts: Record<string, unknown> = {}): ClientSocket {
  const c = connectClient(url, { forceNew: true, reconnection: false, transports: ['websocket'], ...opts });
  clients.push(c);
  return c;
}

function connected(c: ClientSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    if (c.connected) return resolve();
    c.once('connect', () => resolve());
    c.once('connect_error', reject);
  });
}

/** An admin UI stand-in: a socket.io-client on the admin namespace recording every event it gets. */
function admin(url: string, opts: Record<string, unknown> = {}): { socket: ClientSocket; events: unknown[][] } {
  const socket = client(`${url}/admin`, opts);
  const events: unknown[][] = [];
  socket.onAny((...args: unknown[]) => events.push(args));
  return { socket, events };
}

function find(events: unknown[][], ev: string, pred: (args: any[]) => boolean = () => true): any[] | undefined {
  return events.find((e) => e[0] === ev && pred(e.slice(1)))?.slice(1);
}

async function waitFor(events: unknown[][], ev: string, pred: (args: any[]) => boolean = () => true, what = ev): Promise<any[]> {
  await until(() => find(events, ev, pred) !== undefined, 5000, what);
  return find(events, ev, pred)!;
}

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});
after(async () => {
  for (const s of servers.splice(0)) await s.close();
});

describe('@socket.io/admin-ui on a Nonstick Server', () => {
  it('instruments the server and shows sockets, rooms and events to an admin client', async () => {
    const { io, url, errors } = await start();
    const serverSockets = new Map<string, Socket>();
    io.on('connection', (socket: Socket) => {
      serverSockets.set(socket.id, socket);
      socket.data.user = 'ada';
      socket.on('enter', (room: string) => socket.join(room));
      socket.on('ping-me', () => socket.emit('pong-you', 42));
    });
    instrumentNonstick(io, { auth: false, mode: 'development', serverId: 'worker-a' });

    // A socket that was there before the admin came is in the initial list.
    const early = client(url);
    await connected(early);
    const ui = admin(url);
    await connected(ui.socket);
    const config = await waitFor(ui.events, 'config');
    assert.ok(config[0].supportedFeatures.includes('MDISCONNECT'), 'cluster operations are detected');
    assert.ok(config[0].supportedFeatures.includes('ALL_EVENTS'), 'development mode');
    const [all] = await waitFor(ui.events, 'all_sockets');
    const listed = (all as any[]).find((s) => s.id === early.id);
    assert.ok(listed, 'the earlier socket is listed');
    assert.equal(listed.nsp, '/');
    assert.deepEqual(listed.data, { user: 'ada' });
    assert.ok(listed.rooms.includes(early.id));
    const [stats] = await waitFor(ui.events, 'server_stats');
    assert.equal(stats.serverId, 'worker-a');
    assert.ok(stats.clientsCount >= 2);
    assert.ok(stats.namespaces.some((n: any) => n.name === '/' && n.socketsCount >= 1));

    // A client arriving now: connected, joins a room, emits and is emitted to.
    const c = client(url);
    await connected(c);
    const [serialized] = await waitFor(ui.events, 'socket_connected', (a) => a[0].id === c.id);
    assert.equal(serialized.nsp, '/');
    assert.equal(serialized.transport, 'websocket');
    assert.equal(serialized.handshake.address, '127.0.0.1');
    c.emit('enter', 'lobby');
    await waitFor(ui.events, 'room_joined', (a) => a[0] === '/' && a[1] === 'lobby' && a[2] === c.id);
    c.emit('ping-me', 'please');
    const received = await waitFor(ui.events, 'event_received', (a) => a[1] === c.id && a[2][0] === 'ping-me');
    assert.deepEqual(received[2], ['ping-me', 'please']);
    const sent = await waitFor(ui.events, 'event_sent', (a) => a[1] === c.id);
    assert.deepEqual(sent[2], ['pong-you', 42]);

    // The admin's actions reach the client.
    ui.socket.emit('join', '/', 'vip', c.id);
    await waitFor(ui.events, 'room_joined', (a) => a[1] === 'vip' && a[2] === c.id);
    assert.ok(serverSockets.get(c.id!)!.rooms.has('vip'));
    const got = new Promise<unknown[]>((resolve) => c.once('news', (...a: unknown[]) => resolve(a)));
    ui.socket.emit('emit', '/', 'vip', 'news', 'hello vip');
    assert.deepEqual(await got, ['hello vip']);
    ui.socket.emit('leave', '/', 'vip', c.id);
    await waitFor(ui.events, 'room_left', (a) => a[1] === 'vip' && a[2] === c.id);
    // The client forgets its id once disconnected.
    const cid = c.id;
    const kicked = new Promise<string>((resolve) => c.once('disconnect', resolve));
    ui.socket.emit('_disconnect', '/', false, cid);
    assert.equal(await kicked, 'io server disconnect');
    const [, , reason] = await waitFor(ui.events, 'socket_disconnected', (a) => a[1] === cid);
    assert.equal(reason, 'server namespace disconnect');

    // A client leaving on its own.
    const earlyId = early.id;
    early.disconnect();
    const [, , why] = await waitFor(ui.events, 'socket_disconnected', (a) => a[1] === earlyId);
    assert.equal(why, 'client namespace disconnect');

    // The stats timer keeps running (it threw on every tick before `io._nsps` existed).
    await until(() => ui.events.filter((e) => e[0] === 'server_stats').length >= 2, 5000, 'a second server_stats');
    assert.deepEqual(errors, []);
  });

  it('reports a transport upgrade and the engine traffic', async () => {
    const { io, url, errors } = await start();
    instrumentNonstick(io, { auth: false, mode: 'development' });
    const ui = admin(url);
    await connected(ui.socket);
    const c = client(url, { transports: ['polling', 'websocket'] });
    await connected(c);
    await waitFor(ui.events, 'socket_connected', (a) => a[0].id === c.id && a[0].transport === 'polling');
    await waitFor(ui.events, 'socket_updated', (a) => a[0].id === c.id && a[0].transport === 'websocket', 'the upgrade');
    c.emit('hello');
    // Aggregated events come from the engine's connection, packet and packetCreate events.
    const seen = new Set<string>();
    await until(
      () => {
        for (const e of ui.events) if (e[0] === 'server_stats') for (const a of (e[1] as any).aggregatedEvents) seen.add(a.type);
        return ['rawConnection', 'packetsIn', 'bytesIn', 'packetsOut', 'bytesOut'].every((t) => seen.has(t));
      },
      6000,
      'aggregated engine events',
    );
    assert.deepEqual(errors, []);
  });

  it('with basic auth, refuses a wrong password and admits the right one', async () => {
    const { io, url } = await start();
    instrumentNonstick(io, { auth: { type: 'basic', username: 'admin', password: CHANGEIT_HASH }, mode: 'development' });
    const wrong = admin(url, { auth: { username: 'admin', password: 'guess' } });
    const err = await new Promise<Error>((resolve) => wrong.socket.once('connect_error', resolve));
    assert.equal(err.message, 'invalid credentials');
    const right = admin(url, { auth: { username: 'admin', password: 'changeit' } });
    await connected(right.socket);
    // The session id the middleware emitted before the connection was accepted.
    const [sessionId] = await waitFor(right.events, 'session');
    assert.equal(typeof sessionId, 'string');
    await waitFor(right.events, 'all_sockets');
    // The session id stands for the password from then on.
    const again = admin(url, { auth: { sessionId } });
    await connected(again.socket);
  });

  it('shows an admin the sockets and events of every worker of a cluster', async () => {
    const cluster = new MemoryCluster();
    const log = new MemoryLog();
    const opts = (): ServerOptions => ({ store: new MemoryStore({ cluster }), bus: new MemoryBus({ log }) });
    const a = await start(opts());
    const b = await start(opts());
    b.io.on('connection', (socket: Socket) => socket.on('enter', (room: string) => socket.join(room)));
    instrumentNonstick(a.io, { auth: false, mode: 'development', serverId: 'a' });
    instrumentNonstick(b.io, { auth: false, mode: 'development', serverId: 'b' });

    // A socket on b before the admin connects to a: listed through fetchSockets.
    const early = client(b.url);
    await connected(early);
    const ui = admin(a.url);
    await connected(ui.socket);
    const [all] = await waitFor(ui.events, 'all_sockets');
    assert.ok(
      (all as any[]).some((s) => s.id === early.id && s.nsp === '/'),
      "b's socket is in the initial list",
    );
    await waitFor(ui.events, 'server_stats', (s) => s[0].serverId === 'a');
    await waitFor(ui.events, 'server_stats', (s) => s[0].serverId === 'b');

    // Live events of b reach the admin connected to a.
    const c = client(b.url);
    await connected(c);
    await waitFor(ui.events, 'socket_connected', (s) => s[0].id === c.id);
    c.emit('enter', 'lobby');
    await waitFor(ui.events, 'room_joined', (s) => s[1] === 'lobby' && s[2] === c.id);
    await waitFor(ui.events, 'event_received', (s) => s[1] === c.id && s[2][0] === 'enter');

    // An admin action issued on a acts on b's socket.
    const cid = c.id;
    const kicked = new Promise<string>((resolve) => c.once('disconnect', resolve));
    ui.socket.emit('_disconnect', '/', false, cid);
    assert.equal(await kicked, 'io server disconnect');
    await waitFor(ui.events, 'socket_disconnected', (s) => s[1] === cid);
    assert.deepEqual(a.errors, []);
    assert.deepEqual(b.errors, []);
  });
});

describe("the adapter's room events (socket.io-adapter's)", () => {
  it('emits create-room, join-room, leave-room and delete-room for this worker', async () => {
    const { io, url } = await start();
    const events: string[] = [];
    const adapter = io.of('/').adapter;
    adapter.on('create-room', (room: string) => events.push(`create ${room}`));
    adapter.on('join-room', (room: string, id: string) => events.push(`join ${room} ${id}`));
    adapter.on('leave-room', (room: string, id: string) => events.push(`leave ${room} ${id}`));
    adapter.on('delete-room', (room: string) => events.push(`delete ${room}`));
    const sock = new Promise<Socket>((resolve) => io.once('connection', resolve));
    const c = client(url);
    await connected(c);
    const s = await sock;
    s.join(['r1', 'r1']);
    s.leave('r1');
    s.leave('r1');
    s.disconnect();
    assert.deepEqual(events, [
      `create ${s.id}`,
      `join ${s.id} ${s.id}`,
      'create r1',
      `join r1 ${s.id}`,
      `leave r1 ${s.id}`,
      'delete r1',
      `leave ${s.id} ${s.id}`,
      `delete ${s.id}`,
    ]);
  });

  it('a throwing room listener is reported and leaves the rooms consistent', async () => {
    const { io, url, errors } = await start();
    io.of('/').adapter.on('join-room', () => {
      throw new Error('boom');
    });
    const sock = new Promise<Socket>((resolve) => io.once('connection', resolve));
    const c = client(url);
    await connected(c);
    const s = await sock;
    s.join('r2');
    assert.ok(s.rooms.has('r2'));
    assert.ok(io.of('/').adapter.rooms.get('r2')?.has(s.id));
    assert.ok(errors.length >= 2, 'both joins (own room, r2) reported');
  });
});
