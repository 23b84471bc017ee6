import { DecodeError, type EioPacket } from '@nonstick/protocol';
import { readBody, type Exchange } from '../http/Exchange.js';
import type { RequestInfo } from '../http/RequestInfo.js';
import type { Generation, Ingest } from '../store/Store.js';
import { dialect, entryOf, jsonpUnwrap, jsonpWrap, type EioDialect } from './eio.js';
import type { EngineServices } from './services.js';
import type { PollSink } from './Poller.js';
import { EngineErrorCode } from './errors.js';
import { checkAllowRequest, openPacketData, protocolOf, upgradesFor, verifyRequest, type HandshakeRecord } from './handshake.js';
import { generateId, isValidSid } from './sid.js';

const TEXT = 'text/plain; charset=UTF-8';
const JS = 'text/javascript; charset=UTF-8';
const BINARY = 'application/octet-stream';

/**
 * HTTP long-polling (XHR and JSONP) for Engine.IO 3 and 4. Every request of
 * a session may land on a different worker: GETs drain the session's queue
 * in the store (or wait for a wake), POSTs go through `ingest`, which runs
 * them here when this worker owns the session and relays them otherwise.
 */
export class PollingTransport {
  readonly #engine: EngineServices;

  constructor(engine: EngineServices) {
    this.#engine = engine;
  }

  async handle(ex: Exchange, info: RequestInfo): Promise<void> {
    const engine = this.#engine;
    const rejection = verifyRequest(engine.options, info, false);
    if (rejection) return engine.reject(ex, info, rejection);
    const sid = info.query['sid'];
    if (sid === undefined) return this.#handshake(ex, info);
    if (!isValidSid(sid)) return engine.rejectCode(ex, info, EngineErrorCode.UNKNOWN_SID, { sid });
    if (info.method === 'GET') return engine.poller.start(sid, 'polling', new EioPoll(engine, ex, info, sid));
    if (info.method === 'POST') return this.#post(ex, info, sid);
    // What engine.io's polling transport answers to any other method.
    engine.metrics.error('method');
    ex.respond(500, null, '');
  }

  // ---- handshake -------------------------------------------------------------

  async #handshake(ex: Exchange, info: RequestInfo): Promise<void> {
    const engine = this.#engine;
    const o = engine.options;
    const protocol = protocolOf(o, info);
    if (typeof protocol === 'object') return engine.reject(ex, info, protocol);
    const denied = await checkAllowRequest(o, info);
    if (denied) return engine.reject(ex, info, denied);
    const d = dialect(protocol);
    const sid = generateId();
    const jsonp = info.query['j'];
    // EIO3 clients without XHR2 ask for base64 (`b64`) at handshake only.
    const supportsBinary = protocol === 3 && info.query['b64'] === undefined && jsonp === undefined;
    const hs: HandshakeRecord = { request: info, issued: Date.now(), supportsBinary };
    const settling = engine.settler.enabled;
    await engine.store.create({
      sid,
      generation: protocol === 4 ? 'eio4' : 'eio3',
      transport: 'polling',
      owner: engine.workerId,
      persistent: false,
      pingInterval: o.pingInterval,
      pingTimeout: o.pingTimeout,
      heartbeat: d.heartbeat,
      pingEntry: '2',
      closeEntry: '1',
      storeHeartbeat: true,
      handshake: JSON.stringify(hs),
      flags: supportsBinary ? 'bin' : '',
      settling,
    });
    engine.metrics.handshake(protocol === 4 ? 'eio4' : 'eio3', 'polling');
    const open = `0${openPacketData(o, sid, upgradesFor(o, 'polling'))}`;
    if (!respondPoll(ex, d, [open], supportsBinary, jsonp, engine.handshakeHeaders(sid))) {
      await engine.store.destroy(sid);
      return;
    }
    if (settling) return engine.settler.settleLater(sid, d.generation, hs);
    const socket = engine.adopt(sid, d.generation, 'polling', hs, false);
    engine.announce(socket);
  }

  // ---- POST ----------------------------------------------------------------------

  async #post(ex: Exchange, info: RequestInfo, sid: string): Promise<void> {
    const engine = this.#engine;
    const d = dialect(info.query['EIO'] === '4' ? 4 : 3);
    let body: Buffer | null;
    try {
      body = await readBody(ex, engine.options.maxHttpBufferSize);
    } catch {
      await engine.closeSession(sid, 'transport error', 'data request connection closed prematurely');
      return;
    }
    if (body === null) {
      engine.metrics.error('too_large');
      await engine.closeSession(sid, 'transport error', 'payload too large', ['1'], () => ex.respond(413, null, '', undefined, true));
      return;
    }
    let packets: EioPacket[];
    try {
      if (info.query['j'] !== undefined) {
        const data = jsonpUnwrap(body);
        if (data === null) throw new DecodeError('jsonp', 'missing form field d');
        packets = d.decodePost(Buffer.from(data), false);
      } else {
        packets = d.decodePost(body, info.headers['content-type'] === BINARY);
      }
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      engine.metrics.error('decode');
      // Answered once the close is in the store: the client's next request, on any worker, finds the session closed.
      await engine.closeSession(sid, 'parse error', err.message, ['1'], () =>
        engine.rejectCode(ex, info, EngineErrorCode.BAD_REQUEST, { name: 'PARSE_ERROR', error: err.message }),
      );
      return;
    }
    const input = ingestOf(packets, d);
    if (typeof input === 'string') {
      engine.metrics.error('decode');
      await engine.closeSession(sid, 'transport error', input, ['1'], () =>
        engine.rejectCode(ex, info, EngineErrorCode.BAD_REQUEST, { name: 'HEARTBEAT_DIRECTION', error: input }),
      );
      return;
    }
    const r = await engine.store.ingest(sid, 'polling', input);
    switch (r.kind) {
      case 'unknown':
        return engine.rejectCode(ex, info, EngineErrorCode.UNKNOWN_SID, { sid });
      case 'transport':
        return engine.rejectCode(ex, info, EngineErrorCode.BAD_REQUEST, { name: 'TRANSPORT_MISMATCH', transport: 'polling', previousTransport: r.transport });
      case 'local': {
        const socket = await engine.receiveOwned(sid, r.entries, r.stored);
        if (socket) {
          await socket.settled();
          if (input.close !== undefined) socket.onClose(input.close);
        }
        break;
      }
      case 'relayed':
        if (r.owner !== engine.workerId) engine.metrics.relayed(input.messages.length);
        // The owner is dead: take the session over so its messages run now.
        if (engine.deadWorkers.has(r.owner)) await engine.claim(sid, r.owner);
        // Settling here, and the client closed it: nobody else will hear of the close.
        else if (r.owner === engine.workerId && input.close !== undefined) await engine.sessionClosed(sid, input.close);
        break;
    }
    // text/html rather than text/plain: old user agents offered a download otherwise (engine.io GH-43).
    ex.respond(200, 'text/html', 'ok');
  }
}

