import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { after, afterEach, describe, it } from 'node:test';
import session from 'express-session';
import helmet from 'helmet';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import WebSocket from 'ws';
import type { ConnectionErrorEvent } from '../src/engine/errors.js';
import type { EngineMiddleware } from '../src/engine/middlewares.js';
import { Server, type ServerOptions } from '../src/sio/Server.js';
import type { Socket } from '../src/sio/Socket.js';
import { probeUws } from '../src/uws.js';
import { until } from './helpers/engine.js';
import { connected } from './helpers/sio-client.js';
import { http } from './helpers/http.js';

type Host = 'node' | 'uws';
/** The uWS host's cases skip where no native build loads (Node 24 here); the Node 20 run has them. */
const NO_NATIVE_UWS = probeUws().native ? false : `no native uWebSockets.js build loads on Node ${process.versions.node}`;
type SessionRequest = IncomingMessage & { _query: Record<string, string>; session?: session.Session & { user?: string }; sessionID?: string };

const SECRET = 'keyboard cat';
const servers: Server[] = [];
const clients: ClientSocket[] = [];

async function start(host: Host, opts: ServerOptions = {}): Promise<{ io: Server; url: string; port: number }> {
  const io = new Server({ address: '127.0.0.1', httpServer: host, ...opts }).listen(0);
  const port = await io.listening;
  servers.push(io);
  return { io, url: `http://127.0.0.1:${port}`, port };
}

function client(url: string, opts: Record<string, unknown> = {}): ClientSocket {
  const c = connectClient(url, { forceNew: true, reconnection: false, ...opts });
  clients.push(c);
  return c;
}

function connectError(c: ClientSocket): Promise<Error> {
  return new Promise((resolve, reject) => {
    c.once('connect', () => reject(new Error('connected')));
    c.once('connect_error', resolve);
  });
}

/** The session cookie express-session would have set for `sid` (cookie-signature's format). */
function sessionCookie(sid: string): string {
  const mac = createHmac('sha256', SECRET).update(sid).digest('base64').replace(/=+$/, '');
  return `connect.sid=${encodeURIComponent(`s:${sid}.${mac}`)}`;
}

/** A session store holding one logged-in session; resolves with the cookie that names it. */
function loggedIn(store: session.MemoryStore, user: string): Promise<string> {
  const sid = `sess-${user}`;
  const data = { cookie: { originalMaxAge: null, path: '/', httpOnly: true }, user } as unknown as session.SessionData;
  return new Promise((resolve, reject) => store.set(sid, data, (err) => (err ? reject(err as Error) : resolve(sessionCookie(sid)))));
}

/** What an upgrade request's 101 (or refusal) carried, seen by a raw websocket client. */
function upgradeAnswer(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingMessage['headers'] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('upgrade', (res) => {
      resolve({ status: 101, headers: res.headers });
      ws.close();
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
      res.resume();
    });
    ws.once('error', (err) => reject(err));
  });
}

/** Opens a streamed answer; resolves with its head and the body once it contains `until`. */
function streamUntil(url: string, until: string): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
        if (!body.includes(until)) return;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        req.destroy();
      });
    });
    req.on('error', reject);
    req.end();
  });
}

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});
after(async () => {
  for (const s of servers.splice(0)) await s.close();
});

