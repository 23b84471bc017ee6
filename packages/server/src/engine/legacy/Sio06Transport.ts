import {
  DecodeError,
  decodeSio06Form,
  decodeSio06PayloadLenient,
  encodeSio06Frame,
  encodeSio06Payload,
  SIO06_HTMLFILE_PRELUDE,
  SIO06_MULTIPART_CONTENT_TYPE,
  SIO06_MULTIPART_PRELUDE,
  sio06HtmlfileChunk,
  sio06JsonpPoll,
  sio06MultipartPart,
} from '@nonstick/protocol';
import { hasOriginAllowList, isOriginAllowed, type HeaderList } from '../../http/cors.js';
import { readBody, type Exchange } from '../../http/Exchange.js';
import type { RequestInfo } from '../../http/RequestInfo.js';
import type { Generation, Ingest } from '../../store/Store.js';
import type { EngineServices } from '../services.js';
import { checkAllowRequest, parseHandshake, type HandshakeRecord } from '../handshake.js';
import type { ResolvedSio06Options, Sio06TransportName } from '../options.js';
import type { Route } from '../routes.js';
import { generateId, isValidSid } from '../sid.js';
import type { WsUpgrade } from '../../host/Host.js';
import type { WsData } from '../EngineSocket.js';
import { acceptUpgrade, wsData } from '../ws-upgrade.js';
import { keepAlive } from './keep-alive.js';
import { createLegacyPollingSession } from './polling-session.js';
import { LegacyAnswerPoll, LegacyStream } from './sinks.js';

type Sio06Route = Extract<Route, { kind: 'sio06' }>;

const TEXT = 'text/plain; charset=UTF-8';
const JS = 'text/javascript; charset=UTF-8';
const HTML = 'text/html; charset=UTF-8';

/**
 * Socket.IO 0.6 on the engine. 0.6 has no handshake request: the first
 * request of a transport without a session id creates the session, and its
 * answer starts with the session id as a message; the `connection`
 * handlers run right after, so what they send follows on a stream and
 * waits for the next poll on polling (as in 0.6). Sessions are engine
 * sessions of generation `sio06`: any worker serves any poll, POST or
 * stream request, POSTs are relayed to the owner, a websocket is held by
 * the worker that accepted it.
 *
 * Where 0.6 just dropped a connection (unknown session, unknown
 * transport), the answer here is a 4xx: to a load balancer a dropped
 * connection is a dead upstream.
 */
export class Sio06Transport {
  readonly #engine: EngineServices;
  readonly #o: ResolvedSio06Options;

  constructor(engine: EngineServices, options: ResolvedSio06Options) {
    this.#engine = engine;
    this.#o = options;
  }

