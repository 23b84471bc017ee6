import { EventEmitter } from 'node:events';
import type { EioPacket } from '@nonstick/protocol';
import type { WsConnection } from '../host/Host.js';
import type { RequestInfo } from '../http/RequestInfo.js';
import type { Metrics } from '../metrics/Metrics.js';
import type { Store } from '../store/Store.js';
import type { Generation } from '../store/Store.js';
import type { SessionDialect } from './dialect.js';
import type { ResolvedEngineOptions, TransportName } from './options.js';
import type { HandshakeRecord } from './handshake.js';
import type { TimerWheel, WheelItem } from './TimerWheel.js';

export type ReadyState = 'open' | 'closing' | 'closed';
export type SendData = string | Buffer | ArrayBuffer | ArrayBufferView;

/** What engine.io exposes as `socket.transport` and passes to `upgrading`/`upgrade`: applications read `.name`. */
export interface TransportInfo {
  readonly name: TransportName;
}

const TRANSPORTS: Readonly<Record<TransportName, TransportInfo>> = {
  polling: Object.freeze({ name: 'polling' }),
  websocket: Object.freeze({ name: 'websocket' }),
};

export function transportInfo(name: TransportName): TransportInfo {
  return TRANSPORTS[name];
}

/** Per-websocket state the host keeps for us. */
export interface WsData {
  sid: string;
  /**
   * `probe` until the client's upgrade packet arrives, then `session`;
   * `attach`: a legacy transport whose opening is the upgrade; `refused`:
   * accepted only to send `firstFrame` and close.
   */
  kind: 'probe' | 'session' | 'attach' | 'refused';
  generation: Generation;
  /** The refusal of a `refused` websocket; the greeting of a fresh `session` (null: Engine.IO's open packet). */
  firstFrame: string | null;
  supportsBinary: boolean;
  socket: EngineSocket | null;
  /** Set when the server decides to close, so the close handler knows why. */
  closeReason: string | null;
  closeDescription: string | undefined;
  /** The websocket closed (the host's connection is unusable after its close handler). */
  closed: boolean;
  /** Frames that arrived while the upgrade was being committed to the store. */
  backlog: Array<string | Uint8Array> | null;
  upgradeTimer: NodeJS.Timeout | null;
  /** Repeats the probe's noop while the client has not sent the upgrade packet. */
  noopTimer: NodeJS.Timeout | null;
  request: RequestInfo;
  /** Websocket handshakes: what the session was created with. */
  handshake: HandshakeRecord | null;
}

/** What a socket needs from its engine. */
export interface SocketHost {
  readonly store: Store;
  readonly options: ResolvedEngineOptions;
  readonly wheel: TimerWheel<EngineSocket>;
  readonly metrics: Metrics;
  socketClosed(socket: EngineSocket): void;
  storeFailed(err: unknown, context: string): void;
}

/**
 * The session as the application sees it, on the worker that owns it: an
 * engine.io-like socket (`send`, `close`, events `message`, `close`,
 * `upgrade`, `heartbeat`, and `packet`/`packetCreate` for messages in and
 * out) plus `handover` when ownership moves to another
 * worker, after which this object is only a remote handle (sends still
 * reach the client through the store).
 *
 * Outbound path: when a websocket of this session is attached here and the
 * store queue has been drained into it, packets go straight to the
 * websocket (no store round trip). Otherwise they are batched per tick and
 * pushed to the store queue, from which a poll on any worker takes them.
 */
export class EngineSocket extends EventEmitter implements WheelItem {
  readonly id: string;
  /** Engine.IO revision (3, 4), or 1 for a Socket.IO 0.7–0.9 session, 0 for 0.6. */
  readonly protocol: 0 | 1 | 3 | 4;
  readonly generation: Generation;
  /** Heartbeat interval and timeout of this session, ms. */
  readonly pingInterval: number;
  readonly pingTimeout: number;
  readonly request: RequestInfo;
  readonly remoteAddress: string;
  /** Epoch ms of the handshake (kept across takeovers). */
  readonly issued: number;
  /** True when this worker took over a session another worker started. */
  readonly resumed: boolean;
  /** The current transport's name; internal code compares this. */
  transportName: TransportName;
  readyState: ReadyState = 'open';
  /** False once ownership moved to another worker. */
  owned = true;
  /** When the client last answered a ping that reached this owner as an entry (0.6 streams), epoch ms. */
  lastPong = 0;
  wheelSlot = 0;

