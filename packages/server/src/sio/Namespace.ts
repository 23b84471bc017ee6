import { EventEmitter } from 'node:events';
import { BroadcastOperator } from './BroadcastOperator.js';
import type { Client } from './Client.js';
import { ClusterAdapter } from './ClusterAdapter.js';
import type { RemoteSocket } from './RemoteSocket.js';
import type { Server } from './Server.js';
import { Socket, type SocketSnapshot } from './Socket.js';
import { RESERVED_SERVER_SIDE_EVENTS } from './wire.js';
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

/** An error a middleware passes to `next`: its `message` and `data` reach the client in CONNECT_ERROR. */
export interface ExtendedError extends Error {
  data?: unknown;
}

export type NamespaceMiddleware<L extends EventsMap, E extends EventsMap, S extends EventsMap, D> = (
  socket: Socket<L, E, S, D>,
  next: (err?: ExtendedError) => void,
) => void;

export class Namespace<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = DefaultEventsMap,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any, // eslint-disable-line @typescript-eslint/no-explicit-any
> extends EventEmitter {
  readonly name: string;
  readonly server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  /** Sockets of this namespace owned by this worker, by id. */
  readonly sockets = new Map<string, Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();
  readonly adapter: ClusterAdapter;
  _fns: Array<NamespaceMiddleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> = [];

  constructor(server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, name: string) {
    super();
    this.server = server;
    this.name = name;
    this.adapter = this.createAdapter();
  }

  protected createAdapter(): ClusterAdapter {
    return new ClusterAdapter(this);
  }

  use(fn: NamespaceMiddleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): this {
    this._fns.push(fn);
    return this;
  }

  // ---- broadcasting (socket.io's namespace API) ---------------------------------

  to(room: string | string[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.#op().to(room);
  }

  in(room: string | string[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.#op().in(room);
  }

  except(room: string | string[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.#op().except(room);
  }

  get volatile(): BroadcastOperator<EmitEvents, SocketData> {
    return this.#op().volatile;
  }

  get local(): BroadcastOperator<EmitEvents, SocketData> {
    return this.#op().local;
  }

  compress(compress: boolean): BroadcastOperator<EmitEvents, SocketData> {
    return this.#op().compress(compress);
  }

  timeout(ms: number): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.#op().timeout(ms);
  }

  override emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    return this.#op().emit(ev, ...args);
  }

  emitWithAck<Ev extends EventNames<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<Array<FirstArg<Last<EventParams<EmitEvents, Ev>>>>> {
    return this.#op().emitWithAck(ev, ...args);
  }

  send(...args: EventParams<EmitEvents, 'message'>): this {
    (this.emit as (ev: string, ...a: unknown[]) => boolean)('message', ...args);
    return this;
  }

  write(...args: EventParams<EmitEvents, 'message'>): this {
    return this.send(...args);
  }

  fetchSockets(): Promise<Array<Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData> | RemoteSocket<EmitEvents, SocketData>>> {
    return this.#op().fetchSockets() as never;
  }

  /** Ids of this namespace's sockets on every worker. */
  allSockets(): Promise<Set<string>> {
    return this.#op().allSockets();
  }

  socketsJoin(room: string | string[]): void {
    this.#op().socketsJoin(room);
  }

  socketsLeave(room: string | string[]): void {
    this.#op().socketsLeave(room);
  }

  disconnectSockets(close = false): void {
    this.#op().disconnectSockets(close);
  }

  /**
   * Emits to the other workers' listeners of this namespace (`nsp.on(ev)`).
   * A last-argument callback gets `(err, responses)` with one answer per
   * other worker.
   */
  serverSideEmit<Ev extends EventNames<ServerSideEvents>>(ev: Ev, ...args: EventParams<ServerSideEvents, Ev>): boolean {
    if (RESERVED_SERVER_SIDE_EVENTS.has(String(ev))) throw new Error(`"${String(ev)}" is a reserved event name`);
    const data: unknown[] = [ev, ...args];
    const last = data[data.length - 1];
    const timeout = this.#serverSideTimeout;
    this.#serverSideTimeout = undefined;
    if (typeof last === 'function') data.pop();
    this.server.requests.serverSideEmit(this.name, data, typeof last === 'function' ? (last as never) : null, timeout);
    return true;
  }

  serverSideEmitWithAck<Ev extends EventNames<ServerSideEvents>>(ev: Ev, ...args: AllButLast<EventParams<ServerSideEvents, Ev>>): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      (args as unknown[]).push((err: Error | null, responses: unknown[]) => (err ? reject(err) : resolve(responses)));
      (this.serverSideEmit as (ev: string | symbol, ...a: unknown[]) => boolean)(ev, ...(args as unknown[]));
    });
  }

  #serverSideTimeout: number | undefined;

  /** Sets the timeout of the next `serverSideEmit` with an ack. */
  serverSideTimeout(ms: number): this {
    this.#serverSideTimeout = ms;
    return this;
  }

  /** Handles another worker's serverSideEmit on this worker's listeners. */
  receiveServerSide(args: unknown[], reply: ((response: unknown) => void) | null): void {
    const [ev, ...rest] = args as [string, ...unknown[]];
    if (reply) {
      let answered = false;
      rest.push((response: unknown) => {
        if (answered) return;
        answered = true;
        reply(response);
      });
    }
    try {
      super.emit(ev, ...rest);
    } catch (err) {
      this.server.listenerError(err, ev);
    }
  }

  // ---- connections -------------------------------------------------------------

  /**
   * A client asks to join this namespace (or a socket is rebuilt from a
   * snapshot: after a takeover, an upgrade that landed elsewhere, or a
   * connection-state recovery). Middlewares run unless skipped; then the
   * client is told and `connection` runs.
   */
  async add(
    client: Client,
    auth: Record<string, unknown>,
    previous?: { snapshot: SocketSnapshot; announce: boolean; skipMiddlewares: boolean; replay?: (s: Socket) => Promise<void> },
  ): Promise<void> {
    const socket = new Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>(this, client, auth, previous?.snapshot);
    if (previous) socket.recovered = true;
    client.addSocket(socket);
    if (!previous?.skipMiddlewares) {
      const err = await this.#runMiddlewares(socket);
      if (client.conn.readyState !== 'open') {
        client.removeSocket(socket);
        return;
      }
      if (err) {
        client.removeSocket(socket);
        client.connectError(this.name, err);
        return;
      }
    }
    this.sockets.set(socket.id, socket);
    // A session rebuilt after a move was in its rooms all along: no room events for it.
    const notify = !previous || previous.announce;
    if (previous) this.adapter.addAll(socket, previous.snapshot.rooms, false, notify);
    socket.connected = true;
    this.adapter.addAll(socket, [socket.id], false, notify);
    client.persistNow();
    socket.onConnect(previous ? previous.announce : true);
    if (!previous || previous.announce) this.server.rememberPid(socket);
    if (previous?.replay) await previous.replay(socket);
    if (!socket.connected) return;
    this.#emitConnection(socket);
    socket.flushEarly();
  }

  removeSocket(socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    if (this.sockets.get(socket.id) === socket) this.sockets.delete(socket.id);
  }

  #emitConnection(socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    for (const ev of ['connect', 'connection']) {
      try {
        super.emit(ev, socket);
      } catch (err) {
        this.server.listenerError(err, ev);
      }
    }
  }

  #runMiddlewares(socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): Promise<ExtendedError | null> {
    const fns = this._fns.slice();
    if (fns.length === 0) return Promise.resolve(null);
    return new Promise((resolve) => {
      let i = 0;
      const next = (err?: ExtendedError): void => {
        if (err) return resolve(err instanceof Error ? err : Object.assign(new Error(String(err)), { data: undefined }));
        const fn = fns[i++];
        if (!fn) return resolve(null);
        let called = false;
        try {
          fn(socket, (e) => {
            if (called) return;
            called = true;
            next(e);
          });
        } catch (e) {
          if (!called) {
            called = true;
            next(e as ExtendedError);
          }
        }
      };
      next();
    });
  }

  #op(): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.adapter);
  }
}
