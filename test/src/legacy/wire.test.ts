/**
 * Legacy Socket.IO (protocol revision 1, socket.io 0.7–0.9 clients) on the
 * wire: the deterministic exchanges of /work/shared/legacy/WIRE-EXAMPLES.md
 * replayed with raw HTTP (node:net), raw TCP and exact WebSocket frames
 * against the legacy test app (fixtures/legacy-worker.ts, the 0.9 reference
 * app), on 1 worker and on 3 workers behind round-robin nginx (so successive
 * requests of one session land on different workers).
 *
 * Not compared with the capture, on purpose: header sets that uWebSockets.js
 * (or nginx) chooses (Date, uWebSockets, Content-Length vs chunked for the
 * handshake, Connection), random session ids, and the timing values, which
 * come from the flags below. Draft-76 websockets and the inline policy file
 * on the HTTP port are not served (§6.2/§6.3 inline); the refusal is tested.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LEGACY_WORKER } from '../fixtures/cluster.js';
import { splitTargets, startTarget, type Target } from '../engine/targets.js';
import { RawConn, rawExchange, rawRequest, type RawResponse } from './raw-http.js';
import {
  assertAlive,
  assertHeaders,
  burst,
  burstAck,
  decodePayload,
  ECHO_ACK,
  ECHO_ACK_REPLY,
  ECHO_NOACK,
  FORM_JSON,
  frame,
  handshake,
  HtmlfileStream,
  JSON_PKT,
  jsonp,
  LegacyWs,
  marks,
  LOOPBACK_ORIGINS,
  ORIGIN,
  parseHandshake,
  PLAIN,
  Polling,
  POST_CT,
  PRELUDE,
  script,
  pollParked,
  sleep,
  t,
  unwrapJsonp,
  waitAny,
  welcome,
} from './legacy-wire.js';

const HB_INTERVAL = 600;
const HB_TIMEOUT = 2000;
const CLOSE_TIMEOUT = 10_000;
// Long enough that a loaded machine still serves a POST before a poll opened just before it runs out.
const POLLING_DURATION = 3000;
const ALL_TRANSPORTS = 'websocket,flashsocket,htmlfile,xhr-polling,jsonp-polling';
const ARGS = [
  '--legacy-transports',
  ALL_TRANSPORTS,
  '--legacy-heartbeat-interval',
  String(HB_INTERVAL),
  '--legacy-heartbeat-timeout',
  String(HB_TIMEOUT),
  '--legacy-close-timeout',
  String(CLOSE_TIMEOUT),
  '--legacy-polling-duration',
  String(POLLING_DURATION),
  '--flash-policy-port',
  '0',
  ...LOOPBACK_ORIGINS,
];
/** What the handshake advertises for ARGS: heartbeat and close timeouts in seconds. */
const HS_TAIL = `:2:10:${ALL_TRANSPORTS}`;
const POLICY_XML =
  '<?xml version="1.0"?><!DOCTYPE cross-domain-policy SYSTEM "http://www.macromedia.com/xml/dtds/cross-domain-policy.dtd"><cross-domain-policy><allow-access-from domain="*" to-ports="*"/></cross-domain-policy>';

/** The headers §3.3 shows on a POST answer from a request with an Origin. */
const POST_HEADERS = {
  'Content-Type': 'text/plain; charset=UTF-8',
  'Access-Control-Allow-Origin': ORIGIN,
  'Access-Control-Allow-Credentials': 'true',
  'X-XSS-Protection': '0',
};
const XHR_GET_HEADERS = { 'Content-Type': 'text/plain; charset=UTF-8', 'Access-Control-Allow-Origin': ORIGIN, 'Access-Control-Allow-Credentials': 'true' };
const JSONP_GET_HEADERS = {
  'Content-Type': 'text/javascript; charset=UTF-8',
  'X-XSS-Protection': '0',
  'Access-Control-Allow-Origin': null,
  'Access-Control-Allow-Credentials': null,
};

const isDisconnectOf =
  (sid: string, nsp = '/') =>
  (e: Record<string, unknown>) =>
    e['sid'] === sid && e['nsp'] === nsp;

/** Asserts a POST answer of §3.3: 200, body `1`, the CORS/X-XSS headers. */
function assertPostOk(res: RawResponse, what = 'POST'): void {
  assert.equal(res.status, 200, `${what}: ${res.statusLine} ${JSON.stringify(res.text)}`);
  assert.equal(res.text, '1', `${what} body`);
  assertHeaders(res, POST_HEADERS, what);
}

/** Handshake, then polls until `1::` and the welcome arrived (in one poll or two). */
async function openXhr(target: Target, origin = ORIGIN): Promise<Polling> {
  const hs = await handshake(target.url, { origin });
  const s = new Polling(target.url, hs.sid, 'xhr-polling', { origin });
  // In order; whether they come in one poll or two is checked by the §3.1 test only.
  assert.deepEqual((await s.collect(2)).packets, ['1::', welcome()]);
  return s;
}

/** Polls a closed session's sid until it is unknown (7:::1+0); only 8:: may come before. */
async function assertGoneSoon(target: Target, sid: string): Promise<void> {
  const seen: string[] = [];
  for (const until = Date.now() + 5000; ;) {
    const text = (await new Polling(target.url, sid).get()).text;
    if (text === '7:::1+0') return;
    seen.push(text);
    assert.equal(text, '8::', `a poll of the closed session ${sid}: ${JSON.stringify(seen)}`);
    assert.ok(Date.now() < until, `the session ${sid} still answers polls 5 s after its close: ${JSON.stringify(seen)}`);
    await sleep(20);
  }
}

/** A second, independent session still works end to end (echo with ack over xhr-polling). */
async function assertOtherSessionWorks(target: Target): Promise<void> {
  const s = await openXhr(target);
  assertPostOk(await s.post(ECHO_ACK), 'POST on a fresh session');
  assert.deepEqual((await s.collect(1)).packets, [ECHO_ACK_REPLY]);
}