  readonly #host: SocketHost;
  readonly #dialect: SessionDialect;
  readonly #supportsBinary: boolean;
  #ws: WsConnection<WsData> | null = null;
  /** Sends go straight to #ws. */
  #direct = false;
  #queueDrained = false;
  #outbox: string[] = [];
  #pumping = false;
  #drainAgain = false;
  #draining = false;
  #closeRequested = false;
  #closeQuietly = false;
  /** Server pings sent (0.6 numbers them). */
  #pings = 0;
  /** Stored inbound entries processed and not yet acknowledged to the store. */
  #acks = 0;
  #settleWaiters: Array<() => void> | null = null;
  #awaitingPong = false;
  /** Last inbound traffic (EIO3 heartbeat) or ping time, for the lazy wheel check. */
  #lastSeen = 0;

  constructor(
    host: SocketHost,
    init: {
      id: string;
      dialect: SessionDialect;
      pingInterval: number;
      pingTimeout: number;
      request: RequestInfo;
      issued: number;
      transport: 'polling' | 'websocket';
      supportsBinary: boolean;
      resumed: boolean;
    },
  ) {
    super();
    this.#host = host;
    this.id = init.id;
    this.#dialect = init.dialect;
    this.protocol = init.dialect.protocol;
    this.generation = init.dialect.generation;
    this.pingInterval = init.pingInterval;
    this.pingTimeout = init.pingTimeout;
    this.request = init.request;
    this.remoteAddress = init.request.remoteAddress;
    this.issued = init.issued;
    this.transportName = init.transport;
    this.#supportsBinary = init.supportsBinary;
    this.resumed = init.resumed;
  }

  /** The engine.io shape of the current transport. */
  get transport(): TransportInfo {
    return TRANSPORTS[this.transportName];
  }

  send(data: SendData, options?: { compress?: boolean } | (() => void), callback?: () => void): this {
    const cb = typeof options === 'function' ? options : callback;
    if (this.readyState !== 'open') return this;
    const payload = normalize(data);
    this.#host.metrics.packetOut(payload);
    if (this.listenerCount('packetCreate') > 0) this.emit('packetCreate', { type: 'message', data: payload });
    const intercept = this.#intercept;
    if (intercept && !this.#ws) {
      this.#intercept = null;
      intercept(payload);
      if (cb) queueMicrotask(cb);
      return this;
    }
    if (this.#direct && this.#ws) {
      // Like engine.io: compressed unless asked not to (the host ignores it without permessage-deflate).
      const compress = typeof options === 'object' ? options.compress !== false : true;
      this.#write(this.#dialect.frameOfMessage(payload, this.#supportsBinary), compress);
      if (cb) queueMicrotask(cb);
      return this;
    }
    this.#enqueue(this.#dialect.entryOfMessage(payload));
    if (cb) this.once('flush', cb);
    return this;
  }

  write(data: SendData, options?: { compress?: boolean } | (() => void), callback?: () => void): this {
    return this.send(data, options, callback);
  }

