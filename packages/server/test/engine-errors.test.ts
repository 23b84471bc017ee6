import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { ConnectionErrorEvent } from '../src/engine/errors.js';
import { startEngine, until, type RunningEngine } from './helpers/engine.js';
import { http, openData } from './helpers/http.js';

/** Raw requests: each of engine.io's six errors, bad payloads, and the protocol's own rules. */
describe('engine errors and protocol rules (raw HTTP/WebSocket)', () => {
  let server: RunningEngine;
  const errors: ConnectionErrorEvent[] = [];
  let base: string;

  before(async () => {
    server = await startEngine({
      allowEIO3: false,
      maxHttpBufferSize: 1000,
      allowRequest: (req, cb) => (req.query['deny'] !== undefined ? cb('go away', false) : cb(null, true)),
    });
    server.engine.on('connection_error', (e: ConnectionErrorEvent) => errors.push(e));
    base = `${server.url}/engine.io/`;
  });
  after(() => server.close());

  async function handshake(): Promise<string> {
    const r = await http(`${base}?EIO=4&transport=polling`);
    assert.equal(r.status, 200);
    return openData(r.text).sid;
  }

  async function expectError(url: string, init: Parameters<typeof http>[1], status: number, code: number, message: string): Promise<void> {
    const r = await http(url, init);
    assert.equal(r.status, status, r.text);
    assert.match(String(r.headers['content-type']), /application\/json/);
    assert.deepEqual(JSON.parse(r.text), { code, message });
  }

  it('0 Transport unknown', async () => {
    await expectError(`${base}?EIO=4&transport=carrier-pigeon`, {}, 400, 0, 'Transport unknown');
    await expectError(`${base}?EIO=4`, {}, 400, 0, 'Transport unknown');
    assert.equal(errors.at(-1)?.code, 0);
  });

  it('1 Session ID unknown', async () => {
    await expectError(`${base}?EIO=4&transport=polling&sid=nope`, {}, 400, 1, 'Session ID unknown');
    await expectError(`${base}?EIO=4&transport=polling&sid=nope`, { method: 'POST', body: '4hi' }, 400, 1, 'Session ID unknown');
  });

  it('2 Bad handshake method', async () => {
    await expectError(`${base}?EIO=4&transport=polling`, { method: 'POST', body: '4x' }, 400, 2, 'Bad handshake method');
  });

  it('3 Bad request: websocket handshake without an upgrade, bad Origin', async () => {
    await expectError(`${base}?EIO=4&transport=websocket`, {}, 400, 3, 'Bad request');
  });

  it('4 Forbidden, with the message allowRequest gave', async () => {
    await expectError(`${base}?EIO=4&transport=polling&deny=1`, {}, 403, 4, 'go away');
    assert.equal(errors.at(-1)?.code, 4);
  });

  it('5 Unsupported protocol version (EIO3 when not allowed, unknown EIO)', async () => {
    await expectError(`${base}?EIO=3&transport=polling`, {}, 400, 5, 'Unsupported protocol version');
    await expectError(`${base}?transport=polling`, {}, 400, 5, 'Unsupported protocol version');
    await expectError(`${base}?EIO=9&transport=polling`, {}, 400, 5, 'Unsupported protocol version');
  });

  it('answers other methods on a session with 500 like engine.io, and unknown paths with 404', async () => {
    const sid = await handshake();
    const r = await http(`${base}?EIO=4&transport=polling&sid=${sid}`, { method: 'PUT', body: 'x' });
    assert.equal(r.status, 500);
    const nf = await http(`${server.url}/elsewhere`);
    assert.equal(nf.status, 404);
  });

  it('a malformed payload gets 400 and closes only that session', async () => {
    const victim = await handshake();
    const bystander = await handshake();
    const closed = new Promise<string>((r) => server.engine.sockets.get(victim)!.once('close', (reason: string) => r(reason)));
    const r = await http(`${base}?EIO=4&transport=polling&sid=${victim}`, { method: 'POST', body: '9garbage\x1e' });
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(r.text).code, 3);
    assert.equal(await closed, 'parse error');
    const gone = await http(`${base}?EIO=4&transport=polling&sid=${victim}`);
    // The close packet left for a poll comes first, then the sid is unknown.
    assert.equal(gone.text, '1');
    await expectError(`${base}?EIO=4&transport=polling&sid=${victim}`, {}, 400, 1, 'Session ID unknown');
    const ok = await http(`${base}?EIO=4&transport=polling&sid=${bystander}`, { method: 'POST', body: '4still fine' });
    assert.equal(ok.status, 200);
    assert.equal(ok.text, 'ok');
    assert.equal((await http(`${base}?EIO=4&transport=polling&sid=${bystander}`)).text, '4still fine');
  });

  it('a binary POST body is refused in EIO4', async () => {
    const sid = await handshake();
    const r = await http(`${base}?EIO=4&transport=polling&sid=${sid}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: Buffer.from([4, 1, 2]),
    });
    assert.equal(r.status, 400);
    await until(() => !server.engine.sockets.has(sid));
  });

  it('an oversize body gets 413 and closes that session', async () => {
    const sid = await handshake();
    const closed = new Promise<string>((r) => server.engine.sockets.get(sid)!.once('close', (reason: string) => r(reason)));
    const r = await http(`${base}?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: `4${'x'.repeat(2000)}` });
    assert.equal(r.status, 413);
    assert.equal(await closed, 'transport error');
  });

  it('a heartbeat in the wrong direction closes the session (EIO4 clients must not ping)', async () => {
    const sid = await handshake();
    const r = await http(`${base}?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: '2' });
    assert.equal(r.status, 400);
    await until(() => !server.engine.sockets.has(sid));
  });

  it('a second concurrent GET is an error that closes the session; the first poll gets the close packet', async () => {
    const sid = await handshake();
    const first = http(`${base}?EIO=4&transport=polling&sid=${sid}`);
    await new Promise((r) => setTimeout(r, 50));
    const second = await http(`${base}?EIO=4&transport=polling&sid=${sid}`);
    assert.equal(second.status, 400);
    assert.equal((await first).text, '1');
    await until(() => !server.engine.sockets.has(sid));
  });

  it('a cancelled poll closes the session', async () => {
    const sid = await handshake();
    const socket = server.engine.sockets.get(sid)!;
    const closed = new Promise<string>((r) => socket.once('close', (reason: string, desc?: string) => r(`${reason}/${desc}`)));
    const ac = new AbortController();
    const poll = http(`${base}?EIO=4&transport=polling&sid=${sid}`, { signal: ac.signal }).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    await poll;
    assert.equal(await closed, 'transport error/poll connection closed prematurely');
  });

  it('a client close packet over POST ends a waiting poll with a noop and closes', async () => {
    const sid = await handshake();
    const socket = server.engine.sockets.get(sid)!;
    const closed = new Promise<string>((r) => socket.once('close', (reason: string) => r(reason)));
    const poll = http(`${base}?EIO=4&transport=polling&sid=${sid}`);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal((await http(`${base}?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: '1' })).text, 'ok');
    assert.equal((await poll).text, '6');
    assert.equal(await closed, 'transport close');
  });

  it('the upgrade dance: probe, noop to the pending poll, upgrade; then polling that sid is a bad request', async () => {
    const sid = await handshake();
    const poll = http(`${base}?EIO=4&transport=polling&sid=${sid}`);
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);
    const frames: string[] = [];
    ws.on('message', (d, isBinary) => frames.push(isBinary ? `<bin>` : d.toString()));
    await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
    ws.send('2probe');
    await until(() => frames.includes('3probe'));
    assert.equal((await poll).text, '6', 'the pending poll is ended with a noop');
    server.engine.sockets.get(sid)!.send('queued before upgrade');
    await new Promise((r) => setTimeout(r, 20));
    ws.send('5');
    await until(() => frames.includes('4queued before upgrade'));
    ws.send('4over ws');
    await until(() => frames.includes('4over ws'));
    await expectError(`${base}?EIO=4&transport=polling&sid=${sid}`, {}, 400, 3, 'Bad request');
    await expectError(`${base}?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: '4x' }, 400, 3, 'Bad request');
    ws.close();
  });

  it('websocket handshake errors are plain HTTP answers', async () => {
    const refused = (url: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url);
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          ws.terminate();
        });
        ws.on('error', () => {});
        ws.on('open', () => resolve(101));
      });
    const wsBase = `ws://127.0.0.1:${server.port}/engine.io/`;
    assert.equal(await refused(`${wsBase}?EIO=4&transport=websocket&sid=unknown`), 400);
    assert.equal(await refused(`${wsBase}?EIO=3&transport=websocket`), 400);
    assert.equal(await refused(`${wsBase}?EIO=4&transport=websocket&deny=1`), 403);
    assert.equal(await refused(`${wsBase}?EIO=4&transport=bogus`), 400);
    assert.equal(await refused(`${wsBase}?EIO=4&transport=websocket`), 101);
  });

  it('a junk websocket frame closes that session with a parse error', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/engine.io/?EIO=4&transport=websocket`);
    const open = await new Promise<string>((r) => ws.once('message', (d) => r(d.toString())));
    const sid = openData(open).sid;
    const socket = server.engine.sockets.get(sid)!;
    const closed = new Promise<string>((r) => socket.once('close', (reason: string) => r(reason)));
    ws.send('x-not-a-packet');
    assert.equal(await closed, 'parse error');
  });

  it('an oversize websocket message closes the connection', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/engine.io/?EIO=4&transport=websocket`);
    const open = await new Promise<string>((r) => ws.once('message', (d) => r(d.toString())));
    const socket = server.engine.sockets.get(openData(open).sid)!;
    const closed = new Promise<string>((r) => socket.once('close', (reason: string) => r(reason)));
    ws.send(`4${'y'.repeat(5000)}`);
    assert.equal(await closed, 'transport close');
  });
});
