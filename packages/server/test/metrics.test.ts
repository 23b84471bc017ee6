import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { Engine } from '../src/engine/Engine.js';
import { NOOP_METRICS } from '../src/metrics/Metrics.js';
import { PromMetrics } from '../src/metrics/PromMetrics.js';
import { Server } from '../src/sio/Server.js';
import { MemoryCluster, MemoryStore } from '../src/store/MemoryStore.js';
import { until } from './helpers/engine.js';
import { http, openData } from './helpers/http.js';

/** Sum of a metric's samples (a histogram's `_count` etc. with `series`) whose labels include `labels`. */
async function value(m: PromMetrics, name: string, labels: Record<string, string> = {}, series?: string): Promise<number> {
  const metric = m.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const data = await metric.get();
  let sum = 0;
  for (const v of data.values) {
    const s = (v as { metricName?: string }).metricName;
    if (series !== undefined ? s !== `${name}${series}` : s !== undefined && s !== name) continue;
    if (Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want)) sum += v.value;
  }
  return sum;
}

async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function open(url: string, transports: string[]): Promise<ClientSocket> {
  const s = connect(url, { transports, forceNew: true, reconnection: false, timeout: 5000 });
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

describe('metrics: PromMetrics on a Socket.IO server (real socket.io-client)', () => {
  let metrics: PromMetrics;
  let io: Server;
  let url: string;
  const clients: ClientSocket[] = [];

  before(async () => {
    metrics = new PromMetrics({ defaultMetrics: false });
    // pingTimeout well above scheduling hiccups: only the heartbeat test wants a
    // session to time out; with 200 ms a test process starved for half a
    // second lost its polling client between two assertions.
    io = new Server({ metrics, pingInterval: 300, pingTimeout: 1500 });
    io.on('connection', (socket) => {
      socket.on('echo', (data: unknown, cb: (d: unknown) => void) => cb(data));
      socket.on('throw', () => {
        throw new Error('handler threw');
      });
      socket.on('shout', (room: string) => io.to(room).emit('shouted', room));
      socket.on('join', (room: string, cb: () => void) => {
        socket.join(room);
        cb();
      });
    });
    io.on('error', () => {}); // the throwing handler is expected
    await io.ready;
    const port = await io.engine.listen(0, '127.0.0.1', (app) => metrics.serve(app, '/metrics'));
    url = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    for (const c of clients) c.close();
    await io.close();
    metrics.close();
  });

  it('counts handshakes and sessions by generation and transport; sockets; both go down on disconnect', async () => {
    const polling = await open(url, ['polling']);
    const ws = await open(url, ['websocket']);
    clients.push(polling, ws);
    assert.equal(await value(metrics, 'nonstick_handshakes_total', { generation: 'eio4', transport: 'polling' }), 1);
    assert.equal(await value(metrics, 'nonstick_handshakes_total', { generation: 'eio4', transport: 'websocket' }), 1);
    assert.equal(await value(metrics, 'nonstick_sessions', { generation: 'eio4', transport: 'polling' }), 1);
    assert.equal(await value(metrics, 'nonstick_sessions', { generation: 'eio4', transport: 'websocket' }), 1);
    assert.equal(await value(metrics, 'nonstick_socketio_sockets'), 2);
    // The polling client's GET is held here.
    await eventually('a waiting poll', async () => (await value(metrics, 'nonstick_polls_waiting')) >= 1);
    polling.close();
    ws.close();
    await eventually('sessions to go', async () => (await value(metrics, 'nonstick_sessions')) === 0);
    assert.equal(await value(metrics, 'nonstick_socketio_sockets'), 0);
    assert.ok((await value(metrics, 'nonstick_poll_wait_seconds', {}, '_count')) >= 1, 'answered polls are timed');
    assert.ok((await value(metrics, 'nonstick_queue_depth', {}, '_count')) >= 1, 'drains are observed');
  });

  it('counts Engine.IO message packets and payload bytes both ways', async () => {
    const c = await open(url, ['websocket']);
    clients.push(c);
    const [inP, outP, inB, outB] = await Promise.all([
      value(metrics, 'nonstick_packets_total', { direction: 'in' }),
      value(metrics, 'nonstick_packets_total', { direction: 'out' }),
      value(metrics, 'nonstick_bytes_total', { direction: 'in' }),
      value(metrics, 'nonstick_bytes_total', { direction: 'out' }),
    ]);
    const payload = 'é'.repeat(100); // 200 bytes of UTF-8
    assert.equal(await c.timeout(2000).emitWithAck('echo', payload), payload);
    assert.equal((await value(metrics, 'nonstick_packets_total', { direction: 'in' })) - inP, 1);
    assert.equal((await value(metrics, 'nonstick_packets_total', { direction: 'out' })) - outP, 1);
    assert.ok((await value(metrics, 'nonstick_bytes_total', { direction: 'in' })) - inB > 200);
    assert.ok((await value(metrics, 'nonstick_bytes_total', { direction: 'out' })) - outB > 200);
    c.close();
  });

  it('counts broadcasts and the bus lag of their delivery', async () => {
    const c = await open(url, ['websocket']);
    clients.push(c);
    await c.timeout(2000).emitWithAck('join', 'r1');
    const got = new Promise((resolve) => c.once('shouted', resolve));
    c.emit('shout', 'r1');
    assert.equal(await got, 'r1');
    assert.equal(await value(metrics, 'nonstick_broadcasts_total'), 1);
    assert.ok((await value(metrics, 'nonstick_bus_lag_seconds', {}, '_count')) >= 1);
    c.close();
  });

  it('counts errors by code: engine rejections, decode errors, throwing listeners', async () => {
    const base = `${url}/socket.io/`;
    assert.equal((await http(`${base}?EIO=4&transport=carrier-pigeon`)).status, 400);
    assert.equal(await value(metrics, 'nonstick_errors_total', { code: '0' }), 1);
    assert.equal((await http(`${base}?EIO=4&transport=polling&sid=nosuchsession12345678`)).status, 400);
    assert.equal(await value(metrics, 'nonstick_errors_total', { code: '1' }), 1);
    assert.equal((await http(`${base}?EIO=9&transport=polling`)).status, 400);
    assert.equal(await value(metrics, 'nonstick_errors_total', { code: '5' }), 1);

    // An Engine.IO payload that does not parse: 400 code 3, counted as decode too.
    const sid = openData((await http(`${base}?EIO=4&transport=polling`)).text).sid;
    const r = await http(`${base}?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: 'x-not-a-packet', headers: { 'content-type': 'text/plain' } });
    assert.equal(r.status, 400);
    assert.equal(await value(metrics, 'nonstick_errors_total', { code: '3' }), 1);
    assert.equal(await value(metrics, 'nonstick_errors_total', { code: 'decode' }), 1);

    // A malformed Socket.IO packet from a real client closes its connection.
    const c = await open(url, ['websocket']);
    clients.push(c);
    const closed = new Promise((resolve) => c.once('disconnect', resolve));
    (c.io.engine as unknown as { send(d: string): void }).send('9{malformed');
    await closed;
    await eventually('decode error', async () => (await value(metrics, 'nonstick_errors_total', { code: 'decode' })) === 2);

    const c2 = await open(url, ['polling']);
    clients.push(c2);
    c2.emit('throw');
    await eventually('listener error', async () => (await value(metrics, 'nonstick_errors_total', { code: 'listener' })) === 1);
    c2.close();
  });

  it('counts heartbeat timeouts of websockets', async () => {
    const before = await value(metrics, 'nonstick_heartbeat_timeouts_total');
    // A raw websocket client that never answers the server's pings.
    const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    await eventually('ping timeout', async () => (await value(metrics, 'nonstick_heartbeat_timeouts_total')) > before, 5000);
    ws.close();
  });

  it('serves the exposition text on the app', async () => {
    const r = await http(`${url}/metrics`);
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /text\/plain/);
    assert.match(r.text, /^nonstick_handshakes_total\{generation="eio4",transport="websocket"\} \d+$/m);
    assert.match(r.text, /^nonstick_event_loop_lag_seconds \d/m);
    assert.doesNotMatch(r.text, /process_cpu/, 'default metrics were switched off here');
    for (const line of r.text.split('\n')) assert.doesNotMatch(line, /sid=|nsp=|room=/);
  });
});

describe('metrics: relays between two engines, and registries per engine', () => {
  it('counts the relay on the worker that got the POST and times the drain on the owner', async () => {
    const cluster = new MemoryCluster();
    const ma = new PromMetrics({ defaultMetrics: false });
    const mb = new PromMetrics();
    const a = new Engine({ store: new MemoryStore({ cluster }), metrics: ma, transports: ['polling'] });
    const b = new Engine({ store: new MemoryStore({ cluster }), metrics: mb, transports: ['polling'] });
    const got: string[] = [];
    a.on('connection', (s) => s.on('message', (d: string) => got.push(d)));
    try {
      const pa = await a.listen(0, '127.0.0.1');
      const pb = await b.listen(0, '127.0.0.1');
      const sid = openData((await http(`http://127.0.0.1:${pa}/engine.io/?EIO=4&transport=polling`)).text).sid;
      const r = await http(`http://127.0.0.1:${pb}/engine.io/?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: '4hello\x1e4world' });
      assert.equal(r.status, 200);
      await until(() => got.length === 2, 3000, 'relayed messages');
      assert.deepEqual(got, ['hello', 'world']);
      assert.equal(await value(mb, 'nonstick_relays_total'), 2);
      assert.equal(await value(ma, 'nonstick_relays_total'), 0);
      await eventually('relay latency', async () => (await value(ma, 'nonstick_relay_latency_seconds', {}, '_count')) === 1);
      assert.equal(await value(ma, 'nonstick_packets_total', { direction: 'in' }), 2, 'counted once, on the owner');
      assert.equal(await value(mb, 'nonstick_packets_total', { direction: 'in' }), 0);
      assert.equal(await value(ma, 'nonstick_handshakes_total'), 1);
      assert.equal(await value(mb, 'nonstick_handshakes_total'), 0);
      assert.equal(await value(ma, 'nonstick_sessions'), 1);
      assert.equal(await value(mb, 'nonstick_sessions'), 0);
      // Default process metrics on b's own registry only.
      assert.match(await mb.metrics(), /process_cpu_user_seconds_total/);
      assert.doesNotMatch(await ma.metrics(), /process_cpu_user_seconds_total/);
    } finally {
      await a.close();
      await b.close();
      ma.close();
      mb.close();
    }
  });

  it('starts the known labelled counters at 0, so a quiet cluster shows 0 rather than no data', async () => {
    const m = new PromMetrics({ defaultMetrics: false });
    try {
      const text = await m.metrics();
      for (const code of ['0', '1', '2', '3', '4', '5', 'decode', 'too_large', 'method', 'store', 'bus', 'listener']) {
        assert.match(text, new RegExp(`^nonstick_errors_total\\{code="${code}"\\} 0$`, 'm'), `errors_total{code="${code}"}`);
      }
      for (const name of ['nonstick_packets_total', 'nonstick_bytes_total']) {
        for (const direction of ['in', 'out'])
          assert.match(text, new RegExp(`^${name}\\{direction="${direction}"\\} 0$`, 'm'), `${name}{direction="${direction}"}`);
      }
      assert.match(text, /^nonstick_heartbeat_timeouts_total 0$/m);
    } finally {
      m.close();
    }
  });

  it('an engine without metrics uses the no-op hooks', async () => {
    const e = new Engine();
    assert.equal(e.metrics, NOOP_METRICS);
    await e.close();
  });
});
