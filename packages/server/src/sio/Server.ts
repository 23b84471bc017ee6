import { EventEmitter } from 'node:events';
import type { TemplatedApp } from 'uWebSockets.js';
import { compareIds, type Bus, type BusEntry, type BusInput } from '../bus/Bus.js';
import { MemoryBus } from '../bus/MemoryBus.js';
import { Engine } from '../engine/Engine.js';
import type { Host } from '../host/Host.js';
import { NodeHost, type AttachableServer } from '../host/node/NodeHost.js';
import { createHost } from '../host/select.js';
import { UwsHost } from '../host/uws/UwsHost.js';
import type { EngineSocket } from '../engine/EngineSocket.js';
import type { EngineOptions } from '../engine/options.js';
import type { MetricsErrorCode } from '../metrics/Metrics.js';
import type { SessionRecord } from '../store/Store.js';
import type { BroadcastOperator } from './BroadcastOperator.js';
import { checkAttach, closeServer, isHost, isOptionsArgument, serverListening, type AttachTarget } from './attachTarget.js';
import { Client } from './Client.js';
import { clientBundles } from './clientBundles.js';
import { ClusterRequests } from './ClusterRequests.js';
import { Namespace, type ExtendedError, type NamespaceMiddleware } from './Namespace.js';
import { ParentNamespace, type NamespaceMatcher } from './ParentNamespace.js';
import { ParserCodec, type CustomParser } from './parser.js';
import type { RemoteSocket } from './RemoteSocket.js';
import { RECOVERABLE_REASONS, type Socket, type SocketSnapshot } from './Socket.js';
import type {
  AllButLast,
  DecorateAcknowledgementsWithMultipleResponses,
  DefaultEventsMap,
  EventNames,
  EventParams,
  EventsMap,
  FirstArg,
  Last,
} from './typed-events.js';
import { decodeBroadcast, decodeServerSide, KIND_BROADCAST, KIND_OP, KIND_SERVER_SIDE } from './wire.js';

export interface ConnectionStateRecoveryOptions {
  /** How long a disconnected session can be recovered, ms (default 2 minutes). */
  maxDisconnectionDuration?: number;
  /** Skip the middlewares when a session is recovered (default true). */
  skipMiddlewares?: boolean;
}

export interface ServerOptions extends EngineOptions {
  /** The cluster bus for broadcasts and cluster-wide operations; in-memory (one process) by default. */
  bus?: Bus;
  /** ms a protocol 5 client has to join a namespace before the connection is closed (default 45000). */
  connectTimeout?: number;
  /** socket.io 4.6's connection-state recovery; off unless given. */
  connectionStateRecovery?: ConnectionStateRecoveryOptions | boolean;
  /** Most binary attachments in one packet (default 10). */
  maxAttachments?: number;
  /** Remove a dynamic namespace's child once its last local socket left (default false). */
  cleanupEmptyChildNamespaces?: boolean;
  /**
   * Behind a reverse proxy that sets them, take `handshake.address` from
   * `X-Forwarded-For` (its first address) and `handshake.secure` from
   * `X-Forwarded-Proto` (default false: any client could send them).
   */
  trustProxy?: boolean;
  /**
   * socket.io's `parser` option: `{ Encoder, Decoder }` such as
   * socket.io-msgpack-parser, for every Engine.IO session (clients must use
   * the same one). Socket.IO 0.6–0.9 sessions keep their own wire.
   */
  parser?: CustomParser;
  /** The interface `new Server(port)` and `io.listen(port)` bind (default `'0.0.0.0'`, every IPv4 interface). */
  address?: string;
  /** Serve socket.io-client's browser bundles under the path, like socket.io (default true). */
  serveClient?: boolean;
}

export interface ResolvedServerOptions {
  connectTimeout: number;
  maxAttachments: number;
  recovery: Required<ConnectionStateRecoveryOptions> | null;
  cleanupEmptyChildNamespaces: boolean;
  trustProxy: boolean;
  address: string;
}

/** A disconnected socket's state, kept for `maxDisconnectionDuration`. */
interface RecoveryRecord extends SocketSnapshot {
  nsp: string;
}

