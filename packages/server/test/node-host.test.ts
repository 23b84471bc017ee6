import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent, createServer, type Server as HttpServer, type Server } from 'node:http';
import { connect as connectH2, createSecureServer } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import { WebSocket, WebSocketServer } from 'ws';
import { canonicalAddress } from '../src/host/address.js';
import type { EngineHandlers } from '../src/host/Host.js';
import { DEFAULT_NODE_SERVER_LIMITS, NodeHost } from '../src/host/node/NodeHost.js';
import { createHost, defaultHostChoice } from '../src/host/select.js';
import { probeUws } from '../src/uws.js';
import { closed, ENGINE_PATH, get, LIMITS, nextMessage, openWs, until } from './host-contract/harness.js';
import { runHostContract } from './host-contract/index.js';
import { selfSigned } from './helpers/tls.js';

runHostContract('NodeHost', () => new NodeHost());

/** Engine handlers that answer `engine <path>` and echo websocket frames. */
function echoEngine(): EngineHandlers<string> {
  return {
    request: (res, info) => res.send(200, [['Content-Type', 'text/plain']], `engine ${info.path}`, false),
    upgrade: (_res, info, upgrade) => void upgrade.accept(info.path),
    open: () => {},
    message: (ws, frame) => ws.send(frame, false),
    close: () => {},
  };
}

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

async function echoes(url: string): Promise<void> {
  const ws = await openWs(url);
  const next = nextMessage(ws);
  ws.send('ping');
  assert.equal((await next).data.toString(), 'ping');
  const done = closed(ws);
  ws.close();
  await done;
}

describe('NodeHost attached to a user server', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("shares an http.createServer(handler): other paths and the user's own upgrades stay the user's", async () => {
    const server = createServer((req, res) => res.end(`user ${req.url}`));
    const userWss = new WebSocketServer({ noServer: true });
    userWss.on('connection', (ws) => ws.on('message', (m) => ws.send(`user:${m.toString()}`)));
    server.on('upgrade', (req, socket, head) => {
      if (req.url === '/chat') userWss.handleUpgrade(req, socket, head, (ws) => userWss.emit('connection', ws, req));
    });
    const host = NodeHost.attach(server);
    host.mount(ENGINE_PATH, echoEngine(), LIMITS);
    host.route('/health', (res) => res.send(200, [], 'ok', false));
    const port = await listen(server);
    cleanups.push(
      () => new Promise((r) => server.close(r)),
      () => host.close(),
    );
    assert.equal(await host.listen(0, '127.0.0.1'), port, 'an attached, listening server keeps its port');

    const base = `http://127.0.0.1:${port}`;
    assert.equal((await get(`${base}/anything?x=1`)).text, 'user /anything?x=1');
    assert.equal((await get(`${base}${ENGINE_PATH}/?EIO=4`)).text, `engine ${ENGINE_PATH}/`);
    assert.equal((await get(`${base}/health`)).text, 'ok');
    await echoes(`ws://127.0.0.1:${port}${ENGINE_PATH}/`);

    const chat = await openWs(`ws://127.0.0.1:${port}/chat`);
    const reply = nextMessage(chat);
    chat.send('hi');
    assert.equal((await reply).data.toString(), 'user:hi');
    chat.close();
  });

  it("drops an upgrade nobody takes, after a moment (engine.io's destroyUpgrade)", async () => {
    const server = createServer((_req, res) => res.end('user'));
    const host = NodeHost.attach(server);
    host.mount(ENGINE_PATH, echoEngine(), LIMITS);
    const port = await listen(server);
    cleanups.push(
      () => new Promise((r) => server.close(r)),
      () => host.close(),
    );
    const ws = new WebSocket(`ws://127.0.0.1:${port}/elsewhere`);
    const started = Date.now();
    const [err] = (await once(ws, 'error')) as [Error];
    assert.match(err.message, /socket hang up|ECONNRESET/);
    const waited = Date.now() - started;
    assert.ok(waited >= 900 && waited < 5000, `dropped after ${waited} ms`);
  });

  it("gives the server back on close: the user's handler takes every path again", async () => {
    const server = createServer((_req, res) => res.end('user'));
    const host = NodeHost.attach(server);
    host.mount(ENGINE_PATH, echoEngine(), LIMITS);
    const port = await listen(server);
    cleanups.push(() => new Promise((r) => server.close(r)));
    const ws = await openWs(`ws://127.0.0.1:${port}${ENGINE_PATH}/`);
    const done = closed(ws);
    await host.close();
    assert.equal((await done).code, 1001);
    assert.ok(server.listening, "the user's listener stays up");
    assert.equal((await get(`http://127.0.0.1:${port}${ENGINE_PATH}/`)).text, 'user');
  });

  it('serves next to an Express app on the same port', async () => {
    const app = express();
    app.get('/api/items', (_req, res) => {
      res.json({ items: [1, 2] });
    });
    const server = createServer(app);
    const host = NodeHost.attach(server);
    host.mount(ENGINE_PATH, echoEngine(), LIMITS);
    const port = await listen(server);
    cleanups.push(
      () => new Promise((r) => server.close(r)),
      () => host.close(),
    );
    const base = `http://127.0.0.1:${port}`;
    assert.deepEqual(JSON.parse((await get(`${base}/api/items`)).text), { items: [1, 2] });
    assert.equal((await get(`${base}/missing`)).status, 404);
    assert.equal((await get(`${base}${ENGINE_PATH}/`)).text, `engine ${ENGINE_PATH}/`);
    await echoes(`ws://127.0.0.1:${port}${ENGINE_PATH}/`);
  });

  it('serves next to a Fastify app on the same port', async () => {
    const app = Fastify();
    app.get('/api/items', async () => ({ items: [3] }));
    const host = NodeHost.attach(app.server);
    host.mount(ENGINE_PATH, echoEngine(), LIMITS);
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(
      () => app.close(),
      () => host.close(),
    );
    const port = (app.server.address() as AddressInfo).port;
    const base = `http://127.0.0.1:${port}`;
    assert.deepEqual(JSON.parse((await get(`${base}/api/items`)).text), { items: [3] });
    assert.equal((await get(`${base}${ENGINE_PATH}/?EIO=4`)).text, `engine ${ENGINE_PATH}/`);
    await echoes(`ws://127.0.0.1:${port}${ENGINE_PATH}/`);
  });
});

