/**
 * socket.io's ways to start a server, with real sockets: `new Server(httpServer)`
 * on an Express app and on a Fastify app serving their own routes on the
 * same port (socket.io-client 4.x over polling, websocket and the upgrade,
 * an event and its ack each time), `new Server(port)`, `io.attach(port)`,
 * `io.listen(port)`, an https server, `io.attachApp(uwsApp)`, and a port in
 * use surfacing through `io.listening`. The port forms run on the host
 * `NONSTICK_HTTP_SERVER` asks for; the attached servers are node's by nature.
 */
import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { after, describe, it } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import { loadUws, probeUws, Server, type ServerOptions } from '@nonstick/server';
import { connectSio, type SioClient, type SioMode } from '../clients/sio.js';
import { waitUntil } from '../support/wait.js';
import { selfSigned } from '@nonstick/server/testing';

const modes: SioMode[] = ['polling', 'websocket', 'upgrade'];
const LOOPBACK: ServerOptions = { address: '127.0.0.1' };

/** Every server answers `echo` with what it got and the transport it came over. */
function serveEcho(io: Server): Server {
  io.on('connection', (socket) => {
    socket.on('echo', (data: unknown, ack: (r: unknown) => void) => ack({ data, transport: socket.conn.transport.name }));
  });
  return io;
}

const clients: SioClient[] = [];

/** Connects in `mode` and checks an event + ack round trip (over websocket once upgraded). */
async function roundTrip(url: string, mode: SioMode, extra: Record<string, unknown> = {}): Promise<void> {
  const c = await connectSio('v4', url, mode, { extra });
  clients.push(c);
  if (mode === 'upgrade') await waitUntil(() => c.transportName === 'websocket', 'upgrade to websocket');
  const [reply] = (await c.ack('echo', { n: mode })) as [{ data: unknown; transport: string }];
  assert.deepEqual(reply, { data: { n: mode }, transport: mode === 'polling' ? 'polling' : 'websocket' });
  c.close();
}

async function text(url: string, init?: RequestInit): Promise<{ status: number; body: string }> {
  const r = await fetch(url, init);
  return { status: r.status, body: await r.text() };
}

