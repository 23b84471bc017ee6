import { DecodeError, type EioPacket } from '@nonstick/protocol';
import { readBody, type Exchange } from '../http/Exchange.js';
import type { RequestInfo } from '../http/RequestInfo.js';
import type { Ingest, PollHolder, PollResult } from '../store/Store.js';
import { dialect, entryOf, jsonpUnwrap, jsonpWrap, type EioDialect } from './eio.js';
import type { Engine } from './Engine.js';
import { EngineErrorCode } from './errors.js';
import { checkAllowRequest, openPacketData, protocolOf, upgradesFor, verifyRequest, type HandshakeRecord } from './handshake.js';
import { generateId, isValidSid } from './sid.js';

/** A long-poll GET held open on this worker. */
interface PendingPoll {
  sid: string;
  pollId: string;
  ex: Exchange;
  info: RequestInfo;
  /** The store has this poll registered as the session's waiter. */
  registered: boolean;
  running: boolean;
  /**
   * A wake arrived while the store call was in flight. Wakes come over the
   * store's message channel, replies over its command connection; a wake
   * can overtake the reply that registered the poll, and must not be lost.
   */
  wokenEarly: boolean;
  /** When it was last registered (epoch ms). */
  since: number;
  /** When the GET arrived (performance.now()), for poll_wait_seconds. */
  arrived: number;
}

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
  readonly #engine: Engine;
  readonly #polls = new Map<string, PendingPoll>();
  #seq = 0;

  constructor(engine: Engine) {
    this.#engine = engine;
  }

  async handle(ex: Exchange, info: RequestInfo): Promise<void> {
    const engine = this.#engine;
    const rejection = verifyRequest(engine.options, info, false);
    if (rejection) return engine.reject(ex, info, rejection);
    const sid = info.query['sid'];
    if (sid === undefined) return this.#handshake(ex, info);
    if (!isValidSid(sid)) return engine.rejectCode(ex, info, EngineErrorCode.UNKNOWN_SID, { sid });
    if (info.method === 'GET') return this.#poll(ex, info, sid);
    if (info.method === 'POST') return this.#post(ex, info, sid);
    // What engine.io's polling transport answers to any other method.
    engine.metrics.error('method');
    ex.respond(500, null, '');
  }

  /** Whether poll `pollId` of session `sid` is still waiting here (asked by other workers). */
  isWaiting(sid: string, pollId: string): boolean {
    const p = this.#polls.get(pollId);
    return p !== undefined && p.sid === sid && p.registered && p.ex.open;
  }

  wake(sid: string, pollId: string): void {
    const p = this.#polls.get(pollId);
    if (!p || p.sid !== sid) return;
    if (p.running) p.wokenEarly = true;
    else if (p.registered) void this.#run(p);
  }

  /**
   * Re-polls waiting polls registered before `olderThan` (all of them by
   * default). A wake is a pub/sub message and can be lost when the store's
   * connection drops; the session's `woken` flag would then suppress every
   * later wake, so a poll that waited a whole ping interval checks again.
   */
  repoll(olderThan = Infinity): void {
    for (const p of this.#polls.values()) {
      if (p.registered && !p.running && p.since < olderThan) void this.#run(p);
    }
  }

  /** Long-polls registered as waiting on this worker. */
  waitingCount(): number {
    let n = 0;
    for (const p of this.#polls.values()) if (p.registered) n++;
    return n;
  }

  /** Ends every held poll with a noop so its client polls again (elsewhere). */
  closeAll(): void {
    for (const p of this.#polls.values()) {
      this.#answered(p);
      const d = dialect(p.info.query['EIO'] === '4' ? 4 : 3);
      this.#respond(p.ex, d, ['6'], false, p.info.query['j']);
    }
    this.#polls.clear();
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
    const settling = engine.settles;
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
    if (!this.#respond(ex, d, [open], supportsBinary, jsonp, engine.handshakeHeaders(sid))) {
      await engine.store.destroy(sid);
      return;
    }
    if (settling) return engine.settleLater(sid, protocol, hs);
    const socket = engine.adopt(sid, protocol, 'polling', hs, false);
    engine.announce(socket);
  }

  // ---- GET ---------------------------------------------------------------------

  async #poll(ex: Exchange, info: RequestInfo, sid: string): Promise<void> {
    const p: PendingPoll = { sid, pollId: String(++this.#seq), ex, info, registered: false, running: false, wokenEarly: false, since: 0, arrived: performance.now() };
    this.#polls.set(p.pollId, p);
    ex.onAbort(() => this.#aborted(p));
    await this.#run(p);
  }

  async #run(p: PendingPoll, steal?: PollHolder): Promise<void> {
    const engine = this.#engine;
    p.running = true;
    p.wokenEarly = false;
    let r: PollResult;
    try {
      r = await engine.store.poll(p.sid, 'polling', p.pollId, steal);
    } catch (err) {
      this.#polls.delete(p.pollId);
      engine.storeUnavailable(p.ex, err);
      return;
    } finally {
      p.running = false;
    }
    switch (r.kind) {
      case 'data': {
        this.#polls.delete(p.pollId);
        engine.metrics.queueDrained(r.entries.length);
        this.#answered(p);
        const d = dialect(r.generation === 'eio3' ? 3 : 4);
        const jsonp = p.info.query['j'];
        if (!this.#respond(p.ex, d, r.entries, r.flags.includes('bin') && jsonp === undefined, jsonp)) {
          // The client left with these packets in flight: as with any
          // cancelled poll, the session cannot go on consistently.
          await engine.closeSession(p.sid, 'transport error', 'poll connection closed prematurely');
        }
        return;
      }
      case 'wait':
        p.registered = true;
        p.since = Date.now();
        if (!p.ex.open) await this.#cancel(p);
        else if (p.wokenEarly) return this.#run(p);
        return;
      case 'unknown':
        this.#polls.delete(p.pollId);
        engine.rejectCode(p.ex, p.info, EngineErrorCode.UNKNOWN_SID, { sid: p.sid });
        return;
      case 'transport':
        this.#polls.delete(p.pollId);
        if (p.registered) {
          // Upgraded while this poll waited: end it quietly, the client has moved on.
          this.#answered(p);
          this.#respond(p.ex, dialect(p.info.query['EIO'] === '4' ? 4 : 3), ['6'], false, p.info.query['j']);
        } else {
          engine.rejectCode(p.ex, p.info, EngineErrorCode.BAD_REQUEST, { name: 'TRANSPORT_MISMATCH', transport: 'polling', previousTransport: r.transport });
        }
        return;
      case 'busy':
        return this.#overlap(p, r.holder);
    }
  }

  /**
   * Another GET is registered for the session. If it is still waiting this
   * is an overlapping request, which engine.io answers with 400 and by
   * closing the session. If its worker is dead (a load balancer retried the
   * poll after the worker was killed) or the poll is gone, take its place.
   */
  async #overlap(p: PendingPoll, holder: PollHolder): Promise<void> {
    const engine = this.#engine;
    let alive: boolean;
    if (holder.worker === engine.workerId) alive = this.isWaiting(p.sid, holder.pollId);
    else if (engine.deadWorkers.has(holder.worker)) alive = false;
    else alive = (await engine.rpc.call(holder.worker, `p ${p.sid} ${holder.pollId}`)) === '1';
    if (!alive) return this.#run(p, holder);
    this.#polls.delete(p.pollId);
    engine.rejectCode(p.ex, p.info, EngineErrorCode.BAD_REQUEST, { name: 'OVERLAP' });
    await engine.closeSession(p.sid, 'transport error', 'overlap from client', ['1']);
  }

  #aborted(p: PendingPoll): void {
    if (this.#polls.get(p.pollId) !== p) return;
    this.#polls.delete(p.pollId);
    // If the store call is still in flight, #run sees the closed exchange.
    if (p.registered && !p.running) void this.#cancel(p);
  }

  /** A registered poll was cancelled by its client: engine.io closes the session. */
  async #cancel(p: PendingPoll): Promise<void> {
    this.#polls.delete(p.pollId);
    const engine = this.#engine;
    try {
      if (await engine.store.unpoll(p.sid, p.pollId)) {
        await engine.closeSession(p.sid, 'transport error', 'poll connection closed prematurely');
      }
    } catch (err) {
      engine.storeFailed(err, 'unpoll');
    }
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
      ex.respond(413, null, '', undefined, true);
      await engine.closeSession(sid, 'transport error', 'payload too large', ['1']);
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
      engine.rejectCode(ex, info, EngineErrorCode.BAD_REQUEST, { name: 'PARSE_ERROR', error: err.message });
      await engine.closeSession(sid, 'parse error', err.message, ['1']);
      return;
    }
    const input = ingestOf(packets, d);
    if (typeof input === 'string') {
      engine.metrics.error('decode');
      engine.rejectCode(ex, info, EngineErrorCode.BAD_REQUEST, { name: 'HEARTBEAT_DIRECTION', error: input });
      await engine.closeSession(sid, 'transport error', input, ['1']);
      return;
    }
    const r = await engine.store.ingest(sid, 'polling', input);
    switch (r.kind) {
      case 'unknown':
        return engine.rejectCode(ex, info, EngineErrorCode.UNKNOWN_SID, { sid });
      case 'transport':
        return engine.rejectCode(ex, info, EngineErrorCode.BAD_REQUEST, { name: 'TRANSPORT_MISMATCH', transport: 'polling', previousTransport: r.transport });
      case 'local': {
        const socket = engine.sockets.get(sid);
        if (socket) {
          if (r.entries.length > 0) socket.receiveEntries(r.entries, r.stored);
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

  #answered(p: PendingPoll): void {
    this.#engine.metrics.pollAnswered((performance.now() - p.arrived) / 1000);
  }

  // ---- encoding ----------------------------------------------------------------

  /** Answers a GET with entries encoded for its protocol; false if the client is gone. */
  #respond(ex: Exchange, d: EioDialect, entries: string[], supportsBinary: boolean, jsonp: string | undefined, extra?: Array<[string, string]>): boolean {
    const body = d.encodePoll(collapseNoops(entries), supportsBinary);
    if (jsonp !== undefined) return ex.respond(200, JS, jsonpWrap(jsonp, body as string), extra);
    return ex.respond(200, typeof body === 'string' ? TEXT : BINARY, body, extra);
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
