/* eslint-disable @typescript-eslint/no-explicit-any -- the old clients' globals in the page (io, H, H6) are untyped */
/**
 * The REAL Socket.IO 0.6.3 browser client (support/socket.io-client/socket.io.js
 * of socket.io@0.6.18) in headless Chromium against Nonstick's Socket.IO 0.6
 * support (`~m~` framing, `/socket.io/<transport>/...`), once on one worker
 * (in-memory store) and once on three workers on Redis behind the project's
 * round-robin nginx. The app is test/src/fixtures/sio06-worker.ts (welcome on
 * connect, `echo:<text>`, `{echo: value}`, `bye`, `join <room>`, `to <room> <text>`).
 *
 * Pages are test/pages/sio06*.html with sio06-harness.js (window.H6), loaded
 * from the worker (same origin; through nginx on the cluster) or from a small
 * static server of this process (cross origin). Every socket is
 * `new io.Socket('127.0.0.1', { port, transports: [name], rememberTransport: false })`
 * and every test checks `socket.transport.type` (and that the transport object
 * is an io.Transport[name]) and the URLs the client really used.
 *
 * Transports Chromium lacks run the client's own transport code through shims
 * (SPEC-NOTES-06 §8): htmlfile through ActiveXObject('htmlfile') (a hidden
 * same-origin iframe) + window.attachEvent + CollectGarbage; xhr-multipart
 * through a wrapper that delivers a multipart/x-mixed-replace answer part by
 * part as Firefox did; flashsocket through a Flash/web-socket-js stand-in
 * over the native WebSocket.
 *
 * Timers are short (flags below): heartbeat interval 1 s, polling duration
 * 1.5 s, close timeout 3 s, so the idle and disconnect steps stay quick.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { v4ClientAvoiding, type SioClient } from '../clients/sio.js';
import { pageStep } from '../clients/page-traffic.js';
import { LOOPBACK_ORIGINS } from '../legacy/legacy-wire.js';
import { SIO06_WORKER } from '../fixtures/cluster.js';
import { splitTargets, startTarget, type Target } from '../engine/targets.js';
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  ServerLog,
  requestFlashPolicy,
  sleep,
  startStaticServer,
  type NetEntry,
  type StaticServer,
} from '../legacy/browser-support.js';
import { quietFor } from '../support/wait.js';
import { frames, postedPayload, Sio06Page, SIO06_CLIENT_JS, SIO06_CLIENT_PATH, type Sio06OpenOptions } from './browser-page.js';

const HEARTBEAT_INTERVAL = 1000;
const HEARTBEAT_TIMEOUT = 2500;
const CLOSE_TIMEOUT = 3000;
const POLLING_DURATION = 1500;
/** The client's own transport timeout (default 15 s) for the streams, which notice an ended stream only by it. */
const STREAM_CLIENT_TIMEOUT = 3000;
const FLAGS = [
  '--sio06-transports',
  'websocket,flashsocket,htmlfile,xhr-multipart,xhr-polling,jsonp-polling',
  '--sio06-heartbeat-interval',
  String(HEARTBEAT_INTERVAL),
  '--sio06-heartbeat-timeout',
  String(HEARTBEAT_TIMEOUT),
  '--sio06-close-timeout',
  String(CLOSE_TIMEOUT),
  '--sio06-polling-duration',
  String(POLLING_DURATION),
  '--flash-policy-port',
  '0',
  // Cross-origin pages come from the static server's loopback port.
  ...LOOPBACK_ORIGINS,
];

/**
 * Non-ASCII, astral (2 UTF-16 units each), `~m~` / `~j~` / `~h~` inside, ':', form-special characters and
 * `</script>` (0.6.18's htmlfile did not escape it, SPEC §9.2); no line break (jsonp's textarea makes it CR LF).
 */
