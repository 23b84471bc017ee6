/* eslint-disable @typescript-eslint/no-explicit-any -- the old clients' globals in the page (io, H, H6) are untyped */
/**
 * The REAL socket.io-client 0.9.16 browser bundle in headless Chromium
 * against Nonstick's Socket.IO protocol 1 support (`/socket.io/1/`), once on
 * one worker (in-memory store) and once on three workers on Redis behind the
 * project's round-robin nginx. The app is test/src/fixtures/legacy-worker.ts
 * (the app the 0.9.19 reference server ran for WIRE-EXAMPLES.md).
 *
 * Pages are test/pages/legacy*.html with legacy-harness.js (window.H), loaded
 * from the worker (same origin; through nginx on the cluster) or from a small
 * static server of this process (cross origin). Transports are forced one at
 * a time with `io.transports = [name]` (the client merges connect()'s
 * `transports` option INTO that global, SPEC-NOTES §10), and every test
 * checks `socket.socket.transport.name`.
 *
 * htmlfile runs the client's own HTMLFile transport through an
 * ActiveXObject('htmlfile') shim (a hidden about:blank iframe stands in for
 * the htmlfile document); flashsocket runs its Flashsocket transport through
 * a Flash/web-socket-js shim over the native WebSocket.
 *
 * Timers are short (flags below): heartbeat interval 1 s, heartbeat timeout
 * 3 s, polling duration 1.5 s, close timeout 6 s, so the idle and
 * disconnect steps stay quick.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { v4ClientAvoiding, type SioClient } from '../clients/sio.js';
import { pageStep } from '../clients/page-traffic.js';
import { LOOPBACK_ORIGINS } from './legacy-wire.js';
import { quietFor, waitUntil } from '../support/wait.js';
import { LEGACY_WORKER } from '../fixtures/cluster.js';
import { splitTargets, startTarget, type Target } from '../engine/targets.js';
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  LegacyPage,
  ServerLog,
  requestFlashPolicy,
  sleep,
  startStaticServer,
  type NetEntry,
  type StaticServer,
} from './browser-support.js';

const HEARTBEAT_INTERVAL = 1000;
const HEARTBEAT_TIMEOUT = 3000;
/** Longer than the heartbeat timeout, so that a server using the wrong one for polling sessions shows. */
const CLOSE_TIMEOUT = 6000;
const POLLING_DURATION = 1500;
const FLAGS = [
  '--legacy-transports',
  'websocket,flashsocket,htmlfile,xhr-polling,jsonp-polling',
  '--legacy-heartbeat-interval',
  String(HEARTBEAT_INTERVAL),
  '--legacy-heartbeat-timeout',
  String(HEARTBEAT_TIMEOUT),
  '--legacy-close-timeout',
  String(CLOSE_TIMEOUT),
  '--legacy-polling-duration',
  String(POLLING_DURATION),
  '--flash-policy-port',
  '0',
  // Cross-origin pages come from the static server's loopback port.
  ...LOOPBACK_ORIGINS,
];

const TEXT = 'héllo wörld ✓ 中文 😀';
const PLAIN = 'plain: ünïcødé ✓ 😀 : colons :: and\nnewline';
const JSON_MSG = { a: [1, '2', { c: null }], u: 'é😀' };
const ECHO_ARGS = ['a', { b: [1, 2, { c: null }] }, 3.5, true, null];
/** SPEC-NOTES §5.5, for the default origins `*:*`. */
const POLICY_XML =
  '<?xml version="1.0"?><!DOCTYPE cross-domain-policy SYSTEM "http://www.macromedia.com/xml/dtds/cross-domain-policy.dtd"><cross-domain-policy><allow-access-from domain="*" to-ports="*"/></cross-domain-policy>';

/** Five emits whose args hold non-ASCII, U+FFFD (the polling frame marker), ':' and long strings. */
const BURST: unknown[][] = [1, 2, 3, 4, 5].map((i) => [
  'burst',
  i,
  `é中😀\ufffd:${'x'.repeat(60 * i)}`,
  { k: 'a:b::c', fffd: '\ufffd12\ufffd', long: 'ü'.repeat(500 * i) },
]);

type Kind = 'socket' | 'polling' | 'stream';
const KIND: Record<string, Kind> = { websocket: 'socket', flashsocket: 'socket', 'xhr-polling': 'polling', 'jsonp-polling': 'polling', htmlfile: 'stream' };

interface CoreCase {
  transport: 'websocket' | 'xhr-polling' | 'jsonp-polling' | 'htmlfile';
  origin: 'same' | 'cross';
  /** false: the old-IE path (no CORS: JSONP handshake when cross-origin). */
  hasCORS?: boolean;
  page?: string;
}