  /**
   * Closes the session after what was already sent has been handed over.
   * `quiet`: the client asked for it, so a polling client is not sent a
   * close packet it would never read.
   */
  close(opts?: { quiet?: boolean }): this {
    if (this.readyState !== 'open') return this;
    this.readyState = 'closing';
    this.#closeRequested = true;
    this.#closeQuietly = opts?.quiet === true;
    if (!this.#pumping) this.#startPump();
    return this;
  }

  // ---- engine-facing ------------------------------------------------------

  /**
   * Hands the next message sent to `answer` instead of the queue: the
   * request that opened a legacy session answers with it (0.9 answered the
   * first poll with `1::` alone). `null` cancels.
   */
  interceptNext(answer: ((data: string | Uint8Array) => void) | null): void {
    this.#intercept = answer;
  }

  #intercept: ((data: string | Uint8Array) => void) | null = null;

  /**
   * Inbound entries (store form) for the application, in order. The first
   * `stored` came from the store's inbox: they are acknowledged with the
   * next push, which also carries whatever their handlers sent.
   */
  receiveEntries(entries: string[], stored = entries.length): void {
    if (stored > 0) {
      this.#acks += stored;
      if (!this.#pumping) this.#startPump();
    }
    const isPong = this.#dialect.isPongEntry;
    for (let i = 0; i < entries.length; i++) {
      if (this.readyState === 'closed') return;
      if (isPong?.(entries[i]!)) {
        this.lastPong = Date.now();
        this.emit('heartbeat');
        continue;
      }
      let data: string | Uint8Array | null;
      try {
        data = this.#dialect.messageOfEntry(entries[i]!);
      } catch {
        continue; // written by our own encoder; unreachable unless the store was tampered with
      }
      if (data !== null) this.#onMessage(data);
    }
  }

  /** A decoded websocket frame on the attached websocket. */
  receiveFrame(packet: EioPacket): void {
    if (this.readyState === 'closed') return;
    const clientPings = this.#dialect.heartbeat === 'client';
    if (clientPings) this.#lastSeen = Date.now();
    switch (packet.type) {
      case 'message': {
        this.#onMessage(packet.data ?? '');
        break;
      }
      case 'pong':
        if (clientPings) return this.#badHeartbeat();
        this.#awaitingPong = false;
        this.#lastSeen = Date.now();
        // The next ping is one interval after this pong, not after the timeout the wheel was waiting for.
        if (this.owned) this.#host.wheel.schedule(this, this.#lastSeen + this.pingInterval);
        this.emit('heartbeat');
        break;
      case 'ping':
        if (!clientPings) return this.#badHeartbeat();
        this.#write(this.#dialect.frameOfPacket(packet.data === undefined ? { type: 'pong' } : { type: 'pong', data: packet.data }, this.#supportsBinary));
        this.emit('heartbeat');
        break;
      case 'close':
        this.closeWs('transport close');
        break;
      default:
        // open/upgrade/noop from a client on an established websocket carry
        // nothing; engine.io ignores them too.
        break;
    }
  }

  /**
   * Attaches the websocket this worker holds for the session. `entries` were
   * queued for the old transport and go out first; then anything pushed to
   * the store meanwhile; then this socket's own outbox; then sends go direct.
   */
  attachWebSocket(ws: WsConnection<WsData>, entries: string[]): void {
    this.#ws = ws;
    this.transportName = 'websocket';
    // Noops only mattered to polls (a probe repeats them); they carry nothing.
    const noop = this.#dialect.noopEntry;
    const pending = entries.filter((e) => e !== noop);
    if (pending.length > 0) this.#writeEntries(pending);
    this.#queueDrained = false;
    this.#direct = false;
    this.#startHeartbeat();
    if (!this.#pumping) this.#startPump();
  }

  /** A websocket session opened by handshake: nothing can be queued yet. */
  attachFreshWebSocket(ws: WsConnection<WsData>): void {
    this.#ws = ws;
    this.transportName = 'websocket';
    this.#queueDrained = true;
    this.#direct = true;
    this.#startHeartbeat();
  }

  /**
   * Resolves once everything sent so far (and every acknowledgement) is in
   * the store or on the websocket: a POST is answered only then, so an
   * answered POST means its effects survive this worker dying.
   */
  settled(): Promise<void> {
    if (!this.#pumping && this.#outbox.length === 0 && this.#acks === 0) return RESOLVED;
    return new Promise((resolve) => (this.#settleWaiters ??= []).push(resolve));
  }

  /** Entries were pushed to the store for our websocket by another worker. */
  wakeWebSocket(): void {
    if (!this.#ws) return;
    // A wake during a drain or before the pump went direct must not be lost:
    // the store sends one wake per waiter registration.
    if (this.#draining || !this.#direct) {
      this.#drainAgain = true;
      return;
    }
    void this.#drainQueueToWs();
  }

  /** Ownership moved to another worker: from now on this is a remote handle. */
  handover(owner: string): void {
    if (!this.owned) return;
    this.owned = false;
    this.#host.wheel.cancel(this);
    this.emit('handover', owner);
  }

  /** Server-side close of the attached websocket, with the reason the app will see. */
  closeWs(reason: string, description?: string): void {
    const ws = this.#ws;
    if (!ws) {
      this.onClose(reason, description);
      return;
    }
    const ud = ws.data;
    if (ud.closeReason === null) {
      ud.closeReason = reason;
      ud.closeDescription = description;
    }
    ws.end(1000);
  }

  /** The websocket is gone (the host's close handler). */
  webSocketClosed(): void {
    this.#ws = null;
    this.#direct = false;
  }

  onClose(reason: string, description?: string): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    this.#host.wheel.cancel(this);
    this.#outbox = [];
    this.#host.socketClosed(this);
    this.emit('close', reason, description);
  }

  /** Timer wheel callback for websocket heartbeats. */
  heartbeatDue(now: number): void {
    if (this.readyState === 'closed' || !this.#ws || !this.owned) return;
    if (this.#dialect.heartbeat === 'client') {
      const deadline = this.#lastSeen + this.pingInterval + this.pingTimeout;
      if (now >= deadline) return this.#pingTimeout();
      this.#host.wheel.schedule(this, deadline);
      return;
    }
    if (this.#awaitingPong) {
      const deadline = this.#lastSeen + this.pingTimeout;
      if (now >= deadline) return this.#pingTimeout();
      this.#host.wheel.schedule(this, deadline);
      return;
    }
    // A pong arrived since the last ping: the next ping is due one interval after it.
    const nextPing = this.#lastSeen + this.pingInterval;
    if (now < nextPing) {
      this.#host.wheel.schedule(this, nextPing);
      return;
    }
    this.#write(this.#dialect.pingFrame(++this.#pings));
    this.#awaitingPong = true;
    this.#lastSeen = now;
    this.#host.wheel.schedule(this, now + this.pingTimeout);
  }

  // ---- internals ----------------------------------------------------------

  /** engine.io's `packet` then `message`, for a message from the client. */
  #onMessage(data: string | Uint8Array): void {
    this.#host.metrics.packetIn(data);
    const message = asBuffer(data);
    if (this.listenerCount('packet') > 0) this.emit('packet', { type: 'message', data: message });
    this.emit('message', message);
  }

  #pingTimeout(): void {
    this.#host.metrics.heartbeatTimeout(1);
    this.closeWs('ping timeout');
  }

  #badHeartbeat(): void {
    this.#host.metrics.error('decode');
    this.closeWs('transport error', 'invalid heartbeat direction');
  }

  #startHeartbeat(): void {
    const now = Date.now();
    this.#lastSeen = now;
    this.#awaitingPong = false;
    this.#host.wheel.schedule(this, now + (this.#dialect.heartbeat === 'client' ? this.pingInterval + this.pingTimeout : this.pingInterval));
  }

  #enqueue(entry: string): void {
    this.#outbox.push(entry);
    if (!this.#pumping) this.#startPump();
  }

  #startPump(): void {
    this.#pumping = true;
    // Deferred so every send of the current tick travels in one store call.
    queueMicrotask(() => void this.#pump());
  }

  async #pump(): Promise<void> {
    try {
      for (;;) {
        if (this.#ws) {
          if (!this.#queueDrained) {
            await this.#drainQueueToWs();
            this.#queueDrained = true;
            continue;
          }
          if (this.#outbox.length > 0) {
            const batch = this.#outbox;
            this.#outbox = [];
            this.#writeEntries(batch);
          }
          if (this.#acks > 0) {
            const ack = this.#acks;
            this.#acks = 0;
            await this.#host.store.push(this.id, [], ack);
            continue;
          }
          this.#direct = true;
          this.emit('flush');
          if (this.#drainAgain) void this.#drainQueueToWs();
          break;
        }
        if (this.#outbox.length === 0 && this.#acks === 0) break;
        const batch = this.#outbox;
        const ack = this.#acks;
        this.#outbox = [];
        this.#acks = 0;
        if (!(await this.#host.store.push(this.id, batch, ack))) {
          // Session gone: nothing left to deliver to.
          this.#outbox = [];
          this.#acks = 0;
          break;
        }
        if (batch.length > 0) this.emit('flush');
      }
    } catch (err) {
      this.#host.storeFailed(err, 'push');
    } finally {
      this.#pumping = false;
    }
    const waiters = this.#settleWaiters;
    if (waiters && !this.#pumping) {
      this.#settleWaiters = null;
      for (const w of waiters) w();
    }
    if (this.#closeRequested) this.#finishClose();
  }

  async #drainQueueToWs(): Promise<void> {
    this.#draining = true;
    try {
      do {
        this.#drainAgain = false;
        const r = await this.#host.store.poll(this.id, this.transportName, '*');
        if (r.kind === 'data' && this.#ws) {
          this.#host.metrics.queueDrained(r.entries.length);
          this.#writeEntries(r.entries);
        }
      } while (this.#drainAgain && this.#ws);
    } catch (err) {
      this.#host.storeFailed(err, 'drain');
    } finally {
      this.#draining = false;
    }
  }

  #finishClose(): void {
    this.#closeRequested = false;
    if (this.readyState === 'closed') return;
    if (this.#ws) {
      if (this.#dialect.closeFrame !== null) this.#write(this.#dialect.closeFrame);
      this.closeWs('forced close');
      return;
    }
    this.#host.store.close(this.id, 'forced close', this.#closeQuietly ? [] : [this.#dialect.closeEntry]).catch((err) => this.#host.storeFailed(err, 'close'));
    this.onClose('forced close');
  }

  #writeEntries(entries: string[]): void {
    const ws = this.#ws;
    if (!ws) return;
    const d = this.#dialect;
    const bin = this.#supportsBinary;
    ws.cork(() => {
      for (const e of entries) {
        const frame = d.frameOfEntry(e, bin);
        ws.send(frame, worthCompressing(frame, true));
      }
    });
  }

  #write(frame: string | Uint8Array, compress = true): void {
    const ws = this.#ws;
    // False: the client is too slow and the host is closing the connection.
    if (ws) ws.send(frame, worthCompressing(frame, compress));
  }
}

const RESOLVED = Promise.resolve();

/** engine.io's default permessage-deflate threshold: smaller frames cost more to deflate than they save. */
const COMPRESS_THRESHOLD = 1024;

function worthCompressing(frame: string | Uint8Array, compress: boolean): boolean {
  // Characters for text: a cheap lower bound of its UTF-8 size.
  return compress && frame.length >= COMPRESS_THRESHOLD;
}

function normalize(data: SendData): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function asBuffer(data: string | Uint8Array): string | Buffer {
  if (typeof data === 'string' || Buffer.isBuffer(data)) return data;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