  async handle(ex: Exchange, info: RequestInfo, route: Sio06Route): Promise<void> {
    const engine = this.#engine;
    const { transport, sid } = route;
    if (!this.#enabled(transport)) {
      engine.metrics.error('0');
      ex.respond(404, TEXT, 'Transport not enabled', undefined, true);
      return;
    }
    if (transport === 'websocket' || transport === 'flashsocket') {
      engine.metrics.error('3');
      ex.respond(400, TEXT, 'This server speaks RFC 6455 WebSockets only (no draft-75/76 handshakes)', undefined, true);
      return;
    }
    const origin = info.headers['origin'];
    if (info.method === 'OPTIONS' || info.headers['access-control-request-method'] !== undefined) {
      // 0.6 answered xhr-multipart's preflight this way; the others never preflight.
      const allowed: HeaderList = [
        ['Access-Control-Allow-Origin', '*'],
        ['Access-Control-Allow-Credentials', 'true'],
        ['Access-Control-Allow-Methods', info.headers['access-control-request-method'] ?? 'GET, POST'],
      ];
      ex.respond(200, TEXT, 'ok', this.#trusting() ? allowed : []);
      return;
    }
    if (origin !== undefined && !(await isOriginAllowed(engine.options.cors, origin))) {
      engine.metrics.error('4');
      ex.respond(401, TEXT, 'unauthorized', undefined, true);
      return;
    }
    if (info.method === 'POST') return this.#post(ex, info, transport, sid);
    if (info.method !== 'GET') {
      engine.metrics.error('method');
      ex.respond(405, TEXT, 'Method not allowed', [['Allow', 'GET, POST']]);
      return;
    }
    const sink = this.#sink(ex, info, transport, route);
    if (sid === '') return this.#create(ex, info, transport, sink);
    if (!isValidSid(sid)) return sink.unknown();
    const r = await engine.store.ingest(sid, 'polling', { messages: [], heartbeat: 'activity' });
    // 0.6 has no close packet to hand out: an unknown or closed session is unknown.
    if (r.kind === 'unknown') return sink.unknown();
    if (r.kind === 'local' && r.entries.length > 0) await engine.receiveOwned(sid, r.entries, r.stored);
    if (sink instanceof Sio06Stream && !sink.begin()) return;
    await engine.poller.start(sid, 'polling', sink);
  }

  /** `/socket.io/websocket` (a new session) or `/socket.io/websocket/<sid>` (a polling session moving to a websocket). */
  async upgrade(ex: Exchange, info: RequestInfo, upgrade: WsUpgrade<WsData>, route: Sio06Route): Promise<void> {
    const engine = this.#engine;
    const { transport, sid } = route;
    if ((transport !== 'websocket' && transport !== 'flashsocket') || !this.#enabled(transport)) {
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
    if (sid !== '') {
      const r = isValidSid(sid) ? await engine.store.beginUpgrade(sid) : ({ kind: 'unknown' } as const);
      if (r.kind !== 'ok' || r.record.generation !== 'sio06') {
        if (r.kind === 'ok') await engine.store.abortUpgrade(sid);
        engine.metrics.error('1');
        ex.respond(404, TEXT, 'Unknown session', undefined, true);
        return;
      }
      if (!(await acceptUpgrade(ex, upgrade, wsData(sid, 'attach', 'sio06', false, parseHandshake(r.record.handshake).request))))
        await engine.store.abortUpgrade(sid);
      return;
    }
    const denied = await checkAllowRequest(engine.options, info);
    if (denied) {
      engine.metrics.error('4');
      ex.respond(403, TEXT, 'unauthorized', undefined, true);
      return;
    }
    const newSid = generateId();
    const hs: HandshakeRecord = { request: info, issued: Date.now(), supportsBinary: false };
    await engine.store.create({
      sid: newSid,
      generation: 'sio06',
      transport: 'websocket',
      owner: engine.workerId,
      persistent: true,
      pingInterval: this.#o.heartbeatInterval,
      pingTimeout: this.#o.heartbeatTimeout,
      heartbeat: 'server',
      pingEntry: '',
      closeEntry: '',
      storeHeartbeat: false,
      handshake: JSON.stringify(hs),
      flags: '',
      settling: false,
    });
    engine.metrics.handshake('sio06', transport);
    const ud = wsData(newSid, 'session', 'sio06', false, info);
    ud.handshake = hs;
    ud.firstFrame = encodeSio06Frame(newSid);
    if (!(await acceptUpgrade(ex, upgrade, ud))) await engine.store.destroy(newSid);
  }

  #enabled(transport: string): transport is Sio06TransportName {
    return (this.#o.transports as string[]).includes(transport);
  }

  /**
   * Whether answers carry 0.6's CORS headers (credentials included): only
   * where `cors.origin` lists the origins to trust, which every request's
   * Origin has passed by then. 0.6 answered every Origin so, which lets any
   * page run a session as its visitor and read the answers; without a list a
   * foreign page gets no CORS (same-origin pages and non-browser clients
   * need none).
   */
  #trusting(): boolean {
    return hasOriginAllowList(this.#engine.options.cors);
  }

  #sink(ex: Exchange, info: RequestInfo, transport: Sio06TransportName, route: Sio06Route): Sio06Poll | Sio06Stream {
    const engine = this.#engine;
    const o = this.#o;
    switch (transport) {
      case 'htmlfile':
        return new Sio06Stream(engine, ex, route.sid, o.heartbeatInterval, o.heartbeatTimeout, HTML, SIO06_HTMLFILE_PRELUDE, [], (m) => sio06HtmlfileChunk(m));
      case 'xhr-multipart': {
        const cors: HeaderList =
          info.headers['origin'] === undefined || !this.#trusting()
            ? []
            : [
                ['Access-Control-Allow-Origin', '*'],
                ['Access-Control-Allow-Credentials', 'true'],
              ];
        return new Sio06Stream(
          engine,
          ex,
          route.sid,
          o.heartbeatInterval,
          o.heartbeatTimeout,
          SIO06_MULTIPART_CONTENT_TYPE,
          SIO06_MULTIPART_PRELUDE,
          cors,
          (m) => sio06MultipartPart(m),
        );
      }
      case 'jsonp-polling':
        return new Sio06Poll(engine, ex, route.sid, o.pollingDuration, jsonpIndex(route.rest), []);
      default:
        return new Sio06Poll(engine, ex, route.sid, o.pollingDuration, null, this.#trusting() ? pollCors(info) : []);
    }
  }

  // ---- a new session -------------------------------------------------------------

  async #create(ex: Exchange, info: RequestInfo, transport: Sio06TransportName, sink: Sio06Poll | Sio06Stream): Promise<void> {
    const engine = this.#engine;
    const denied = await checkAllowRequest(engine.options, info);
    if (denied) {
      engine.metrics.error('4');
      ex.respond(403, TEXT, 'unauthorized', undefined, true);
      return;
    }
    const o = this.#o;
    const sid = generateId();
    const hs: HandshakeRecord = { request: info, issued: Date.now(), supportsBinary: false };
    await createLegacyPollingSession(engine, 'sio06', sid, hs, o, { pingEntry: '', settling: false });
    engine.metrics.handshake('sio06', transport);
    sink.setSid(sid);
    // The session id is the first message; `connection` runs once it is on its way.
    const greeted = sink instanceof Sio06Stream ? sink.begin() && sink.deliver([sid], 'sio06', '') : sink.deliver([sid], 'sio06', '');
    if (!greeted) {
      await engine.store.destroy(sid);
      return;
    }
    if (sink instanceof Sio06Stream) {
      engine.announce(engine.adopt(sid, 'sio06', 'polling', hs, false));
      await engine.poller.start(sid, 'polling', sink);
      return;
    }
    engine.announce(engine.adopt(sid, 'sio06', 'polling', hs, false));
  }

  // ---- POST ------------------------------------------------------------------------

  async #post(ex: Exchange, info: RequestInfo, transport: Sio06TransportName, sid: string): Promise<void> {
    const engine = this.#engine;
    const headers = this.#trusting() ? postCors(info, transport) : [];
    if (!isValidSid(sid)) {
      engine.metrics.error('1');
      ex.respond(404, TEXT, 'Unknown session', headers, true);
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
      ex.respond(413, TEXT, 'Payload too large', headers, true);
      await engine.closeSession(sid, 'transport error', 'payload too large');
      return;
    }
    // 0.6 read bodies leniently and answered `ok` whatever they held: a
    // broken frame drops what follows it, a missing field is no message.
    // The damage is counted, the session goes on, as its peers expect.
    const input: Ingest = { messages: [], heartbeat: 'activity' };
    let payload = '';
    try {
      payload = decodeSio06Form(body.toString('utf8'));
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      engine.metrics.error('decode');
    }
    const read = decodeSio06PayloadLenient(payload);
    if (read.error) engine.metrics.error('decode');
    // Heartbeat echoes go to the owner too: a stream's worker checks them.
    for (const m of read.messages) input.messages.push(m);
    const r = await engine.store.ingest(sid, 'polling', input);
    if (r.kind === 'unknown' || r.kind === 'transport') {
      engine.metrics.error('1');
      ex.respond(404, TEXT, 'Unknown session', headers, true);
      return;
    }
    await engine.runIngested(sid, r, input.messages.length);
    ex.respond(200, TEXT, 'ok', headers);
  }
}

