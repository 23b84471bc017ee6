import { EventEmitter } from 'node:events';
import { flashPolicyXml } from '@nonstick/protocol';
import type { Host, WsLimits } from '../host/Host.js';
import type { HeaderList } from '../http/cors.js';
import { createHost } from '../host/select.js';
import { resolveCookie, serializeCookie } from '../http/cookie.js';
import type { Exchange } from '../http/Exchange.js';
import type { RequestInfo } from '../http/RequestInfo.js';
import { NOOP_METRICS, type Metrics, type MetricsErrorCode } from '../metrics/Metrics.js';
import { MemoryStore } from '../store/MemoryStore.js';
import type { Generation, IngestResult, SessionRecord, Store, WorkerMessage } from '../store/Store.js';
import { headerList, type HeaderObject } from './answerHeaders.js';
import { dialectOf } from './dialects.js';
import { EngineEntry, type PathHandler } from './EngineEntry.js';
import { EngineSocket, type SocketHost } from './EngineSocket.js';
import { ERROR_MESSAGES, errorStatus, type ConnectionErrorEvent, type EngineErrorCode } from './errors.js';
import { parseHandshake, upgradesFor, type HandshakeRecord, type Rejection } from './handshake.js';
import { FlashPolicyServer } from './legacy/FlashPolicyServer.js';
import { LegacyTransport } from './legacy/LegacyTransport.js';
import { Sio06Transport } from './legacy/Sio06Transport.js';
import { Membership } from './Membership.js';
import type { EngineMiddleware } from './middlewares.js';
import { resolveEngineOptions, type EngineOptions, type ResolvedEngineOptions } from './options.js';
import { Poller } from './Poller.js';
import { PollingTransport } from './PollingTransport.js';
import type { EngineServices } from './services.js';
import { Settler } from './Settler.js';
import { generateWorkerId } from './sid.js';
import { InFlightClaims } from './InFlightClaims.js';
import { TimerWheel } from './TimerWheel.js';
import { WebSocketTransport } from './WebSocketTransport.js';
import { WorkerRpc } from './WorkerRpc.js';

export interface EngineEvents {
  connection: [socket: EngineSocket];
  connection_error: [event: ConnectionErrorEvent];
  /** engine.io's: before the answer to a request without a session (a handshake); headers set here are added to it. */
  initial_headers: [headers: HeaderObject, req: RequestInfo];
  /** engine.io's: before every answer under the path (polling answers; the 101 on the node host); headers set here are added. */
  headers: [headers: HeaderObject, req: RequestInfo];
  /** A dead worker's websocket session that could not be taken over was closed; `state` is what the layers above had saved for it. */
  reap: [record: SessionRecord, state: Record<string, string>];
  /** The store failed; requests get 503 meanwhile. */
  store_error: [error: unknown, context: string];
}

/**
 * An Engine.IO server whose sessions live in a `Store`, so that any request
 * of a session may be served by any worker of a cluster. Usable on its own:
 *
 *   const engine = new Engine(opts);
 *   engine.on('connection', (s) => s.on('message', (d) => s.send(d)));
 *   await engine.listen(3000);
 *
 * or mounted on a network host with `attach(host)` (e.g. `UwsHost.attach(app)`
 * for an existing uWebSockets.js app).
 */
export class Engine extends EventEmitter implements SocketHost, EngineServices {
  readonly options: ResolvedEngineOptions;
  readonly store: Store;
  readonly workerId: string;
  /** Monitoring hooks (`options.metrics`, no-op by default). */
  readonly metrics: Metrics;
  /** Sessions this worker owns, by id. */
  readonly sockets = new Map<string, EngineSocket>();
  readonly wheel: TimerWheel<EngineSocket>;
  readonly rpc: WorkerRpc;
  /** The long-polls held on this worker, of every protocol. */
  readonly poller: Poller;
  /** Polling sessions this worker created that are not announced yet. */
  readonly settler: Settler;
  readonly polling: PollingTransport;
  readonly websocket: WebSocketTransport;
  /** Socket.IO 0.7–0.9 clients (null when `legacy: false`). */
  readonly legacy: LegacyTransport | null;
  /** Socket.IO 0.6 clients (null when `sio06: false`). */
  readonly sio06: Sio06Transport | null;
  #policy: FlashPolicyServer | null = null;
  /** Resolves once the store has registered this worker. */
  readonly ready: Promise<void>;