/** Answers a GET with entries encoded for its protocol; false if the client is gone. */
function respondPoll(
  ex: Exchange,
  d: EioDialect,
  entries: string[],
  supportsBinary: boolean,
  jsonp: string | undefined,
  extra?: Array<[string, string]>,
): boolean {
  const body = d.encodePoll(collapseNoops(entries), supportsBinary);
  if (jsonp !== undefined) return ex.respond(200, JS, jsonpWrap(jsonp, body as string), extra);
  return ex.respond(200, typeof body === 'string' ? TEXT : BINARY, body, extra);
}

/** An Engine.IO long-poll GET (XHR or JSONP) and what it answers. */
class EioPoll implements PollSink {
  readonly stream = false;
  readonly idleAfter = 0;
  readonly request: string;
  readonly ex: Exchange;
  readonly #engine: EngineServices;
  readonly #info: RequestInfo;
  readonly #sid: string;
  readonly #jsonp: string | undefined;

  constructor(engine: EngineServices, ex: Exchange, info: RequestInfo, sid: string) {
    this.#engine = engine;
    this.ex = ex;
    this.#info = info;
    this.#sid = sid;
    this.#jsonp = info.query['j'];
    // engine.io-client stamps every request with a `t` of its own (yeast: unique per client).
    this.request = info.query['t'] ?? '';
  }

  deliver(entries: string[], generation: Generation, flags: string): boolean {
    return respondPoll(this.ex, dialect(generation === 'eio3' ? 3 : 4), entries, flags.includes('bin') && this.#jsonp === undefined, this.#jsonp);
  }

  unknown(): void {
    this.#engine.rejectCode(this.ex, this.#info, EngineErrorCode.UNKNOWN_SID, { sid: this.#sid });
  }

  moved(waited: boolean, transport: string): void {
    // Upgraded while this poll waited: end it quietly, the client has moved on.
    if (waited) this.#noop();
    else
      this.#engine.rejectCode(this.ex, this.#info, EngineErrorCode.BAD_REQUEST, {
        name: 'TRANSPORT_MISMATCH',
        transport: 'polling',
        previousTransport: transport,
      });
  }

  /** engine.io answers an overlapping GET with 400 and closes the session. */
  async overlap(): Promise<void> {
    this.#engine.rejectCode(this.ex, this.#info, EngineErrorCode.BAD_REQUEST, { name: 'OVERLAP' });
    await this.#engine.closeSession(this.#sid, 'transport error', 'overlap from client', ['1']);
  }

  /** A cancelled poll: engine.io closes the session. */
  dropped(): Promise<void> {
    return this.#engine.closeSession(this.#sid, 'transport error', 'poll connection closed prematurely');
  }

  /** The client left with packets in flight: as with any cancelled poll, the session cannot go on consistently. */
  lost(): Promise<void> {
    return this.dropped();
  }

  idle(): void {
    this.#noop();
  }

  stop(): void {
    this.#noop();
  }

  #noop(): void {
    respondPoll(this.ex, dialect(this.#info.query['EIO'] === '4' ? 4 : 3), ['6'], false, this.#jsonp);
  }
}

/** What a POSTed payload means for the session; a string is a protocol violation. */
function ingestOf(packets: EioPacket[], d: EioDialect): Ingest | string {
  const input: Ingest = { messages: [], reply: [] };
  if (d.protocol === 3) input.heartbeat = 'activity';
  for (const packet of packets) {
    switch (packet.type) {
      case 'message':
        input.messages.push(entryOf(packet));
        break;
      case 'pong':
        if (d.protocol === 3) return 'invalid heartbeat direction';
        input.heartbeat = 'pong';
        break;
      case 'ping':
        if (d.protocol === 4) return 'invalid heartbeat direction';
        input.reply!.push(entryOf(packet.data === undefined ? { type: 'pong' } : { type: 'pong', data: packet.data }));
        break;
      case 'close':
        input.close = 'transport close';
        // A poll still waiting gets a noop, as engine.io ends it on close.
        input.reply!.push('6');
        return input;
      default:
        break;
    }
  }
  return input;
}

/** A noop carries nothing: one per response is as good as many (a probe repeats them). */
function collapseNoops(entries: string[]): string[] {
  let seen = false;
  let dup = false;
  for (const e of entries) {
    if (e !== '6') continue;
    if (seen) dup = true;
    seen = true;
  }
  if (!dup) return entries;
  let kept = false;
  return entries.filter((e) => e !== '6' || (!kept && (kept = true)));
}
