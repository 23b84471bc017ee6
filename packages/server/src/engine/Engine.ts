import { EventEmitter } from 'node:events';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { corsHeaders, preflightHeaders } from '../http/cors.js';
import { resolveCookie, serializeCookie } from '../http/cookie.js';
import { Exchange } from '../http/Exchange.js';
import { NOOP_METRICS, type Metrics, type MetricsErrorCode } from '../metrics/Metrics.js';
import { snapshotRequest, type RequestInfo } from '../http/RequestInfo.js';
import { MemoryStore } from '../store/MemoryStore.js';
import type { Generation, IngestResult, SessionRecord, SettleResult, Store, WorkerMessage } from '../store/Store.js';
import { loadUws, type Uws } from '../uws.js';
import { dialectOf } from './dialects.js';
import { EngineSocket, type SocketHost } from './EngineSocket.js';
import { ERROR_MESSAGES, errorStatus, type ConnectionErrorEvent, type EngineErrorCode } from './errors.js';
import { upgradesFor, type HandshakeRecord, type Rejection } from './handshake.js';
import { resolveEngineOptions, type EngineOptions, type ResolvedEngineOptions } from './options.js';
import { Poller } from './Poller.js';
import { PollingTransport } from './PollingTransport.js';
import { generateWorkerId } from './sid.js';
import { TimerWheel } from './TimerWheel.js';
import { WebSocketTransport } from './WebSocketTransport.js';
import { FlashPolicyServer } from './legacy/FlashPolicyServer.js';
import { LegacyTransport } from './legacy/LegacyTransport.js';
import { Sio06Transport } from './legacy/Sio06Transport.js';
import { routeOf } from './routes.js';
import { flashPolicyXml } from '@nonstick/protocol';
import { WorkerRpc } from './WorkerRpc.js';

export interface EngineEvents {
  connection: [socket: EngineSocket];
  connection_error: [event: ConnectionErrorEvent];
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
 * or attached to an existing uWebSockets.js app with `attach(app)`.
 */
/** A polling session created here and not announced yet. */
interface Settling {
  timer: NodeJS.Timeout;
  generation: Generation;
  handshake: HandshakeRecord;
  /** [min, max] ms of the settle window. */
  window: [number, number];
  /** The `settle` call in flight, if any: whatever ends the settling otherwise waits for it. */
  asking: Promise<unknown> | null;
  /** An inbox message came while `settle` was in flight: its entries may have missed the settle. */
  missed: boolean;
  /** Since when the settling has waited on a probe (0 = not waiting). */
  probing: number;
}

export class Engine extends EventEmitter implements SocketHost {
  readonly options: ResolvedEngineOptions;
  readonly store: Store;
  readonly workerId: string;
  readonly uws: typeof Uws;
  /** Monitoring hooks (`options.metrics`, no-op by default). */
  readonly metrics: Metrics;
  /** Sessions this worker owns, by id. */
  readonly sockets = new Map<string, EngineSocket>();
  /** Workers this worker knows to be dead (refreshed by the orphan sweep). */
  readonly deadWorkers = new Set<string>();
  readonly wheel: TimerWheel<EngineSocket>;
  readonly rpc: WorkerRpc;
  /** The long-polls held on this worker, of every protocol. */
  readonly poller: Poller;
  readonly polling: PollingTransport;
  readonly websocket: WebSocketTransport;
  /** Socket.IO 0.7–0.9 clients (null when `legacy: false`). */
  readonly legacy: LegacyTransport | null;
  /** Socket.IO 0.6 clients (null when `sio06: false`). */
  readonly sio06: Sio06Transport | null;
  #policy: FlashPolicyServer | null = null;
  /** Resolves once the store has registered this worker. */
  readonly ready: Promise<void>;

  #app: TemplatedApp | null = null;
  #ownApp = false;
  #listenSocket: us_listen_socket | null = null;
  #sweepTimer: NodeJS.Timeout | null = null;
  #orphanTimer: NodeJS.Timeout | null = null;
  #sweeping = false;
  #orphaning = false;
  #closed = false;
  #cookie: ReturnType<typeof resolveCookie>;
  /** Polling sessions this worker created that are not announced yet, with their settle timers. */
  readonly #settling = new Map<string, Settling>();
  /** Whether fresh polling sessions settle before being announced (see `settleUpgrades`). */
  readonly settles: boolean;