describe('NodeHost attached to an HTTP/2 server (allowHTTP1)', () => {
  it('answers HTTP/2 and HTTPS/1.1 requests and takes websockets over TLS', async (t) => {
    const tls = selfSigned();
    if (!tls) return t.skip('no openssl to make a certificate');
    const server = createSecureServer({ ...tls, allowHTTP1: true }, (req, res) => res.end(`user ${req.httpVersion}`));
    const host = NodeHost.attach(server);
    host.mount(
      ENGINE_PATH,
      {
        ...echoEngine(),
        request: (res, info) =>
          res.send(
            200,
            [
              ['Content-Type', 'text/plain'],
              ['Set-Cookie', 'a=1'],
              ['Set-Cookie', 'b=2'],
            ],
            `engine ${info.headers['host']}`,
            true,
          ),
      },
      LIMITS,
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    try {
      const session = connectH2(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
      const h2 = (path: string): Promise<{ headers: Record<string, unknown>; text: string }> =>
        new Promise((resolve, reject) => {
          const stream = session.request({ ':path': path });
          let headers: Record<string, unknown> = {};
          let text = '';
          stream.on('response', (h) => (headers = h));
          stream.on('data', (c) => (text += String(c)));
          stream.on('end', () => resolve({ headers, text }));
          stream.on('error', reject);
        });
      const engine = await h2(`${ENGINE_PATH}/?EIO=4`);
      assert.equal(engine.text, `engine 127.0.0.1:${port}`);
      assert.deepEqual(engine.headers['set-cookie'], ['a=1', 'b=2']);
      assert.equal((await h2('/other')).text, 'user 2.0', 'closing one answer left the HTTP/2 session usable');
      session.close();

      const h1 = await new Promise<string>((resolve, reject) => {
        const req = httpsRequest(`https://127.0.0.1:${port}/other`, { rejectUnauthorized: false, agent: false }, (res) => {
          let text = '';
          res.on('data', (c) => (text += String(c)));
          res.on('end', () => resolve(text));
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(h1, 'user 1.1');
      const ws = await openWs(`wss://127.0.0.1:${port}${ENGINE_PATH}/`, { rejectUnauthorized: false });
      const next = nextMessage(ws);
      ws.send('over tls');
      assert.equal((await next).data.toString(), 'over tls');
      ws.close();
    } finally {
      await host.close();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('NodeHost on its own server', () => {
  it('says which port is in use', async () => {
    const blocker = createNetServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as AddressInfo).port;
    const host = new NodeHost();
    try {
      const err = await host.listen(port, '127.0.0.1').then(
        () => assert.fail('listened on a used port'),
        (e: NodeJS.ErrnoException) => e,
      );
      assert.equal(err.code, 'EADDRINUSE');
      assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}.*in use`));
    } finally {
      await host.close();
      blocker.close();
    }
  });

  it('says goodbye (1001) to its websockets on close', async () => {
    const host = new NodeHost();
    host.mount(ENGINE_PATH, echoEngine(), LIMITS);
    const port = await host.listen(0, '127.0.0.1');
    const ws = await openWs(`ws://127.0.0.1:${port}${ENGINE_PATH}/`);
    const done = closed(ws);
    await host.close();
    assert.deepEqual(await done, { code: 1001, reason: 'server closing' });
  });

  it('owns a server with the default limits: slowloris cut at 10 s, keep-alive 10 s, no inactivity timeout', async () => {
    const host = new NodeHost();
    try {
      const server = host.server as HttpServer;
      assert.equal(server.headersTimeout, DEFAULT_NODE_SERVER_LIMITS.headersTimeout);
      assert.equal(server.requestTimeout, DEFAULT_NODE_SERVER_LIMITS.requestTimeout);
      assert.equal(server.keepAliveTimeout, DEFAULT_NODE_SERVER_LIMITS.keepAliveTimeout);
      assert.equal(server.timeout, 0);
      assert.deepEqual(DEFAULT_NODE_SERVER_LIMITS, { headersTimeout: 10_000, requestTimeout: 60_000, keepAliveTimeout: 10_000 });
    } finally {
      await host.close();
    }
  });

  it('cuts a client that trickles its request head (slowloris) after headersTimeout', async () => {
    const host = new NodeHost({ headersTimeout: 1_200 });
    host.mount(ENGINE_PATH, echoEngine(), LIMITS);
    const port = await host.listen(0, '127.0.0.1');
    try {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => {});
      await once(socket, 'connect');
      const started = Date.now();
      socket.write('GET /engine.io/ HTTP/1.1\r\nHost: x\r\n');
      const drip = setInterval(() => socket.write('X-Drip: 1\r\n'), 100);
      await new Promise((r) => socket.once('close', r)).finally(() => clearInterval(drip));
      const lasted = Date.now() - started;
      // Checked every headersTimeout / 4: cut between 1.2 and ~1.5 s, later only on a stalled machine.
      assert.ok(lasted >= 1_100, `cut after ${lasted} ms, before its headersTimeout`);
      assert.ok(lasted < 10_000, `cut after ${lasted} ms`);
    } finally {
      await host.close();
    }
  });

  it('holds a long-poll and a stream past the request timeout checks, and keeps an idle keep-alive connection for keepAliveTimeout', async () => {
    const host = new NodeHost({ headersTimeout: 800, requestTimeout: 800, keepAliveTimeout: 2_500 });
    const held: Array<() => void> = [];
    host.mount(
      ENGINE_PATH,
      {
        ...echoEngine(),
        request: (res, info) => {
          if (info.query['stream']) {
            res.startStream(200, [], 'a');
            held.push(() => res.endStream('b'));
          } else {
            held.push(() => res.send(200, [], 'late', false));
          }
        },
      },
      LIMITS,
    );
    const port = await host.listen(0, '127.0.0.1');
    try {
      const poll = get(`http://127.0.0.1:${port}${ENGINE_PATH}/?poll=1`, { timeoutMs: 20_000 });
      const stream = get(`http://127.0.0.1:${port}${ENGINE_PATH}/?stream=1`, { timeoutMs: 20_000 });
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const closedAt: number[] = [];
      let connections = 0;
      const connectAgent = agent.createConnection.bind(agent);
      agent.createConnection = (...args: Parameters<typeof connectAgent>) => {
        connections++;
        const socket = connectAgent(...args);
        socket?.once('close', () => closedAt.push(Date.now()));
        return socket;
      };
      await until(() => held.length === 2, 5000, 'held requests');
      assert.equal((await get(`http://127.0.0.1:${port}/nothing`, { agent })).status, 404);
      const idleFrom = Date.now();
      // Past several request-timeout checks (every 200 ms here) and past the requestTimeout itself.
      await new Promise((r) => setTimeout(r, 1_500));
      assert.equal((await get(`http://127.0.0.1:${port}/nothing`, { agent })).status, 404);
      assert.equal(connections, 1, 'the keep-alive connection was kept through 1.5 s idle');
      const secondIdleFrom = Date.now();
      await until(() => closedAt.length === 1, 10_000, 'the server closes the idle connection');
      const idle = closedAt[0]! - secondIdleFrom;
      assert.ok(
        idle >= 2_300,
        `closed after ${idle} ms idle; keepAliveTimeout is 2.5 s (first idle period began at +0, second at +${secondIdleFrom - idleFrom} ms)`,
      );
      agent.destroy();
      for (const answer of held) answer();
      assert.equal((await poll).text, 'late');
      assert.equal((await stream).text, 'ab');
    } finally {
      await host.close();
    }
  });
});

describe('host selection', () => {
  it('creates a NodeHost when asked', async () => {
    const { host, reason } = createHost('node');
    assert.ok(host instanceof NodeHost);
    assert.match(reason, /node:http/);
    await host.close();
  });

  it('explains what auto picks and why, and never throws over uWS', async () => {
    const probe = probeUws();
    assert.match(probe.reason, new RegExp(`Node ABI ${process.versions.modules}`));
    if (probe.native) return;
    const { host, reason } = createHost('auto');
    assert.ok(host instanceof NodeHost);
    assert.match(reason, /using node:http \+ ws$/);
    await host.close();
  });

  it('takes the default from NONSTICK_HTTP_SERVER, refusing unknown values', () => {
    assert.equal(defaultHostChoice({}), 'auto');
    assert.equal(defaultHostChoice({ NONSTICK_HTTP_SERVER: '' }), 'auto');
    assert.equal(defaultHostChoice({ NONSTICK_HTTP_SERVER: 'node' }), 'node');
    assert.equal(defaultHostChoice({ NONSTICK_HTTP_SERVER: 'uws' }), 'uws');
    assert.throws(() => defaultHostChoice({ NONSTICK_HTTP_SERVER: 'express' }), /NONSTICK_HTTP_SERVER must be one of uws, node, auto/);
  });
});

describe('canonicalAddress', () => {
  it('writes IPv4 dotted and IPv6 short, whichever host reported it', () => {
    assert.equal(canonicalAddress('127.0.0.1'), '127.0.0.1');
    assert.equal(canonicalAddress('::ffff:10.1.2.3'), '10.1.2.3');
    assert.equal(canonicalAddress('::FFFF:10.1.2.3'), '10.1.2.3');
    assert.equal(canonicalAddress('0000:0000:0000:0000:0000:ffff:7f00:0001'), '127.0.0.1');
    assert.equal(canonicalAddress('0000:0000:0000:0000:0000:0000:0000:0001'), '::1');
    assert.equal(canonicalAddress('2001:0db8:0000:0000:0001:0000:0000:0001'), '2001:db8::1:0:0:1');
    assert.equal(canonicalAddress('2001:0db8:0001:0000:0001:0000:0001:0001'), '2001:db8:1:0:1:0:1:1');
    assert.equal(canonicalAddress('fe80:0000:0000:0000:0000:0000:0000:0000'), 'fe80::');
    assert.equal(canonicalAddress('::1'), '::1');
    assert.equal(canonicalAddress(''), '');
  });
});
