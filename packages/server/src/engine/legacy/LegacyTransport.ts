import {
  DecodeError,
  decodeJsonpForm,
  decodeLegacyPacket,
  decodeLegacyPayload,
  encodeLegacyPayload,
  HTMLFILE_PRELUDE,
  htmlfileChunk,
  legacyHandshakeBody,
  legacyJsonp,
  legacyJsonpError,
} from '@nonstick/protocol';
import { hasOriginAllowList, isOriginAllowed, type CorsOptions, type HeaderList } from '../../http/cors.js';
import { readBody, type Exchange } from '../../http/Exchange.js';
import type { RequestInfo } from '../../http/RequestInfo.js';
import type { Generation, Ingest } from '../../store/Store.js';
import type { EngineServices } from '../services.js';
import type { EngineSocket, WsData } from '../EngineSocket.js';
import { checkAllowRequest, parseHandshake, type HandshakeRecord } from '../handshake.js';
import type { LegacyTransportName, ResolvedLegacyOptions } from '../options.js';
import type { Route } from '../routes.js';
import { generateId, isValidSid } from '../sid.js';
import type { WsUpgrade } from '../../host/Host.js';
import { acceptUpgrade, wsData } from '../ws-upgrade.js';
import { keepAlive } from './keep-alive.js';
import { createLegacyPollingSession } from './polling-session.js';
import { LegacyAnswerPoll, LegacyStream } from './sinks.js';

type LegacyRoute = Extract<Route, { kind: 'legacy' }>;

const TEXT = 'text/plain; charset=UTF-8';
const JS = 'text/javascript; charset=UTF-8';
const HTML = 'text/html; charset=UTF-8';
/** `client not handshaken` + advice `reconnect`: the client starts over with a new handshake. */
const NOT_HANDSHAKEN = '7:::1+0';
const NOOP = '8::';

/**
 * Socket.IO protocol 1 (socket.io 0.7–0.9 clients) on the engine: the
 * handshake at `/socket.io/1/`, the polling transports (xhr-polling,
 * jsonp-polling, htmlfile) as long-polls of the session's store queue on
 * whichever worker the request reaches, and websocket/flashsocket as an
 * upgrade of the session to a websocket held by one worker. Sessions are
 * engine sessions of generation `sio1`: the same store, owner/relay,
 * settling and takeover as Engine.IO's.
 *
 * Liveness of a polling session: every request counts as activity, and the
 * session ends when there was none for `closeTimeout` plus one
 * `pollingDuration` (0.9 armed its close timeout when a poll ended). On
 * websockets the server sends `2::` and expects the client's `2::` back; on
 * an htmlfile stream it sends `2::` and the client's answer comes by POST.
 */
export class LegacyTransport {
  readonly #engine: EngineServices;
  readonly #o: ResolvedLegacyOptions;

  constructor(engine: EngineServices, options: ResolvedLegacyOptions) {
    this.#engine = engine;
    this.#o = options;
  }

  get options(): ResolvedLegacyOptions {
    return this.#o;
  }

  async handle(ex: Exchange, info: RequestInfo, route: LegacyRoute): Promise<void> {
    const engine = this.#engine;
    if (route.revision !== '1') {
      engine.metrics.error('5');
      ex.respond(500, TEXT, 'Protocol version not supported.');
      return;
    }
    const { transport, sid } = route;
    if (info.query['disconnect'] !== undefined && sid !== '') return this.#forcedDisconnect(ex, sid);
    if (transport === '' && sid === '') return this.#handshake(ex, info);
    if ((transport === 'websocket' || transport === 'flashsocket') && this.#enabled(transport)) {
      // An RFC 6455 upgrade never gets here; a draft-76 one (Flash's web-socket-js) or a plain GET does.
      engine.metrics.error('3');
      ex.respond(400, TEXT, 'This server speaks RFC 6455 WebSockets only (no draft-75/76 handshakes)', undefined, true);
      return;
    }
    if (!this.#enabled(transport)) {
      // 0.9 closed the connection without a word; a load balancer takes
      // that for a dead upstream, so the answer here is a plain 400.
      engine.metrics.error('0');
      ex.respond(400, TEXT, 'Transport not supported', undefined, true);
      return;
    }
    if (info.method === 'POST') return this.#post(ex, info, transport, sid);
    if (info.method !== 'GET') {
      engine.metrics.error('method');
      ex.respond(405, TEXT, 'Method not allowed', [['Allow', 'GET, POST']]);
      return;
    }
    return this.#get(ex, info, transport, sid);
  }