function postJson(url: string, body: unknown): Promise<{ status: number; body: string }> {
  return text(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

after(() => {
  for (const c of clients) c.close();
});

describe('new Server(http.createServer(expressApp))', () => {
  const app = express();
  app.use(express.json());
  app.get('/hello', (_req, res) => {
    res.send('hello from express');
  });
  app.post('/sum', (req, res) => {
    res.json({ sum: (req.body as { a: number; b: number }).a + (req.body as { a: number; b: number }).b });
  });
  const server: HttpServer = createServer(app);
  const io = serveEcho(new Server(server));
  server.listen(0, '127.0.0.1');
  let url = '';
  after(() => io.close());

  it('resolves io.listening with the port the user listened on', async () => {
    url = `http://127.0.0.1:${await io.listening}`;
    assert.equal(io.httpServer, server);
  });
  for (const mode of modes) it(`serves socket.io-client 4.x over ${mode}`, () => roundTrip(url, mode));
  it("leaves Express's routes and 404s to Express", async () => {
    assert.deepEqual(await text(`${url}/hello`), { status: 200, body: 'hello from express' });
    const sum = await postJson(`${url}/sum`, { a: 2, b: 3 });
    assert.deepEqual([sum.status, JSON.parse(sum.body)], [200, { sum: 5 }]);
    const missing = await text(`${url}/nope`);
    assert.equal(missing.status, 404);
    assert.match(missing.body, /Cannot GET \/nope/);
  });
  it('closes the user server with io.close(), as socket.io does', async () => {
    await io.close();
    assert.equal(server.listening, false);
  });
});

describe('new Server(fastify.server)', () => {
  const app = Fastify();
  app.get('/hello', async () => 'hello from fastify');
  app.post('/sum', async (req) => ({ sum: (req.body as { a: number; b: number }).a + (req.body as { a: number; b: number }).b }));
  const io = serveEcho(new Server(app.server));
  let url = '';
  after(async () => {
    await io.close();
    await app.close();
  });

  it('resolves io.listening once Fastify listens', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${await io.listening}`;
  });
  for (const mode of modes) it(`serves socket.io-client 4.x over ${mode}`, () => roundTrip(url, mode));
  it("leaves Fastify's routes and 404s to Fastify", async () => {
    assert.deepEqual(await text(`${url}/hello`), { status: 200, body: 'hello from fastify' });
    const sum = await postJson(`${url}/sum`, { a: 4, b: 5 });
    assert.deepEqual([sum.status, JSON.parse(sum.body)], [200, { sum: 9 }]);
    const missing = await text(`${url}/nope`);
    assert.equal(missing.status, 404);
    assert.match(missing.body, /Route GET:\/nope not found/);
  });
});

describe('the port forms', () => {
  const started: Server[] = [];
  const track = (io: Server): Server => (started.push(io), serveEcho(io));
  after(async () => {
    await Promise.all(started.map((io) => io.close()));
  });

  it('new Server(port) listens, and answers other paths with 404', async () => {
    const io = track(new Server(0, LOOPBACK));
    const url = `http://127.0.0.1:${await io.listening}`;
    for (const mode of modes) await roundTrip(url, mode);
    assert.equal((await text(`${url}/hello`)).status, 404);
  });
  it('io.attach(port) and io.listen(port) return io and listen', async () => {
    for (const start of [(io: Server) => io.attach(0), (io: Server) => io.listen(0)]) {
      const io = track(new Server(LOOPBACK));
      assert.equal(start(io), io);
      await roundTrip(`http://127.0.0.1:${await io.listening}`, 'upgrade');
    }
  });
  it('a port in use rejects io.listening with EADDRINUSE and reports it on io', async () => {
    const first = track(new Server(0, LOOPBACK));
    const port = await first.listening;
    const second = new Server(LOOPBACK);
    started.push(second);
    const reported: unknown[] = [];
    second.on('error', (err: unknown, context: string) => reported.push([context, err]));
    second.listen(port);
    // uWS reports no reason for a failed listen; node:http says EADDRINUSE.
    const expected = second.engine.host?.kind === 'uws' ? /cannot listen on 127\.0\.0\.1:\d+$/ : /EADDRINUSE/;
    await assert.rejects(
      second.listening,
      (err: Error & { code?: string }) => expected.test(err.message) && (second.engine.host?.kind === 'uws' || err.code === 'EADDRINUSE'),
    );
    await waitUntil(() => reported.length === 1, 'the error reported on io');
    assert.equal((reported[0] as [string])[0], 'listen');
  });
});

describe("socket.io's attach errors", () => {
  it('refuses an Express app, options after construction, and a second attach', async () => {
    const expressMessage = /You are trying to attach socket\.io to an express request handler function\. Please pass a http\.Server instance\./;
    assert.throws(() => new Server(express() as never), expressMessage);
    const io = new Server();
    const unattached = new Server();
    try {
      assert.throws(() => io.attach(express() as never), expressMessage);
      assert.throws(() => io.attach(0, { pingInterval: 1000 }), /pass them to new Server/);
      io.attach(createServer());
      assert.throws(() => io.listen(createServer()), /already attached/);
      await assert.rejects(unattached.listening, /not attached/);
    } finally {
      await io.close();
      await unattached.close();
    }
  });
});

describe('new Server(httpsServer)', () => {
  it('serves socket.io-client 4.x over TLS next to the app', async (t) => {
    const tls = selfSigned();
    if (!tls) return t.skip('no openssl to make a certificate');
    const server = createHttpsServer(tls, (_req, res) => res.end('tls app'));
    const io = serveEcho(new Server(server));
    try {
      server.listen(0, '127.0.0.1');
      const url = `https://127.0.0.1:${await io.listening}`;
      for (const mode of modes) await roundTrip(url, mode, { rejectUnauthorized: false });
    } finally {
      await io.close();
    }
  });
});

describe('io.attachApp(uwsApp)', () => {
  it("serves socket.io-client 4.x on the user's uWS app", async (t) => {
    if (!probeUws().native) return t.skip('no native uWebSockets.js here');
    const uws = loadUws();
    const app = uws.App();
    app.get('/hello', (res) => void res.end('uws app'));
    const io = serveEcho(new Server().attachApp(app));
    await assert.rejects(io.listening, /listened on by its owner/);
    let listenSocket: unknown = null;
    try {
      const port = await new Promise<number>((resolve, reject) =>
        app.listen('127.0.0.1', 0, (ls) => (ls ? resolve(uws.us_socket_local_port((listenSocket = ls))) : reject(new Error('uws listen')))),
      );
      const url = `http://127.0.0.1:${port}`;
      for (const mode of modes) await roundTrip(url, mode);
      assert.deepEqual(await text(`${url}/hello`), { status: 200, body: 'uws app' });
    } finally {
      await io.close();
      if (listenSocket) uws.us_listen_socket_close(listenSocket);
    }
  });
});