/** 0.6's xhr-polling GET: the Origin echoed (`*` for `null`), credentials only with a cookie. */
function pollCors(info: RequestInfo): HeaderList {
  const origin = info.headers['origin'];
  if (origin === undefined) return [];
  const h: HeaderList = [['Access-Control-Allow-Origin', origin === 'null' ? '*' : origin]];
  if (info.headers['cookie'] !== undefined) h.push(['Access-Control-Allow-Credentials', 'true']);
  return h;
}

/** 0.6's POST answers: `*`, with credentials for xhr-multipart always and for polling only with a cookie. */
function postCors(info: RequestInfo, transport: Sio06TransportName): HeaderList {
  if (info.headers['origin'] === undefined || transport === 'htmlfile') return [];
  const h: HeaderList = [['Access-Control-Allow-Origin', '*']];
  if (transport === 'xhr-multipart' || info.headers['cookie'] !== undefined) h.push(['Access-Control-Allow-Credentials', 'true']);
  return h;
}

/** The JSONP slot: the last numeric path segment (0.6 matched `/([0-9]+)/?$`). */
function jsonpIndex(rest: string[]): string {
  for (let i = rest.length - 1; i >= 0; i--) {
    const seg = rest[i]!;
    if (seg === '') continue;
    return /^\d+$/.test(seg) ? seg : '0';
  }
  return '0';
}