  /** `/socket.io/1/websocket/<sid>` and `/socket.io/1/flashsocket/<sid>`: opening one is the session's upgrade. */
  async upgrade(ex: Exchange, info: RequestInfo, upgrade: WsUpgrade<WsData>, route: LegacyRoute): Promise<void> {
    const engine = this.#engine;
    const { transport, sid } = route;
    // Refusals are answered (not a bare close, which a load balancer takes for a dead upstream).
    if (route.revision !== '1') {
      engine.metrics.error('5');
      ex.respond(500, TEXT, 'Protocol version not supported.', undefined, true);
      return;
    }
    if ((transport !== 'websocket' && transport !== 'flashsocket') || !this.#enabled(transport) || sid === '') {
      engine.metrics.error('0');
      ex.respond(400, TEXT, 'Transport not supported', undefined, true);
      return;
    }
    const origin = info.headers['origin'];
    if (origin !== undefined && !(await isOriginAllowed(engine.options.cors, origin))) {
      engine.metrics.error('4');
      ex.respond(403, TEXT, 'Origin not allowed', undefined, true);
      return;
    }
    const refuse = async (): Promise<void> => {
      engine.metrics.error('1');
      const ud = wsData(sid, 'refused', 'sio1', false, info);
      ud.firstFrame = NOT_HANDSHAKEN;
      await acceptUpgrade(ex, upgrade, ud);
    };
    if (!isValidSid(sid)) return refuse();
    const r = await engine.store.beginUpgrade(sid);
    if (r.kind !== 'ok' || r.record.generation !== 'sio1') {
      if (r.kind === 'ok') await engine.store.abortUpgrade(sid);
      return refuse();
    }
    const hs = parseHandshake(r.record.handshake);
    if (!(await acceptUpgrade(ex, upgrade, wsData(sid, 'attach', 'sio1', false, hs.request)))) await engine.store.abortUpgrade(sid);
  }

  #enabled(transport: string): transport is LegacyTransportName {
    return (this.#o.transports as string[]).includes(transport);
  }

  #cors(info: RequestInfo): Promise<HeaderList> {
    return legacyCors(this.#engine.options.cors, info);
  }

  // ---- handshake -------------------------------------------------------------