const TEXT = `héllo wörld ✓ 中文 Жз 😀🎉𝄞 ~m~5~m~fake frame ~j~{} ~h~1 inside : colons :: & = + % ? # / \\ " ' ; </script> end`;
const JSON_MSG = { s: 'héllo 😀', n: 42, f: 1.5, b: true, z: null, a: [1, 'two', { three: 3 }], nested: { k: 'v:~m~3~m~' } };
const BURST = [
  'burst 0 plain ascii',
  'burst 1 héllo wörld ✓ 中文 Жз',
  'burst 2 astral 😀🎉𝄞 (2 UTF-16 units each)',
  'burst 3 ~m~5~m~fake frame ~j~{} ~h~1 inside',
  `burst 4 & = + % ? # / \\ " ' ; : , ${'x'.repeat(300)} énd`,
];
/** SPEC-NOTES §5.2, for the default origins `*:*`. */
const POLICY_XML =
  '<?xml version="1.0"?><!DOCTYPE cross-domain-policy SYSTEM "http://www.macromedia.com/xml/dtds/cross-domain-policy.dtd"><cross-domain-policy><allow-access-from domain="*" to-ports="*"/></cross-domain-policy>';

type TransportName = 'websocket' | 'flashsocket' | 'htmlfile' | 'xhr-multipart' | 'xhr-polling' | 'jsonp-polling';
type Kind = 'socket' | 'polling' | 'stream';
const KIND: Record<TransportName, Kind> = {
  websocket: 'socket',
  flashsocket: 'socket',
  htmlfile: 'stream',
  'xhr-multipart': 'stream',
  'xhr-polling': 'polling',
  'jsonp-polling': 'polling',
};

interface CoreCase {
  transport: TransportName;
  origin: 'same' | 'cross';
  page: string;
  shim?: string;
}

const CORE_CASES: CoreCase[] = [
  { transport: 'websocket', origin: 'cross', page: 'sio06.html' },
  { transport: 'websocket', origin: 'same', page: 'sio06.html' },
  { transport: 'xhr-polling', origin: 'cross', page: 'sio06.html' },
  { transport: 'xhr-polling', origin: 'same', page: 'sio06.html' },
  { transport: 'jsonp-polling', origin: 'cross', page: 'sio06.html' },
  // HTMLFile.xdomainCheck() is false: same origin only.
  { transport: 'htmlfile', origin: 'same', page: 'sio06-htmlfile.html', shim: "ActiveXObject('htmlfile') shim" },
  { transport: 'xhr-multipart', origin: 'cross', page: 'sio06-multipart.html', shim: 'Firefox multipart-XHR shim' },
  { transport: 'flashsocket', origin: 'same', page: 'sio06-flash.html', shim: 'Flash shim over the native WebSocket' },
];

const caseName = (c: CoreCase) => `${c.transport}, ${c.origin === 'same' ? 'same-origin' : 'cross-origin'}${c.shim ? ` (${c.shim})` : ''}`;

/** Messages the client sent (POST bodies or WebSocket frames, in order), heartbeat echoes included. */
function sentMessages(net: NetEntry[]): string[] {
  const out: string[] = [];
  for (const e of net) {
    if (e.kind === 'ws-sent') out.push(...frames(e.body ?? ''));
    else {
      const p = postedPayload(e);
      if (p !== null) out.push(...frames(p));
    }
  }
  return out;
}

const isHeartbeat = (m: string) => m.startsWith('~h~');

const step = pageStep;

/** What a GET to the old session id gets once the session is gone (Nonstick: 404; 0.6.18 dropped the connection). */
/**
 * The status a request for `sid` gets once the session is gone (404), or the last one seen
 * after 2 s. The app's disconnect comes before the transport's close has removed the session
 * from the store, so a request right then may still meet it.
 */
