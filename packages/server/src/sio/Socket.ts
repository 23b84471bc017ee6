import { EventEmitter } from 'node:events';
import { RESERVED_EVENT_NAMES, SioPacketType, type SioPacket } from '@nonstick/protocol';
import { compareIds } from '../bus/Bus.js';
import type { EngineSocket } from '../engine/EngineSocket.js';
import { BroadcastOperator, type BroadcastFlags } from './BroadcastOperator.js';
import type { Client } from './Client.js';
import type { Namespace } from './Namespace.js';
import { generateId as newId } from '../engine/sid.js';
import type { AllButLast, DecorateAcknowledgements, DefaultEventsMap, EventNames, EventParams, EventsMap, FirstArg, Last, Listener } from './typed-events.js';

/** What socket.io calls `socket.handshake`. */
export interface Handshake {
  headers: Record<string, string>;
  /** Date string of the handshake. */
  time: string;
  address: string;
  xdomain: boolean;
  secure: boolean;
  /** Epoch ms of the handshake. */
  issued: number;
  url: string;
  query: Record<string, string>;
  auth: Record<string, unknown>;
}

export type DisconnectReason =
  | 'transport error'
  | 'transport close'
  | 'forced close'
  | 'ping timeout'
  | 'parse error'
  | 'server shutting down'
  | 'forced server close'
  | 'client namespace disconnect'
  | 'server namespace disconnect';

/** Reasons after which connection-state recovery keeps the session (socket.io's list). */
export const RECOVERABLE_REASONS: ReadonlySet<string> = new Set([
  'transport error',
  'transport close',
  'forced close',
  'ping timeout',
  'server shutting down',
  'forced server close',
]);

/** Event names the application cannot emit (the protocol refuses them too). */
export const RESERVED_EVENTS: ReadonlySet<string | symbol> = RESERVED_EVENT_NAMES;

/** What a socket is rebuilt from: after a takeover, an upgrade elsewhere, or a recovery. */
export interface SocketSnapshot {
  id: string;
  pid?: string | undefined;
  rooms: string[];
  data: unknown;
  auth: Record<string, unknown>;
}

type Ack = (...args: unknown[]) => void;
type PacketMiddleware = (event: unknown[], next: (err?: Error) => void) => void;