  async #handshake(ex: Exchange, info: RequestInfo): Promise<void> {
    const engine = this.#engine;
    const jsonp = digits(info.query['jsonp']);
    const origin = info.headers['origin'];
    if (origin !== undefined && !(await isOriginAllowed(engine.options.cors, origin))) {
      engine.metrics.error('4');
      return this.#handshakeError(ex, jsonp, 'handshake bad origin', []);
    }
    const cors = await this.#cors(info);
    const denied = await checkAllowRequest(engine.options, info);
    if (denied) {
      engine.metrics.error('4');
      return this.#handshakeError(ex, jsonp, 'handshake unauthorized', cors);
    }
    const o = this.#o;
    const sid = generateId();
    const hs: HandshakeRecord = { request: info, issued: Date.now(), supportsBinary: false };
    // Not announced until a transport opens: `connection` runs then, on the
    // worker serving that first request (where a websocket stays).
    await createLegacyPollingSession(engine, 'sio1', sid, hs, o, { pingEntry: '2::', settling: true });
    engine.metrics.handshake('sio1', 'handshake');
    // A number even when tiny: the 0.9.16 client arms a zero-delay watchdog for ''.
    const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));
    const body = legacyHandshakeBody(sid, seconds(o.heartbeatTimeout), seconds(o.closeTimeout), o.transports);
    const sent = jsonp !== undefined ? ex.respond(200, 'application/javascript', legacyJsonp(jsonp, body)) : ex.respond(200, 'text/plain', body, cors);
    if (!sent) await engine.store.destroy(sid);
  }

  /** 0.9's handshake errors: plain text, or in JSONP form a 200 that raises in the client. */
  #handshakeError(ex: Exchange, jsonp: string | undefined, message: string, cors: HeaderList): void {
    if (jsonp !== undefined) ex.respond(200, 'application/javascript', legacyJsonpError(jsonp, message));
    else ex.respond(403, 'text/plain', message, cors);
  }

  // ---- GET: polls and streams ----------------------------------------------------

  async #get(ex: Exchange, info: RequestInfo, transport: LegacyTransportName, sid: string): Promise<void> {
    const engine = this.#engine;
    const sink =
      transport === 'htmlfile'
        ? new HtmlfileStream(engine, ex, sid, this.#o.heartbeatInterval)
        : new LegacyPoll(engine, ex, info, transport, sid, this.#o.pollingDuration, await this.#cors(info));
    if (!isValidSid(sid)) return sink.unknown();
    // A request is the client's sign of life.
    const r = await engine.store.ingest(sid, 'polling', { messages: [], heartbeat: 'activity' });
    // A closed session may still hold its last packets (`0::`): the poll decides what is unknown.
    if (r.kind === 'local' && r.entries.length > 0) await engine.receiveOwned(sid, r.entries, r.stored);
    if (sink instanceof HtmlfileStream && !sink.begin()) return;
    if (r.kind === 'relayed' && r.settling && (await this.#open(sid, r.owner, sink))) return;
    await engine.poller.start(sid, 'polling', sink);
  }

  /**
   * The session's first transport request: this worker takes the session,
   * announces it, and answers with the first packet the application layer
   * sends (`1::`, or the refusal), as 0.9 answered the first poll; what the
   * connection handlers send goes to the queue for the next poll. False
   * when the request should simply poll.
   */
  async #open(sid: string, owner: string, sink: LegacyPoll | HtmlfileStream): Promise<boolean> {
    const engine = this.#engine;
    let answer!: (data: string | Uint8Array | null) => void;
    const first = new Promise<string | Uint8Array | null>((resolve) => (answer = resolve));
    let socket: EngineSocket | null = null;
    try {
      socket = await engine.open(sid, owner, (s) => s.interceptNext(answer));
    } catch (err) {
      engine.storeFailed(err, 'open');
    }
    if (!socket) return false;
    // Asynchronous middlewares may take a while; past a poll's duration the answer goes through the queue.
    const timer = setTimeout(() => answer(null), this.#o.pollingDuration);
    const data = await first;
    clearTimeout(timer);
    socket.interceptNext(null);
    if (data === null || !sink.ex.open) return false;
    const text = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
    if (sink instanceof LegacyPoll) {
      sink.deliver([text], 'sio1', '');
      return true;
    }
    // A stream goes on after its first chunk.
    return !sink.deliver([text], 'sio1', '');
  }

  // ---- POST ------------------------------------------------------------------------

  async #post(ex: Exchange, info: RequestInfo, transport: LegacyTransportName, sid: string): Promise<void> {
    const engine = this.#engine;
    const cors = await this.#cors(info);
    if (info.headers['origin'] !== undefined) cors.push(['X-XSS-Protection', '0']);
    if (!isValidSid(sid)) {
      engine.metrics.error('1');
      ex.respond(200, TEXT, NOT_HANDSHAKEN, cors);
      return;
    }
    let body: Buffer | null;
    try {
      body = await readBody(ex, engine.options.maxHttpBufferSize);
    } catch {
      return; // the client left mid-body: nothing was accepted
    }
    if (body === null) {
      engine.metrics.error('too_large');
      await engine.closeSession(sid, 'transport error', 'payload too large', ['0::'], () => ex.respond(413, TEXT, 'Payload too large', cors, true));
      return;
    }
    let packets: string[];
    try {
      const text = transport === 'jsonp-polling' ? decodeJsonpForm(body.toString('utf8')) : body.toString('utf8');
      packets = decodeLegacyPayload(text);
      for (const p of packets) decodeLegacyPacket(p);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      engine.metrics.error('decode');
      // Answered once the close is in the store, as for Engine.IO.
      await engine.closeSession(sid, 'parse error', err.message, ['0::'], () => ex.respond(400, TEXT, `Bad payload: ${err.message}`, cors));
      return;
    }
    const input: Ingest = { messages: [], heartbeat: 'activity' };
    for (const p of packets) {
      // The client's `2::` answers an htmlfile heartbeat: as a request it is activity already.
      if (p.startsWith('2:') || p.startsWith('8:')) continue;
      input.messages.push(p);
    }
    const r = await engine.store.ingest(sid, 'polling', input);
    if (r.kind === 'unknown' || r.kind === 'transport') {
      engine.metrics.error('1');
      ex.respond(200, TEXT, NOT_HANDSHAKEN, cors);
      return;
    }
    await engine.runIngested(sid, r, input.messages.length);
    ex.respond(200, TEXT, '1', cors);
  }

  /**
   * `?disconnect` (the 0.9 client sends it on page unload): the session
   * ends, and a poll still held gets `0::`.
   */
  async #forcedDisconnect(ex: Exchange, sid: string): Promise<void> {
    if (isValidSid(sid)) await this.#engine.closeSession(sid, 'transport close', 'forced disconnect', ['0::']);
    ex.respond(200, null, '');
  }
}