async function sessionGone(url: string, sid: string): Promise<number> {
  const deadline = Date.now() + 2000;
  for (;;) {
    const res = await fetch(`${url}/socket.io/xhr-polling/${sid}/${Date.now()}`);
    await res.text();
    if (res.status === 404 || Date.now() > deadline) return res.status;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Socket.IO 0.6.3 browser client in headless Chromium', { timeout: 150_000 }, () => {
  let browser: Browser | undefined;
  let statics: StaticServer | undefined;

  before(async () => {
    [browser, statics] = await Promise.all([
      chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 20_000 }),
      startStaticServer({ [SIO06_CLIENT_PATH]: SIO06_CLIENT_JS }),
    ]);
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
      let host = '';
      let port = 0;

      before(async () => {
        target = await startTarget(kind, FLAGS, { script: SIO06_WORKER });
        server = new ServerLog(target.workers);
        const u = new URL(target.url);
        host = u.hostname;
        port = Number(u.port);
      });
      after(async () => {
        await target?.stop().catch(() => undefined);
      });

      const pageUrl = (origin: 'same' | 'cross', page: string) => `${origin === 'same' ? target!.url : statics!.url}/pages/${page}`;

      for (const c of CORE_CASES) {
        it(caseName(c), { timeout: 60_000 }, async (t) => {
          const open = () => Sio06Page.open(browser!, pageUrl(c.origin, c.page));
          const p = await open();
          try {
            await coreScenario(t, p, open, target!, server, host, port, c);
          } finally {
            await p.close();
          }
        });
      }

      it('flash socket policy server (shared with protocol 1): exact XML, then the server closes', { timeout: 20_000 }, async () => {
        for (const [i, w] of target!.workers.entries()) {
          const policyPort = Number(w.events('listening')[0]?.['policyPort']);
          assert.ok(Number.isInteger(policyPort) && policyPort > 0, `worker ${i} reported a policy port: ${policyPort}`);
          const { data, closedByServer } = await requestFlashPolicy(policyPort);
          assert.equal(data.toString('utf8'), POLICY_XML, `policy file from worker ${i} (port ${policyPort})`);
          assert.equal(closedByServer, true);
        }
      });

      it('a 0.6 browser client and a socket.io-client 4.x client share a room', { timeout: 40_000 }, async (t) => {
        const p = await Sio06Page.open(browser!, pageUrl('cross', 'sio06.html'));
        const v4s: SioClient[] = [];
        try {
          const url = target!.url;
          let id = 0;
          let v4: SioClient | undefined;
          const ok = await step(t, p, "both join room06 (0.6: text 'join room06'; v4: emit('join', 'room06', ack))", async () => {
            const r = await p.connect({ host, port, transport: 'xhr-polling' });
            id = r.id;
            assert.equal(r.info.type, 'xhr-polling');
            const sid = r.info.sessionid!;
            await p.waitFor(id, 'message');
            const since = await p.eventCount(id);
            await p.send(id, 'join room06');
            const [joined] = await p.waitFor(id, 'message', 1, 8000, since);
            assert.equal(joined!.args[0], 'joined room06');
            const conn = await server.waitFor('connection', (e) => e['sid'] === sid, 8000, `connection of ${sid}`);
            const sio06Worker = String(conn['worker']);
            // On the cluster, look for a v4 client whose handlers run on another worker
            // (round robin makes that a matter of a few tries).
            v4 = await v4ClientAvoiding(url, sio06Worker, kind === 'cluster' ? 6 : 1, v4s);
            const [v4Worker] = await v4.ack('whoami');
            t.diagnostic(`0.6 client's session on ${sio06Worker}, v4 client's on ${String(v4Worker)}`);
            if (kind === 'cluster') assert.notEqual(String(v4Worker), sio06Worker, 'the two clients are served by different workers');
            const [rooms] = await v4.ack('join', 'room06');
            assert.ok(Array.isArray(rooms) && rooms.includes('room06'), `v4 client's rooms: ${JSON.stringify(rooms)}`);
          });
          if (!ok) return;
          await step(t, p, "v4 emits to room06 'message' 'hello both': each client gets it exactly once", async () => {
            const since = await p.eventCount(id);
            await v4!.ack('to', 'room06', 'message', 'hello both');
            await p.waitFor(id, 'message', 1, 8000, since);
            await v4!.nextN('message', 1);
            await quietFor(600);
            assert.deepEqual(await p.messages(id, since), ['hello both'], 'the 0.6 client got exactly one message');
            assert.deepEqual(v4!.received('message'), [['hello both']], "the v4 client got exactly one 'message'");
          });
          await step(t, p, 'another event reaches the 0.6 client as the JSON message {name, args}', async () => {
            const since = await p.eventCount(id);
            await v4!.ack('to', 'room06', 'news', { n: 1, s: 'é😀' });
            await p.waitFor(id, 'message', 1, 8000, since);
            await v4!.nextN('news', 1);
            await quietFor(300);
            assert.deepEqual(await p.messages(id, since), [{ name: 'news', args: [{ n: 1, s: 'é😀' }] }]);
          });
          await step(t, p, "the 0.6 client sends 'to room06 from06': the v4 client gets it once (and so does the 0.6 client)", async () => {
            const since = await p.eventCount(id);
            await p.send(id, 'to room06 from06');
            await v4!.nextN('message', 2);
            await p.waitFor(id, 'message', 1, 8000, since);
            await quietFor(600);
            assert.deepEqual(v4!.received('message'), [['hello both'], ['from06']], "the v4 client's messages");
            assert.deepEqual(await p.messages(id, since), ['from06'], "the 0.6 client's messages");
            for (const other of v4s) if (other !== v4) assert.deepEqual(other.received('message'), [], 'clients outside room06 got nothing');
          });
        } finally {
          for (const c of v4s) c.raw.disconnect();
          await p.close();
        }
      });
    });
  }
});

