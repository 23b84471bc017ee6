import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { Engine } from '../src/engine/Engine.js';
import type { EngineSocket } from '../src/engine/EngineSocket.js';
import { UwsHost } from '../src/host/uws/UwsHost.js';
import { MemoryStore } from '../src/store/MemoryStore.js';
import { loadUws, probeUws } from '../src/uws.js';

/** Tests of the uWS host itself skip where no native build loads (Node 24 here); the Node 20 run has them. */
const NO_NATIVE_UWS = probeUws().native ? false : `no native uWebSockets.js build loads on Node ${process.versions.node}`;
import { sleep, startEngine, until, type RunningEngine } from './helpers/engine.js';
import { http, openData } from './helpers/http.js';

function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = netConnect(port, '127.0.0.1', () => sock.write(text));
    let out = '';
    sock.on('data', (d) => {
      out += d.toString('latin1');
      if (out.includes('\r\n\r\n')) sock.end();
    });
    sock.on('close', () => resolve(out));
    sock.on('error', reject);
    // uWS drops malformed requests without answering; don't wait for its idle timeout.
    sock.setTimeout(300, () => sock.destroy());
  });
}

describe('engine options and transports in detail', () => {
  let server: RunningEngine;
  let base: string;
  before(async () => {
    server = await startEngine({
      allowEIO3: true,
      pingInterval: 200,
      // What a pong may take from the ping to its POST being served: 150 ms was outrun by a loaded
      // machine ("pongs keep the session" got Session ID unknown); the timeout tests wait 1 s more.
      pingTimeout: 1000,
      cookie: { name: 'io', sameSite: 'strict' },
      cors: { origin: ['https://app.example', /\.trusted\.example$/], credentials: true },
    });
    base = `${server.url}/engine.io/`;
  });
  after(() => server.close());

  it('JSONP: the handshake and polls are ___eio[n]("…"); POSTs are form bodies with d=', async () => {
    // Its own engine with default heartbeats: the suite's 200 ms pings would put a `2` (or, past
    // 1.2 s on a loaded machine, the close) into the exact poll answer this test checks.
    const own = await startEngine({});
    try {
      const base = `${own.url}/engine.io/`;
      const hs = await http(`${base}?EIO=4&transport=polling&j=3`);
      assert.match(String(hs.headers['content-type']), /text\/javascript/);
      const m = /^___eio\[3\]\((.*)\);$/s.exec(hs.text);
      assert.ok(m, hs.text);
      const sid = openData(JSON.parse(m[1]!)).sid;
      const body = `d=${encodeURIComponent('4line one\\nstill one\u2028')}`;
      const post = await http(`${base}?EIO=4&transport=polling&j=3&sid=${sid}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body,
      });
      assert.equal(post.text, 'ok');
      const poll = await http(`${base}?EIO=4&transport=polling&j=4&sid=${sid}`);
      // \u2028 must be escaped: it ends a line in JavaScript source.
      assert.equal(poll.text, '___eio[4]("4line one\\nstill one\\u2028");');
    } finally {
      await own.close();
    }
  });

  it('CORS: preflight, allowed origins echoed with credentials, others refused, Vary set', async () => {
    const pre = await http(`${base}?EIO=4&transport=polling`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'https://app.example');
    assert.equal(pre.headers['access-control-allow-credentials'], 'true');
    assert.match(String(pre.headers['access-control-allow-methods']), /POST/);
    assert.equal(pre.headers['access-control-allow-headers'], 'content-type');
    const ok = await http(`${base}?EIO=4&transport=polling`, { headers: { Origin: 'https://x.trusted.example' } });
    assert.equal(ok.headers['access-control-allow-origin'], 'https://x.trusted.example');
    assert.match(String(ok.headers['vary']), /Origin/);
    const denied = await http(`${base}?EIO=4&transport=polling`, { headers: { Origin: 'https://evil.example' } });
    assert.equal(denied.headers['access-control-allow-origin'], undefined);
    const err = await http(`${base}?EIO=4&transport=nope`, { headers: { Origin: 'https://app.example' } });
    assert.equal(err.status, 400);
    assert.equal(err.headers['access-control-allow-origin'], 'https://app.example', 'errors carry CORS headers too');
  });

  it('cookie: the polling handshake sets the session id cookie', async () => {
    const hs = await http(`${base}?EIO=4&transport=polling`);
    const sid = openData(hs.text).sid;
    assert.deepEqual(hs.headers['set-cookie'], [`io=${sid}; Path=/; HttpOnly; SameSite=Strict`]);
  });

  it('a request with control characters in a header is dropped without harming the worker', async () => {
    const out = await rawRequest(server.port, 'GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nOrigin: \x01bad\r\n\r\n');
    assert.doesNotMatch(out, /^HTTP\/1\.1 200/);
    assert.equal((await http(`${base}?EIO=4&transport=polling`)).status, 200);
  });

  it('EIO3: length-prefixed payloads, b64 at handshake, XHR2 binary payloads both ways', async () => {
    const hs = await http(`${base}?EIO=3&transport=polling`);
    const m = /^(\d+):(0.*)$/s.exec(hs.text);
    assert.ok(m, hs.text);
    assert.equal(Number(m[1]), m[2]!.length);
    const sid = openData(m[2]!).sid;
    // A binary (XHR2) payload as socket.io-client 2.x sends it: a string packet and a binary packet.
    const str = Buffer.from('4héllo', 'utf8');
    const bin = Buffer.from([4, 1, 2, 3]);
    const digits = (n: number) => [...String(n)].map(Number);
    const payload = Buffer.from([0, ...digits(str.length), 255, ...str, 1, ...digits(bin.length), 255, ...bin]);
    const post = await http(`${base}?EIO=3&transport=polling&sid=${sid}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: payload,
    });
    assert.equal(post.text, 'ok');
    // Echoed: the server answers with a binary payload because the session supports binary.
    const poll = await http(`${base}?EIO=3&transport=polling&sid=${sid}`);
    assert.equal(poll.headers['content-type'], 'application/octet-stream');
    assert.deepEqual(poll.body, payload);

    const hs64 = await http(`${base}?EIO=3&transport=polling&b64=1`);
    const sid64 = openData(hs64.text.slice(hs64.text.indexOf(':') + 1)).sid;
    await http(`${base}?EIO=3&transport=polling&sid=${sid64}`, { method: 'POST', body: '10:b4AQIDBA==' });
    const p64 = await http(`${base}?EIO=3&transport=polling&sid=${sid64}`);
    assert.equal(p64.text, '10:b4AQIDBA==');
  });

  it('EIO3: the client pings over POST and gets a pong on its poll', async () => {
    const hs = await http(`${base}?EIO=3&transport=polling`);
    const sid = openData(hs.text.slice(hs.text.indexOf(':') + 1)).sid;
    await http(`${base}?EIO=3&transport=polling&sid=${sid}`, { method: 'POST', body: '1:2' });
    assert.equal((await http(`${base}?EIO=3&transport=polling&sid=${sid}`)).text, '1:3');
  });

  it('EIO4 polling: a client that never answers pings is closed with ping timeout', async () => {
    const hs = await http(`${base}?EIO=4&transport=polling`);
    const sid = openData(hs.text).sid;
    const socket = server.engine.sockets.get(sid)!;
    const closed = new Promise<string>((r) => socket.once('close', (reason: string) => r(reason)));
    // The first poll gets the ping...
    assert.equal((await http(`${base}?EIO=4&transport=polling&sid=${sid}`)).text, '2');
    // ...and nobody answers.
    assert.equal(await closed, 'ping timeout');
  });

  it('EIO4 polling: pongs keep the session', async () => {
    const hs = await http(`${base}?EIO=4&transport=polling`);
    const sid = openData(hs.text).sid;
    const socket = server.engine.sockets.get(sid)!;
    let closed = false;
    socket.once('close', () => (closed = true));
    for (let i = 0; i < 3; i++) {
      assert.equal((await http(`${base}?EIO=4&transport=polling&sid=${sid}`)).text, '2');
      assert.equal((await http(`${base}?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: '3' })).text, 'ok');
    }
    assert.equal(closed, false);
  });

  it('EIO4 websocket: pings every interval, closes on a missing pong', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/engine.io/?EIO=4&transport=websocket`);
    const frames: string[] = [];
    let answer = true;
    ws.on('message', (d) => {
      const s = d.toString();
      frames.push(s);
      if (s === '2' && answer) ws.send('3');
    });
    await until(() => frames.length > 0);
    const socket = server.engine.sockets.get(openData(frames[0]!).sid)!;
    const closed = new Promise<string>((r) => socket.once('close', (reason: string) => r(reason)));
    await until(() => frames.filter((f) => f === '2').length >= 3, 3000, 'three pings');
    answer = false;
    assert.equal(await closed, 'ping timeout');
  });

  it('EIO3 websocket: answers client pings, closes a silent client', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/engine.io/?EIO=3&transport=websocket`);
    const frames: string[] = [];
    ws.on('message', (d) => frames.push(d.toString()));
    await until(() => frames.length > 0);
    const socket = server.engine.sockets.get(openData(frames[0]!).sid)!;
    const closed = new Promise<string>((r) => socket.once('close', (reason: string) => r(reason)));
    ws.send('2probe-ish');
    await until(() => frames.includes('3probe-ish'));
    assert.equal(await closed, 'ping timeout');
  });
});

describe('uWebSockets.js fallback detection', () => {
  const entry = fileURLToPath(new URL('./helpers/fallback-probe.js', import.meta.url));
  it('refuses to start on the JS fallback unless allowed', () => {
    const refused = spawnSync(process.execPath, [entry], { env: { ...process.env, UWS_USE_FALLBACK: '1', NONSTICK_ALLOW_UWS_FALLBACK: '' }, encoding: 'utf8' });
    assert.equal(refused.status, 3, refused.stderr);
    assert.match(refused.stdout, /UwsFallbackError/);
    const allowed = spawnSync(process.execPath, [entry, 'allow'], { env: { ...process.env, UWS_USE_FALLBACK: '1' }, encoding: 'utf8' });
    assert.equal(allowed.status, 0, allowed.stderr);
    assert.match(allowed.stdout, /fallback=true/);
  });

  it('runs natively where a native build loads', { skip: NO_NATIVE_UWS }, () => {
    const native = spawnSync(process.execPath, [entry], { env: { ...process.env, UWS_USE_FALLBACK: '' }, encoding: 'utf8' });
    assert.equal(native.status, 0, native.stderr);
    assert.match(native.stdout, /fallback=false/);
  });
});

describe('transport options, path, and attaching to an existing uWS app', () => {
  it('websocket-only: polling handshakes are refused with code 0 and no upgrades are offered', async () => {
    const server = await startEngine({ transports: ['websocket'] });
    try {
      const r = await http(`${server.url}/engine.io/?EIO=4&transport=polling`);
      assert.equal(r.status, 400);
      assert.equal(JSON.parse(r.text).code, 0);
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/engine.io/?EIO=4&transport=websocket`);
      const open = await new Promise<string>((res) => ws.once('message', (d) => res(d.toString())));
      assert.deepEqual(openData(open).upgrades, []);
      ws.close();
    } finally {
      await server.close();
    }
  });

  it("a websocket session is gone from the store before the app hears of its close, on either side's close", async () => {
    // A store that takes its time, as Redis does: the order must not rest on a synchronous delete.
    const store = new (class extends MemoryStore {
      override async destroy(sid: string): Promise<void> {
        await sleep(20);
        return super.destroy(sid);
      }
    })();
    const server = await startEngine({ store });
    try {
      for (const side of ['client', 'server'] as const) {
        const ws = new WebSocket(`ws://127.0.0.1:${server.port}/engine.io/?EIO=4&transport=websocket`);
        const sid = openData(await new Promise<string>((res) => ws.once('message', (d) => res(d.toString())))).sid;
        await until(() => server.sockets.some((s) => s.id === sid), 3000, 'connection');
        const socket = server.sockets.find((s) => s.id === sid)!;
        const storedAtClose = new Promise<boolean>((res) => socket.once('close', () => res(store.cluster.sessions.has(sid))));
        if (side === 'client') ws.close();
        else ws.send('close');
        assert.equal(await storedAtClose, false, `${side} close: the store still had the session when the app heard of the close`);
      }
    } finally {
      await server.close();
    }
  });

  it('allowUpgrades: false offers no upgrade and refuses a probe', async () => {
    const server = await startEngine({ allowUpgrades: false });
    try {
      const open = openData((await http(`${server.url}/engine.io/?EIO=4&transport=polling`)).text);
      assert.deepEqual(open.upgrades, []);
      const status = await new Promise<number>((res) => {
        const ws = new WebSocket(`ws://127.0.0.1:${server.port}/engine.io/?EIO=4&transport=websocket&sid=${open.sid}`);
        ws.on('unexpected-response', (_q, r) => res(r.statusCode ?? 0));
        ws.on('open', () => res(101));
        ws.on('error', () => {});
      });
      assert.equal(status, 400);
    } finally {
      await server.close();
    }
  });

  it('upgradeTimeout: a probe that never sends the upgrade packet is closed; polling goes on', async () => {
    const server = await startEngine({ upgradeTimeout: 150 });
    try {
      const { sid } = openData((await http(`${server.url}/engine.io/?EIO=4&transport=polling`)).text);
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);
      const closed = new Promise<number>((res) => ws.once('close', (code) => res(code)));
      await new Promise((r) => ws.once('open', r));
      ws.send('2probe');
      assert.equal(await closed, 1000);
      // The session is still a polling session and a new probe may start.
      assert.equal((await http(`${server.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: '4still polling' })).text, 'ok');
      // The noop the probe queued to end a pending poll comes first.
      assert.equal((await http(`${server.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`)).text, '6\x1e4still polling');
    } finally {
      await server.close();
    }
  });

  it('serves a custom path, and attaches to an existing uWS app next to its own routes', { skip: NO_NATIVE_UWS }, async () => {
    const engine = new Engine({ path: '/realtime/' });
    engine.on('connection', (s: EngineSocket) => s.on('message', (d: string | Buffer) => s.send(d)));
    const uws = loadUws();
    const app = uws.App();
    app.get('/health', (res) => void res.end('fine'));
    engine.attach(UwsHost.attach(app));
    await engine.ready;
    const port = await new Promise<number>((resolve, reject) =>
      app.listen('127.0.0.1', 0, (ls) => (ls ? resolve(uws.us_socket_local_port(ls)) : reject(new Error('listen')))),
    );
    try {
      assert.equal((await http(`http://127.0.0.1:${port}/health`)).text, 'fine');
      const { sid } = openData((await http(`http://127.0.0.1:${port}/realtime/?EIO=4&transport=polling`)).text);
      await http(`http://127.0.0.1:${port}/realtime/?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: '4attached' });
      assert.equal((await http(`http://127.0.0.1:${port}/realtime/?EIO=4&transport=polling&sid=${sid}`)).text, '4attached');
    } finally {
      await engine.close();
      (app as unknown as { close(): void }).close();
    }
  });
});