/** An xhr-polling or jsonp-polling GET. */
class Sio06Poll extends LegacyAnswerPoll {
  /** An idle poll ends with an empty body. */
  protected readonly nothing = '';
  readonly #jsonp: string | null;
  readonly #headers: HeaderList;

  constructor(engine: EngineServices, ex: Exchange, sid: string, pollingDuration: number, jsonp: string | null, headers: HeaderList) {
    super(engine, ex, sid, pollingDuration);
    this.#jsonp = jsonp;
    this.#headers = jsonp === null ? headers : [];
  }

  setSid(sid: string): void {
    this.sid = sid;
  }

  deliver(entries: string[], _generation: Generation, _flags: string): boolean {
    return this.answer(encodeSio06Payload(entries));
  }

  /** 0.6 dropped the connection; the client reacts the same to an error status. */
  unknown(): void {
    this.engine.metrics.error('1');
    this.ex.respond(404, TEXT, 'Unknown session', this.#headers);
  }

  protected answer(payload: string): boolean {
    if (this.#jsonp !== null) return this.ex.respond(200, JS, sio06JsonpPoll(this.#jsonp, payload));
    return this.ex.respond(200, TEXT, payload, this.#headers);
  }
}

/**
 * An htmlfile or xhr-multipart stream: one chunk (a `<script>` or a
 * multipart part) per message, and numbered `~h~` heartbeats echoed by the
 * client's POSTs; unlike 0.9's, a missing echo ends the session.
 */
class Sio06Stream extends LegacyStream {
  readonly #interval: number;
  readonly #timeout: number;
  readonly #contentType: string;
  readonly #prelude: string;
  readonly #headers: HeaderList;
  readonly #chunk: (framed: string) => string;
  #beats = 0;

  constructor(
    engine: EngineServices,
    ex: Exchange,
    sid: string,
    heartbeatInterval: number,
    heartbeatTimeout: number,
    contentType: string,
    prelude: string,
    headers: HeaderList,
    chunk: (framed: string) => string,
  ) {
    super(engine, ex, sid);
    this.#interval = heartbeatInterval;
    this.#timeout = heartbeatTimeout;
    this.#contentType = contentType;
    this.#prelude = prelude;
    this.#headers = headers;
    this.#chunk = chunk;
  }

  setSid(sid: string): void {
    this.sid = sid;
  }

  /** Writes the prelude and starts heartbeats; false if the client is gone. */
  begin(): boolean {
    if (!this.ex.beginStream(200, this.#contentType, this.#prelude, this.#headers)) return false;
    this.#scheduleBeat(this.#interval);
    return true;
  }

  /** As 0.6: one heartbeat at a time; the next one `interval` after the last, once it was answered. */
  #scheduleBeat(delay: number): void {
    this.timer = setTimeout(() => {
      const sentAt = Date.now();
      if (!this.ex.write(this.#chunk(encodeSio06Frame(`~h~${++this.#beats}`)))) return this.stopHeartbeats();
      keepAlive(this.engine, this.sid);
      this.#expectAnswer(sentAt);
    }, delay);
  }

  deliver(entries: string[], _generation: Generation, _flags: string): boolean {
    let ok = this.ex.open;
    for (const e of entries) if (ok) ok = this.ex.write(this.#chunk(encodeSio06Frame(e)));
    return ok;
  }

  /** Unknown from the start (404), or the session ended while streaming: the stream ends. */
  unknown(): void {
    this.stopHeartbeats();
    if (this.ex.streaming) {
      this.ex.end();
      return;
    }
    this.engine.metrics.error('1');
    this.ex.respond(404, TEXT, 'Unknown session', this.#headers);
  }

  /**
   * The echo comes by POST, through the owner: a stream is created where
   * its session is owned, so this worker sees it (after a takeover it
   * cannot, and only the stream's end ends the session).
   */
  #expectAnswer(sentAt: number): void {
    const check = (): void => {
      this.timer = null;
      if (!this.ex.open) return;
      const socket = this.engine.sockets.get(this.sid);
      // Owned elsewhere after a takeover: the answer cannot be seen here.
      if (!socket || socket.lastPong >= sentAt) return this.#scheduleBeat(Math.max(0, sentAt + this.#interval - Date.now()));
      const left = sentAt + this.#timeout - Date.now();
      if (left > 0) {
        this.timer = setTimeout(check, Math.min(left, 50));
        return;
      }
      this.engine.metrics.heartbeatTimeout(1);
      void this.engine.closeSession(this.sid, 'ping timeout');
    };
    this.timer = setTimeout(check, Math.min(this.#interval, this.#timeout));
  }
}