for (const host of ['node', 'uws'] as const) {
  describe(`io.engine.use on the ${host} host`, { skip: host === 'uws' && NO_NATIVE_UWS }, () => {
    it('express-session: the handshake session is socket.request.session, on polling requests and the websocket upgrade', async () => {
      const { io, url } = await start(host);
      const store = new session.MemoryStore();
      io.engine.use(session({ secret: SECRET, store, resave: false, saveUninitialized: false }) as unknown as EngineMiddleware);
      const seen: Array<{ method: string; transport: string; handshake: boolean; user: string | undefined }> = [];
      io.engine.use((req, _res, next) => {
        const r = req as SessionRequest;
        seen.push({ method: r.method!, transport: r._query['transport']!, handshake: r._query['sid'] === undefined, user: r.session?.user });
        next();
      });
      const cookie = await loggedIn(store, 'alice');
      const connection = new Promise<Socket>((resolve) => io.once('connection', resolve));
      const c = client(url, { extraHeaders: { cookie } });
      await connected(c);
      const socket = await connection;
      const req = socket.request as unknown as SessionRequest;
      assert.equal(req.session?.user, 'alice');
      assert.equal(req.sessionID, 'sess-alice');
      // The session is live: a change saved from a socket handler is in the store.
      req.session.user = 'alice!';
      await new Promise<void>((resolve, reject) => req.session!.save((err) => (err ? reject(err as Error) : resolve())));
      assert.equal((await new Promise<session.SessionData & { user?: string }>((r) => store.get('sess-alice', (_e, s) => r(s!)))).user, 'alice!');

      await until(() => c.io.engine.transport.name === 'websocket', 5000, 'the upgrade');
      const echoed = new Promise<string>((resolve) => socket.once('hello', (v: string) => resolve(v)));
      c.emit('hello', 'there');
      assert.equal(await echoed, 'there');
      assert.ok(seen.some((s) => s.handshake && s.transport === 'polling' && s.method === 'GET'));
      assert.ok(seen.some((s) => !s.handshake && s.transport === 'polling' && s.method === 'POST'));
      assert.ok(seen.some((s) => !s.handshake && s.transport === 'websocket'));
      for (const s of seen) assert.ok(s.user === 'alice' || s.user === 'alice!', `${s.method} ${s.transport} saw ${String(s.user)}`);
    });

    it('express-session: a websocket-only handshake gets socket.request.session too', async () => {
      const { io, url } = await start(host);
      const store = new session.MemoryStore();
      io.engine.use(session({ secret: SECRET, store, resave: false, saveUninitialized: false }) as unknown as EngineMiddleware);
      const cookie = await loggedIn(store, 'bob');
      const connection = new Promise<Socket>((resolve) => io.once('connection', resolve));
      await connected(client(url, { extraHeaders: { cookie }, transports: ['websocket'] }));
      assert.equal(((await connection).request as unknown as SessionRequest).session?.user, 'bob');
    });

    it('express-session: a session the engine creates keeps its cookie across requests (client cookie jar)', async () => {
      const { io, url } = await start(host);
      const ids: string[] = [];
      io.engine.use(session({ secret: SECRET, resave: false, saveUninitialized: true }) as unknown as EngineMiddleware);
      io.engine.use((req, _res, next) => {
        ids.push((req as SessionRequest).sessionID!);
        next();
      });
      const connection = new Promise<Socket>((resolve) => io.once('connection', resolve));
      const c = client(url, { withCredentials: true });
      await connected(c);
      const socket = await connection;
      await until(() => c.io.engine.transport.name === 'websocket', 5000, 'the upgrade');
      const got = new Promise<void>((resolve) => socket.once('ping?', () => resolve()));
      c.emit('ping?');
      await got;
      assert.ok(ids.length >= 3, `only ${ids.length} requests`);
      assert.equal(new Set(ids).size, 1, `one session across requests: ${ids.join(' ')}`);
      assert.equal((socket.request as unknown as SessionRequest).sessionID, ids[0]);
    });

    it('cookies of the middlewares and of the engine all reach the handshake answer', async () => {
      const { io, url } = await start(host, { cookie: true });
      io.engine.use(session({ secret: SECRET, resave: false, saveUninitialized: true }) as unknown as EngineMiddleware);
      io.engine.on('initial_headers', (headers: Record<string, unknown>) => {
        headers['Set-Cookie'] = ['a=1', 'b=2'];
      });
      const hs = await http(`${url}/socket.io/?EIO=4&transport=polling`);
      assert.equal(hs.status, 200);
      const names = [hs.headers['set-cookie'] ?? []]
        .flat()
        .map((c: string) => c.slice(0, c.indexOf('=')))
        .sort();
      assert.deepEqual(names, ['a', 'b', 'connect.sid', 'io']);
    });

    it('a writeHead wrapped as on-headers 1.0 wraps it (express-session <= 1.18.1) gets the headers one by one', async () => {
      const { io, url } = await start(host);
      const seen: unknown[] = [];
      io.engine.use((_req, res, next) => {
        const prev = res.writeHead.bind(res) as (...a: unknown[]) => ServerResponse;
        // on-headers 1.0 read an array argument as [name, value] pairs and passed only the status on.
        res.writeHead = (status: number, headers?: unknown) => {
          seen.push(headers);
          if (Array.isArray(headers)) for (const h of headers as string[][]) res.setHeader(h[0]!, h[1]!);
          return prev(status);
        };
        next();
      });
      const hs = await http(`${url}/socket.io/?EIO=4&transport=polling`);
      assert.equal(hs.status, 200);
      assert.equal(hs.headers['content-type'], 'text/plain; charset=UTF-8');
      assert.deepEqual(seen, [undefined]);
    });

    it('helmet: its headers are on the engine answers', async () => {
      const { io, url } = await start(host);
      io.engine.use(helmet());
      const hs = await http(`${url}/socket.io/?EIO=4&transport=polling`);
      assert.equal(hs.status, 200);
      assert.equal(hs.headers['x-content-type-options'], 'nosniff');
      assert.equal(hs.headers['x-frame-options'], 'SAMEORIGIN');
      assert.match(String(hs.headers['content-security-policy']), /default-src 'self'/);
      assert.equal(hs.headers['content-type'], 'text/plain; charset=UTF-8');
      const { sid } = JSON.parse(hs.text.slice(1)) as { sid: string };
      const post = await http(`${url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: '40' });
      assert.equal(post.status, 200);
      assert.equal(post.headers['x-content-type-options'], 'nosniff');
      const upgrade = await upgradeAnswer(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
      assert.equal(upgrade.status, 101);
      assert.equal(upgrade.headers['x-content-type-options'], 'nosniff');
    });

    it('a middleware that answers 403 itself ends the request: the client sees connect_error', async () => {
      const { io, url } = await start(host, { legacy: true });
      const refuse: EngineMiddleware = (req, res, next) => {
        if (req.headers.authorization === 'Bearer ok') return next();
        res.writeHead(403, { 'Content-Type': 'text/plain' });
        res.end('forbidden');
      };
      io.engine.use(refuse);
      let connections = 0;
      io.engine.on('connection', () => connections++);
      const polling = await http(`${url}/socket.io/?EIO=4&transport=polling`);
      assert.deepEqual([polling.status, polling.text], [403, 'forbidden']);
      // 0.9 handshakes go through the middlewares too.
      assert.equal((await http(`${url}/socket.io/1/?t=1`)).status, 403);
      const ws = await upgradeAnswer(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
      assert.equal(ws.status, 403);
      await connectError(client(url));
      await connectError(client(url, { transports: ['websocket'] }));
      assert.equal(connections, 0);
      await connected(client(url, { extraHeaders: { authorization: 'Bearer ok' } }));
      assert.equal(connections, 1);
    });

    it('a 0.9 htmlfile stream goes through the middlewares and streams on', async () => {
      const { io, url } = await start(host, { legacy: true });
      io.engine.use(helmet());
      const hs = await http(`${url}/socket.io/1/?t=1`);
      assert.equal(hs.status, 200);
      assert.equal(hs.headers['x-content-type-options'], 'nosniff');
      const sid = hs.text.split(':')[0]!;
      const stream = await streamUntil(`${url}/socket.io/1/htmlfile/${sid}?t=2`, '1::');
      assert.equal(stream.status, 200);
      assert.equal(stream.headers['x-content-type-options'], 'nosniff');
      assert.match(stream.body, /<html>/);
    });

    it('runs middlewares in order, each after the previous called next, before allowRequest and the headers events', async () => {
      const order: string[] = [];
      const { io, url } = await start(host, {
        allowRequest: (_req, cb) => {
          order.push('allowRequest');
          cb(null, true);
        },
      });
      io.engine.use((_req, _res, next) => {
        order.push('first');
        setImmediate(next);
      });
      io.engine.use((_req, res, next) => {
        order.push('second');
        res.setHeader('X-Second', 'yes');
        setTimeout(next, 5);
      });
      io.engine.use((_req, _res, next) => {
        order.push('third');
        next();
      });
      io.engine.on('initial_headers', () => order.push('initial_headers'));
      const hs = await http(`${url}/socket.io/?EIO=4&transport=polling`);
      assert.equal(hs.status, 200);
      assert.equal(hs.headers['x-second'], 'yes');
      assert.deepEqual(order.slice(0, 3), ['first', 'second', 'third']);
      assert.deepEqual(order.slice(3).sort(), ['allowRequest', 'initial_headers']);
    });

    it('an error passed to next (or thrown) is answered 400 Bad request, with connection_error; later middlewares do not run', async () => {
      const { io, url } = await start(host);
      let later = 0;
      io.engine.use((req, _res, next) => {
        if (req.headers['x-throw']) throw new Error('thrown');
        next(new Error('nope'));
      });
      io.engine.use((_req, _res, next) => {
        later++;
        next();
      });
      const errors: ConnectionErrorEvent[] = [];
      io.engine.on('connection_error', (e: ConnectionErrorEvent) => errors.push(e));
      const polling = await http(`${url}/socket.io/?EIO=4&transport=polling`);
      assert.equal(polling.status, 400);
      assert.deepEqual(JSON.parse(polling.text), { code: 3, message: 'Bad request' });
      assert.equal(errors[0]?.code, 3);
      assert.equal(errors[0]?.context['name'], 'MIDDLEWARE_FAILURE');
      assert.equal((errors[0]?.context['error'] as Error).message, 'nope');
      const thrown = await http(`${url}/socket.io/?EIO=4&transport=polling`, { headers: { 'x-throw': '1' } });
      assert.equal(thrown.status, 400);
      assert.equal((errors[1]?.context['error'] as Error).message, 'thrown');
      const ws = await upgradeAnswer(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
      assert.equal(ws.status, 400);
      assert.equal(errors.length, 3);
      await connectError(client(url));
      assert.equal(later, 0);
    });
  });
}

for (const host of ['node', 'uws'] as const) {
  describe(`io.engine.use: headers on the 101 (${host} host)`, { skip: host === 'uws' && NO_NATIVE_UWS }, () => {
    it('a session the websocket handshake creates gets its cookie on the 101, next to the engine cookie', async () => {
      const { io, url } = await start(host, { cookie: true });
      io.engine.use(session({ secret: SECRET, resave: false, saveUninitialized: true }) as unknown as EngineMiddleware);
      const upgrade = await upgradeAnswer(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
      assert.equal(upgrade.status, 101);
      const cookies = [upgrade.headers['set-cookie'] ?? []].flat();
      assert.deepEqual(cookies.map((c: string) => c.slice(0, c.indexOf('='))).sort(), ['connect.sid', 'io']);
    });
  });
}