async function coreScenario(
  t: TestContext,
  p: Sio06Page,
  openPage: () => Promise<Sio06Page>,
  target: Target,
  server: ServerLog,
  host: string,
  port: number,
  c: CoreCase,
): Promise<void> {
  const kind = KIND[c.transport];
  const url = target.url;
  const base: Sio06OpenOptions = { host, port, transport: c.transport };
  let id = 0;
  let sid = '';
  let socketId = '';

  const connected = await step(t, p, "connects ('connect', sessionid set) on that transport; 'welcome' is the first message", async () => {
    const r = await p.connect(base);
    id = r.id;
    sid = r.info.sessionid ?? '';
    assert.equal(r.info.type, c.transport, 'socket.transport.type');
    assert.ok(r.info.ctorMatches, `socket.transport is an io.Transport['${c.transport}']`);
    assert.equal(r.info.xdomain, c.origin === 'cross', 'socket.isXDomain()');
    assert.match(sid, /^[^~/?#\s]+$/, 'a session id');
    assert.deepEqual(r.info.sids, [sid]);
    const [welcome] = await p.waitFor(id, 'message');
    assert.equal(welcome!.args[0], 'welcome');
    const names = (await p.events(id)).map((e) => e.name);
    assert.deepEqual(names.slice(0, 3), ['connecting', 'connect', 'message'], 'connecting, connect, then welcome');
    const conn = await server.waitFor('connection', (e) => e['sid'] === sid, 8000, `server connection of ${sid}`);
    assert.equal(conn['protocol'], 0);
    socketId = String(conn['id']);
    t.diagnostic(`sid ${sid} on ${String(conn['worker'])}, server transport ${JSON.stringify(conn['transport'])}`);

    // The URLs the client really used (SPEC §2.2).
    const net = await p.traffic();
    const ioUrls = net.filter((e) => (e.kind === 'request' || e.kind === 'ws-open') && /\/socket\.io\//.test(e.url)).map((e) => new URL(e.url));
    const others = ioUrls.filter((u) => !u.pathname.startsWith(`/socket.io/${c.transport}/`) && u.pathname !== `/socket.io/${c.transport}`);
    assert.deepEqual(others.map(String), [], 'no traffic on other transports');
    assert.ok(
      ioUrls.every((u) => u.port === String(port)),
      'everything went to the target',
    );
    if (kind === 'socket') {
      const ws = net.filter((e) => e.kind === 'ws-open');
      assert.deepEqual(
        ws.map((e) => new URL(e.url).pathname),
        [`/socket.io/${c.transport}`],
        'one WebSocket, opened without a session id',
      );
    } else if (c.transport === 'htmlfile') {
      const shim = await p.eval(() => (globalThis as any).HtmlfileShim as { opened: string[]; names: string[]; attached: string[] });
      assert.equal(shim.opened.length, 1, `one stream iframe: ${JSON.stringify(shim.opened)}`);
      assert.match(new URL(shim.opened[0]!).pathname, /^\/socket\.io\/htmlfile\/\/\d+$/, 'the stream iframe points at /socket.io/htmlfile//<ts>');
      assert.ok(
        shim.names.every((n) => n === 'htmlfile'),
        `only htmlfile documents were asked for: ${JSON.stringify(shim.names)}`,
      );
      assert.ok(shim.attached.includes('onunload'), `window.attachEvent('onunload') was used: ${JSON.stringify(shim.attached)}`);
    } else if (c.transport === 'xhr-multipart') {
      const shim = await p.eval(() => (globalThis as any).MultipartShim as { requests: string[]; parts: string[] });
      assert.deepEqual(
        shim.requests.map((u) => new URL(u).pathname),
        ['/socket.io/xhr-multipart/'],
        'one multipart GET, without a session id',
      );
      assert.deepEqual(shim.parts.slice(0, 2), [`~m~${sid.length}~m~${sid}`, '~m~7~m~welcome'], 'the first parts: the session id, then welcome');
    } else {
      const gets = net.filter((e) => e.kind === 'request' && e.method === 'GET' && /\/socket\.io\//.test(e.url)).map((e) => new URL(e.url).pathname);
      const tail = c.transport === 'jsonp-polling' ? `/${r.info.jsonpIndex}` : '';
      assert.match(gets[0] ?? '', new RegExp(`^/socket\\.io/${c.transport}//\\d+${tail}$`), 'the first poll has an empty session id segment');
      assert.ok(gets.length >= 2, `polls: ${JSON.stringify(gets)}`);
      for (const g of gets.slice(1)) assert.match(g, new RegExp(`^/socket\\.io/${c.transport}/${sid}/\\d+${tail}$`), 'later polls carry the session id');
    }
    if (c.transport === 'flashsocket') {
      const shim = await p.eval(() => (globalThis as any).FlashShim as { urls: string[]; tasks: number });
      assert.deepEqual(shim.urls, [`ws://${host}:${port}/socket.io/flashsocket`], 'the transport opened its socket through the Flash WebSocket');
      assert.ok(shim.tasks >= 1, 'the transport went through WebSocket.__addTask');
    }
  });
  if (!connected) return;

  await step(t, p, 'send(text) with non-ASCII, astral chars, ~m~ and colons comes back as echo:<text>', async () => {
    const since = await p.eventCount(id);
    await p.send(id, TEXT);
    const [m] = await p.waitFor(id, 'message', 1, 8000, since);
    assert.equal(m!.args[0], `echo:${TEXT}`);
    const rep = await server.waitFor('message', (e) => e['id'] === socketId && e['data'] === TEXT, 8000, 'the server decoded the text');
    assert.equal(rep['data'], TEXT);
  });

  await step(t, p, 'send(object) is sent as ~j~ JSON and comes back as {echo: object}', async () => {
    const since = await p.eventCount(id);
    const netBefore = p.net.length;
    await p.send(id, JSON_MSG);
    const [m] = await p.waitFor(id, 'message', 1, 8000, since);
    assert.deepEqual(m!.args[0], { echo: JSON_MSG });
    await server.waitFor(
      'message',
      (e) => e['id'] === socketId && JSON.stringify(e['data']) === JSON.stringify(JSON_MSG),
      8000,
      'the server decoded the JSON message',
    );
    const sent = sentMessages((await p.traffic()).slice(netBefore)).filter((x) => !isHeartbeat(x));
    assert.deepEqual(sent, [`~j~${JSON.stringify(JSON_MSG)}`]);
  });

  if (c.transport === 'jsonp-polling') {
    await step(t, p, 'a multi-line message: the form sends its line break as CR LF (the ~m~ length falls short), the session lives on', async () => {
      const since = await p.eventCount(id);
      const netBefore = p.net.length;
      await p.send(id, 'line1\nline2');
      const [m] = await p.waitFor(id, 'message', 1, 8000, since);
      const posted = (await p.traffic())
        .slice(netBefore)
        .map(postedPayload)
        .filter((x): x is string => x !== null);
      assert.deepEqual(posted, ['~m~11~m~line1\r\nline2'], 'what the textarea made of it (SPEC §2.3)');
      t.diagnostic(`echo of a multi-line jsonp message: ${JSON.stringify(m!.args[0])} (0.6.18: "echo:line1\\r\\nline", the frame's 11 units)`);
      assert.ok(String(m!.args[0]).startsWith('echo:line1'), `the message arrived: ${JSON.stringify(m!.args[0])}`);
      await p.send(id, 'still here');
      await p.waitFor(id, 'message', 2, 8000, since);
      assert.deepEqual((await p.messages(id, since)).slice(1), ['echo:still here']);
      assert.ok((await p.info(id)).connected);
    });
  }

  await step(
    t,
    p,
    `a burst of ${BURST.length} sends in one tick: every echo, in order${kind === 'socket' ? ' (one frame each)' : ' (the client batches them into a multi-message POST)'}`,
    async () => {
      const since = await p.eventCount(id);
      const netBefore = p.net.length;
      await p.send(id, ...BURST);
      await p.waitFor(id, 'message', BURST.length, 10_000, since);
      assert.deepEqual(
        await p.messages(id, since),
        BURST.map((b) => `echo:${b}`),
      );
      const net = (await p.traffic()).slice(netBefore);
      assert.deepEqual(
        sentMessages(net).filter((x) => !isHeartbeat(x)),
        BURST,
        'what the client sent, decoded strictly',
      );
      if (kind === 'socket') {
        const sent = net.filter((e) => e.kind === 'ws-sent' && !isHeartbeat(frames(e.body ?? '')[0] ?? ''));
        assert.equal(sent.length, BURST.length, 'one frame per send');
      } else {
        const posts = net.map(postedPayload).filter((x): x is string => x !== null);
        assert.ok(
          posts.some((x) => frames(x).length >= 2),
          `a multi-message POST: ${JSON.stringify(posts.map((x) => frames(x).length))}`,
        );
        const answers = net.filter((e) => e.kind === 'response' && e.method === 'POST' && /\/socket\.io\//.test(e.url));
        assert.ok(answers.length >= 1 && answers.every((a) => a.status === 200), `POSTs answered 200: ${JSON.stringify(answers.map((a) => a.status))}`);
      }
      const got = server
        .all('message')
        .filter((e) => e['id'] === socketId && BURST.includes(e['data'] as string))
        .map((e) => e['data']);
      assert.deepEqual(got, BURST, 'the server got each message once, in order');
    },
  );

  const idleMs = kind === 'polling' ? POLLING_DURATION + 700 : 2 * HEARTBEAT_INTERVAL + 900;
  await step(
    t,
    p,
    kind === 'polling'
      ? 'idle for more than one polling duration (an empty poll answer), still echoes'
      : 'idle for 2+ heartbeat intervals (server ~h~<n>, the client echoes each), still echoes',
    async () => {
      const since = await p.eventCount(id);
      const netBefore = p.net.length;
      const hbBefore = (await p.heartbeats(id)).length;
      await sleep(idleMs);
      const net = (await p.traffic()).slice(netBefore);
      const hbs = (await p.heartbeats(id)).slice(hbBefore);
      if (kind === 'polling') {
        const empty = c.transport === 'xhr-polling' ? (b: string) => b === '' : (b: string) => /^io\.JSONP\[\d+\]\._\(""\);?$/.test(b);
        const answers = net.filter((e) => e.kind === 'response' && e.method === 'GET' && e.body !== undefined);
        assert.ok(
          answers.some((e) => e.status === 200 && empty(e.body!)),
          `an idle poll was answered empty: ${JSON.stringify(answers.map((e) => [e.status, e.body]))}`,
        );
        assert.deepEqual(hbs, [], 'no heartbeats on polling');
      } else {
        assert.ok(hbs.length >= 2, `the client received ${hbs.length} heartbeats in ${idleMs} ms (interval ${HEARTBEAT_INTERVAL} ms)`);
        const ns = hbs.map((h) => Number(h.n));
        for (let i = 1; i < ns.length; i++) assert.equal(ns[i], ns[i - 1]! + 1, `heartbeats numbered 1, 2, 3...: ${JSON.stringify(ns)}`);
        await sleep(200);
        const echoed = sentMessages((await p.traffic()).slice(netBefore)).filter(isHeartbeat);
        for (const h of hbs) assert.ok(echoed.includes(`~h~${h.n}`), `the client echoed ~h~${h.n}: ${JSON.stringify(echoed)}`);
        if (kind === 'stream') {
          const posts = (await p.traffic()).slice(netBefore).filter((e) => e.kind === 'response' && e.method === 'POST');
          assert.ok(posts.length >= 2 && posts.every((e) => e.status === 200), `heartbeat POSTs answered 200: ${JSON.stringify(posts.map((e) => e.status))}`);
        }
      }
      const evs = await p.events(id, since);
      assert.ok(!evs.some((e) => e.name !== 'message'), `no disconnect while idle: ${JSON.stringify(evs)}`);
      assert.ok((await p.info(id)).connected, 'still connected');
      await p.send(id, 'after idle');
      const [m] = await p.waitFor(id, 'message', 1, 8000, since);
      assert.equal(m!.args[0], 'echo:after idle');
    },
  );

  // socket.disconnect(): websocket closes the socket, the XHR transports abort their requests
  // (htmlfile also points its iframe at about:blank). 0.6 has no disconnect message: on polling
  // the server only learns it when no request comes for the close timeout.
  let disconnectedAt = 0;
  const clientDisconnected = await step(
    t,
    p,
    `client disconnect: 'disconnect' fires, the server ends the session ${kind === 'polling' ? 'about one close timeout later' : 'at once'}`,
    async () => {
      const since = await p.eventCount(id);
      // The step after this one connects the same io.Socket again, which cannot send if a POST was cut off here.
      await p.disconnectIdle(id);
      disconnectedAt = Date.now();
      await p.waitFor(id, 'disconnect', 1, 3000, since);
      const ev = await server.waitFor('disconnect', (e) => e['sid'] === sid, CLOSE_TIMEOUT + POLLING_DURATION + 4000, `server disconnect of ${sid}`);
      const took = Date.now() - disconnectedAt;
      t.diagnostic(`server reported the disconnect after ${took} ms, reason ${JSON.stringify(ev['reason'])}`);
      assert.equal(ev['id'], socketId);
      if (kind === 'polling') {
        // 0.6.18 counted the close timeout from the end of the last poll's connection (xhr-polling aborts
        // it at disconnect(); jsonp's <script> poll runs until answered). Nonstick counts it from when the
        // aborted poll would have been answered, hence one polling duration of slack. For xhr-polling,
        // 0.6.18's behaviour would be took <= CLOSE_TIMEOUT + ~1000.
        assert.ok(
          took >= CLOSE_TIMEOUT - 700 && took <= CLOSE_TIMEOUT + POLLING_DURATION + 1500,
          `the polling session ended about one close timeout (${CLOSE_TIMEOUT} ms) after the client left, not after ${took} ms`,
        );
      } else {
        assert.ok(took < 1500, `the server ended the ${c.transport} session when the client closed it (${took} ms)`);
      }
      assert.equal(await sessionGone(url, sid), 404, 'the old session id is unknown now');
      const after = await p.events(id, since);
      if (c.transport === 'jsonp-polling') {
        // A 0.6.3 client bug: disconnect() aborts XHRs only; jsonp's pending <script> poll stays, its answer
        // (empty, one polling duration later) runs io.JSONP[i]._() → get() without a session id: a new
        // session, 'connect' and 'welcome' although the application disconnected.
        const names = after.map((e) => e.name);
        assert.deepEqual(names, ['disconnect', 'connect', 'message'], 'the zombie reconnect of jsonp-polling');
        assert.equal(after[2]!.args[0], 'welcome');
        const info = await p.info(id);
        assert.ok(info.connected && info.sessionid && info.sessionid !== sid, `a new session: ${JSON.stringify(info)}`);
        assert.ok(after[1]!.t - disconnectedAt <= POLLING_DURATION + 1500, `when the old poll was answered (${after[1]!.t - disconnectedAt} ms)`);
        await server.waitFor('connection', (e) => e['sid'] === info.sessionid, 8000, 'the server saw the zombie session');
      } else {
        assert.deepEqual(
          after.map((e) => e.name),
          ['disconnect'],
          'nothing after the disconnect (disconnect() turns reconnecting off)',
        );
      }
    },
  );

  if (clientDisconnected) {
    await step(t, p, "socket.connect() again on the same io.Socket: a new session ('connect', new sessionid, welcome)", async () => {
      let since = await p.eventCount(id);
      if (c.transport === 'jsonp-polling') {
        // Already "connected" again by the zombie poll (previous step): connect() would do nothing.
        assert.ok((await p.info(id)).connected, 'the jsonp socket reconnected by itself');
        since -= 2; // its 'connect' and 'welcome'
      } else {
        await p.reconnect(id);
      }
      const first = await p.waitAny(id, ['connect', 'disconnect', 'connect_failed'], 10_000, since);
      assert.equal(first.name, 'connect', `connected again: ${JSON.stringify(first)}`);
      const info = await p.info(id);
      assert.equal(info.type, c.transport);
      const sid2 = info.sessionid!;
      assert.ok(sid2 && sid2 !== sid, `a new session id: ${sid2} (was ${sid})`);
      const [welcome] = await p.waitFor(id, 'message', 1, 8000, since);
      assert.equal(welcome!.args[0], 'welcome');
      const conn = await server.waitFor('connection', (e) => e['sid'] === sid2, 8000, `server connection of ${sid2}`);
      if (c.transport === 'jsonp-polling') {
        // The client's hidden <form> keeps the action of its first send (…/<old sid>/<ts>/<i>): after a
        // reconnect jsonp-polling POSTs still go to the old session id (a 0.6.3 client bug).
        const action = new URL(info.formAction!).pathname;
        t.diagnostic(`jsonp form action after the reconnect: ${action}`);
        assert.match(action, new RegExp(`^/socket\\.io/jsonp-polling/${sid}/\\d+/\\d+$`), 'the form still posts to the old session');
      } else {
        const since2 = await p.eventCount(id);
        await p.send(id, 'after reconnect');
        const [m] = await p.waitFor(id, 'message', 1, 8000, since2);
        assert.equal(m!.args[0], 'echo:after reconnect');
        await server.waitFor('message', (e) => e['id'] === String(conn['id']) && e['data'] === 'after reconnect', 8000, 'the new session got the message');
      }
      await p.disconnect(id);
    });
  }

  const problems = p.problems.filter((x) => !/Failed to load resource/.test(x));
  assert.deepEqual(problems, [], 'no page errors');

  // On a fresh page: 0.6.3's jsonp-polling cannot run two sockets on one page once the first one's
  // poll script (the second one's insertion point, `document.getElementsByTagName('script')[0]` when
  // it was made) is replaced, and the first jsonp socket above keeps polling after disconnect().
  const p2 = await openPage();
  try {
    await byeScenario(t, p2, url, server, base, kind, sid);
    const problems2 = p2.problems.filter((x) => !/Failed to load resource/.test(x));
    assert.deepEqual(problems2, [], 'no page errors');
  } finally {
    await p2.close();
  }
}

async function byeScenario(t: TestContext, p: Sio06Page, url: string, server: ServerLog, base: Sio06OpenOptions, kind: Kind, sid: string): Promise<void> {
  const transport = base.transport;
  await step(
    t,
    p,
    `server disconnect: 'bye' → the client's 'disconnect'${kind === 'stream' ? ` (an ended stream is noticed by the client's ${STREAM_CLIENT_TIMEOUT} ms transport timeout)` : ''}, then it reconnects by itself`,
    async () => {
      const options: Record<string, unknown> = { reconnect: true, reconnectionDelay: 300 };
      if (kind === 'stream') options['transportOptions'] = { [transport]: { timeout: STREAM_CLIENT_TIMEOUT } };
      const { id: id2, info } = await p.connect({ ...base, options });
      assert.equal(info.type, transport);
      const sid2 = info.sessionid!;
      assert.notEqual(sid2, sid);
      await p.waitFor(id2, 'message');
      const since = await p.eventCount(id2);
      const t0 = Date.now();
      await p.send(id2, 'bye');
      await p.waitFor(id2, 'disconnect', 1, kind === 'stream' ? STREAM_CLIENT_TIMEOUT + 4000 : 5000, since);
      const took = Date.now() - t0;
      const ev = await server.waitFor('disconnect', (e) => e['sid'] === sid2, 8000, `server disconnect of ${sid2} after bye`);
      t.diagnostic(`client 'disconnect' after ${took} ms; server reason ${JSON.stringify(ev['reason'])}`);
      if (kind !== 'stream') assert.ok(took < 3000, `the client noticed the server's disconnect at once (${took} ms)`);
      assert.equal(await sessionGone(url, sid2), 404, 'the session is gone on the server');
      // 0.6's reconnect: after reconnectionDelay the same transport connects again (a new session).
      await p.waitFor(id2, 'reconnect', 1, 10_000, since);
      // maybeReconnect(): connect() (emits 'connecting'), then 'reconnecting'; the new session's 'connect', then 'reconnect'.
      const names = (await p.events(id2, since)).map((e) => e.name).filter((n) => n !== 'message');
      assert.deepEqual(names, ['disconnect', 'connecting', 'reconnecting', 'connect', 'reconnect'], 'the 0.6.3 client reconnected at its first attempt');
      const after = await p.info(id2);
      assert.equal(after.type, transport);
      assert.ok(after.connected);
      assert.equal(after.sids.length, 2);
      assert.notEqual(after.sids[1], sid2, 'a new session id');
      await server.waitFor('connection', (e) => e['sid'] === after.sids[1], 8000, 'the server saw the new session');
      const [welcome] = await p.waitFor(id2, 'message', 1, 8000, since);
      assert.equal(welcome!.args[0], 'welcome', 'welcome on the new session');
      await p.disconnect(id2);
    },
  );
}