export class Socket<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = DefaultEventsMap,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any, // eslint-disable-line @typescript-eslint/no-explicit-any
> extends EventEmitter {
  readonly id: string;
  readonly nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  readonly client: Client;
  readonly handshake: Handshake;
  /** Private id for connection-state recovery (protocol 5 with recovery enabled). */
  readonly pid: string | undefined;
  /** True when this socket continues an earlier one: recovered after a reconnect, or rebuilt on the worker that now owns the session. */
  recovered = false;
  data: SocketData;
  connected = false;

  readonly #flags: { timeout?: number; volatile?: boolean; compress?: boolean } = {};
  readonly #acks = new Map<number, Ack>();
  #nextAck = 0;
  #anyIncoming: Listener[] | null = null;
  #anyOutgoing: Listener[] | null = null;
  #fns: PacketMiddleware[] = [];
  #live: Array<{ frames: readonly (string | Uint8Array)[]; offset: string | null }> | null = null;
  /**
   * After a replay, the offset it went up to, until the bus reader passes it:
   * the replay reads the log on another connection than the reader, so the
   * reader can still deliver entries the replay already sent.
   */
  #replayedUpTo: string | null = null;
  /** Inbound packets that arrived before the socket finished connecting. */
  #early: SioPacket[] | null = [];

  constructor(
    nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    client: Client,
    auth: Record<string, unknown>,
    previous?: SocketSnapshot,
  ) {
    super();
    this.nsp = nsp;
    this.client = client;
    if (previous) {
      this.id = previous.id;
      this.pid = previous.pid;
      this.data = previous.data as SocketData;
    } else {
      this.id = client.revision === 4 ? (nsp.name === '/' ? client.id : `${nsp.name}#${client.id}`) : newId();
      this.pid = client.server.recovery && client.revision === 5 ? newId() : undefined;
      this.data = {} as SocketData;
    }
    // Protocol 1 peers count ack ids from 1 (0.9 wrote `id || ''`: an id 0 would be lost).
    if (client.legacy) this.#nextAck = 1;
    this.handshake = client.handshakeFor(previous?.auth ?? auth);
  }

  override on<Ev extends EventNames<ListenEvents>>(ev: Ev, listener: ListenEvents[Ev]): this;
  override on(ev: 'disconnect' | 'disconnecting', listener: (reason: DisconnectReason, description?: unknown) => void): this;
  override on(ev: 'error', listener: (err: Error) => void): this;
  override on(ev: string | symbol, listener: Listener): this;
  override on(ev: string | symbol, listener: Listener): this {
    return super.on(ev, listener);
  }

  override once<Ev extends EventNames<ListenEvents>>(ev: Ev, listener: ListenEvents[Ev]): this;
  override once(ev: 'disconnect' | 'disconnecting', listener: (reason: DisconnectReason, description?: unknown) => void): this;
  override once(ev: string | symbol, listener: Listener): this;
  override once(ev: string | symbol, listener: Listener): this {
    return super.once(ev, listener);
  }

  get conn(): EngineSocket {
    return this.client.conn;
  }

  get request(): EngineSocket['request'] {
    return this.client.conn.request;
  }

  get disconnected(): boolean {
    return !this.connected;
  }

  /** Rooms this socket is in (its own id included), on its owner. */
  get rooms(): Set<string> {
    return new Set(this.nsp.adapter.socketRooms(this.id) ?? []);
  }

  // ---- outgoing -------------------------------------------------------------

  override emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    if (RESERVED_EVENTS.has(ev)) throw new Error(`"${String(ev)}" is a reserved event name`);
    const data: unknown[] = [ev, ...args];
    const packet: SioPacket = { type: SioPacketType.EVENT, nsp: this.nsp.name, data };
    const flags = this.#takeFlags();
    if (typeof data[data.length - 1] === 'function') {
      const cb = data.pop() as Ack;
      packet.id = this.#registerAck(cb, flags.timeout);
    }
    this.#notifyOutgoing(data);
    if (flags.volatile && this.conn.readyState !== 'open') return true;
    this.packet(packet);
    return true;
  }

  emitWithAck<Ev extends EventNames<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<FirstArg<Last<EventParams<EmitEvents, Ev>>>> {
    const withErr = this.#flags.timeout !== undefined;
    return new Promise((resolve, reject) => {
      (args as unknown[]).push((...res: unknown[]) => {
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- rejects with the ack's error argument as is, as socket.io does
        if (withErr) return res[0] ? reject(res[0]) : resolve(res[1] as never);
        resolve(res[0] as never);
      });
      (this.emit as (ev: string | symbol, ...a: unknown[]) => boolean)(ev, ...(args as unknown[]));
    });
  }

  send(...args: EventParams<EmitEvents, 'message'>): this {
    (this.emit as (ev: string, ...a: unknown[]) => boolean)('message', ...args);
    return this;
  }

  write(...args: EventParams<EmitEvents, 'message'>): this {
    return this.send(...args);
  }

  /** Sets a timeout on the next emit's acknowledgement; its callback gets an error first. */
  timeout(ms: number): Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>, ServerSideEvents, SocketData> {
    this.#flags.timeout = ms;
    return this;
  }

  get volatile(): this {
    this.#flags.volatile = true;
    return this;
  }

  compress(compress: boolean): this {
    this.#flags.compress = compress;
    return this;
  }

  /** Everyone in the namespace but this socket. */
  get broadcast(): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator();
  }

  /** Only sockets on this worker. */
  get local(): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator({ local: true });
  }

  to(room: string | string[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().to(room);
  }

  in(room: string | string[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.to(room);
  }

  except(room: string | string[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().except(room);
  }

  // ---- rooms ----------------------------------------------------------------

  join(rooms: string | string[]): void {
    this.nsp.adapter.addAll(this, Array.isArray(rooms) ? rooms : [rooms]);
  }

  leave(room: string): void {
    this.nsp.adapter.del(this, room);
  }

  /** Leaves the namespace; with `close`, closes the whole connection. */
  disconnect(close = false): this {
    if (!this.connected) return this;
    if (close) {
      this.client.disconnectAll();
      return this;
    }
    this.packet({ type: SioPacketType.DISCONNECT, nsp: this.nsp.name });
    this.onClose('server namespace disconnect');
    return this;
  }

  // ---- catch-all listeners ----------------------------------------------------

  onAny(listener: Listener): this {
    (this.#anyIncoming ??= []).push(listener);
    return this;
  }

  prependAny(listener: Listener): this {
    (this.#anyIncoming ??= []).unshift(listener);
    return this;
  }

  offAny(listener?: Listener): this {
    this.#anyIncoming = removeListener(this.#anyIncoming, listener);
    return this;
  }

  listenersAny(): Listener[] {
    return this.#anyIncoming?.slice() ?? [];
  }

  onAnyOutgoing(listener: Listener): this {
    (this.#anyOutgoing ??= []).push(listener);
    return this;
  }

  prependAnyOutgoing(listener: Listener): this {
    (this.#anyOutgoing ??= []).unshift(listener);
    return this;
  }

  offAnyOutgoing(listener?: Listener): this {
    this.#anyOutgoing = removeListener(this.#anyOutgoing, listener);
    return this;
  }

  listenersAnyOutgoing(): Listener[] {
    return this.#anyOutgoing?.slice() ?? [];
  }

  /** Middleware for incoming events: `fn([event, ...args], next)`. */
  use(fn: PacketMiddleware): this {
    this.#fns.push(fn);
    return this;
  }

  // ---- layer-internal ---------------------------------------------------------

  /** Writes one packet to this socket's connection. */
  packet(packet: SioPacket): void {
    this.client.writePacket(packet);
  }

  /** The namespace accepted the socket: tell the client, then process what it sent meanwhile. */
  onConnect(announce: boolean): void {
    this.connected = true;
    if (announce) {
      if (this.client.revision === 5) {
        const data: Record<string, string> = { sid: this.id };
        if (this.pid) data['pid'] = this.pid;
        this.packet({ type: SioPacketType.CONNECT, nsp: this.nsp.name, data });
      } else {
        this.packet({ type: SioPacketType.CONNECT, nsp: this.nsp.name });
      }
    }
  }

  /** Runs after the connection listeners: packets that arrived during the connect are handled now. */
  flushEarly(): void {
    const early = this.#early;
    this.#early = null;
    if (early) for (const p of early) this.onPacket(p);
  }

  onPacket(packet: SioPacket): void {
    if (this.#early) {
      this.#early.push(packet);
      return;
    }
    if (!this.connected) return;
    switch (packet.type) {
      case SioPacketType.EVENT:
      case SioPacketType.BINARY_EVENT:
        this.#onEvent(packet);
        return;
      case SioPacketType.ACK:
      case SioPacketType.BINARY_ACK:
        this.#onAck(packet);
        return;
      case SioPacketType.DISCONNECT:
        this.onClose('client namespace disconnect');
        return;
    }
  }

  /** The socket leaves: `disconnecting` with its rooms still set, then `disconnect`. */
  onClose(reason: DisconnectReason | string, description?: unknown): void {
    if (!this.connected) return;
    this.emit0('disconnecting', reason, description);
    this.nsp.server.recoveryOnClose(this, reason);
    this.#clearAcks();
    this.nsp.adapter.delAll(this);
    this.nsp.removeSocket(this);
    this.client.removeSocket(this);
    this.connected = false;
    this.emit0('disconnect', reason, description);
  }

  /** Ownership of the session moved to another worker: this socket goes away without events (the new owner carries on). */
  detach(): void {
    if (!this.connected) return;
    this.#clearAcks();
    this.nsp.adapter.delAll(this, false, false);
    this.nsp.removeSocket(this);
    this.connected = false;
  }

  /** Emits a reserved event to local listeners. */
  emit0(ev: string, ...args: unknown[]): void {
    try {
      super.emit(ev, ...args);
    } catch (err) {
      this.nsp.server.listenerError(err, ev);
    }
  }

  snapshot(): SocketSnapshot {
    return {
      id: this.id,
      pid: this.pid,
      rooms: this.nsp.adapter.socketRooms(this.id)?.filter((r) => r !== this.id) ?? [],
      data: this.data,
      auth: this.handshake.auth,
    };
  }

  /**
   * Pre-encoded frames of a broadcast (encoded once for every recipient),
   * with its bus offset. While a recovery replays missed broadcasts, live
   * ones are held; those the replay already sent are dropped, held or not.
   */
  writeFrames(frames: readonly (string | Uint8Array)[], data: unknown[] | null, offset: string | null = null): void {
    if (this.#live) {
      this.#live.push({ frames, offset });
      return;
    }
    if (offset !== null && this.#replayedUpTo !== null) {
      if (compareIds(offset, this.#replayedUpTo) <= 0) return;
      this.#replayedUpTo = null; // the reader delivers in log order: it is past the replay now
    }
    if (data) this.#notifyOutgoing(data);
    this.client.writeFrames(frames);
  }

  holdLive(): void {
    this.#live = [];
  }

  /** Ends a replay that went up to `floor`: held broadcasts after it go out. */
  releaseLive(floor: string): void {
    const held = this.#live ?? [];
    this.#live = null;
    this.#replayedUpTo = floor;
    for (const h of held) if (h.offset === null || compareIds(h.offset, floor) > 0) this.client.writeFrames(h.frames);
  }

  /** An ack id for a broadcast with acks, answered into `cb`. */
  registerBroadcastAck(cb: Ack): number {
    return this.#registerAck(cb, undefined);
  }

  // ---- internals --------------------------------------------------------------

  #operator(flags: BroadcastFlags = {}): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.nsp.adapter, new Set(), new Set([this.id]), flags);
  }

  #takeFlags(): { timeout?: number; volatile?: boolean; compress?: boolean } {
    const f = { ...this.#flags };
    delete this.#flags.timeout;
    delete this.#flags.volatile;
    delete this.#flags.compress;
    return f;
  }

  #registerAck(cb: Ack, timeout: number | undefined): number {
    const id = this.#nextAck++;
    if (timeout === undefined) {
      this.#acks.set(id, cb);
      return id;
    }
    const timer = setTimeout(() => {
      this.#acks.delete(id);
      cb(new Error('operation has timed out'));
    }, timeout);
    this.#acks.set(id, (...args: unknown[]) => {
      clearTimeout(timer);
      cb(null, ...args);
    });
    return id;
  }

  #clearAcks(): void {
    // Acks with a timeout still fail when it expires; the others can never be answered.
    this.#acks.clear();
  }

  #onEvent(packet: SioPacket): void {
    const args = (packet.data as unknown[]).slice();
    if (packet.id !== undefined) args.push(this.#ackFor(packet.id));
    if (this.#anyIncoming) for (const l of this.#anyIncoming.slice()) this.#safe(() => l(...args));
    if (this.#fns.length === 0) return this.#dispatch(args);
    let i = 0;
    const next = (err?: Error): void => {
      if (!this.connected) return;
      if (err) {
        this.emit0('error', err);
        return;
      }
      const fn = this.#fns[i++];
      if (!fn) return this.#dispatch(args);
      this.#safe(() => fn(args, next));
    };
    next();
  }

  #dispatch(args: unknown[]): void {
    const [ev, ...rest] = args as [string, ...unknown[]];
    try {
      super.emit(ev, ...rest);
    } catch (err) {
      this.nsp.server.listenerError(err, ev);
    }
    this.nsp.server.socketTouched(this);
  }

  #ackFor(id: number): Ack {
    let sent = false;
    return (...args: unknown[]) => {
      if (sent || !this.connected) return;
      sent = true;
      this.packet({ type: SioPacketType.ACK, nsp: this.nsp.name, id, data: args });
    };
  }

  #onAck(packet: SioPacket): void {
    const id = packet.id;
    if (id === undefined) return;
    const cb = this.#acks.get(id);
    if (!cb) return;
    this.#acks.delete(id);
    this.#safe(() => cb(...((packet.data as unknown[]) ?? [])));
  }

  #notifyOutgoing(data: unknown[]): void {
    if (!this.#anyOutgoing) return;
    for (const l of this.#anyOutgoing.slice()) this.#safe(() => l(...data));
  }

  #safe(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.nsp.server.listenerError(err, 'listener');
    }
  }
}

function removeListener(list: Listener[] | null, l: Listener | undefined): Listener[] | null {
  if (!list || !l) return null;
  const i = list.indexOf(l);
  if (i !== -1) list.splice(i, 1);
  return list.length ? list : null;
}