  /** The host this engine created in `listen` (closed with the engine), or the last one it was attached to. */
  #host: Host | null = null;
  #ownHost = false;
  readonly #entry: EngineEntry;
  readonly #membership: Membership;
  readonly #claims: InFlightClaims;
  readonly #middlewares: EngineMiddleware[] = [];
  #closed = false;
  #cookie: ReturnType<typeof resolveCookie>;

  constructor(opts: EngineOptions = {}) {
    super();
    this.options = resolveEngineOptions(opts);
    this.store = opts.store ?? new MemoryStore();
    this.workerId = opts.workerId ?? generateWorkerId();
    this.metrics = opts.metrics ?? NOOP_METRICS;
    this.#cookie = resolveCookie(this.options.cookie);
    const o = this.options;
    this.settler = new Settler(this, (o.settleUpgrades ?? this.store.distributed) && upgradesFor(o, 'polling').length > 0);
    const shortest = Math.min(
      o.pingInterval,
      o.pingTimeout,
      o.legacy?.heartbeatInterval ?? Infinity,
      o.legacy?.heartbeatTimeout ?? Infinity,
      o.sio06?.heartbeatInterval ?? Infinity,
      o.sio06?.heartbeatTimeout ?? Infinity,
    );
    this.wheel = new TimerWheel(clamp(shortest / 10, 5, 1000), (s, now) => s.heartbeatDue(now));
    this.rpc = new WorkerRpc(this.store, this.workerId, o.rpcTimeout);
    this.poller = new Poller(this);
    this.#membership = new Membership(this);
    this.#claims = new InFlightClaims();
    this.polling = new PollingTransport(this);
    this.websocket = new WebSocketTransport(this);
    this.legacy = o.legacy ? new LegacyTransport(this, o.legacy) : null;
    this.sio06 = o.sio06 ? new Sio06Transport(this, o.sio06) : null;
    this.#entry = new EngineEntry(this, { polling: this.polling, websocket: this.websocket, legacy: this.legacy, sio06: this.sio06 }, this.#middlewares);
    this.metrics.source({ sessions: () => this.sockets.values(), pollsWaiting: () => this.poller.waitingCount() });
    this.ready = this.store.start(this.workerId, (m) => this.#onMessage(m)).then(() => this.#startTimers());
    // Surface a failed start through `ready`, not as an unhandled rejection.
    this.ready.catch(() => {});
  }

  get clientsCount(): number {
    return this.sockets.size;
  }

  /** Workers this worker knows to be dead (refreshed by the orphan sweep). */
  get deadWorkers(): ReadonlySet<string> {
    return this.#membership.deadWorkers;
  }

  /** Mounts the engine (HTTP and websocket, everything under its path) on a network host. */
  attach(host: Host): this {
    this.#host = host;
    host.mount(this.options.path, this.#entry, this.#wsLimits());
    return this;
  }

  /**
   * Adds an Express/Connect middleware (engine.io's `engine.use`), run in
   * order on every request of every protocol under the engine's path
   * (handshakes, polling requests, websocket upgrades) before the engine
   * handles it: e.g. `engine.use(session(...))`, `engine.use(helmet())`.
   * One that answers the request itself (a 403) ends it there; an error
   * passed to `next` is answered with 400 "Bad request".
   */
  use(fn: EngineMiddleware): this {
    if (typeof fn !== 'function') throw new TypeError('engine.use() takes a middleware function (req, res, next)');
    this.#middlewares.push(fn);
    return this;
  }

  /** Answers requests under the engine's path that no protocol claims (socket.io's `serveClient`). */
  serveOther(handler: PathHandler): void {
    this.#entry.serveOther(handler);
  }

  /**
   * Listens on `port` (0 picks a free one) on a host of its own (the kind
   * `httpServer` asks for); resolves with the port. `routes` may add routes
   * (e.g. pages) to the host; anything unrouted gets 404.
   */
  async listen(port: number, hostAddr = '0.0.0.0', routes?: (host: Host) => void): Promise<number> {
    const { host, reason } = createHost(this.options.httpServer, { allowUwsFallback: this.options.allowUwsFallback });
    this.#hostReason = reason;
    this.#ownHost = true;
    this.attach(host);
    routes?.(host);
    await this.ready;
    const bound = await host.listen(port, hostAddr);
    await this.listenFlashPolicy(hostAddr);
    return bound;
  }

  /** The host `listen` created or `attach` mounted the engine on (null before either). */
  get host(): Host | null {
    return this.#host;
  }

  /** Why `listen` picked the host it runs on (for the start-up log); null for a host given to `attach`. */
  get hostReason(): string | null {
    return this.#hostReason;
  }

  #hostReason: string | null = null;

  /**
   * Starts the Flash policy server if `legacy.flashPolicyPort` is set
   * (`listen` does; call it yourself after `attach`).
   */
  async listenFlashPolicy(host = '0.0.0.0'): Promise<number | null> {
    const l = this.options.legacy;
    if (!l || l.flashPolicyPort === null || this.#policy) return this.#policy?.port ?? null;
    const server = new FlashPolicyServer(flashPolicyXml(l.flashPolicyOrigins), () => this.metrics.error('decode'));
    this.#policy = server;
    return server.listen(l.flashPolicyPort, host);
  }

  /** Port of the Flash policy server, once it listens. */
  get flashPolicyPort(): number | null {
    return this.#policy?.port ?? null;
  }

  /** Closes every local session ('forced close'), stops listening and leaves the cluster. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopTimers();
    this.settler.forgetAll();
    for (const socket of [...this.sockets.values()]) socket.closeWs('forced close');
    this.poller.closeAll();
    this.rpc.close();
    this.#policy?.close();
    this.#policy = null;
    if (this.#ownHost && this.#host) await this.#host.close();
    await this.ready.catch(() => {});
    await this.store.stop();
  }

  #wsLimits(): WsLimits {
    const o = this.options;
    return { maxPayloadLength: o.maxHttpBufferSize, maxBackpressure: o.maxBackpressure, perMessageDeflate: o.perMessageDeflate };
  }

  // ---- shared with transports (internal) ---------------------------------

  /** Counts a refusal and emits `connection_error`; returns the message the client is told. */
  rejected(info: RequestInfo, r: Rejection): string {
    this.metrics.error(String(r.code) as MetricsErrorCode);
    if (this.listenerCount('connection_error') > 0) {
      this.emit('connection_error', { req: info, code: r.code, message: ERROR_MESSAGES[r.code]!, context: r.context });
    }
    return typeof r.context['message'] === 'string' ? r.context['message'] : ERROR_MESSAGES[r.code]!;
  }

  /** Answers with one of engine.io's errors and emits `connection_error`. */
  reject(ex: Exchange, info: RequestInfo, r: Rejection): void {
    const message = this.rejected(info, r);
    ex.json(errorStatus(r.code), { code: r.code, message });
  }

  rejectCode(ex: Exchange, info: RequestInfo, code: EngineErrorCode, context: Record<string, unknown> = {}): void {
    this.reject(ex, info, { code, context });
  }

  /** The store could not be reached: a clear 503, the request's session untouched. */
  storeUnavailable(ex: Exchange, err: unknown): void {
    this.storeFailed(err, 'request');
    ex.json(503, { code: -1, message: 'Session store unavailable' });
  }

  storeFailed(err: unknown, context: string): void {
    this.metrics.error('store');
    if (this.listenerCount('store_error') > 0) this.emit('store_error', err, context);
  }

  /**
   * Closes a session from this worker: in the store (telling its owner, and
   * leaving `finalEntries` for a poll to fetch) and locally if owned here.
   */
  async closeSession(sid: string, reason: string, description?: string, finalEntries: string[] = [], committed?: () => void): Promise<void> {
    try {
      await this.store.close(sid, reason, finalEntries);
    } catch (err) {
      this.storeFailed(err, 'close');
    }
    committed?.();
    // Still settling here: announce it, with what the client sent, before it closes.
    await this.settler.afterSettle(sid, () => {});
    if (this.settler.announceSettling(sid)) await this.drainInbox(sid);
    this.sockets.get(sid)?.closeWs(reason, description);
  }

  socketClosed(socket: EngineSocket): void {
    if (this.sockets.get(socket.id) === socket) this.sockets.delete(socket.id);
  }

  /** Emits `initial_headers` (a request without `sid`) and `headers`; returns what their listeners added. */
  answerHeaders(info: RequestInfo): HeaderList {
    const initial = !info.query['sid'] && this.listenerCount('initial_headers') > 0;
    if (!initial && this.listenerCount('headers') === 0) return [];
    const headers: HeaderObject = {};
    if (initial) this.emit('initial_headers', headers, info);
    this.emit('headers', headers, info);
    return headerList(headers);
  }

  /** Set-Cookie for a handshake answer, if configured. */
  handshakeHeaders(sid: string): Array<[string, string]> {
    return this.#cookie ? [['Set-Cookie', serializeCookie(sid, this.#cookie)]] : [];
  }

  /** Creates the local socket of a session this worker owns and announces it. */
  adopt(sid: string, generation: Generation, transport: 'polling' | 'websocket', hs: HandshakeRecord, resumed: boolean): EngineSocket {
    const o = this.options;
    const timing = (generation === 'sio1' ? o.legacy : generation === 'sio06' ? o.sio06 : null) ?? {
      heartbeatInterval: o.pingInterval,
      heartbeatTimeout: o.pingTimeout,
    };
    const socket = new EngineSocket(this, {
      id: sid,
      dialect: dialectOf(generation),
      pingInterval: timing.heartbeatInterval,
      pingTimeout: timing.heartbeatTimeout,
      request: hs.request,
      issued: hs.issued,
      transport,
      supportsBinary: hs.supportsBinary,
      resumed,
    });
    this.sockets.set(sid, socket);
    return socket;
  }

  announce(socket: EngineSocket): void {
    this.emit('connection', socket);
  }

  /** Takes over a session whose owner died; the new local socket is announced as resumed. */
  claim(sid: string, from: string): Promise<EngineSocket | null> {
    return this.#claims.track(sid, (claim) => this.#claim(sid, from, claim));
  }

  async #claim(sid: string, from: string, claim: { missedInbox: boolean }): Promise<EngineSocket | null> {
    const r = await this.store.claim(sid, from);
    if (r.kind === 'reaped') {
      this.emit('reap', r.record, r.state);
      return null;
    }
    if (r.kind !== 'claimed') return this.sockets.get(sid) ?? null;
    const existing = this.sockets.get(sid);
    if (existing) return existing;
    const rec = r.record;
    const hs = parseHandshake(rec.handshake);
    this.settler.forgetSettling(sid);
    const socket = this.adopt(sid, rec.generation, 'polling', hs, !r.fresh);
    this.announce(socket);
    if (r.inbox.length > 0) socket.receiveEntries(r.inbox);
    if (claim.missedInbox) await this.drainInbox(sid);
    return socket;
  }

  /**
   * Takes a session nobody has announced yet (a legacy session whose first
   * transport request reached this worker) from `from`, its owner since
   * the handshake. `prepare` sees the socket before `connection` runs.
   * Null if it was taken elsewhere meanwhile.
   */
  open(sid: string, from: string, prepare: (socket: EngineSocket) => void): Promise<EngineSocket | null> {
    return this.#claims.track(sid, (claim) => this.#open(sid, from, prepare, claim));
  }

  async #open(sid: string, from: string, prepare: (socket: EngineSocket) => void, claim: { missedInbox: boolean }): Promise<EngineSocket | null> {
    const r = await this.store.claim(sid, from);
    if (r.kind !== 'claimed') return null;
    const existing = this.sockets.get(sid);
    if (existing) return existing;
    // Announced meanwhile after all: it moves here like any takeover.
    if (!r.fresh && from !== this.workerId)
      void this.store.send(from, { t: 'handover', sid, owner: this.workerId }).catch((err) => this.storeFailed(err, 'handover'));
    const socket = this.adopt(sid, r.record.generation, 'polling', parseHandshake(r.record.handshake), !r.fresh);
    prepare(socket);
    this.announce(socket);
    if (r.inbox.length > 0) socket.receiveEntries(r.inbox);
    if (claim.missedInbox) await this.drainInbox(sid);
    return socket;
  }

  /**
   * Entries the store handed this worker as the session's owner go to its
   * local socket. A claim of it in flight here is waited for: the store
   * already counts this worker as the owner, and the entries must not be
   * dropped for want of a socket.
   */
  async receiveOwned(sid: string, entries: string[], stored: number): Promise<EngineSocket | undefined> {
    let socket = this.sockets.get(sid);
    if (!socket) {
      await this.#claims.finished(sid);
      socket = this.sockets.get(sid);
    }
    if (socket && entries.length > 0) socket.receiveEntries(entries, stored);
    return socket;
  }

  /**
   * Runs what a POST's ingest says: entries for this worker go to the local
   * socket and the POST is answered once their effects are stored; entries
   * relayed to a dead owner's inbox run as soon as the session is taken over.
   */
  async runIngested(sid: string, r: Extract<IngestResult, { kind: 'local' | 'relayed' }>, messages: number): Promise<void> {
    if (r.kind === 'local') {
      await (await this.receiveOwned(sid, r.entries, r.stored))?.settled();
      return;
    }
    if (r.owner !== this.workerId) this.metrics.relayed(messages);
    if (this.deadWorkers.has(r.owner)) await this.claim(sid, r.owner);
  }

  /**
   * Drains entries relayed to this worker as owner and hands them to the
   * local socket. `since` (performance.now() when the inbox message came)
   * times the relay for `relay_latency_seconds`.
   */
  async drainInbox(sid: string, since?: number): Promise<void> {
    const socket = this.sockets.get(sid);
    if (!socket) {
      this.#claims.noteInbox(sid);
      return;
    }
    try {
      const entries = await this.store.drainInbox(sid);
      if (entries && entries.length > 0) {
        socket.receiveEntries(entries);
        if (since !== undefined) this.metrics.relayDrained((performance.now() - since) / 1000);
      }
    } catch (err) {
      this.storeFailed(err, 'inbox');
    }
  }

  // ---- cluster messages ------------------------------------------------------

  #onMessage(m: WorkerMessage): void {
    switch (m.t) {
      case 'wake':
        if (m.pollId === '*') this.sockets.get(m.sid)?.wakeWebSocket();
        else this.poller.wake(m.sid, m.pollId);
        return;
      case 'inbox':
        // A settling session's entries are taken by the settle, or by the drain after it.
        if (!this.settler.onInbox(m.sid)) void this.drainInbox(m.sid, performance.now());
        return;
      case 'handover':
        // A settle answered first announced it here: then it moves on.
        void this.settler.afterSettle(m.sid, () => {
          this.settler.forgetSettling(m.sid);
          const socket = this.sockets.get(m.sid);
          if (socket) {
            this.sockets.delete(m.sid);
            socket.handover(m.owner);
          }
        });
        return;
      case 'closed':
        void this.sessionClosed(m.sid, m.reason);
        return;
      case 'req':
      case 'res':
        this.rpc.onMessage(m);
        return;
      case 'resync':
        void this.#resync();
        return;
    }
  }