for (const kind of splitTargets()) {
  describe(`legacy protocol 1 on the wire: ${kind}`, () => {
    let target: Target;
    before(async () => {
      target = await startTarget(kind, ARGS, { script: LEGACY_WORKER });
    });
    after(() => target?.stop());

    describe('§1 handshake and errors', () => {
      it('§1.1 handshake with an Origin: 200 text/plain, CORS echo, body sid:hb:close:transports', async () => {
        const res = await rawRequest(target.url, 'GET', `/socket.io/1/?${t()}`, { headers: { Origin: 'http://127.0.0.1:1' }, connection: 'close' });
        assert.equal(res.statusLine, 'HTTP/1.1 200 OK');
        assertHeaders(res, { 'Content-Type': 'text/plain', 'Access-Control-Allow-Origin': 'http://127.0.0.1:1', 'Access-Control-Allow-Credentials': 'true' });
        const hs = parseHandshake(res.text);
        assert.equal(res.text, hs.sid + HS_TAIL);
        const again = await handshake(target.url, { origin: 'http://127.0.0.1:1' });
        assert.notEqual(again.sid, hs.sid, 'every handshake gets a new sid');
        // Without an Origin there are no CORS headers; `Origin: null` is echoed as `null`.
        const plain = await handshake(target.url);
        assertHeaders(plain.res, { 'Content-Type': 'text/plain', 'Access-Control-Allow-Origin': null, 'Access-Control-Allow-Credentials': null }, 'no Origin');
        const nul = await handshake(target.url, { origin: 'null' });
        assertHeaders(nul.res, { 'Access-Control-Allow-Origin': 'null', 'Access-Control-Allow-Credentials': 'true' }, 'Origin: null');
      });

      it('an Origin outside the --cors-origin list is refused: 403 on the handshake', async () => {
        const res = await rawRequest(target.url, 'GET', `/socket.io/1/?${t()}`, { headers: { Origin: 'http://evil.example' } });
        assert.equal(res.status, 403, res.statusLine);
        assertHeaders(res, { 'Access-Control-Allow-Origin': null, 'Access-Control-Allow-Credentials': null }, 'refused handshake');
      });

      it('§1.2 cross-domain handshake (keep-alive, foreign Origin); the sid opens a transport; POST handshakes too', async () => {
        const hs = await handshake(target.url, { origin: ORIGIN });
        assertHeaders(hs.res, { 'Content-Type': 'text/plain', 'Access-Control-Allow-Origin': ORIGIN, 'Access-Control-Allow-Credentials': 'true' });
        assert.equal(hs.res.text, hs.sid + HS_TAIL);
        const s = new Polling(target.url, hs.sid, 'xhr-polling', { origin: ORIGIN });
        assert.deepEqual((await s.collect(2)).packets, ['1::', welcome()]);
        // The written spec's POST handshake (0.9 accepts any method).
        const post = await handshake(target.url, { origin: ORIGIN, method: 'POST' });
        assert.equal(post.res.text, post.sid + HS_TAIL);
      });

      it('§1.3 JSONP handshake: application/javascript io.j[0]("..."); and that sid is usable', async () => {
        const res = await rawRequest(target.url, 'GET', `/socket.io/1/?${t()}&jsonp=0`);
        assert.equal(res.status, 200, res.text);
        assertHeaders(res, { 'Content-Type': 'application/javascript' });
        const [index, body] = unwrapJsonp(res.text);
        assert.equal(index, 0);
        const hs = parseHandshake(body);
        assert.equal(res.text, `io.j[0]("${hs.sid}${HS_TAIL}");`);
        const s = new Polling(target.url, hs.sid, 'jsonp-polling', { index: 1 });
        assert.deepEqual((await s.collect(2)).packets, ['1::', welcome()]);
        // Another slot, and a non-numeric jsonp value gets the plain form.
        const r3 = await rawRequest(target.url, 'GET', `/socket.io/1/?${t()}&jsonp=3`);
        assert.match(r3.text, /^io\.j\[3\]\("[A-Za-z0-9_-]{20,}:/);
        const bad = await rawRequest(target.url, 'GET', `/socket.io/1/?${t()}&jsonp=x1`);
        assertHeaders(bad, { 'Content-Type': 'text/plain' }, 'jsonp=x1');
        assert.equal(bad.text, parseHandshake(bad.text).sid + HS_TAIL);
      });

      it('§1.4 /socket.io/9/ is 500 "Protocol version not supported."', async () => {
        const res = await rawRequest(target.url, 'GET', '/socket.io/9/?t=1', { connection: 'close' });
        assert.equal(res.statusLine, 'HTTP/1.1 500 Internal Server Error');
        assert.equal(res.text, 'Protocol version not supported.');
      });

      it('§1.4 unknown sid: xhr-polling 200 7:::1+0, jsonp io.j[i]("7:::1+0");, htmlfile prelude + script, websocket 101 + 7:::1+0 + close', async () => {
        const xhr = await rawRequest(target.url, 'GET', `/socket.io/1/xhr-polling/nosuchsession${Date.now()}`, { connection: 'close' });
        assert.equal(xhr.statusLine, 'HTTP/1.1 200 OK');
        assertHeaders(xhr, { 'Content-Type': 'text/plain; charset=UTF-8' });
        assert.equal(xhr.text, '7:::1+0');
        const xhrPost = await rawRequest(target.url, 'POST', `/socket.io/1/xhr-polling/nosuchsession${Date.now()}`, {
          headers: { 'Content-type': POST_CT },
          body: ECHO_NOACK,
        });
        console.log(`[${kind}] POST to an unknown sid: ${xhrPost.status} ${JSON.stringify(xhrPost.text)}`);

        const jp = await rawRequest(target.url, 'GET', `/socket.io/1/jsonp-polling/nosuchsession${Date.now()}?${t()}`);
        assert.equal(jp.status, 200);
        assertHeaders(jp, { 'Content-Type': 'text/javascript; charset=UTF-8' });
        assert.equal(jp.text, 'io.j[0]("7:::1+0");');
        const jp2 = await rawRequest(target.url, 'GET', `/socket.io/1/jsonp-polling/nosuchsession${Date.now()}?${t()}&i=2`);
        assert.equal(jp2.text, 'io.j[2]("7:::1+0");');

        const hf = await HtmlfileStream.open(target.url, `nosuchsession${Date.now()}`);
        try {
          assert.equal(hf.head.status, 200);
          assertHeaders(hf.head, { 'Content-Type': 'text/html; charset=UTF-8' });
          await hf.expect([script('7:::1+0')]);
          assert.equal(hf.prelude, PRELUDE);
          assert.equal(await hf.waitEnded(3000), true, 'the htmlfile stream ends after the error');
          assert.equal(hf.text, PRELUDE + script('7:::1+0'));
        } finally {
          hf.close();
        }

        const ws = await LegacyWs.open(target.url, `/socket.io/1/websocket/nosuchsession${Date.now()}`);
        assert.equal(ws.upgrade.statusCode, 101);
        await ws.exchange(null, ['7:::1+0']);
        assert.equal(await ws.waitClosed(3000), true, 'the websocket is closed after 7:::1+0');
        ws.assertNoMore();
      });
    });

    describe('§2 websocket (RFC 6455), exact frames', () => {
      it('§2 the full capture: connect, echo, message, json, auto-ack, burst, server ask, /chat, heartbeats, client 0::', async () => {
        const m0 = marks(target);
        const { sid } = await handshake(target.url, { origin: ORIGIN });
        const ws = await LegacyWs.open(target.url, `/socket.io/1/websocket/${sid}`, { origin: ORIGIN });
        assert.equal(ws.upgrade.statusCode, 101);
        assert.equal(ws.upgrade.headers['upgrade']?.toLowerCase(), 'websocket');
        assert.equal(ws.upgrade.headers['sec-websocket-extensions'], undefined, 'no extension negotiated');
        await ws.exchange(null, ['1::', welcome()]);
        await waitAny(target, 'connection', (e) => e['sid'] === sid && e['nsp'] === '/', m0);

        await ws.exchange(ECHO_ACK, [ECHO_ACK_REPLY]);
        await ws.exchange(ECHO_NOACK, [ECHO_NOACK]);
        await ws.exchange(PLAIN, [PLAIN]);
        await ws.exchange(JSON_PKT, [JSON_PKT]);
        await ws.exchange('3:2::auto-ack please', ['6:::2', '3:::auto-ack please']);
        await ws.exchange(burst(0), [burstAck(0)]);
        await ws.exchange([burst(1), burst(2), burst(3), burst(4)], [burstAck(1), burstAck(2), burstAck(3), burstAck(4)]);
        await ws.exchange('5:::{"name":"ask","args":["q-42"]}', ['5:1+::{"name":"question","args":["q-42"]}']);
        await ws.exchange('6:::1+["answer-42"]', ['5:::{"name":"answered","args":["answer-42"]}']);
        await ws.exchange('1::/chat', ['1::/chat', welcome('/chat')]);
        await ws.exchange('5:1+:/chat:{"name":"echo","args":["in chat"]}', ['6::/chat:1+["in chat"]']);
        await ws.exchange('3::/chat:chat msg', ['3::/chat:chat msg']);
        const m1 = marks(target);
        await ws.exchange(['0::/chat', '5:8+::{"name":"echo","args":["after /chat left"]}'], ['6:::8+["after /chat left"]']);
        await waitAny(target, 'disconnect', isDisconnectOf(sid, '/chat'), m1);

        // §7 heartbeats: the server sends 2:: after the interval; we answer each.
        await ws.waitHeartbeats(2, HB_INTERVAL * 2 + HB_TIMEOUT + 3000);
        const firstGap = ws.heartbeats[0]!.at - ws.openedAt;
        assert.ok(firstGap >= HB_INTERVAL * 0.8, `first 2:: after ${firstGap} ms, interval is ${HB_INTERVAL} ms`);
        assert.deepEqual(
          ws.all.filter((f) => f.data.startsWith('2:')).map((f) => f.data),
          ws.heartbeats.map(() => '2::'),
          'heartbeats are exactly 2::',
        );
        await ws.exchange('5:9+::{"name":"echo","args":["after idle"]}', ['6:::9+["after idle"]']);

        // Client disconnect: 0:: back, then the connection ends; the app sees the disconnect.
        const m2 = marks(target);
        await ws.exchange('0::', ['0::']);
        assert.equal(await ws.waitClosed(3000), true, 'the server ends the connection after 0::');
        ws.assertNoMore();
        const d = await waitAny(target, 'disconnect', isDisconnectOf(sid), m2);
        assert.ok(typeof d['reason'] === 'string');
        // The session is gone once the server's side of the websocket has closed, which may come just
        // after the app's disconnect (0:: disconnects first, then the transport closes): until then a
        // poll of it gets the empty 8:: of a session on another transport.
        await assertGoneSoon(target, sid);
      });

      it('§2 server-initiated disconnect (bye): 0:: then the connection ends', async () => {
        const { sid } = await handshake(target.url, { origin: ORIGIN });
        const ws = await LegacyWs.open(target.url, `/socket.io/1/websocket/${sid}`, { origin: ORIGIN });
        await ws.exchange(null, ['1::', welcome()]);
        const m = marks(target);
        await ws.exchange('5:::{"name":"bye"}', ['0::']);
        assert.equal(await ws.waitClosed(3000), true, 'the connection ends after 0::');
        ws.assertNoMore();
        await waitAny(target, 'disconnect', isDisconnectOf(sid), m);
      });

      it('§7 without 2:: answers the session ends after the heartbeat timeout (socket closed, app disconnect)', async () => {
        const { sid } = await handshake(target.url);
        const ws = await LegacyWs.open(target.url, `/socket.io/1/websocket/${sid}`, { autoHeartbeat: false });
        await ws.exchange(null, ['1::', welcome()]);
        const m = marks(target);
        await ws.waitHeartbeats(1, HB_INTERVAL + 3000);
        // Other packets do not count as heartbeat answers.
        await ws.exchange(ECHO_NOACK, [ECHO_NOACK]);
        const hbAt = ws.heartbeats[0]!.at;
        assert.equal(await ws.waitClosed(HB_TIMEOUT + 4000), true, 'the server closes the unanswered websocket');
        const closedAt = (await ws.closed).at;
        assert.ok(closedAt - hbAt >= HB_TIMEOUT * 0.8, `closed ${closedAt - hbAt} ms after the 2::; heartbeat timeout is ${HB_TIMEOUT} ms`);
        await waitAny(target, 'disconnect', isDisconnectOf(sid), m, 5000);
        assert.equal((await new Polling(target.url, sid).get()).text, '7:::1+0', 'the session is gone');
      });
    });

    describe('§3 xhr-polling', () => {
      it('§3.1–3.2 the first GET is exactly 1::, the next GET the welcome event', async () => {
        const hs = await handshake(target.url, { origin: ORIGIN });
        const s = new Polling(target.url, hs.sid, 'xhr-polling', { origin: ORIGIN });
        const g1 = await s.get();
        assert.equal(g1.statusLine, 'HTTP/1.1 200 OK');
        assertHeaders(g1, XHR_GET_HEADERS, 'GET 1');
        assert.equal(g1.text, '1::');
        const g2 = await s.get();
        assertHeaders(g2, XHR_GET_HEADERS, 'GET 2');
        assert.equal(g2.text, welcome());
      });

      it('a transport opened 1.5 s after the handshake gets 1:: at once (xhr-polling, htmlfile)', async () => {
        const late = async (): Promise<string> => {
          const { sid } = await handshake(target.url, { origin: ORIGIN });
          await sleep(1500);
          return sid;
        };
        const [a, b] = await Promise.all([late(), late()]);
        const s = new Polling(target.url, a, 'xhr-polling', { origin: ORIGIN });
        const t0 = Date.now();
        const first = await s.get({ timeoutMs: 10_000 });
        const took = Date.now() - t0;
        assert.equal(decodePayload(first.text)[0], '1::', `xhr-polling: the first poll (${took} ms) got ${JSON.stringify(first.text.slice(0, 60))}`);
        assert.ok(took < 800, `xhr-polling: 1:: after ${took} ms`);
        const t1 = Date.now();
        const hf = await HtmlfileStream.open(target.url, b);
        try {
          assert.deepEqual(await hf.take(1, 10_000), [script('1::')]);
          assert.ok(Date.now() - t1 < 800, `htmlfile: 1:: after ${Date.now() - t1} ms`);
        } finally {
          hf.close();
        }
      });

      it('§5 (spec) the app sees connection when the first transport opens, not at the handshake', async () => {
        const m = marks(target);
        const { sid } = await handshake(target.url, { origin: ORIGIN });
        await sleep(1200);
        const early = target.workers.flatMap((w) => w.events('connection')).filter((e) => e['sid'] === sid);
        assert.deepEqual(early, [], 'no connection event before a transport opened');
        const s = new Polling(target.url, sid, 'xhr-polling', { origin: ORIGIN });
        assert.deepEqual((await s.collect(2)).packets, ['1::', welcome()]);
        await waitAny(target, 'connection', (e) => e['sid'] === sid && e['nsp'] === '/', m);
      });

      it('§3.3–3.5 POST echo → 1 + ack on the next GET, framed burst POST → framed acks', async () => {
        const s = await openXhr(target);
        assertPostOk(await s.post(ECHO_ACK), '§3.3 POST');
        const g3 = await s.collect(1);
        assert.deepEqual(g3.packets, [ECHO_ACK_REPLY]);
        assert.equal(g3.bodies.at(-1)!.text, ECHO_ACK_REPLY, 'one packet: no framing');

        const body = frame([burst(1), burst(2), burst(3), burst(4)]);
        assert.equal(Buffer.byteLength(body), 920, 'the §3.4 body is 920 bytes');
        assertPostOk(await s.post(body), '§3.4 framed POST');
        await sleep(300);
        const acks = [burstAck(1), burstAck(2), burstAck(3), burstAck(4)];
        const got = await s.collect(4);
        assert.deepEqual(got.packets, acks);
        for (const b of got.bodies) {
          const ps = decodePayload(b.text);
          if (ps.length === 1) assert.equal(b.text, ps[0], 'a single packet is not framed');
          else if (ps.length > 1) assert.equal(b.text, frame(ps), 'several packets are framed exactly');
        }
        const one = got.bodies.find((b) => decodePayload(b.text).length === 4);
        if (one) {
          const expected = '\ufffd101\ufffd' + acks[0] + '\ufffd161\ufffd' + acks[1] + '\ufffd221\ufffd' + acks[2] + '\ufffd281\ufffd' + acks[3];
          assert.equal(one.text, expected, '§3.5 exactly');
          assert.equal(one.body.length, 828);
          assertHeaders(one, XHR_GET_HEADERS, '§3.5');
        } else {
          // Not a failure, but worth knowing: the acks trickled into several polls.
          console.log(`[${kind}] §3.5: the 4 acks came in ${got.bodies.length} polls: ${got.bodies.map((b) => decodePayload(b.text).length).join('+')}`);
        }
      });

      it('§3.5 acks of a framed POST answered into a poll that was already waiting arrive in order', async () => {
        const s = await openXhr(target);
        const pending = await s.startGet();
        await pollParked(target, s.sid);
        assertPostOk(await s.post(frame([burst(1, 11), burst(2, 12)])));
        const first = await pending.response;
        const packets = decodePayload(first.text);
        const rest = packets.length < 2 ? (await s.collect(2 - packets.length)).packets : [];
        assert.deepEqual([...packets, ...rest], [burstAck(1, 11), burstAck(2, 12)]);
      });

      it('§3.6 an idle poll gets 8:: after the polling duration (not much earlier)', async () => {
        const s = await openXhr(target);
        const start = Date.now();
        const r = await s.get({ timeoutMs: POLLING_DURATION + 5000 });
        const took = Date.now() - start;
        assert.equal(r.statusLine, 'HTTP/1.1 200 OK');
        assertHeaders(r, XHR_GET_HEADERS);
        assert.equal(r.text, '8::');
        assert.ok(took >= POLLING_DURATION * 0.9, `8:: after ${took} ms; polling duration ${POLLING_DURATION} ms`);
        assert.ok(took < POLLING_DURATION + 3000, `8:: after ${took} ms`);
        // The session lives on.
        assertPostOk(await s.post(ECHO_NOACK));
        assert.deepEqual((await s.collect(1)).packets, [ECHO_NOACK]);
      });

      it('§3.7 POST 0:: → 1, the app reports the disconnect and the sid is unknown afterwards', async () => {
        const s = await openXhr(target);
        const m = marks(target);
        assertPostOk(await s.post('0::'));
        const d = await waitAny(target, 'disconnect', isDisconnectOf(s.sid), m);
        const next = (await s.get()).text;
        console.log(`[${kind}] §3.7 disconnect reason after POST 0:: = ${JSON.stringify(d['reason'])}; next poll ${JSON.stringify(next)}`);
        // 0.9: the sid is unknown at once (7:::1+0). A last 0:: first is harmless (the client stopped polling).
        assert.ok(next === '7:::1+0' || next === '0::', `the poll after 0:: got ${JSON.stringify(next)}`);
        if (next === '0::') assert.equal((await s.get()).text, '7:::1+0', 'after the 0:: the sid is unknown');
      });

      it('§3.8 server disconnect with no poll open (POST bye, then GET) → 0:: or 7:::1+0', async () => {
        const s = await openXhr(target);
        const m = marks(target);
        assertPostOk(await s.post('5:::{"name":"bye"}'));
        await waitAny(target, 'disconnect', isDisconnectOf(s.sid), m);
        const r = await s.get();
        assert.equal(r.status, 200);
        assertHeaders(r, XHR_GET_HEADERS);
        assert.ok(r.text === '0::' || r.text === '7:::1+0', `the next poll: ${JSON.stringify(r.text)}`);
        console.log(`[${kind}] §3.8 poll after a server disconnect with no poll open = ${JSON.stringify(r.text)} (0.9.19: "7:::1+0")`);
        if (r.text === '0::') assert.equal((await s.get()).text, '7:::1+0', 'after the 0:: the sid is unknown');
      });

      it('§3.8 server disconnect while a poll is open: that poll gets 0::', async () => {
        const s = await openXhr(target);
        const pending = await s.startGet();
        await pollParked(target, s.sid);
        assertPostOk(await s.post('5:::{"name":"bye"}'));
        assert.equal((await pending.response).text, '0::');
        assert.equal((await s.get()).text, '7:::1+0');
      });

      it('§8 ?disconnect=1 with a pending GET: 200 empty, the pending GET receives 0::; also the //<sid>/ form', async () => {
        for (const form of ['xhr-polling', '']) {
          const s = await openXhr(target);
          const pending = await s.startGet();
          await pollParked(target, s.sid);
          const m = marks(target);
          const path = form ? `/socket.io/1/xhr-polling/${s.sid}?disconnect=1` : `/socket.io/1//${s.sid}/?disconnect=1`;
          const r = await rawRequest(target.url, 'GET', path, { headers: { Origin: ORIGIN } });
          assert.equal(r.status, 200, `${path}: ${r.statusLine}`);
          assert.equal(r.body.length, 0, `${path}: empty body, got ${JSON.stringify(r.text)}`);
          const answer = (await pending.response).text;
          // The poll must still be pending when the disconnect is served: a machine stalled for the
          // polling duration (1 s here) ends it with its noop first, and then only the disconnect's
          // other effects (below) can be checked.
          if (answer !== '8::') assert.equal(answer, '0::', `${path}: the pending poll`);
          else console.log(`[${kind}] ${path}: the pending poll ended with its noop before the disconnect was served`);
          await waitAny(target, 'disconnect', isDisconnectOf(s.sid), m);
          assert.equal((await s.get()).text, '7:::1+0');
        }
      });
    });

    describe('§4 jsonp-polling', () => {
      it('§4.1 io.j[1]("1::"); then the welcome, text/javascript, X-XSS-Protection: 0, no CORS headers', async () => {
        const hs = await handshake(target.url);
        const s = new Polling(target.url, hs.sid, 'jsonp-polling', { index: 1 });
        const g1 = await s.get();
        assert.equal(g1.statusLine, 'HTTP/1.1 200 OK');
        assertHeaders(g1, JSONP_GET_HEADERS, 'GET 1');
        assert.equal(g1.text, 'io.j[1]("1::");');
        // A script GET never gets CORS headers, even when an Origin is present.
        const g2 = await s.get({ origin: ORIGIN });
        assertHeaders(g2, JSONP_GET_HEADERS, 'GET 2 (with Origin)');
        assert.equal(g2.text, 'io.j[1]("5:::{\\"name\\":\\"welcome\\",\\"args\\":[{\\"nsp\\":\\"\\",\\"text\\":\\"héllo wörld ✓ 中文 😀\\"}]}");');
        assert.equal(g2.body.length, 107);
      });

      it('§4.2–4.3 form POST → 1 and the json echo wrapped, a framed payload inside the wrapper', async () => {
        const hs = await handshake(target.url);
        const s = new Polling(target.url, hs.sid, 'jsonp-polling', { index: 1 });
        const open = await s.collect(2);
        assert.deepEqual(open.packets, ['1::', welcome()]);
        for (const b of open.bodies) assertHeaders(b, JSONP_GET_HEADERS);

        const post = await s.post(FORM_JSON, { contentType: 'application/x-www-form-urlencoded', origin: ORIGIN });
        assertPostOk(post, '§4.2 form POST');
        const g3 = await s.collect(1);
        assert.deepEqual(g3.packets, [JSON_PKT]);
        assert.equal(g3.bodies.at(-1)!.text, 'io.j[1]("4:::{\\"a\\":[1,\\"2\\",{\\"c\\":null}],\\"u\\":\\"é😀\\"}");');

        // §4.3: a framed payload. The form carries the JSON string of the framed POST payload.
        const payload = frame([burst(1), burst(2), burst(3), burst(4)]);
        const form = 'd=' + encodeURIComponent(JSON.stringify(payload)).replace(/%20/g, '+');
        assertPostOk(await s.post(form, { contentType: 'application/x-www-form-urlencoded', origin: ORIGIN }), 'framed form POST');
        await sleep(300);
        const acks = [burstAck(1), burstAck(2), burstAck(3), burstAck(4)];
        const got = await s.collect(4);
        assert.deepEqual(got.packets, acks);
        for (const b of got.bodies) {
          const ps = decodePayload(s.payloadOf(b));
          assertHeaders(b, JSONP_GET_HEADERS);
          assert.equal(b.text, jsonp(1, ps.length === 1 ? ps[0]! : frame(ps)), 'wrapped exactly');
        }
        // The capture's §4.3 body (acks 5..7 in one poll) if the server put those three together.
        const three = frame(acks.slice(1));
        if (got.bodies.some((b) => s.payloadOf(b) === three)) assert.ok(got.bodies.some((b) => b.body.length === 747));
      });

      it('§4.2 a malformed form body (d not JSON) gets an answer, does not crash the worker; other sessions unaffected', async () => {
        const other = await openXhr(target);
        const hs = await handshake(target.url);
        const s = new Polling(target.url, hs.sid, 'jsonp-polling', { index: 1 });
        assert.deepEqual((await s.collect(2)).packets, ['1::', welcome()]);
        const answers: string[] = [];
        for (const bad of ['d=not+json', 'd=%225%3A%3A%3A%7Bnot', 'x=1', '']) {
          const r = await s.post(bad, { contentType: 'application/x-www-form-urlencoded', origin: ORIGIN });
          answers.push(`${JSON.stringify(bad)} → ${r.status} ${JSON.stringify(r.text)}`);
          assert.equal(r.status, 400, `form ${JSON.stringify(bad)}: ${r.statusLine} ${JSON.stringify(r.text)}`);
          assert.match(r.text, /^Bad payload: ./);
        }
        console.log(`[${kind}] malformed jsonp POSTs: ${answers.join('; ')}`);
        // What the session then delivers (0.9: an error packet; Nonstick: reported).
        const next = await s.get();
        console.log(`[${kind}] jsonp GET after the malformed POSTs: ${next.status} ${JSON.stringify(next.text)}`);
        // Closed by the server: its last word is `0::` (a closed session hands out its final packets once).
        assert.equal(next.text, 'io.j[1]("0::");', 'the offending session is closed');
        assertAlive(target);
        assertPostOk(await other.post(ECHO_ACK), 'the other session');
        assert.deepEqual((await other.collect(1)).packets, [ECHO_ACK_REPLY]);
        await assertOtherSessionWorks(target);
      });
    });

    describe('§5 htmlfile', () => {
      it('§5 prelude, 1::, welcome, POSTs as chunks, 1::\\/chat, 2:: heartbeat, server disconnect ends the stream', async () => {
        const hs = await handshake(target.url);
        const hf = await HtmlfileStream.open(target.url, hs.sid);
        try {
          assert.equal(hf.head.statusLine, 'HTTP/1.1 200 OK');
          assertHeaders(hf.head, { 'Content-Type': 'text/html; charset=UTF-8', 'Transfer-Encoding': 'chunked' });
          await hf.expect([script('1::'), script(welcome())]);
          assert.equal(hf.prelude, PRELUDE, 'the 256-byte prelude');
          assert.equal(hf.units[0], '<script>_("1::");</script>');
          assert.equal(
            hf.units[1],
            '<script>_("5:::{\\"name\\":\\"welcome\\",\\"args\\":[{\\"nsp\\":\\"\\",\\"text\\":\\"héllo wörld ✓ 中文 😀\\"}]}");</script>',
          );

          const post = new Polling(target.url, hs.sid, 'htmlfile', { origin: ORIGIN });
          assertPostOk(await post.post(ECHO_ACK), 'htmlfile POST');
          await hf.expect(['<script>_("6:::1+[\\"a\\",{\\"b\\":[1,2,{\\"c\\":null}]},3.5,true,null]");</script>']);
          assertPostOk(await post.post(ECHO_NOACK));
          await hf.expect(['<script>_("5:::{\\"name\\":\\"echo\\",\\"args\\":[\\"no-ack\\",42]}");</script>']);
          assertPostOk(await post.post('1::/chat'));
          await hf.expect([
            '<script>_("1::\\/chat");</script>',
            '<script>_("5::\\/chat:{\\"name\\":\\"welcome\\",\\"args\\":[{\\"nsp\\":\\"\\/chat\\",\\"text\\":\\"héllo wörld ✓ 中文 😀\\"}]}");</script>',
          ]);

          // Heartbeats are chunks on the stream, answered by POST 2:: (the stream reader does that).
          const deadline = Date.now() + HB_INTERVAL + 4000;
          while (hf.heartbeats.length < 2) {
            assert.ok(Date.now() < deadline, `htmlfile: only ${hf.heartbeats.length} heartbeat chunks`);
            assert.ok(!hf.ended, 'the stream ended');
            await sleep(20);
          }
          assert.ok(hf.units.filter((u) => u.includes('"2::"')).every((u) => u === '<script>_("2::");</script>'));
          assertPostOk(await post.post(ECHO_NOACK), 'POST after heartbeats');
          await hf.expect([script(ECHO_NOACK)]);

          const m = marks(target);
          assertPostOk(await post.post('5:::{"name":"bye"}'));
          await hf.expect(['<script>_("0::");</script>']);
          assert.equal(await hf.waitEnded(3000), true, 'the stream ends with the terminating chunk after 0::');
          await waitAny(target, 'disconnect', isDisconnectOf(hs.sid), m);
          assert.equal(hf.junk, null);

          if (!target.cluster) {
            // Exact chunking (nginx may merge chunks, so only on the direct worker): the prelude
            // is its own 256-byte chunk, then one <script> unit per chunk.
            const chunks = hf.chunks.map((c) => c.toString('utf8'));
            assert.equal(hf.chunks[0]!.length, 256);
            assert.equal(chunks[0], PRELUDE);
            assert.deepEqual(chunks.slice(1), hf.units);
          } else assert.equal(hf.text, PRELUDE + hf.units.join(''));
        } finally {
          hf.close();
        }
      });
    });

    describe('§6 flashsocket', () => {
      it('§6.3 the policy port answers <policy-file-request/>\\0 with exactly the XML, then FIN', async () => {
        for (const w of target.workers) {
          const listening = w.events('listening')[0] as Record<string, unknown> | undefined;
          const port = listening?.['policyPort'];
          assert.ok(typeof port === 'number' && port > 0, `worker ${w.workerId} reports policyPort: ${JSON.stringify(listening)}`);
          const r = await rawExchange('127.0.0.1', port, '<policy-file-request/>\0');
          assert.equal(r.closed, true, 'the policy server closes the connection');
          assert.equal(r.received.toString('utf8'), POLICY_XML);
          assert.equal(r.received.length, 206);
        }
      });

      it('§6.1 /socket.io/1/flashsocket/<sid> (RFC 6455) behaves like websocket', async () => {
        const { sid } = await handshake(target.url, { origin: ORIGIN });
        const ws = await LegacyWs.open(target.url, `/socket.io/1/flashsocket/${sid}`, { origin: ORIGIN });
        try {
          assert.equal(ws.upgrade.statusCode, 101);
          await ws.exchange(null, ['1::', welcome()]);
          await ws.exchange(ECHO_ACK, [ECHO_ACK_REPLY]);
          await ws.exchange(ECHO_NOACK, [ECHO_NOACK]);
          await ws.exchange(PLAIN, [PLAIN]);
          await ws.exchange(JSON_PKT, [JSON_PKT]);
          await ws.exchange('5:::{"name":"bye"}', ['0::']);
          assert.equal(await ws.waitClosed(3000), true);
        } finally {
          ws.terminate();
        }
      });
    });

    describe('robustness', () => {
      it('garbage POST bodies get an answer and never crash the worker; other sessions unaffected', async () => {
        const other = await openXhr(target);
        const answers: string[] = [];
        for (const bad of ['\ufffd12\ufffdxx', '9:::x', '5:::{not json', '\ufffd\ufffd', 'hello', '\ufffd3\ufffd3::\ufffd99']) {
          const s = await openXhr(target);
          const r = await s.post(bad);
          const next = await s.get({ timeoutMs: POLLING_DURATION + 4000 });
          answers.push(`${JSON.stringify(bad)} → POST ${r.status} ${JSON.stringify(r.text)}, next GET ${next.status} ${JSON.stringify(next.text)}`);
          assert.equal(r.status, 400, `POST ${JSON.stringify(bad)}: ${r.statusLine} ${JSON.stringify(r.text)}`);
          assert.match(r.text, /^Bad payload: ./, `POST ${JSON.stringify(bad)}: a reason`);
          assert.equal(next.text, '0::', `POST ${JSON.stringify(bad)}: the offending session is closed`);
          assertAlive(target);
        }
        console.log(`[${kind}] garbage POSTs:\n  ${answers.join('\n  ')}`);
        // Garbage over a websocket too.
        const { sid } = await handshake(target.url);
        const ws = await LegacyWs.open(target.url, `/socket.io/1/websocket/${sid}`);
        await ws.exchange(null, ['1::', welcome()]);
        for (const bad of ['9:::x', '5:::{not json', '\ufffd5\ufffd3:::a', '', '6:::abc+[', '5:1+::{"name":"echo","args":{}}']) ws.send(bad);
        assert.equal(await ws.waitClosed(3000), true, 'a websocket sending garbage is closed');
        console.log(`[${kind}] websocket after garbage: frames ${JSON.stringify(ws.frames.slice(2))}, close ${JSON.stringify(await ws.closed)}`);
        assert.ok(
          ws.frames.slice(2).every((f) => f === '0::'),
          `only 0:: before the close: ${JSON.stringify(ws.frames.slice(2))}`,
        );
        assertAlive(target);
        assertPostOk(await other.post(ECHO_ACK), 'the untouched session');
        assert.deepEqual((await other.collect(1)).packets, [ECHO_ACK_REPLY]);
        await assertOtherSessionWorks(target);
      });
    });

    // Last: when a worker refuses a request by closing the connection without an answer (as
    // 0.9 does), nginx counts that worker as failed and takes it out of rotation for
    // fail_timeout (10 s), which would break every test after it.
    describe('refusals (run last)', () => {
      it('§6.2 a draft-76 (hixie) websocket request is refused cleanly and the worker keeps serving', async (t) => {
        const { sid } = await handshake(target.url, { origin: 'http://127.0.0.1:1' });
        for (const transport of ['flashsocket', 'websocket']) {
          const c = await RawConn.open(target.url);
          try {
            const host = new URL(target.url).host;
            c.write(
              Buffer.concat([
                Buffer.from(
                  `GET /socket.io/1/${transport}/${sid} HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nHost: ${host}\r\nOrigin: http://127.0.0.1:1\r\nSec-WebSocket-Key1: 3 752  404X6Y5Z9\r\nSec-WebSocket-Key2: 777Y25429ab 2\r\n\r\n`,
                  'latin1',
                ),
                Buffer.from([0x6a, 0x53, 0xf4, 0x87, 0xd5, 0x73, 0xe4, 0x1c]),
              ]),
            );
            const first = await c.head(4000).then(
              (h) => h.statusLine,
              () => (c.isEnded ? '<closed>' : '<open>'),
            );
            console.log(`[${kind}] draft-76 on ${transport}: ${first}`);
            assert.ok(!/^HTTP\/1\.1 101/.test(first), `${transport}: draft-76 must not be switched (got ${first})`);
            assert.notEqual(first, '<open>', `${transport}: the request gets an answer or a close, not silence`);
          } finally {
            c.close();
          }
        }
        assertAlive(target);
        const hs = await handshake(target.url);
        assert.equal(hs.res.text, hs.sid + HS_TAIL);
        // ...and an RFC 6455 websocket on the same sid still works.
        const ws = await LegacyWs.open(target.url, `/socket.io/1/websocket/${sid}`);
        try {
          await ws.exchange(null, ['1::', welcome()]);
        } catch (e) {
          // Seen in about one run in six through nginx (not reproduced without these refusals):
          // the upgraded connection is closed (1006 on both sides: by nginx) right after the 101.
          // Noted for investigation; the worker still has to serve a websocket on a fresh session.
          const closed = ws.isClosed ? await ws.closed : null;
          if (!target.cluster || closed?.code !== 1006 || ws.all.length > 0) throw e;
          t.diagnostic(`websocket closed 1006 right after its 101 (${closed.at - ws.openedAt} ms): retrying on a new session`);
          const again = await LegacyWs.open(target.url, `/socket.io/1/websocket/${hs.sid}`);
          try {
            await again.exchange(null, ['1::', welcome()]);
          } finally {
            again.terminate();
          }
        } finally {
          ws.terminate();
        }
      });

      const refusals = (sid: string, host: string): Record<string, string> => {
        const upgrade = `Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: UoeoQcSfYNI7hBTLjQmd+g==\r\n`;
        return {
          'GET unknown transport': `GET /socket.io/1/bogus-transport/${sid} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
          'websocket upgrade on an unknown transport': `GET /socket.io/1/bogus-transport/${sid} HTTP/1.1\r\nHost: ${host}\r\n${upgrade}\r\n`,
          'websocket upgrade on xhr-polling': `GET /socket.io/1/xhr-polling/${sid} HTTP/1.1\r\nHost: ${host}\r\n${upgrade}\r\n`,
          'websocket upgrade on the handshake URL': `GET /socket.io/1/?t=1 HTTP/1.1\r\nHost: ${host}\r\n${upgrade}\r\n`,
        };
      };

      it('§1.4 unknown transport (and upgrades on non-websocket URLs): closed without an HTTP response (0.9) or a 4xx; the worker lives', async () => {
        const { sid } = await handshake(target.url);
        const seen: string[] = [];
        for (const w of target.workers) {
          for (const [name, req] of Object.entries(refusals(sid, `127.0.0.1:${w.port}`))) {
            const r = await rawExchange('127.0.0.1', w.port, req, 4000);
            const text = r.received.toString('latin1');
            assert.equal(r.closed, true, `${name} on ${w.workerId}: the connection is closed`);
            assert.ok(
              text === '' || /^HTTP\/1\.1 4\d\d /.test(text),
              `${name} on ${w.workerId}: no bytes (0.9) or a 4xx, got ${JSON.stringify(text.slice(0, 120))}`,
            );
            if (w === target.workers[0]) seen.push(`${name}: ${text === '' ? '<closed without response>' : JSON.stringify(text.split('\r\n')[0])}`);
          }
        }
        console.log(`[${kind}] refusals:\n  ${seen.join('\n  ')}`);
        assertAlive(target);
        await handshake(target.url);
      });

      it('the same refusals through nginx do not take workers out of rotation (later requests are still served)', async () => {
        const { sid } = await handshake(target.url);
        const host = new URL(target.url).host;
        const answers: string[] = [];
        for (const [name, req] of Object.entries(refusals(sid, host))) {
          const r = await rawExchange('127.0.0.1', Number(new URL(target.url).port), req, 4000);
          answers.push(`${name}: ${JSON.stringify(r.received.toString('latin1').split('\r\n')[0])}`);
          const after = await rawRequest(target.url, 'GET', `/socket.io/1/?${t()}`);
          assert.equal(
            after.status,
            200,
            `a handshake right after "${name}" (answered ${answers.at(-1)}): ${after.statusLine}${target.cluster ? `\nnginx: ${target.cluster.nginx.errorLog({ all: true }).split('\n').slice(-4).join('\n')}` : ''}`,
          );
        }
        console.log(`[${kind}] refusals through ${target.cluster ? 'nginx' : 'the worker'}: ${answers.join('; ')}`);
        assertAlive(target);
      });
    });
  });
}

for (const kind of splitTargets()) {
  describe(`legacy protocol 1, default settings: ${kind}`, () => {
    let target: Target;
    before(async () => {
      target = await startTarget(kind, [], { script: LEGACY_WORKER });
    });
    after(() => target?.stop());

    it('no --cors-origin list: a foreign Origin gets no CORS (0.9 echoed it with credentials) on the handshake, polls and POSTs', async () => {
      const foreign = 'http://evil.example';
      const none = { 'Access-Control-Allow-Origin': null, 'Access-Control-Allow-Credentials': null };
      const hs = await handshake(target.url, { origin: foreign });
      assertHeaders(hs.res, none, 'handshake');
      const s = new Polling(target.url, hs.sid, 'xhr-polling', { origin: foreign });
      const opened = await s.collect(2);
      assert.deepEqual(opened.packets, ['1::', welcome()]);
      for (const b of opened.bodies) assertHeaders(b, none, 'poll');
      const post = await s.post(ECHO_ACK);
      assert.equal(`${post.status} ${post.text}`, '200 1', 'POST');
      assertHeaders(post, none, 'POST');
      assert.deepEqual((await s.collect(1)).packets, [ECHO_ACK_REPLY], 'the session works for a non-browser client');
    });

    it('the handshake advertises 60:60 and the 0.9 default transports (no flashsocket)', async () => {
      const hs = await handshake(target.url, { origin: ORIGIN });
      assert.equal(hs.res.text, `${hs.sid}:60:60:websocket,htmlfile,xhr-polling,jsonp-polling`);
    });

    it('flashsocket is not enabled: treated as an unknown transport (connection closed, no response)', async () => {
      const { sid } = await handshake(target.url);
      for (const w of target.workers) {
        const r = await rawExchange(
          '127.0.0.1',
          w.port,
          `GET /socket.io/1/flashsocket/${sid} HTTP/1.1\r\nHost: 127.0.0.1:${w.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: UoeoQcSfYNI7hBTLjQmd+g==\r\n\r\n`,
        );
        assert.equal(r.closed, true);
        assert.ok(
          !r.received.toString('latin1').startsWith('HTTP/1.1 101'),
          `worker ${w.workerId}: ${JSON.stringify(r.received.toString('latin1').slice(0, 80))}`,
        );
      }
      assertAlive(target);
      const ws = await LegacyWs.open(target.url, `/socket.io/1/websocket/${sid}`);
      try {
        await ws.exchange(null, ['1::', welcome()]);
      } finally {
        ws.terminate();
      }
    });
  });
}