const CORE_CASES: CoreCase[] = [
  { transport: 'websocket', origin: 'cross' },
  { transport: 'websocket', origin: 'same' },
  { transport: 'xhr-polling', origin: 'cross' },
  { transport: 'xhr-polling', origin: 'same' },
  { transport: 'jsonp-polling', origin: 'cross', hasCORS: false },
  { transport: 'jsonp-polling', origin: 'cross' },
  { transport: 'htmlfile', origin: 'same', page: 'legacy-htmlfile.html' },
];

const caseName = (c: CoreCase) =>
  `${c.transport}, ${c.origin === 'same' ? 'same-origin' : 'cross-origin'}${c.hasCORS === false ? ' without CORS (JSONP handshake)' : ''}${c.transport === 'htmlfile' ? ' (ActiveXObject shim)' : ''}`;

/** The packet a POST carried, whatever the transport's encoding (jsonp: `d=<urlencoded JSON string>`). */
function postedPayload(e: NetEntry): string | null {
  if (e.kind !== 'request' || e.method !== 'POST' || e.body === undefined) return null;
  if (/\/jsonp-polling\//.test(e.url) && e.body.startsWith('d=')) {
    try {
      return JSON.parse(decodeURIComponent(e.body.slice(2).replace(/\+/g, ' '))) as string;
    } catch {
      return e.body;
    }
  }
  return e.body;
}

/** The packets of a payload: one packet, or U+FFFD-framed ones (lengths in UTF-16 code units, SPEC §4). */
function packets(payload: string): string[] {
  if (!payload.startsWith('\ufffd')) return [payload];
  const out: string[] = [];
  let i = 0;
  while (i < payload.length && payload[i] === '\ufffd') {
    const end = payload.indexOf('\ufffd', i + 1);
    const len = Number(payload.slice(i + 1, end));
    out.push(payload.slice(end + 1, end + 1 + len));
    i = end + 1 + len;
  }
  return out;
}

/** Packets the client sent (POST bodies or WebSocket frames), in order. */
function sentPackets(net: NetEntry[]): string[] {
  const out: string[] = [];
  for (const e of net) {
    if (e.kind === 'ws-sent') out.push(e.body ?? '');
    else {
      const p = postedPayload(e);
      if (p !== null) out.push(...packets(p));
    }
  }
  return out;
}

const step = pageStep;