  /**
   * After a gap in the store connection: wakes may have been lost, and other
   * workers may have taken this one for dead and adopted or reaped its
   * sessions. Re-poll every waiter and check every local session against
   * the store; sessions no longer ours are let go (or closed if gone).
   */
  async #resync(): Promise<void> {
    this.poller.repoll();
    const sids = [...this.sockets.keys()];
    for (let i = 0; i < sids.length; i += 500) {
      const batch = sids.slice(i, i + 500);
      const records = await Promise.all(batch.map((sid) => this.store.get(sid).catch(() => undefined)));
      batch.forEach((sid, k) => {
        const rec = records[k];
        const socket = this.sockets.get(sid);
        if (rec === undefined || !socket) return; // store unreachable again: next resync
        if (rec === null || rec.closed !== null) socket.closeWs(rec?.closed ?? 'transport close');
        else if (rec.owner !== this.workerId) {
          this.sockets.delete(sid);
          socket.handover(rec.owner);
        } else socket.wakeWebSocket();
      });
    }
  }

  /**
   * The session this worker owns was closed in the store, not by its local
   * socket (elsewhere, by a sweep, or by a client's close packet while it
   * was still settling here).
   */
  async sessionClosed(sid: string, reason: string): Promise<void> {
    // A settle answered first has the inbox entries: let it announce the session.
    await this.settler.afterSettle(sid, () => {});
    this.settler.announceSettling(sid);
    const socket = this.sockets.get(sid);
    if (!socket) return;
    // Whatever the client sent before the close is processed first.
    await this.drainInbox(sid);
    socket.closeWs(reason);
  }

  // ---- background sweeps -----------------------------------------------------

  #startTimers(): void {
    if (this.#closed) return;
    this.wheel.start();
    this.#membership.start();
  }

  #stopTimers(): void {
    this.wheel.stop();
    this.#membership.stop();
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Math.floor(v)));
}
