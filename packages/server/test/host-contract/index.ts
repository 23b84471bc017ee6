/**
 * The host contract suite: what the engine relies on from any `Host`
 * (see src/host/Host.ts). Every host runs it:
 *
 *   runHostContract('NodeHost', () => new NodeHost());
 *
 * The factory returns a fresh, unmounted, unlistened host; the suite mounts
 * scripted engine handlers under /engine.io, listens on a free port and
 * closes the host after each test.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { createServer, Socket } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import type { RawResponse } from '../../src/host/Host.js';
import { closed, collect, ENGINE_PATH, get, nextMessage, openWs, start, until, type HostFactory, type Running } from './harness.js';

export { ENGINE_PATH, LIMITS, start, type HostFactory, type Running } from './harness.js';

const TEXT: Array<[string, string]> = [['Content-Type', 'text/plain']];

export function runHostContract(name: string, factory: HostFactory): void {
  describe(`Host contract: ${name}`, () => {
    let running: Running | null = null;
    const run = async (options?: Parameters<typeof start>[1]): Promise<Running> => (running = await start(factory, options));
    afterEach(async () => {
      await running?.close();
      running = null;
    });

    describe('routing', () => routing(run));
    describe('request info', () => requestInfo(run));
    describe('whole answers', () => wholeAnswers(run));
    describe('request bodies', () => bodies(run));
    describe('streams and aborts', () => streams(run));
    describe('websockets', () => websockets(run));
    describe('listen and close', () => listenAndClose(factory, run));
  });
}

type Run = (options?: Parameters<typeof start>[1]) => Promise<Running>;

function routing(run: Run): void {
  it('sends everything under the engine path to the engine, exact GET routes to their handler, the rest to 404', async () => {
    const r = await run({ routes: { '/health': (res) => res.send(200, TEXT, 'ok', false) } });
    assert.equal((await get(`${r.base}/health`)).text, 'ok');
    assert.equal((await get(`${r.base}${ENGINE_PATH}/?EIO=4`)).text, 'engine');
    assert.equal((await get(`${r.base}${ENGINE_PATH}/1/websocket/x`)).text, 'engine');
    const notFound = await get(`${r.base}/nothing`);
    assert.equal(notFound.status, 404);
    assert.equal((await get(`${r.base}${ENGINE_PATH}x/`)).status, 404, 'a path that merely starts like the engine path');
    assert.equal((await get(`${r.base}/health/more`)).status, 404, 'routes match exactly');
    assert.equal((await get(`${r.base}/health`, { method: 'POST', body: 'x' })).status, 404, 'routes answer GET only');
    assert.deepEqual(
      r.seen.requests.map((i) => i.path),
      [`${ENGINE_PATH}/`, `${ENGINE_PATH}/1/websocket/x`],
    );
  });
}

function requestInfo(run: Run): void {
  it('snapshots method, url, path, query, lower-case headers (repeats joined with ", ") and the remote address', async () => {
    const r = await run();
    r.script.request = (res, info) => setTimeout(() => res.send(200, TEXT, JSON.stringify(info), false), 10);
    const answer = await get(`${r.base}${ENGINE_PATH}/?EIO=4&transport=polling&t=a%20b&t=second&flag`, {
      method: 'post',
      // A raw header list gets no automatic Host header.
      headers: ['Host', `127.0.0.1:${r.port}`, 'X-Custom', 'One', 'X-Custom', 'Two', 'Cookie', 'a=1', 'Cookie', 'b=2', 'Content-Type', 'text/plain'],
      body: 'hi',
    });
    const info = JSON.parse(answer.text);
    assert.equal(info.method, 'POST');
    assert.equal(info.url, `${ENGINE_PATH}/?EIO=4&transport=polling&t=a%20b&t=second&flag`);
    assert.equal(info.path, `${ENGINE_PATH}/`);
    assert.deepEqual(info.query, { EIO: '4', transport: 'polling', t: 'a b', flag: '' });
    assert.equal(info.headers['x-custom'], 'One, Two');
    assert.equal(info.headers['cookie'], 'a=1, b=2');
    assert.equal(info.headers['content-type'], 'text/plain');
    assert.match(info.headers['host'], /^127\.0\.0\.1:\d+$/);
    assert.ok(Object.keys(info.headers).every((k) => k === k.toLowerCase()));
    assert.ok(Object.values(info.headers).every((v) => typeof v === 'string'));
    assert.equal(info.remoteAddress, '127.0.0.1');
  });

  it('reports IPv4 clients of a dual-stack listener in dotted form, IPv6 ones in short form', async (t) => {
    let r: Running;
    try {
      r = await run({ address: '::' });
    } catch {
      return t.skip('no IPv6 on this machine');
    }
    r.script.request = (res, info) => res.send(200, TEXT, info.remoteAddress, false);
    assert.equal((await get(`http://127.0.0.1:${r.port}${ENGINE_PATH}/`)).text, '127.0.0.1');
    assert.equal((await get(`http://[::1]:${r.port}${ENGINE_PATH}/`)).text, '::1');
  });
}

function wholeAnswers(run: Run): void {
  it('writes status, headers (repeats kept), Content-Length and body, without chunking', async () => {
    const r = await run();
    const body = Buffer.from([0, 1, 2, 250, 251]);
    r.script.request = (res) =>
      res.send(
        403,
        [
          ['Content-Type', 'application/octet-stream'],
          ['Set-Cookie', 'a=1'],
          ['Set-Cookie', 'b=2'],
        ],
        body,
        false,
      );
    const answer = await get(`${r.base}${ENGINE_PATH}/`);
    assert.equal(answer.status, 403);
    assert.equal(answer.headers['content-length'], '5');
    assert.equal(answer.headers['transfer-encoding'], undefined);
    assert.deepEqual(answer.headers['set-cookie'], ['a=1', 'b=2']);
    assert.deepEqual(answer.body, body);
    r.script.request = (res) => res.send(200, TEXT, 'héllo', false);
    const text = await get(`${r.base}${ENGINE_PATH}/`);
    assert.equal(text.headers['content-length'], String(Buffer.byteLength('héllo')));
    assert.equal(text.text, 'héllo');
  });

  it('keeps connections alive, and closes them (saying so) only when asked', async () => {
    const r = await run();
    r.script.request = (res, info) => res.send(200, TEXT, info.query['n'] ?? '', info.query['close'] === '1');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let connections = 0;
    const connect = agent.createConnection.bind(agent);
    agent.createConnection = (...args: Parameters<typeof connect>) => {
      connections++;
      return connect(...args);
    };
    try {
      const seq = ['0', '1', '0', '0', '1', '1', '0'];
      for (const [i, close] of seq.entries()) {
        const answer = await get(`${r.base}${ENGINE_PATH}/?n=${i}&close=${close}`, { agent });
        assert.equal(answer.text, String(i));
        if (close === '1') assert.equal(answer.headers['connection'], 'close');
        else assert.notEqual(answer.headers['connection'], 'close');
      }
      // A socket serves a run of keep-alive answers up to and including the first closing one.
      assert.equal(connections, 4);
    } finally {
      agent.destroy();
    }
  });

  it("answers a client's Connection: close with Connection: close, streams too, and a keep-alive agent never reuses the socket", async () => {
    const r = await run();
    r.script.request = (res, info) => {
      if (info.query['stream'] === undefined) return res.send(200, TEXT, info.query['n'] ?? '', false);
      res.startStream(200, TEXT, 'a');
      res.endStream('b');
    };
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 6; i++) {
        const stream = i % 3 === 2;
        const answer = await get(`${r.base}${ENGINE_PATH}/?n=${i}${stream ? '&stream' : ''}`, { agent, headers: { Connection: 'close' } });
        assert.equal(answer.text, stream ? 'ab' : String(i));
        assert.equal(answer.headers['connection'], 'close', `answer ${i}`);
      }
    } finally {
      agent.destroy();
    }
  });

  it('never leaves fetch() a socket the server is closing', async () => {
    const r = await run();
    r.script.request = (res, info) => res.send(200, TEXT, info.query['n'] ?? '', info.query['close'] === '1');
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${r.base}${ENGINE_PATH}/?n=${i}&close=${i % 3 === 1 ? 1 : 0}`);
      assert.equal(await res.text(), String(i));
    }
    const all = await Promise.all(Array.from({ length: 10 }, (_, i) => fetch(`${r.base}${ENGINE_PATH}/?n=${i}&close=${i % 2}`).then((res) => res.text())));
    assert.deepEqual(
      all,
      Array.from({ length: 10 }, (_, i) => String(i)),
    );
  });
}

function bodies(run: Run): void {
  it('delivers the body chunk by chunk, the last one flagged', async () => {
    const r = await run();
    r.script.request = (res) => {
      const chunks: Buffer[] = [];
      let lasts = 0;
      res.onData((chunk, isLast) => {
        chunks.push(Buffer.from(chunk));
        if (!isLast) return;
        lasts++;
        const all = Buffer.concat(chunks);
        res.send(200, TEXT, `${all.length} ${all.subarray(0, 3).toString()} ${lasts}`, false);
      });
    };
    const body = Buffer.alloc(300_000, 'abc');
    assert.equal((await get(`${r.base}${ENGINE_PATH}/`, { method: 'POST', body })).text, '300000 abc 1');
    assert.equal((await get(`${r.base}${ENGINE_PATH}/`, { method: 'POST', body: '' })).text, '0  1');
  });

  it('lets the engine refuse a body over its limit before it has all arrived', async () => {
    const r = await run();
    const limit = 16 * 1024;
    r.script.request = (res) => {
      let size = 0;
      let answered = false;
      res.onData((chunk) => {
        size += chunk.length;
        if (size > limit && !answered) {
          answered = true;
          res.send(413, TEXT, 'too large', true);
        }
      });
    };
    // The client sends more than the limit but never finishes its body: only
    // an answer given mid-body can reach it.
    const req = request(`${r.base}${ENGINE_PATH}/`, { method: 'POST', agent: false, headers: { 'Content-Length': String(1 << 20) } });
    req.on('error', () => {});
    req.write(Buffer.alloc(limit * 2, 'x'));
    const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
    const answer = await collect(res);
    assert.equal(answer.status, 413);
    assert.equal(answer.text, 'too large');
    assert.equal(answer.headers['connection'], 'close');
    req.destroy();
  });
}

function streams(run: Run): void {
  it('streams chunks as they are written (each one arrives before the next is sent)', async () => {
    const r = await run();
    let stream: RawResponse | null = null;
    r.script.request = (res) => {
      stream = res;
      res.startStream(200, [['Content-Type', 'text/html']], '<first>');
    };
    const req = request(`${r.base}${ENGINE_PATH}/`, { agent: false });
    req.end();
    const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/html');
    const read = async (): Promise<string> => String((await once(res, 'data'))[0]);
    assert.equal(await read(), '<first>');
    stream!.writeChunk('<second>');
    assert.equal(await read(), '<second>');
    stream!.writeChunk('<third>');
    assert.equal(await read(), '<third>');
    const ended = once(res, 'end');
    let rest = '';
    res.on('data', (c) => (rest += String(c)));
    stream!.endStream('<last>');
    await ended;
    assert.equal(rest, '<last>');
  });

  it('reports a client that goes away from a held request, once', async () => {
    const r = await run();
    let aborts = 0;
    r.script.request = (res) => res.onAborted(() => aborts++);
    const req = request(`${r.base}${ENGINE_PATH}/?hold`, { agent: false });
    req.on('error', () => {});
    req.end();
    await until(() => r.seen.requests.length === 1, 5000, 'the held request');
    req.destroy();
    await until(() => aborts === 1, 5000, 'onAborted');
    await new Promise((res) => setTimeout(res, 50));
    assert.equal(aborts, 1);
  });

  it('reports no abort for a client that leaves after its answer, nor after a finished stream', async () => {
    const r = await run();
    let aborts = 0;
    r.script.request = (res, info) => {
      res.onAborted(() => aborts++);
      if (info.query['stream'] === undefined) return res.send(200, TEXT, 'done', false);
      res.startStream(200, TEXT, 'a');
      res.endStream('b');
    };
    const agent = new Agent({ keepAlive: true });
    assert.equal((await get(`${r.base}${ENGINE_PATH}/`, { agent })).text, 'done');
    assert.equal((await get(`${r.base}${ENGINE_PATH}/?stream`, { agent })).text, 'ab');
    agent.destroy();
    await new Promise((res) => setTimeout(res, 100));
    assert.equal(aborts, 0);
  });

  it('drops a connection on destroy()', async () => {
    const r = await run();
    r.script.request = (res) => res.destroy();
    await assert.rejects(get(`${r.base}${ENGINE_PATH}/`), /socket hang up|ECONNRESET/);
  });
}

function wsUrl(r: Running, path = `${ENGINE_PATH}/?EIO=4&transport=websocket`): string {
  return `ws://127.0.0.1:${r.port}${path}`;
}

function websockets(run: Run): void {
  it('accepts an upgrade, then carries text and binary frames both ways', async () => {
    const r = await run();
    let upgradeInfo: import('../../src/http/RequestInfo.js').RequestInfo | null = null;
    r.script.upgrade = (_res, info, upgrade) => {
      upgradeInfo = info;
      assert.equal(upgrade.accept('conn-1'), true);
    };
    const client = await openWs(wsUrl(r), { headers: { 'X-Token': 'abc' } });
    assert.equal(upgradeInfo!.query['transport'], 'websocket');
    assert.equal(upgradeInfo!.headers['x-token'], 'abc');
    assert.equal(upgradeInfo!.headers['upgrade']?.toLowerCase(), 'websocket');
    await until(() => r.seen.opened.length === 1, 5000, 'open');
    const conn = r.seen.opened[0]!;
    assert.equal(conn.data, 'conn-1');

    client.send('hello');
    client.send(Buffer.from([1, 2, 3]));
    await until(() => r.seen.messages.length === 2, 5000, 'two messages');
    assert.equal(r.seen.messages[0]!.frame, 'hello');
    const bin = r.seen.messages[1]!.frame;
    assert.ok(bin instanceof Uint8Array && typeof bin !== 'string');
    assert.deepEqual([...bin], [1, 2, 3]);

    const text = nextMessage(client);
    assert.equal(conn.send('héllo', false), true);
    const t = await text;
    assert.equal(t.isBinary, false);
    assert.equal(t.data.toString(), 'héllo');
    const binary = nextMessage(client);
    assert.equal(conn.send(new Uint8Array([9, 8, 7]), false), true);
    const b = await binary;
    assert.equal(b.isBinary, true);
    assert.deepEqual([...b.data], [9, 8, 7]);

    const batch: string[] = [];
    client.on('message', (d) => batch.push(String(d)));
    conn.cork(() => {
      for (let i = 0; i < 5; i++) conn.send(`m${i}`, false);
    });
    await until(() => batch.length === 5, 5000, 'corked frames');
    assert.deepEqual(batch, ['m0', 'm1', 'm2', 'm3', 'm4']);
    client.close();
  });

  it('accepts an upgrade after the engine awaited something, and reports a client gone meanwhile', async () => {
    const r = await run();
    const results: boolean[] = [];
    let upgrades = 0;
    r.script.upgrade = (_res, info, upgrade) => {
      upgrades++;
      setTimeout(async () => results.push(await upgrade.accept(info.path)), info.query['late'] ? 300 : 30);
    };
    const client = await openWs(wsUrl(r));
    await until(() => r.seen.opened.length === 1, 5000, 'open');
    const gone = new WebSocket(wsUrl(r, `${ENGINE_PATH}/?late=1`));
    gone.on('error', () => {});
    await until(() => upgrades === 2, 5000, 'the second upgrade request');
    assert.deepEqual(results, [true]);
    gone.terminate();
    await until(() => results.length === 2, 5000, 'second accept');
    assert.deepEqual(results, [true, false]);
    assert.equal(r.seen.opened.length, 1);
    client.close();
  });

  it('refuses an upgrade with an HTTP answer the client can read', async () => {
    const r = await run();
    let aborted = false;
    r.script.upgrade = (res) => {
      res.onAborted(() => (aborted = true));
      setTimeout(() => res.send(400, [['Content-Type', 'application/json']], '{"code":3,"message":"Bad request"}', false), 10);
    };
    const client = new WebSocket(wsUrl(r));
    const [, res] = (await once(client, 'unexpected-response')) as [unknown, import('node:http').IncomingMessage];
    // Ended = the server's FIN (uWS half-closes, node destroys); it may have come with the answer itself.
    const sock = res.socket;
    const socketClosed = sock.readableEnded || sock.destroyed ? Promise.resolve() : Promise.race([once(sock, 'end'), once(sock, 'close')]);
    const answer = await collect(res);
    assert.equal(answer.status, 400);
    assert.equal(answer.headers['content-type'], 'application/json');
    // The host ends the connection after a refusal (the client need not), at once.
    const late = setTimeout(() => sock.emit('error', new Error('connection still open 2 s after the refusal')), 2000);
    await socketClosed.finally(() => clearTimeout(late));
    assert.deepEqual(JSON.parse(answer.text), { code: 3, message: 'Bad request' });
    assert.equal(r.seen.opened.length, 0);
    assert.equal(aborted, false);
  });

  it('compresses a frame only when asked (permessage-deflate)', async () => {
    const r = await run();
    const client = await openWs(wsUrl(r), { perMessageDeflate: true });
    assert.match(client.extensions, /permessage-deflate/);
    await until(() => r.seen.opened.length === 1, 5000, 'open');
    const conn = r.seen.opened[0]!;
    const socket = (client as unknown as { _socket: Socket })._socket;
    const big = 'nonstick '.repeat(2000);
    const wire = async (compress: boolean): Promise<number> => {
      const before = socket.bytesRead;
      const next = nextMessage(client);
      conn.send(big, compress);
      assert.equal((await next).data.toString(), big);
      return socket.bytesRead - before;
    };
    const compressed = await wire(true);
    const plain = await wire(false);
    assert.ok(compressed < big.length / 10, `compressed frame took ${compressed} bytes`);
    assert.ok(plain >= big.length, `uncompressed frame took ${plain} bytes`);
    client.close();
  });

  it('closes with 1009 on a message over maxPayloadLength', async () => {
    const r = await run({ limits: { maxPayloadLength: 1024 } });
    const client = await openWs(wsUrl(r));
    await until(() => r.seen.opened.length === 1, 5000, 'open');
    const done = closed(client);
    client.send('x'.repeat(1024));
    await until(() => r.seen.messages.length === 1, 5000, 'the message at the limit');
    client.send('x'.repeat(1025));
    assert.equal((await done).code, 1009);
    await until(() => r.seen.closed.length === 1, 5000, 'close handler');
    assert.equal(r.seen.messages.length, 1);
  });

  it('closes a connection whose reader stops, rather than buffer without bound', async () => {
    const r = await run({ limits: { maxBackpressure: 256 * 1024, perMessageDeflate: false } });
    const client = await openWs(wsUrl(r));
    client.on('error', () => {});
    await until(() => r.seen.opened.length === 1, 5000, 'open');
    const conn = r.seen.opened[0]!;
    (client as unknown as { _socket: Socket })._socket.pause();
    const frame = new Uint8Array(64 * 1024);
    let sent = 0;
    let refused = false;
    // Up to 256 MB: far beyond any loopback socket buffer.
    while (!refused && sent < 4096) {
      for (let i = 0; i < 16 && !refused; i++, sent++) refused = !conn.send(frame, false);
      if (!refused && conn.bufferedAmount() > 0) await new Promise((res) => setTimeout(res, 1));
      else await new Promise((res) => setImmediate(res));
    }
    assert.equal(refused, true, `all ${sent} frames accepted`);
    assert.equal(conn.send(frame, false), false, 'a closed connection accepts nothing');
    await until(() => r.seen.closed.length === 1, 5000, 'close handler');
    assert.equal(r.seen.closed[0]!.data, `${ENGINE_PATH}/`);
  });

  it('passes close codes both ways, and calls close exactly once', async () => {
    const r = await run();
    const a = await openWs(wsUrl(r));
    await until(() => r.seen.opened.length === 1, 5000, 'open a');
    const seenByA = closed(a);
    r.seen.opened[0]!.end(4000, 'bye');
    assert.deepEqual(await seenByA, { code: 4000, reason: 'bye' });
    await until(() => r.seen.closed.length === 1, 5000, 'close a');
    assert.equal(r.seen.closed[0]!.code, 4000);

    const b = await openWs(wsUrl(r));
    await until(() => r.seen.opened.length === 2, 5000, 'open b');
    b.close(4001, 'client says bye');
    await until(() => r.seen.closed.length === 2, 5000, 'close b');
    assert.equal(r.seen.closed[1]!.code, 4001);

    const c = await openWs(wsUrl(r));
    await until(() => r.seen.opened.length === 3, 5000, 'open c');
    c.terminate();
    await until(() => r.seen.closed.length === 3, 5000, 'close c');
    assert.equal(r.seen.closed[2]!.code, 1006);
    await new Promise((res) => setTimeout(res, 50));
    assert.equal(r.seen.closed.length, 3);
  });
}

function listenAndClose(factory: HostFactory, run: Run): void {
  it('refuses a port in use', async () => {
    const blocker = createServer();
    await new Promise<void>((res) => blocker.listen(0, '127.0.0.1', res));
    const port = (blocker.address() as import('node:net').AddressInfo).port;
    const host = factory();
    try {
      await assert.rejects(host.listen(port, '127.0.0.1'), /EADDRINUSE|in use|cannot listen/);
    } finally {
      await host.close();
      blocker.close();
    }
  });

  it('closes websockets and held requests, and stops listening', async () => {
    const r = await run();
    let aborts = 0;
    r.script.request = (res) => res.onAborted(() => aborts++);
    const client = await openWs(wsUrl(r));
    await until(() => r.seen.opened.length === 1, 5000, 'open');
    const held = request(`${r.base}${ENGINE_PATH}/?hold`, { agent: false });
    const heldError = new Promise((res) => held.on('error', res));
    held.end();
    await until(() => r.seen.requests.length === 1, 5000, 'held request');
    const clientClosed = closed(client);
    const started = Date.now();
    await r.host.close();
    assert.ok(Date.now() - started < 3000, `close took ${Date.now() - started} ms`);
    // 1001 where the host can say goodbye; uWS closing its app drops sockets (1006).
    assert.ok([1001, 1006].includes((await clientClosed).code));
    await heldError;
    await until(() => r.seen.closed.length === 1, 2000, 'close handler');
    await assert.rejects(get(`${r.base}/`), /ECONNREFUSED/);
  });
}