  constructor(opts: EngineOptions = {}) {
    super();
    this.options = resolveEngineOptions(opts);
    this.uws = loadUws(this.options.allowUwsFallback);
    this.store = opts.store ?? new MemoryStore();
    this.workerId = opts.workerId ?? generateWorkerId();
    this.metrics = opts.metrics ?? NOOP_METRICS;
    this.#cookie = resolveCookie(this.options.cookie);
    this.settles = (this.options.settleUpgrades ?? this.store.distributed) && upgradesFor(this.options, 'polling').length > 0;
    const o = this.options;
    const shortest = Math.min(o.pingInterval, o.pingTimeout, o.legacy?.heartbeatInterval ?? Infinity, o.legacy?.heartbeatTimeout ?? Infinity, o.sio06?.heartbeatInterval ?? Infinity, o.sio06?.heartbeatTimeout ?? Infinity);
    this.wheel = new TimerWheel(clamp(shortest / 10, 5, 1000), (s, now) => s.heartbeatDue(now));
    this.rpc = new WorkerRpc(this.store, this.workerId, o.rpcTimeout);
    this.poller = new Poller(this);
    this.polling = new PollingTransport(this);
    this.websocket = new WebSocketTransport(this);
    this.legacy = this.options.legacy ? new LegacyTransport(this, this.options.legacy) : null;
    this.sio06 = this.options.sio06 ? new Sio06Transport(this, this.options.sio06) : null;
    this.metrics.source({ sessions: () => this.sockets.values(), pollsWaiting: () => this.poller.waitingCount() });
    this.ready = this.store.start(this.workerId, (m) => this.#onMessage(m)).then(() => this.#startTimers());
    // Surface a failed start through `ready`, not as an unhandled rejection.
    this.ready.catch(() => {});
  }

  get clientsCount(): number {
    return this.sockets.size;
  }

  /** Registers the engine's routes (HTTP and WebSocket) on an existing uWebSockets.js app. */
  attach(app: TemplatedApp): this {
    this.#app = app;
    const pattern = `${this.options.path}/*`;
    app.any(pattern, (res, req) => this.#onHttp(res, req));
    app.ws(pattern, this.websocket.behavior());
    return this;
  }

  /**
   * Starts a uWebSockets.js app on `port` (0 picks a free one); resolves with
   * the port. `routes` may register more routes (e.g. pages) on the app;
   * anything unrouted gets 404.
   */
  async listen(port: number, host = '0.0.0.0', routes?: (app: TemplatedApp) => void): Promise<number> {
    const app = this.uws.App();
    this.#ownApp = true;
    this.attach(app);
    routes?.(app);
    app.any('/*', (res) => {
      res.cork(() => res.writeStatus('404 Not Found').end('Not Found'));
    });
    await this.ready;
    return new Promise((resolve, reject) => {
      app.listen(host, port, (ls) => {
        if (!ls) return reject(new Error(`cannot listen on ${host}:${port}`));
        this.#listenSocket = ls;
        const bound = this.uws.us_socket_local_port(ls);
        this.listenFlashPolicy(host).then(() => resolve(bound), reject);
      });
    });
  }

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
    for (const sid of [...this.#settling.keys()]) this.forgetSettling(sid);
    for (const socket of [...this.sockets.values()]) socket.closeWs('forced close');
    this.poller.closeAll();
    this.rpc.close();
    this.#policy?.close();
    this.#policy = null;
    if (this.#listenSocket) this.uws.us_listen_socket_close(this.#listenSocket);
    this.#listenSocket = null;
    if (this.#ownApp && this.#app) (this.#app as TemplatedApp & { close(): void }).close();
    await this.ready.catch(() => {});
    await this.store.stop();
  }

  // ---- shared with transports (internal) ---------------------------------

  /** Answers with one of engine.io's errors and emits `connection_error`. */
  reject(ex: Exchange, info: RequestInfo, r: Rejection): void {
    this.metrics.error(String(r.code) as MetricsErrorCode);
    const message = typeof r.context['message'] === 'string' ? r.context['message'] : ERROR_MESSAGES[r.code]!;
    if (this.listenerCount('connection_error') > 0) {
      this.emit('connection_error', { req: info, code: r.code, message: ERROR_MESSAGES[r.code]!, context: r.context });
    }
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
  async closeSession(sid: string, reason: string, description?: string, finalEntries: string[] = []): Promise<void> {
    try {
      await this.store.close(sid, reason, finalEntries);
    } catch (err) {
      this.storeFailed(err, 'close');
    }
    // Still settling here: announce it, with what the client sent, before it closes.
    await this.#afterSettle(sid, () => {});
    if (this.#announceSettling(sid)) await this.drainInbox(sid);
    this.sockets.get(sid)?.closeWs(reason, description);
  }

  socketClosed(socket: EngineSocket): void {
    if (this.sockets.get(socket.id) === socket) this.sockets.delete(socket.id);
  }

  /** Set-Cookie for a handshake answer, if configured. */
  handshakeHeaders(sid: string): Array<[string, string]> {
    return this.#cookie ? [['Set-Cookie', serializeCookie(sid, this.#cookie)]] : [];
  }

  /** Creates the local socket of a session this worker owns and announces it. */
  adopt(sid: string, generation: Generation, transport: 'polling' | 'websocket', hs: HandshakeRecord, resumed: boolean): EngineSocket {
    const o = this.options;
    const timing = (generation === 'sio1' ? o.legacy : generation === 'sio06' ? o.sio06 : null) ?? { heartbeatInterval: o.pingInterval, heartbeatTimeout: o.pingTimeout };
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

  /**
   * A polling session created here waits before being announced: if its
   * client upgrades, the worker holding the websocket announces it instead,
   * and `connection` runs once, where the session stays.
   */
  settleLater(sid: string, generation: Generation, handshake: HandshakeRecord, window = this.options.settleWindow): void {
    const entry: Settling = { timer: null as unknown as NodeJS.Timeout, generation, handshake, window, asking: null, missed: false, probing: 0 };
    this.#settling.set(sid, entry);
    this.#armSettle(sid, entry, Date.now() + window[0]);
  }

  /**
   * A session still settling here closed before it was announced: it is
   * announced now (then closed by the caller), so that what its client sent
   * is not lost and the application sees `connection` then `close`, as for
   * any other session. Returns the new socket, or null if it was not settling.
   */
  #announceSettling(sid: string): EngineSocket | null {
    const e = this.#settling.get(sid);
    if (!e) return null;
    this.forgetSettling(sid);
    const socket = this.adopt(sid, e.generation, 'polling', e.handshake, false);
    this.announce(socket);
    return socket;
  }

  /** Stops settling `sid` here (it was upgraded elsewhere, claimed, or closed). */
  forgetSettling(sid: string): void {
    const e = this.#settling.get(sid);
    if (!e) return;
    clearTimeout(e.timer);
    this.#settling.delete(sid);
  }

  #armSettle(sid: string, entry: Settling, at: number): void {
    entry.timer = setTimeout(() => void this.#trySettle(sid), Math.max(0, at - Date.now()));
  }

  async #trySettle(sid: string): Promise<void> {
    const entry = this.#settling.get(sid);
    if (!entry) return;
    const [min, max] = entry.window;
    let r: SettleResult;
    const asking = this.store.settle(sid, Date.now(), min, max);
    entry.asking = asking;
    try {
      r = await asking;
    } catch (err) {
      this.storeFailed(err, 'settle');
      r = { kind: 'wait', at: Date.now() + 100 };
    } finally {
      entry.asking = null;
    }
    if (this.#settling.get(sid) !== entry) return;
    switch (r.kind) {
      case 'wait':
        this.#armSettle(sid, entry, r.at);
        return;
      case 'upgrading': {
        // The probe's worker will take the session (we hear a handover) or
        // give up within upgradeTimeout, unless it died mid-probe.
        const now = Date.now();
        if (entry.probing === 0) entry.probing = now;
        else if (now - entry.probing > this.options.upgradeTimeout + this.options.rpcTimeout) {
          entry.probing = now;
          void this.#clearDeadProbe(sid);
        }
        this.#armSettle(sid, entry, now + 50);
        return;
      }
      case 'done': {
        // Closed before it was announced, and the close message may still be
        // on its way (or lost in a store outage): close it now.
        const rec = await this.store.get(sid).catch(() => null);
        if (this.#settling.get(sid) !== entry) return;
        if (rec && rec.closed !== null && rec.owner === this.workerId) return this.sessionClosed(sid, rec.closed);
        this.#settling.delete(sid);
        return;
      }
      case 'settled': {
        this.#settling.delete(sid);
        const socket = this.adopt(sid, entry.generation, 'polling', entry.handshake, false);
        this.announce(socket);
        if (r.inbox.length > 0) socket.receiveEntries(r.inbox);
        // Relayed after the settle, and told of before we had the socket.
        if (entry.missed) void this.drainInbox(sid);
        return;
      }
    }
  }

  /** Runs `then` once the settle call in flight for `sid` (if any) is answered and handled. */
  #afterSettle(sid: string, then: () => void | Promise<void>): void | Promise<void> {
    const asking = this.#settling.get(sid)?.asking;
    if (!asking) return then();
    return asking.then(then, then);
  }

  /** A probe outlived upgradeTimeout: if its worker does not answer, it died, and its probe is cleared. */
  async #clearDeadProbe(sid: string): Promise<void> {
    try {
      const prober = (await this.store.get(sid))?.upgrading;
      if (!prober || prober === this.workerId) return;
      const alive = !this.deadWorkers.has(prober) && (await this.rpc.ping(prober));
      if (!alive) await this.store.abortUpgrade(sid, prober);
    } catch (err) {
      this.storeFailed(err, 'probe');
    }
  }

  /** Takes over a session whose owner died; the new local socket is announced as resumed. */
  async claim(sid: string, from: string): Promise<EngineSocket | null> {
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
    this.forgetSettling(sid);
    const socket = this.adopt(sid, rec.generation, 'polling', hs, !r.fresh);
    this.announce(socket);
    if (r.inbox.length > 0) socket.receiveEntries(r.inbox);
    return socket;
  }

  /**
   * Takes a session nobody has announced yet (a legacy session whose first
   * transport request reached this worker) from `from`, its owner since
   * the handshake. `prepare` sees the socket before `connection` runs.
   * Null if it was taken elsewhere meanwhile.
   */
  async open(sid: string, from: string, prepare: (socket: EngineSocket) => void): Promise<EngineSocket | null> {
    const r = await this.store.claim(sid, from);
    if (r.kind !== 'claimed') return null;
    const existing = this.sockets.get(sid);
    if (existing) return existing;
    // Announced meanwhile after all: it moves here like any takeover.
    if (!r.fresh && from !== this.workerId) void this.store.send(from, { t: 'handover', sid, owner: this.workerId }).catch((err) => this.storeFailed(err, 'handover'));
    const socket = this.adopt(sid, r.record.generation, 'polling', parseHandshake(r.record.handshake), !r.fresh);
    prepare(socket);
    this.announce(socket);
    if (r.inbox.length > 0) socket.receiveEntries(r.inbox);
    return socket;
  }

  /**
   * Runs what a POST's ingest says: entries for this worker go to the local
   * socket and the POST is answered once their effects are stored; entries
   * relayed to a dead owner's inbox run as soon as the session is taken over.
   */
  async runIngested(sid: string, r: Extract<IngestResult, { kind: 'local' | 'relayed' }>, messages: number): Promise<void> {
    if (r.kind === 'local') {
      const socket = this.sockets.get(sid);
      if (!socket) return;
      if (r.entries.length > 0) socket.receiveEntries(r.entries, r.stored);
      await socket.settled();
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
    if (!socket) return;
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

  // ---- HTTP entry point ----------------------------------------------------

  #onHttp(res: HttpResponse, req: HttpRequest): void {
    const info = snapshotRequest(req, res);
    const ex = new Exchange(res);
    this.#handleHttp(ex, info).catch((err) => {
      this.storeUnavailable(ex, err);
    });
  }

  async #handleHttp(ex: Exchange, info: RequestInfo): Promise<void> {
    await this.ready;
    const route = routeOf(this.options.path, info.path);
    if (route.kind === 'legacy' && this.legacy) return this.legacy.handle(ex, info, route);
    if (route.kind === 'sio06' && this.sio06) return this.sio06.handle(ex, info, route);
    if (route.kind === 'none' || route.kind === 'sio06') {
      ex.respond(404, 'text/plain', 'Not Found');
      return;
    }
    const cors = this.options.cors;
    if (cors) {
      const origin = info.headers['origin'];
      if (info.method === 'OPTIONS') {
        const h = await preflightHeaders(cors, origin, info.headers['access-control-request-headers']);
        if (h) {
          ex.headers = h;
          ex.respond(cors.optionsSuccessStatus ?? 204, null, '');
          return;
        }
      } else {
        const h = await corsHeaders(cors, origin);
        if (h) ex.headers = h;
      }
    }
    await this.polling.handle(ex, info);
  }

  // ---- cluster messages ------------------------------------------------------

  #onMessage(m: WorkerMessage): void {
    switch (m.t) {
      case 'wake':
        if (m.pollId === '*') this.sockets.get(m.sid)?.wakeWebSocket();
        else this.poller.wake(m.sid, m.pollId);
        return;
      case 'inbox': {
        const e = this.#settling.get(m.sid);
        if (e) {
          // Taken by the settle, or by the drain after it.
          if (e.asking) e.missed = true;
          return;
        }
        void this.drainInbox(m.sid, performance.now());
        return;
      }
      case 'handover':
        // A settle answered first announced it here: then it moves on.
        void this.#afterSettle(m.sid, () => {
          this.forgetSettling(m.sid);
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
    await this.#afterSettle(sid, () => {});
    this.#announceSettling(sid);
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
    this.#sweepTimer = setInterval(() => void this.#sweep(), this.options.sweepInterval);
    this.#sweepTimer.unref();
    this.#orphanTimer = setInterval(() => void this.#adoptOrphans(), this.options.orphanInterval);
    this.#orphanTimer.unref();
  }

  #stopTimers(): void {
    this.wheel.stop();
    if (this.#sweepTimer) clearInterval(this.#sweepTimer);
    if (this.#orphanTimer) clearInterval(this.#orphanTimer);
    this.#sweepTimer = this.#orphanTimer = null;
  }

  async #sweep(): Promise<void> {
    if (this.#sweeping) return;
    this.#sweeping = true;
    const batch = 500;
    try {
      // Bounded so one sweep never monopolises the event loop.
      for (let i = 0; i < 20; i++) {
        const r = await this.store.sweepHeartbeats(Date.now(), batch);
        this.metrics.heartbeatTimeout(r.timedOut);
        if (r.pinged + r.timedOut < batch) break;
      }
      this.poller.repoll(Date.now() - this.options.pingInterval);
    } catch (err) {
      this.storeFailed(err, 'sweep');
    } finally {
      this.#sweeping = false;
    }
  }

  async #adoptOrphans(): Promise<void> {
    if (this.#orphaning) return;
    this.#orphaning = true;
    try {
      const dead = await this.store.deadWorkers();
      this.deadWorkers.clear();
      for (const d of dead) this.deadWorkers.add(d);
      for (const d of dead) {
        for (;;) {
          const sids = await this.store.orphans(d, 100);
          if (sids.length === 0) break;
          await Promise.all(sids.map((sid) => this.claim(sid, d)));
        }
        await this.store.forgetWorker(d);
      }
    } catch (err) {
      this.storeFailed(err, 'orphans');
    } finally {
      this.#orphaning = false;
    }
  }
}

export function parseHandshake(json: string): HandshakeRecord {
  try {
    const v = JSON.parse(json) as HandshakeRecord;
    if (v && typeof v === 'object' && v.request) return v;
  } catch {
    // fall through: a record we cannot read still gets a usable socket
  }
  return {
    request: { method: 'GET', url: '', path: '', query: Object.create(null) as Record<string, string>, headers: Object.create(null) as Record<string, string>, remoteAddress: '' },
    issued: Date.now(),
    supportsBinary: false,
  };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Math.floor(v)));
}