/**
 * CORS as 0.9 answered it, the request's Origin echoed with credentials (the
 * client sets withCredentials), but only for origins `cors.origin` lists. 0.9
 * answered every Origin so, which lets any page run a session as its visitor
 * and read the answers; without a list a foreign page gets no CORS
 * (same-origin pages and non-browser clients need none).
 */
async function legacyCors(cors: CorsOptions | undefined, info: RequestInfo): Promise<HeaderList> {
  const origin = info.headers['origin'];
  if (origin === undefined || !hasOriginAllowList(cors) || !(await isOriginAllowed(cors, origin))) return [];
  return [
    ['Access-Control-Allow-Origin', origin],
    ['Access-Control-Allow-Credentials', 'true'],
  ];
}

function digits(v: string | undefined): string | undefined {
  return v !== undefined && /^\d+$/.test(v) ? v : undefined;
}

/** Entries for one answer: noops only matter when nothing else is said. */
function payloadOf(entries: string[]): string {
  const real = entries.filter((e) => e !== NOOP);
  return real.length === 0 ? NOOP : encodeLegacyPayload(real);
}

/** A protocol 1 xhr-polling or jsonp-polling GET. */
class LegacyPoll extends LegacyAnswerPoll {
  protected readonly nothing = NOOP;
  readonly #jsonp: string | undefined;
  readonly #headers: HeaderList;

  constructor(engine: EngineServices, ex: Exchange, info: RequestInfo, transport: LegacyTransportName, sid: string, pollingDuration: number, cors: HeaderList) {
    super(engine, ex, sid, pollingDuration);
    if (transport === 'jsonp-polling') {
      this.#jsonp = digits(info.query['i']) ?? '0';
      this.#headers = [['X-XSS-Protection', '0']];
    } else {
      this.#jsonp = undefined;
      this.#headers = cors;
    }
  }

  deliver(entries: string[], _generation: Generation, _flags: string): boolean {
    return this.answer(payloadOf(entries));
  }

  unknown(): void {
    this.engine.metrics.error('1');
    this.answer(NOT_HANDSHAKEN);
  }

  protected answer(payload: string): boolean {
    if (this.#jsonp !== undefined) return this.ex.respond(200, JS, legacyJsonp(this.#jsonp, payload), this.#headers);
    return this.ex.respond(200, TEXT, payload, this.#headers);
  }
}

/** A protocol 1 htmlfile stream: a `<script>` chunk per packet, `2::` heartbeats every interval. */
class HtmlfileStream extends LegacyStream {
  readonly #interval: number;
  /** Whether the stream said anything yet (a session that ends after that just ends the stream). */
  #delivered = false;

  constructor(engine: EngineServices, ex: Exchange, sid: string, heartbeatInterval: number) {
    super(engine, ex, sid);
    this.#interval = heartbeatInterval;
  }

  /** Writes the prelude and starts heartbeats; false if the client is gone. */
  begin(): boolean {
    if (!this.ex.beginStream(200, HTML, HTMLFILE_PRELUDE)) return false;
    this.timer = setInterval(() => {
      if (!this.ex.write(htmlfileChunk('2::'))) return this.stopHeartbeats();
      keepAlive(this.engine, this.sid);
    }, this.#interval);
    return true;
  }

  deliver(entries: string[], _generation: Generation, _flags: string): boolean {
    this.#delivered = true;
    // One `<script>` per packet, as 0.9 wrote them: no framing needed.
    let ok = this.ex.open;
    for (const e of entries) if (e !== NOOP && ok) ok = this.ex.write(htmlfileChunk(e));
    return ok;
  }

  /** Unknown from the start (`7:::1+0`), or the session ended while streaming (its `0::` went out): the stream ends. */
  unknown(): void {
    this.stopHeartbeats();
    if (this.#delivered) {
      this.ex.end();
      return;
    }
    this.engine.metrics.error('1');
    if (this.ex.streaming || this.ex.beginStream(200, HTML, HTMLFILE_PRELUDE)) this.ex.end(htmlfileChunk(NOT_HANDSHAKEN));
  }
}