describe('socket.io-client 0.9.16 in headless Chromium', { timeout: 170_000 }, () => {
  let browser: Browser | undefined;
  let statics: StaticServer | undefined;

  before(async () => {
    [browser, statics] = await Promise.all([chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 20_000 }), startStaticServer()]);
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await statics?.stop().catch(() => undefined);
  });

  const kinds = splitTargets();
  for (const kind of kinds) {
    describe(kind === 'single' ? '1 worker (MemoryStore)' : '3 workers (Redis) behind nginx', { concurrency: 4 }, () => {
      let target: Target | undefined;
      let server: ServerLog;
      const policyPorts: number[] = [];

      before(async () => {
        target = await startTarget(kind, FLAGS, { script: LEGACY_WORKER });
        server = new ServerLog(target.workers);
        for (const w of target.workers) {
          const listening = w.events('listening')[0];
          policyPorts.push(Number(listening?.['policyPort']));
        }
      });
      after(async () => {
        await target?.stop().catch(() => undefined);
      });

      const pageUrl = (origin: 'same' | 'cross', page = 'legacy.html') => `${origin === 'same' ? target!.url : statics!.url}/pages/${page}`;

      for (const c of CORE_CASES) {
        it(caseName(c), { timeout: 60_000 }, async (t) => {
          const lp = await LegacyPage.open(browser!, pageUrl(c.origin, c.page));
          try {
            await coreScenario(t, lp, target!, server, c);
          } finally {
            await lp.close();
          }
        });
      }

      it('flashsocket (Flash shim over the native WebSocket): handshake, path, echo with ack, message', { timeout: 30_000 }, async (t) => {
        const lp = await LegacyPage.open(browser!, pageUrl('same', 'legacy-flash.html'));
        try {
          const url = target!.url;
          const policyPort = policyPorts[0]!;
          let id = 0;
          let sid = '';
          const ok = await step(t, lp, 'connects over flashsocket on /socket.io/1/flashsocket/<sid>', async () => {
            const r = await lp.connect({ url, transport: 'flashsocket', options: { 'flash policy port': policyPort } });
            id = r.id;
            sid = r.info.sessionid ?? '';
            assert.equal(r.info.transport, 'flashsocket');
            assert.ok(r.info.transports?.includes('flashsocket'), `the handshake offered flashsocket: ${JSON.stringify(r.info.transports)}`);
            const shim = await lp.eval(() => (globalThis as any).FlashShim as { urls: string[]; policyFiles: string[]; initialize: number; tasks: number });
            assert.equal(shim.initialize, 1, 'WebSocket.__initialize() was called once');
            assert.ok(shim.tasks >= 1, 'the transport went through WebSocket.__addTask');
            assert.deepEqual(shim.policyFiles, [`xmlsocket://127.0.0.1:${policyPort}`]);
            assert.equal(shim.urls.length, 1, `one WebSocket: ${JSON.stringify(shim.urls)}`);
            const wsUrl = new URL(shim.urls[0]!);
            assert.equal(wsUrl.protocol, 'ws:');
            assert.equal(wsUrl.pathname, `/socket.io/1/flashsocket/${sid}`);
            const welcome = await lp.waitFor(id, '', 'welcome');
            assert.deepEqual(welcome[0]!.args, [{ nsp: '', text: TEXT }]);
            const conn = await server.waitFor('connection', (e) => e['sid'] === sid && e['nsp'] === '/');
            t.diagnostic(`server connection: ${JSON.stringify(conn)}`);
          });
          if (!ok) return;
          await step(t, lp, 'echo with ack', async () => {
            assert.deepEqual(await lp.emitAck(id, '', 'echo', ECHO_ARGS), ECHO_ARGS);
          });
          await step(t, lp, 'message round trip (and server-side decoding)', async () => {
            const since = (await lp.events(id)).length;
            await lp.send(id, '', PLAIN);
            const [m] = await lp.waitFor(id, '', 'message', 1, 8000, since);
            assert.deepEqual(m!.args, [PLAIN]);
            const socketId = await server.socketId(sid, '/');
            const rep = await server.waitFor('message', (e) => e['id'] === socketId);
            assert.equal(rep['data'], PLAIN);
          });
          await step(t, lp, 'frames went over the WebSocket, one packet per frame', async () => {
            const net = await lp.traffic();
            const frames = net.filter((e) => e.kind === 'ws-sent' && e.url.includes('/flashsocket/'));
            assert.ok(
              frames.some((f) => f.body === `3:::${PLAIN}`),
              `a 3::: frame: ${JSON.stringify(frames.map((f) => f.body))}`,
            );
            assert.ok(!net.some((e) => e.kind === 'request' && /\/socket\.io\/1\/(xhr-polling|jsonp-polling|htmlfile)\//.test(e.url)), 'no polling requests');
          });
        } finally {
          await lp.close();
        }
      });

      it('flash socket policy server: exact XML, then the server closes', { timeout: 20_000 }, async () => {
        assert.equal(policyPorts.length, target!.workers.length);
        for (const [i, port] of policyPorts.entries()) {
          assert.ok(Number.isInteger(port) && port > 0, `worker ${i} reported a policy port: ${port}`);
          const { data, closedByServer } = await requestFlashPolicy(port);
          assert.equal(data.toString('utf8'), POLICY_XML, `policy file from worker ${i} (port ${port})`);
          assert.equal(closedByServer, true);
        }
      });

      it('a 0.9 browser client and a socket.io-client 4.x client share a room', { timeout: 40_000 }, async (t) => {
        const lp = await LegacyPage.open(browser!, pageUrl('cross'));
        const v4s: SioClient[] = [];
        try {
          const url = target!.url;
          let id = 0;
          let legacyWorker = '';
          let v4: SioClient | undefined;
          const ok = await step(t, lp, 'both join room1', async () => {
            id = (await lp.connect({ url, transport: 'xhr-polling' })).id;
            assert.equal((await lp.info(id)).transport, 'xhr-polling');
            const [rooms] = await lp.emitAck(id, '', 'join', ['room1']);
            assert.ok(Array.isArray(rooms) && rooms.includes('room1'), `0.9 client's rooms: ${JSON.stringify(rooms)}`);
            legacyWorker = String((await lp.emitAck(id, '', 'whoami', []))[0]);
            // On the cluster, look for a v4 client whose handlers run on another worker
            // (round robin makes that a matter of a few tries).
            v4 = await v4ClientAvoiding(url, legacyWorker, kind === 'cluster' ? 6 : 1, v4s);
            const [v4Worker] = await v4.ack('whoami');
            t.diagnostic(`0.9 client's handlers on ${legacyWorker}, v4 client's on ${String(v4Worker)}`);
            if (kind === 'cluster') assert.notEqual(String(v4Worker), legacyWorker, 'the two clients are served by different workers');
            const [v4Rooms] = await v4.ack('join', 'room1');
            assert.ok(Array.isArray(v4Rooms) && v4Rooms.includes('room1'), `v4 client's rooms: ${JSON.stringify(v4Rooms)}`);
          });
          if (!ok) return;
          await step(t, lp, 'a broadcast to room1 reaches each client exactly once', async () => {
            const since = (await lp.events(id)).length;
            await v4!.ack('to', 'room1', 'news', { n: 1 });
            const [news] = await lp.waitFor(id, '', 'news', 1, 8000, since);
            assert.deepEqual(news!.args, [{ n: 1 }]);
            await v4!.nextN('news', 1);
            await quietFor(600);
            assert.deepEqual(v4!.received('news'), [[{ n: 1 }]], 'v4 client got exactly one news');
            const all = (await lp.events(id, '', since)).filter((e) => e.name === 'news');
            assert.equal(all.length, 1, `0.9 client got exactly one news: ${JSON.stringify(all)}`);
            for (const other of v4s) if (other !== v4) assert.deepEqual(other.received('news'), [], 'clients outside room1 got nothing');
          });
        } finally {
          for (const c of v4s) c.raw.disconnect();
          await lp.close();
        }
      });

      for (const transport of ['websocket', 'xhr-polling'] as const) {
        it(`middleware (${transport}): a refused main namespace never connects; a refused /private fails while / stays up`, { timeout: 30_000 }, async (t) => {
          const lp = await LegacyPage.open(browser!, pageUrl('cross'));
          try {
            const url = target!.url;
            await step(t, lp, "io.use refuses '?token=bad'", async () => {
              const id = await lp.openSocket({ url, transport, query: 'token=bad' });
              const first = await lp.waitAny(id, '', ['connect', 'connect_failed', 'error'], 8000);
              await quietFor(400);
              const events = await lp.events(id);
              t.diagnostic(`refused main namespace: first ${JSON.stringify(first)}; all ${JSON.stringify(events.map((e) => [e.name, ...e.args]))}`);
              assert.notEqual(first.name, 'connect', 'the refused socket did not connect');
              assert.ok(!events.some((e) => e.name === 'connect'), `never a connect: ${JSON.stringify(events)}`);
              const sid = (await lp.info(id)).sessionid;
              if (sid)
                assert.equal(
                  server.find('connection', (e) => e['sid'] === sid),
                  undefined,
                  'no server-side connection for the refused session',
                );
            });
            await step(t, lp, "a namespace whose middleware refuses (/private) gets 'connect_failed'; '/' keeps working", async () => {
              const { id } = await lp.connect({ url, transport, forceNew: true });
              assert.equal((await lp.info(id)).transport, transport);
              await lp.of(id, '/private');
              const first = await lp.waitAny(id, '/private', ['connect', 'connect_failed', 'error'], 8000);
              assert.equal(first.name, 'connect_failed', `first /private event: ${JSON.stringify(first)}`);
              assert.deepEqual(await lp.emitAck(id, '', 'echo', ['still here']), ['still here']);
              await quietFor(300);
              const priv = await lp.events(id, '/private');
              assert.ok(!priv.some((e) => e.name === 'connect'), `/private never connected: ${JSON.stringify(priv)}`);
              const main = await lp.events(id, '');
              assert.ok(!main.some((e) => e.name === 'disconnect'), `'/' was not disconnected: ${JSON.stringify(main)}`);
            });
            await step(t, lp, 'a refused client with the default reconnect: true does not retry the handshake', async () => {
              const netBefore = lp.net.length;
              const id = await lp.openSocket({ url, transport, query: 'token=bad', forceNew: true, options: { reconnect: true } });
              await lp.waitAny(id, '', ['connect', 'connect_failed', 'error'], 8000);
              await quietFor(2500);
              const handshakes = (await lp.traffic()).slice(netBefore).filter((e) => e.kind === 'request' && /\/socket\.io\/1\/\?/.test(e.url));
              const events = await lp.events(id);
              assert.ok(!events.some((e) => e.name === 'connect'), `never a connect: ${JSON.stringify(events)}`);
              assert.equal(handshakes.length, 1, `one handshake, no reconnect loop; client events ${JSON.stringify(events.map((e) => [e.name, ...e.args]))}`);
            });
          } finally {
            await lp.close();
          }
        });
      }
    });
  }
});