/**
 * While a socket is connected its pid points at its session, so that a
 * client whose worker died can be recovered before the cluster has noticed
 * the death (the lease takes `workerTtl` to expire; clients reconnect sooner).
 */
interface RecoveryPointer {
  sid: string;
  nsp: string;
  live: true;
}

/** How long a pid keeps pointing at a live session. */
const POINTER_TTL = 24 * 3600_000;

type AnySocket = Socket<any, any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The socket.io 4.x server API on Nonstick's engine. Sessions live in the
 * engine's store and broadcasts go through the bus, so the same application
 * runs on one process or on many workers behind a round-robin balancer:
 *
 *   const io = new Server({ store: new RedisStore(...), bus: new RedisBus(...) });
 *   io.on('connection', (socket) => socket.on('chat', (m) => io.to('room').emit('chat', m)));
 *   io.listen(3000);
 *
 * Handlers of a session run on the worker that owns it; when ownership moves
 * (an upgrade landed on another worker, or the owner died), the new owner
 * rebuilds the session's sockets from the store and runs the connection
 * listeners again with `socket.recovered === true`.
 */
export class Server<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = DefaultEventsMap,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any, // eslint-disable-line @typescript-eslint/no-explicit-any
> extends EventEmitter {
  readonly engine: Engine;
  readonly bus: Bus;
  readonly options: ResolvedServerOptions;
  /** The main namespace, `/`. */
  readonly sockets: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  readonly requests: ClusterRequests;
  /** The `parser` option's codec; null for socket.io's default encoding. */
  readonly parser: ParserCodec | null;
  /** Resolves once the store and the bus are ready. */
  readonly ready: Promise<void>;
  readonly #nsps = new Map<string, Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();
  readonly #parents = new Map<string, ParentNamespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();
  readonly #clients = new Map<string, Client>();
  #closed = false;
  #busStopped = false;
  /** The host `attach` mounted the engine on (made for a port, given, or wrapping a given server). */
  #host: Host | null = null;
  #listening: Promise<number> | null = null;
  /** The node server Socket.IO is attached to (socket.io's `io.httpServer`); closed by `close`. */
  httpServer: AttachableServer | undefined;

  /**
   * socket.io's forms: `new Server(opts)`, `new Server(port, opts)` (listens
   * on every interface), `new Server(httpServer, opts)` (an http, https or
   * http2 `allowHTTP1` server, listened on by its owner), and Nonstick's
   * `new Server(host, opts)`.
   */
  constructor(opts?: ServerOptions);
  constructor(srv: AttachTarget | undefined, opts?: ServerOptions);
  constructor(srvOrOpts?: AttachTarget | ServerOptions, maybeOpts: ServerOptions = {}) {
    super();
    const optionsOnly = srvOrOpts === undefined || isOptionsArgument(srvOrOpts);
    const srv = optionsOnly ? undefined : (srvOrOpts as AttachTarget);
    const opts = optionsOnly ? ((srvOrOpts as ServerOptions | undefined) ?? {}) : maybeOpts;
    // Before anything starts (store, bus, timers), so a refused target leaves nothing running.
    if (srv !== undefined) checkAttach(srv, undefined);
    const recovery = opts.connectionStateRecovery;
    this.options = {
      connectTimeout: opts.connectTimeout ?? 45_000,
      maxAttachments: opts.maxAttachments ?? 10,
      recovery: recovery
        ? {
            maxDisconnectionDuration: (recovery === true ? undefined : recovery.maxDisconnectionDuration) ?? 120_000,
            skipMiddlewares: (recovery === true ? undefined : recovery.skipMiddlewares) ?? true,
          }
        : null,
      cleanupEmptyChildNamespaces: opts.cleanupEmptyChildNamespaces ?? false,
      trustProxy: opts.trustProxy ?? false,
      address: opts.address ?? '0.0.0.0',
    };
    const {
      bus,
      connectTimeout: _c,
      connectionStateRecovery: _r,
      maxAttachments: _m,
      cleanupEmptyChildNamespaces: _x,
      trustProxy: _t,
      parser,
      address: _a,
      serveClient,
      ...engineOpts
    } = opts;
    this.parser = parser ? new ParserCodec(parser) : null;
    this.engine = new Engine({ path: '/socket.io', ...engineOpts });
    if (serveClient ?? true) this.engine.serveOther(clientBundles(this.engine.options.path));
    this.bus = bus ?? new MemoryBus({ retention: Server.retentionFor(opts), onError: (err) => this.#report(err, 'bus handler', 'listener') });
    this.requests = new ClusterRequests(
      this.engine,
      (input) => this.publish(input),
      (nsp, rooms, except) => this.#nsps.get(nsp)?.adapter.describe(rooms, except) ?? [],
      (sid) => this.#clients.has(sid),
    );
    this.sockets = this.of('/');
    this.engine.on('connection', (conn: EngineSocket) => this.#onConnection(conn));
    this.engine.on('reap', (record: SessionRecord, state: Record<string, string>) => this.#onReap(record, state));
    this.engine.on('store_error', (err: unknown, context: string) => this.#report(err, context));
    this.engine.metrics.source({
      sioSockets: () => {
        let n = 0;
        for (const nsp of this.#nsps.values()) n += nsp.sockets.size;
        return n;
      },
    });
    this.ready = Promise.all([this.engine.ready, this.bus.start((entries) => this.#onBus(entries))]).then(() => undefined);
    this.ready.catch(() => {});
    if (srv !== undefined) this.attach(srv);
  }

  /** How long the bus must keep entries for these options (recovery replays from it). */
  static retentionFor(opts: Pick<ServerOptions, 'connectionStateRecovery'>): number {
    const r = opts.connectionStateRecovery;
    const d = r && r !== true ? r.maxDisconnectionDuration : undefined;
    return Math.max(120_000, (d ?? 120_000) + 10_000);
  }

  get workerId(): string {
    return this.engine.workerId;
  }

  /** Whether sockets must be written to the store (sessions can move to other workers). */
  get persistent(): boolean {
    return this.engine.store.distributed;
  }

  get recovery(): boolean {
    return this.options.recovery !== null;
  }

  /**
   * socket.io's `attach`: a port (a host of the `httpServer` kind listens
   * on it, on `address`), a node server (requests outside the Socket.IO
   * path go on to its own handlers: Express, Fastify, Koa), or a Nonstick
   * host. Options cannot be given here (the engine is configured once, in
   * the constructor). Wait for the port with `listening`.
   */
  attach(srv: AttachTarget, opts?: Partial<ServerOptions>): this {
    checkAttach(srv, opts);
    if (this.#host) throw new Error('this Server is already attached; create another Server for another listener');
    if (typeof srv === 'number') this.#listenOn(srv);
    else if (isHost(srv)) this.#mount(srv, srv instanceof NodeHost ? srv.server : undefined);
    else this.#mount(NodeHost.attach(srv), srv);
    return this;
  }

  /** socket.io's alias of `attach`. */
  listen(srv: AttachTarget, opts?: Partial<ServerOptions>): this {
    return this.attach(srv, opts);
  }

  /** socket.io's `attachApp`: mounts on a uWebSockets.js app, whose listening stays its owner's. */
  attachApp(app: TemplatedApp, opts?: Partial<ServerOptions>): this {
    checkAttach(app, opts);
    return this.attach(UwsHost.attach(app, { allowFallback: this.engine.options.allowUwsFallback }));
  }

  /**
   * Resolves with the port once the server Socket.IO was attached to
   * listens (and the store and bus are ready); rejects if it cannot listen
   * (e.g. EADDRINUSE). A uWS app's or a non-node host's listening is its
   * owner's to know: rejects for those.
   */
  get listening(): Promise<number> {
    if (this.#listening) return this.#listening;
    const why = this.#host ? 'the host Socket.IO is attached to is listened on by its owner' : 'not attached: call io.listen(port) or io.attach(server) first';
    return Promise.reject(new Error(why));
  }

  #listenOn(port: number): void {
    const o = this.engine.options;
    const { host } = createHost(o.httpServer, { allowUwsFallback: o.allowUwsFallback });
    const addr = this.options.address;
    this.#host = host;
    this.engine.attach(host);
    if (host instanceof NodeHost) this.httpServer = host.server;
    this.#watchListening(
      this.ready
        .then(() => (this.#closed ? Promise.reject(new Error('the Server was closed before it listened')) : host.listen(port, addr)))
        .then(async (bound) => {
          await this.engine.listenFlashPolicy(addr);
          return bound;
        }),
    );
  }

  #mount(host: Host, server: AttachableServer | undefined): void {
    this.#host = host;
    this.engine.attach(host);
    this.httpServer = server;
    if (server) this.#watchListening(Promise.all([this.ready, serverListening(server)]).then(([, port]) => port));
  }

  /** Nobody may be waiting on `listening`: a failure to listen is reported rather than lost (or left unhandled). */
  #watchListening(listening: Promise<number>): void {
    this.#listening = listening;
    listening.catch((err: unknown) => {
      if (this.#closed) return;
      if (this.listenerCount('error') > 0) super.emit('error', err, 'listen');
      else console.error('nonstick: Socket.IO cannot listen:', err);
    });
  }

  path(): string {
    return this.engine.options.path;
  }

  /**
   * A namespace by name, or a parent of dynamic namespaces by RegExp or
   * function. `fn` is added as a connection listener.
   */
  of(
    name: string | NamespaceMatcher,
    fn?: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void,
  ): Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
    if (typeof name !== 'string') {
      const parent = new ParentNamespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>(this, `/_${this.#parents.size}`, name);
      this.#parents.set(parent.name, parent);
      if (fn) parent.on('connection', fn);
      return parent;
    }
    const nspName = name.startsWith('/') ? name : `/${name}`;
    let nsp = this.#nsps.get(nspName);
    if (!nsp) {
      nsp = new Namespace(this, nspName);
      this.#nsps.set(nspName, nsp);
      if (nspName !== '/') super.emit('new_namespace', nsp);
    }
    if (fn) nsp.on('connection', fn);
    return nsp;
  }

  /** Namespaces that exist on this worker (dynamic children included). */
  get namespaces(): ReadonlyMap<string, Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> {
    return this.#nsps;
  }

  /**
   * socket.io's name for `namespaces`: tools written against socket.io's
   * internals (@socket.io/admin-ui) walk it.
   */
  get _nsps(): ReadonlyMap<string, Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> {
    return this.#nsps;
  }

  // ---- the main namespace's API, as socket.io exposes it on the server ----------

  use(fn: NamespaceMiddleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): this {
    this.sockets.use(fn);
    return this;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override on(ev: string | symbol, listener: (...args: any[]) => void): this {
    if (ev === 'new_namespace' || ev === 'error') super.on(ev, listener);
    else this.sockets.on(ev, listener);
    return this;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override once(ev: string | symbol, listener: (...args: any[]) => void): this {
    if (ev === 'new_namespace' || ev === 'error') super.once(ev, listener);
    else this.sockets.once(ev, listener);
    return this;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override off(ev: string | symbol, listener: (...args: any[]) => void): this {
    if (ev === 'new_namespace' || ev === 'error') super.off(ev, listener);
    else this.sockets.off(ev, listener);
    return this;
  }

  override emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    return this.sockets.emit(ev, ...args);
  }

  emitWithAck<Ev extends EventNames<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<Array<FirstArg<Last<EventParams<EmitEvents, Ev>>>>> {
    return this.sockets.emitWithAck(ev, ...args);
  }

  send(...args: EventParams<EmitEvents, 'message'>): this {
    this.sockets.send(...args);
    return this;
  }

  write(...args: EventParams<EmitEvents, 'message'>): this {
    return this.send(...args);
  }

  to(room: string | string[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.sockets.to(room);
  }

  in(room: string | string[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.sockets.in(room);
  }

  except(room: string | string[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.sockets.except(room);
  }

  get volatile(): BroadcastOperator<EmitEvents, SocketData> {
    return this.sockets.volatile;
  }

  get local(): BroadcastOperator<EmitEvents, SocketData> {
    return this.sockets.local;
  }

  compress(compress: boolean): BroadcastOperator<EmitEvents, SocketData> {
    return this.sockets.compress(compress);
  }

  timeout(ms: number): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.timeout(ms);
  }

  fetchSockets(): Promise<Array<Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData> | RemoteSocket<EmitEvents, SocketData>>> {
    return this.sockets.fetchSockets();
  }

  /** Ids of the main namespace's sockets on every worker. */
  allSockets(): Promise<Set<string>> {
    return this.sockets.allSockets();
  }

  socketsJoin(room: string | string[]): void {
    this.sockets.socketsJoin(room);
  }

  socketsLeave(room: string | string[]): void {
    this.sockets.socketsLeave(room);
  }

  disconnectSockets(close = false): void {
    this.sockets.disconnectSockets(close);
  }

  serverSideEmit<Ev extends EventNames<ServerSideEvents>>(ev: Ev, ...args: EventParams<ServerSideEvents, Ev>): boolean {
    return this.sockets.serverSideEmit(ev, ...args);
  }

  serverSideEmitWithAck<Ev extends EventNames<ServerSideEvents>>(ev: Ev, ...args: AllButLast<EventParams<ServerSideEvents, Ev>>): Promise<unknown[]> {
    return this.sockets.serverSideEmitWithAck(ev, ...args);
  }

  /**
   * Leaves the cluster: local sockets leave with "server shutting down" (as
   * in socket.io; recoverable), what they sent is flushed to the store,
   * then the engine closes. With a shared store, polling sessions are not
   * ended: their state stays in the store and the other workers adopt them
   * (their clients notice nothing); websocket clients reconnect elsewhere
   * and, with connection-state recovery, recover. As in socket.io, the node
   * server Socket.IO was attached to is closed too.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.requests.close();
    const clients = [...this.#clients.values()];
    for (const client of clients) {
      const handOff = this.persistent && client.conn.transportName === 'polling';
      if (handOff) client.handOff();
      for (const s of [...client.sockets.values()]) s.onClose('server shutting down');
    }
    await Promise.race([Promise.all(clients.map((c) => c.conn.settled())), new Promise((r) => setTimeout(r, 2000).unref())]);
    await this.engine.close();
    await this.#host?.close();
    if (this.httpServer) await closeServer(this.httpServer);
    this.#busStopped = true;
    await this.bus.stop().catch(() => undefined);
  }

  // ---- layer-internal ---------------------------------------------------------

  publish(input: BusInput): void {
    // Timers the application left running (admin-ui's stats) may still emit: a closed server has no cluster to reach.
    if (this.#busStopped) return;
    if (input.kind === KIND_BROADCAST) this.engine.metrics.broadcast();
    this.bus.publish(input).catch((err) => this.#report(err, 'publish', 'bus'));
  }

  liveWorkerCount(): Promise<number> {
    return this.engine.store.workers().then((w) => Math.max(1, w.length));
  }

  socketTouched(socket: AnySocket): void {
    if (this.persistent) socket.client.schedulePersist();
  }

  listenerError(err: unknown, context: string): void {
    // A throwing handler must not take the worker (and every other session) down.
    this.engine.metrics.error('listener');
    if (this.listenerCount('error') > 0) super.emit('error', err, context);
    else console.error(`nonstick: a "${context}" listener threw:`, err);
  }

  decodeFailed(err: unknown): void {
    this.engine.metrics.error('decode');
    if (this.listenerCount('decode_error') > 0) super.emit('decode_error', err);
  }

  clientClosed(client: Client): void {
    if (this.#clients.get(client.id) === client) this.#clients.delete(client.id);
  }

  /** A CONNECT for `name`: recovery first (protocol 5 with a pid), then the namespace's middlewares. */
  async connectClient(client: Client, name: string, auth: Record<string, unknown>): Promise<void> {
    const rec = this.options.recovery;
    if (rec && client.revision === 5 && typeof auth['pid'] === 'string' && typeof auth['offset'] === 'string') {
      const recovered = await this.#recover(client, name, auth, auth['pid'], auth['offset'], rec.skipMiddlewares);
      if (recovered) return;
    }
    const nsp = await this.#namespaceFor(name, auth);
    if (!nsp) return client.connectError(name, { message: 'Invalid namespace' });
    await nsp.add(client, auth);
  }

  /** Rebuilds a session's sockets from the store on the worker that now owns it. */
  async restoreClient(client: Client): Promise<void> {
    const state = await this.engine.store.getState(client.id);
    for (const [name, json] of Object.entries(state)) {
      let snapshot: SocketSnapshot;
      try {
        snapshot = JSON.parse(json) as SocketSnapshot;
      } catch {
        continue;
      }
      const nsp = await this.#namespaceFor(name, snapshot.auth ?? {});
      if (!nsp) continue;
      client.markPersisted(name, json);
      await nsp.add(client, snapshot.auth ?? {}, { snapshot, announce: false, skipMiddlewares: true });
    }
  }

  /** A socket with a pid joined (fresh or recovered): its pid now points at this session. */
  rememberPid(socket: AnySocket): void {
    if (!socket.pid) return;
    const pointer: RecoveryPointer = { sid: socket.client.id, nsp: socket.nsp.name, live: true };
    this.engine.store.saveRecovery(socket.pid, JSON.stringify(pointer), POINTER_TTL).catch((err) => this.#report(err, 'recovery', 'store'));
  }

  /** A socket left: with recovery on and a recoverable reason, its state is kept for a while. */
  recoveryOnClose(socket: AnySocket, reason: string): void {
    const rec = this.options.recovery;
    // A session handed to another worker goes on there: nothing to recover.
    if (!rec || !socket.pid || !RECOVERABLE_REASONS.has(reason) || socket.client.handingOff) return;
    this.#saveRecovery({ ...socket.snapshot(), nsp: socket.nsp.name }, rec.maxDisconnectionDuration);
  }

  // ---- internals ----------------------------------------------------------------

  #onConnection(conn: EngineSocket): void {
    const client = new Client(this, conn);
    this.#clients.set(conn.id, client);
    if (conn.resumed && this.persistent) void client.restore();
    else client.start();
  }

  /** A dead worker's websocket session was reaped: its sockets become recoverable. */
  #onReap(_record: SessionRecord, state: Record<string, string>): void {
    const rec = this.options.recovery;
    if (!rec) return;
    for (const [nsp, json] of Object.entries(state ?? {})) {
      try {
        const snapshot = JSON.parse(json) as SocketSnapshot;
        if (snapshot.pid) this.#saveRecovery({ ...snapshot, nsp }, rec.maxDisconnectionDuration);
      } catch {
        // unreadable state cannot be recovered
      }
    }
  }

  #saveRecovery(record: RecoveryRecord, ttl: number): void {
    this.engine.store.saveRecovery(record.pid!, JSON.stringify(record), ttl).catch((err) => this.#report(err, 'recovery', 'store'));
  }

  async #recover(client: Client, name: string, auth: Record<string, unknown>, pid: string, offset: string, skipMiddlewares: boolean): Promise<boolean> {
    // The log must still hold everything after the client's offset, or the recovery would have a gap.
    const missed = await this.bus.range(offset, 0).catch(() => null);
    if (missed === null) return false;
    let record = await this.#takeRecovery(pid);
    if (record && 'live' in record) record = await this.#recoverFromDeadOwner(pid, record);
    if (!record) return false;
    if (record.nsp !== name) return false;
    const nsp = await this.#namespaceFor(name, auth);
    if (!nsp) return false;
    const { pid: _p, offset: _o, ...rest } = auth;
    await nsp.add(client, rest, {
      snapshot: { ...record, auth: rest },
      announce: true,
      skipMiddlewares,
      replay: (s) => this.#replay(s, offset),
    });
    return true;
  }

  async #takeRecovery(pid: string): Promise<RecoveryRecord | RecoveryPointer | null> {
    const json = await this.engine.store.takeRecovery(pid).catch(() => null);
    if (!json) return null;
    try {
      return JSON.parse(json) as RecoveryRecord | RecoveryPointer;
    } catch {
      return null;
    }
  }

  /**
   * The pid still points at a session: the client lost its connection before
   * the server noticed. If the session's owner no longer answers, it died
   * with the connection: reap the session now (which turns its state into
   * recovery records) instead of waiting for its lease to expire. An owner
   * that answers still serves the session, which socket.io does not recover
   * either.
   */
  async #recoverFromDeadOwner(pid: string, pointer: RecoveryPointer): Promise<RecoveryRecord | null> {
    const rec = await this.engine.store.get(pointer.sid).catch(() => null);
    if (!rec || rec.closed !== null || rec.owner === this.workerId) return null;
    if (await this.requests.workerHolds(rec.owner, pointer.sid)) return null;
    await this.engine.claim(pointer.sid, rec.owner);
    const record = await this.#takeRecovery(pid);
    return record && !('live' in record) ? record : null;
  }

  /**
   * Sends a recovered socket what it missed: the broadcasts after `offset`
   * that it would have received, in log order. Live entries that arrive
   * meanwhile are held by the socket and deduplicated against the replay.
   */
  async #replay(socket: AnySocket, offset: string): Promise<void> {
    socket.holdLive();
    let last = offset;
    try {
      for (;;) {
        const entries = await this.bus.range(last, 1000);
        if (entries === null) {
          // The log was trimmed past us mid-replay: a gap. Close the
          // connection so the client starts over with a fresh session.
          socket.client.conn.close();
          return;
        }
        if (entries.length === 0) break;
        for (const e of entries) {
          last = e.id;
          if (e.kind !== KIND_BROADCAST || e.fields[0] !== socket.nsp.name) continue;
          const b = decodeBroadcast(e);
          if (!b || b.volatile || b.reply) continue;
          const rooms = socket.nsp.adapter.sids.get(socket.id) ?? new Set<string>();
          if (b.rooms.length > 0 && !b.rooms.some((r) => rooms.has(r))) continue;
          if (b.except.some((r) => rooms.has(r))) continue;
          socket.client.writeFrames(socket.nsp.adapter.framesOf(b, e.id));
        }
        if (entries.length < 1000) break;
      }
    } finally {
      socket.releaseLive(last);
    }
  }

  async #namespaceFor(name: string, auth: Record<string, unknown>): Promise<Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> | null> {
    const existing = this.#nsps.get(name);
    if (existing) return existing;
    for (const parent of this.#parents.values()) {
      if (!(await parent.matches(name, auth))) continue;
      const again = this.#nsps.get(name);
      if (again) return again;
      const child = parent.createChild(name);
      this.#nsps.set(name, child);
      super.emit('new_namespace', child);
      return child;
    }
    return null;
  }

  #onBus(entries: BusEntry[]): void {
    this.engine.metrics.busDelivered(entries);
    for (const e of entries) {
      try {
        this.#onBusEntry(e);
      } catch (err) {
        this.#report(err, 'bus entry', 'listener');
      }
    }
  }

  #onBusEntry(e: BusEntry): void {
    const name = e.fields[0];
    if (name === undefined) return;
    const nsp = this.#nsps.get(name) ?? this.#parents.get(name);
    if (!nsp) return;
    switch (e.kind) {
      case KIND_BROADCAST:
        nsp.adapter.onBroadcast(e);
        return;
      case KIND_OP:
        nsp.adapter.onOp(e);
        return;
      case KIND_SERVER_SIDE: {
        const s = decodeServerSide(e);
        if (!s || s.from === this.workerId) return;
        const to = s.reply;
        nsp.receiveServerSide(s.args, to ? (v) => this.requests.reportResponse(to, v) : null);
        return;
      }
    }
  }

  /** `code`: counted in errors_total (engine store errors arrive here already counted). */
  #report(err: unknown, context: string, code?: MetricsErrorCode): void {
    if (code) this.engine.metrics.error(code);
    if (this.listenerCount('store_error') > 0) super.emit('store_error', err, context);
  }
}

export { compareIds };
export type { ExtendedError };