/** Scenario 1 (and 2 for htmlfile): everything a 0.9 app does, over one forced transport. */
async function coreScenario(t: TestContext, lp: LegacyPage, target: Target, server: ServerLog, c: CoreCase): Promise<void> {
  const url = target.url;
  const kind = KIND[c.transport]!;
  let id = 0;
  let sid = '';
  let socketId = '';

  const connected = await step(t, lp, `connects over ${c.transport}; welcome`, async () => {
    const r = await lp.connect({ url, transport: c.transport, ...(c.hasCORS !== undefined ? { hasCORS: c.hasCORS } : {}) });
    id = r.id;
    sid = r.info.sessionid ?? '';
    assert.equal(r.info.transport, c.transport);
    assert.equal(r.info.xdomain, c.origin === 'cross');
    assert.match(sid, /^[^:/]+$/, 'an opaque sid without ":" or "/"');
    assert.equal(r.info.heartbeatTimeout, HEARTBEAT_TIMEOUT, 'handshake heartbeat timeout (s) as configured');
    assert.equal(r.info.closeTimeout, CLOSE_TIMEOUT, 'handshake close timeout (s) as configured');
    const [welcome] = await lp.waitFor(id, '', 'welcome');
    assert.deepEqual(welcome!.args, [{ nsp: '', text: TEXT }]);
    const net = await lp.traffic();
    const handshakes = net.filter((e) => e.kind === 'request' && /\/socket\.io\/1\/\?/.test(e.url));
    assert.equal(handshakes.length, 1, `one handshake: ${JSON.stringify(handshakes.map((h) => h.url))}`);
    const jsonp = /[?&]jsonp=\d+/.test(handshakes[0]!.url);
    assert.equal(jsonp, c.hasCORS === false && c.origin === 'cross', `JSONP handshake iff cross-origin without CORS: ${handshakes[0]!.url}`);
    if (c.transport === 'htmlfile') {
      const shim = await lp.eval(() => (globalThis as any).HtmlfileShim as { opened: string[]; names: string[] });
      assert.deepEqual(
        shim.opened.map((u) => new URL(u).pathname),
        [`/socket.io/1/htmlfile/${sid}`],
        'the stream iframe points at the htmlfile URL',
      );
      assert.ok(!shim.names.some((n) => n !== 'htmlfile'), `only htmlfile documents were asked for: ${JSON.stringify(shim.names)}`);
    }
    socketId = await server.socketId(sid, '/');
    const conn = server.find('connection', (e) => e['sid'] === sid && e['nsp'] === '/')!;
    t.diagnostic(`sid ${sid}, socket ${socketId} on ${String(conn['worker'])}, server transport ${JSON.stringify(conn['transport'])}`);
  });
  if (!connected) return;

  await step(t, lp, 'echo with ack: the ack carries the same args', async () => {
    assert.deepEqual(await lp.emitAck(id, '', 'echo', ECHO_ARGS), ECHO_ARGS);
  });

  await step(t, lp, 'echo without ack: the server emits echo back', async () => {
    const since = (await lp.events(id)).length;
    await lp.emit(id, '', 'echo', ['no-ack', 42]);
    const [e] = await lp.waitFor(id, '', 'echo', 1, 8000, since);
    assert.deepEqual(e!.args, ['no-ack', 42]);
  });

  await step(t, lp, 'socket.send(text) with unicode, colons and a newline comes back identical', async () => {
    const since = (await lp.events(id)).length;
    await lp.send(id, '', PLAIN);
    const [m] = await lp.waitFor(id, '', 'message', 1, 8000, since);
    assert.deepEqual(m!.args, [PLAIN]);
    const rep = await server.waitFor('message', (e) => e['id'] === socketId && e['data'] === PLAIN, 8000, 'server decoded the message');
    assert.equal(rep['nsp'], '/');
  });

  await step(t, lp, 'socket.json.send(object) comes back deep-equal', async () => {
    const since = (await lp.events(id)).length;
    await lp.send(id, '', JSON_MSG, { json: true });
    const [m] = await lp.waitFor(id, '', 'message', 1, 8000, since);
    assert.deepEqual(m!.args, [JSON_MSG]);
    await server.waitFor(
      'message',
      (e) => e['id'] === socketId && JSON.stringify(e['data']) === JSON.stringify(JSON_MSG),
      8000,
      'server decoded the json message',
    );
  });

  await step(t, lp, 'socket.send(text, fn): the server auto-acks and the message comes back', async () => {
    const since = (await lp.events(id)).length;
    const ackArgs = await lp.send(id, '', 'auto-ack please', { ack: true });
    assert.deepEqual(ackArgs, [], 'a plain ack (no data)');
    const [m] = await lp.waitFor(id, '', 'message', 1, 8000, since);
    assert.deepEqual(m!.args, ['auto-ack please']);
  });

  await step(t, lp, 'server asks with an ack (question), the client answers, the server confirms (answered)', async () => {
    const since = (await lp.events(id)).length;
    await lp.answer(id, '', 'question', 'answer-42');
    await lp.emit(id, '', 'ask', ['q-42']);
    const [answered] = await lp.waitFor(id, '', 'answered', 1, 8000, since);
    assert.deepEqual(answered!.args, ['answer-42']);
    const [q] = await lp.waitFor(id, '', 'question', 1, 8000, since);
    assert.deepEqual(q!.args, ['q-42', '[Function]'], 'the question came with an ack callback');
  });

  await step(t, lp, "a second namespace (/chat) on the same session; leaving it keeps '/' working", async () => {
    await lp.of(id, '/chat');
    await lp.waitFor(id, '/chat', 'connect');
    const [welcome] = await lp.waitFor(id, '/chat', 'welcome');
    assert.deepEqual(welcome!.args, [{ nsp: '/chat', text: TEXT }]);
    const chatId = await server.socketId(sid, '/chat');
    assert.deepEqual(await lp.emitAck(id, '/chat', 'echo', ['in chat', 'é😀']), ['in chat', 'é😀']);
    const info = await lp.info(id);
    assert.equal(info.sessionid, sid, 'the same session');
    await lp.disconnect(id, '/chat');
    const d = await server.waitFor('disconnect', (e) => e['sid'] === sid && e['nsp'] === '/chat', 8000, 'server disconnect of /chat');
    assert.equal(d['id'], chatId);
    t.diagnostic(`server reason for leaving /chat: ${JSON.stringify(d['reason'])}`);
    assert.deepEqual(await lp.emitAck(id, '', 'echo', ['after /chat left']), ['after /chat left']);
    assert.equal(
      server.find('disconnect', (e) => e['sid'] === sid && e['nsp'] === '/'),
      undefined,
      "'/' is still connected on the server",
    );
    const main = await lp.events(id, '');
    assert.ok(!main.some((e) => e.name === 'disconnect'), `'/' was not disconnected: ${JSON.stringify(main.map((e) => e.name))}`);
  });

  await step(t, lp, 'a synchronous burst of 5 emits with acks (non-ASCII, U+FFFD, colons, long strings): all acks, in order', async () => {
    const netBefore = lp.net.length;
    const order = await lp.burst(id, '', 'echo', BURST, 10_000);
    assert.deepEqual(
      order.map((o) => o.index),
      [0, 1, 2, 3, 4],
      'acks in order',
    );
    for (const o of order) assert.deepEqual(o.args, BURST[o.index], `ack ${o.index} carries its args`);
    if (kind !== 'socket') {
      // The client buffers while a POST is in flight and then frames the rest with U+FFFD (SPEC §4).
      const posts = (await lp.traffic())
        .slice(netBefore)
        .map(postedPayload)
        .filter((p): p is string => p !== null);
      assert.ok(
        posts.some((p) => p.startsWith('\ufffd')),
        `a U+FFFD-framed POST was sent: ${JSON.stringify(posts.map((p) => p.slice(0, 40)))}`,
      );
    }
  });

  // Socket-like transports idle past the heartbeat timeout too: the client closes its transport when
  // nothing arrives for that long (SPEC §6), so the server's 2:: must come every interval.
  const idleMs = kind === 'polling' ? POLLING_DURATION + 600 : Math.max(2 * HEARTBEAT_INTERVAL, HEARTBEAT_TIMEOUT) + 700;
  await step(
    t,
    lp,
    kind === 'polling'
      ? 'idle for more than a polling duration (8:: noop), still echoes'
      : 'idle for 2+ heartbeat intervals and past the heartbeat timeout (server 2::, client answers), still connected',
    async () => {
      const netBefore = lp.net.length;
      const since = (await lp.events(id)).length;
      const hbBefore = await lp.heartbeats();
      await sleep(idleMs);
      let net = (await lp.traffic()).slice(netBefore);
      if (kind === 'polling') {
        const isNoop = (e: (typeof net)[number]) =>
          e.kind === 'response' && e.body !== undefined && (e.body === '8::' || /^io\.j\[\d+\]\("8::"\);$/.test(e.body));
        // A page starved on a loaded machine may open its idle poll late: its noop then comes
        // one polling duration after that, so wait for it (bounded) rather than for fixed time.
        const deadline = Date.now() + POLLING_DURATION + 2000;
        while (!net.some(isNoop) && Date.now() < deadline) {
          await sleep(100);
          net = (await lp.traffic()).slice(netBefore);
        }
        const noops = net.filter(isNoop);
        assert.ok(noops.length >= 1, `an idle poll was answered 8::: ${JSON.stringify(net.filter((e) => e.kind === 'response').map((e) => e.body))}`);
      } else {
        const hb = (await lp.heartbeats()) - hbBefore;
        const gone = (await lp.events(id, '', since)).filter((e) => e.name === 'disconnect');
        assert.deepEqual(gone, [], `the client stayed connected while idle for ${idleMs} ms (it got ${hb} heartbeats)`);
        assert.ok(
          hb >= Math.floor(idleMs / HEARTBEAT_INTERVAL) - 1,
          `the client received ${hb} heartbeats in ${idleMs} ms (interval ${HEARTBEAT_INTERVAL} ms)`,
        );
        const answers = sentPackets(net).filter((p) => p === '2::');
        assert.ok(answers.length >= 2, `the client answered 2:: at least twice (${c.transport === 'htmlfile' ? 'POST' : 'frame'}): ${answers.length}`);
        if (c.transport === 'htmlfile') {
          const posts = net.filter((e) => e.kind === 'response' && e.method === 'POST' && /\/htmlfile\//.test(e.url));
          assert.ok(posts.length >= 2 && posts.every((p) => p.status === 200), `heartbeat POSTs answered 200: ${JSON.stringify(posts.map((p) => p.status))}`);
        }
      }
      const main = await lp.events(id, '', since);
      assert.ok(
        !main.some((e) => e.name === 'disconnect' || e.name === 'error'),
        `no disconnect/error while idle: ${JSON.stringify(main.filter((e) => e.name === 'disconnect' || e.name === 'error'))}`,
      );
      assert.deepEqual(await lp.emitAck(id, '', 'echo', ['after idle']), ['after idle']);
    },
  );

  await step(t, lp, "client disconnect: socket.disconnect() ends the server's session", async () => {
    // 0.9 buffers packets while a POST is in flight (socket.doBuffer until its XHR or iframe
    // completes) and disconnect() drops that buffer: a 0:: sent then never leaves the page.
    // So wait for the buffer to be off, then check that the socket is still connected and
    // disconnect it in the same page turn; -1 if it was not connected.
    const disconnectIfConnected = (n: number) =>
      lp.eval(async (k: number) => {
        const main = (globalThis as any).H.sockets[k].nsps[''];
        const until = Date.now() + 5000;
        while (main.socket.doBuffer && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
        if (!main.socket.connected) return -1;
        if (main.socket.doBuffer) throw new Error('a POST of the client never completed (socket.doBuffer stayed on for 5 s)');
        const at = main.__log.length as number;
        main.disconnect();
        return at;
      }, n);
    let netBefore = lp.net.length;
    // Timed from when disconnect() ran: waiting for the client's buffer is not the server's time.
    let since = await disconnectIfConnected(id);
    let t0 = Date.now();
    if (since < 0) {
      // An earlier step lost the connection (and failed for it): test the disconnect on a new one.
      t.diagnostic('the first socket is no longer connected: using a new one');
      const r = await lp.connect({ url, transport: c.transport, forceNew: true });
      id = r.id;
      sid = r.info.sessionid!;
      socketId = await server.socketId(sid, '/');
      await sleep(150);
      netBefore = lp.net.length;
      since = await disconnectIfConnected(id);
      t0 = Date.now();
      assert.ok(since >= 0, 'the new socket is connected');
    }
    const [d] = await lp.waitFor(id, '', 'disconnect', 1, 8000, since);
    assert.deepEqual(d!.args, ['booted']);
    const ev = await server.waitFor(
      'disconnect',
      (e) => e['sid'] === sid && e['nsp'] === '/',
      CLOSE_TIMEOUT + HEARTBEAT_TIMEOUT + 3000,
      "server disconnect on '/'",
    );
    const took = Date.now() - t0;
    const sent = sentPackets((await lp.traffic()).slice(netBefore));
    const sentDisconnect = sent.includes('0::');
    t.diagnostic(`client sent 0:: = ${sentDisconnect}; server reported after ${took} ms with reason ${JSON.stringify(ev['reason'])}`);
    assert.equal(ev['id'], socketId);
    assert.equal(typeof ev['reason'], 'string');
    assert.ok(sentDisconnect, `the idle client sent 0:: (sent ${JSON.stringify(sent)})`);
    assert.ok(took < 2000, `the server acted on 0:: at once (${took} ms)`);
    // The session is gone: any transport request for the sid is told to reconnect. The app's
    // disconnect comes before the websocket's close has removed the session from the store, so
    // a request right then may still meet it (and get a noop): wait for the removal, briefly.
    let answer = '';
    await waitUntil(
      async () => (answer = await (await fetch(`${url}/socket.io/1/xhr-polling/${sid}?t=${Date.now()}`)).text()) === '7:::1+0',
      `the old sid to be unknown (last answer ${JSON.stringify(answer)})`,
      2000,
      50,
    );
  });

  if (kind !== 'socket') {
    await step(t, lp, 'client disconnect while a POST is in flight (0:: stays in the client buffer, SPEC §8): the server still ends the session', async () => {
      const { id: idq, info } = await lp.connect({ url, transport: c.transport, forceNew: true });
      const sidq = info.sessionid!;
      await lp.waitFor(idq, '', 'welcome');
      const socketIdq = await server.socketId(sidq, '/');
      await sleep(150);
      const netBefore = lp.net.length;
      const t0 = Date.now();
      // One page turn: the emit starts a POST, so the disconnect packet is buffered and never sent.
      await lp.eval((n: number) => {
        const H = (globalThis as any).H;
        const main = H.sockets[n].nsps[''];
        main.emit('report', 'last words');
        main.disconnect();
      }, idq);
      const [d] = await lp.waitFor(idq, '', 'disconnect');
      assert.deepEqual(d!.args, ['booted']);
      // Polling: the session outlives the aborted poll, so the POST is handled. (htmlfile: the stream's
      // end may reach the server first and end the session; the POST may then be dropped.)
      if (kind === 'polling') await server.waitFor('report', (e) => e['id'] === socketIdq, 8000, 'the in-flight POST reached the server');
      const ev = await server.waitFor('disconnect', (e) => e['sid'] === sidq && e['nsp'] === '/', CLOSE_TIMEOUT + 4000, "server disconnect on '/' without 0::");
      const took = Date.now() - t0;
      await quietFor(300);
      const sent = sentPackets((await lp.traffic()).slice(netBefore));
      t.diagnostic(`0:: sent = ${sent.includes('0::')}; server reported after ${took} ms with reason ${JSON.stringify(ev['reason'])}`);
      assert.ok(!sent.includes('0::'), `precondition: the client never sent 0:: (sent ${JSON.stringify(sent)})`);
      if (kind === 'polling') {
        // The client aborted its poll at t0: the session lives about one close timeout without
        // requests (give or take one polling duration: the aborted poll may count until it would
        // have been answered, or from when it started).
        assert.ok(
          took >= CLOSE_TIMEOUT - POLLING_DURATION - 500 && took <= CLOSE_TIMEOUT + POLLING_DURATION + 2000,
          `the server ended the polling session about one close timeout (${CLOSE_TIMEOUT} ms) after its last poll, not after ${took} ms`,
        );
      } else {
        // htmlfile: the stream's connection ended, and that ends the session at once (SPEC §6).
        assert.ok(took < 2000, `the server ended the htmlfile session when its stream closed (${took} ms)`);
      }
      const res = await fetch(`${url}/socket.io/1/xhr-polling/${sidq}?t=${Date.now()}`);
      assert.equal(await res.text(), '7:::1+0', 'the old sid is unknown now');
    });
  }

  await step(t, lp, "server disconnect: emit('bye') and the client gets 'disconnect'", async () => {
    const { id: id2, info } = await lp.connect({ url, transport: c.transport, forceNew: true });
    assert.equal(info.transport, c.transport);
    const sid2 = info.sessionid!;
    assert.notEqual(sid2, sid);
    await lp.waitFor(id2, '', 'welcome');
    await lp.emit(id2, '', 'bye', []);
    const [d] = await lp.waitFor(id2, '', 'disconnect', 1, CLOSE_TIMEOUT + 5000);
    const ev = await server.waitFor('disconnect', (e) => e['sid'] === sid2 && e['nsp'] === '/', 8000, 'server-side disconnect after bye');
    const all = await lp.events(id2, '');
    t.diagnostic(
      `client disconnect args ${JSON.stringify(d!.args)}; server reason ${JSON.stringify(ev['reason'])}; client events ${JSON.stringify(all.map((e) => e.name))}`,
    );
    assert.ok(!all.some((e) => e.name === 'connect' && e.t > d!.t), 'no reconnect');
  });

  assert.deepEqual(
    lp.problems.filter((p) => !/Failed to load resource/.test(p)),
    [],
    'no page errors',
  );
}
