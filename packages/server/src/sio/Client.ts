import { encodeSioPacket, SioDecoder, SioPacketType, type SioPacket } from '@nonstick/protocol';
import type { EngineSocket } from '../engine/EngineSocket.js';
import { parseQuery } from '../http/query.js';
import { legacyInbound, legacyOutbound, reencodeFrames } from './legacy-packets.js';
import type { FrameDecoder, ParserCodec } from './parser.js';
import { sio06Inbound, sio06Outbound } from './sio06-packets.js';
import type { ExtendedError } from './Namespace.js';
import type { Server } from './Server.js';
import type { Handshake, Socket } from './Socket.js';

type AnySocket = Socket<any, any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type AnyServer = Server<any, any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * One Engine.IO session seen by the Socket.IO layer, on the worker that owns
 * it: decodes packets (binary attachments may span frames), routes them to
 * the session's sockets (one per namespace) and writes theirs.
 *
 * Socket.IO revision follows the engine: Engine.IO 4 carries protocol 5
 * (socket.io-client 3/4), Engine.IO 3 carries protocol 4 (socket.io-client
 * 2), where the main namespace is joined without asking and errors are
 * plain strings. Socket.IO 0.7–0.9 (protocol 1) and 0.6 sessions behave
 * like protocol 4 (the main namespace is joined at once) with their
 * packets translated both ways (legacy-packets.ts, sio06-packets.ts).
 */
export class Client {
  readonly server: AnyServer;
  readonly conn: EngineSocket;
  readonly id: string;
  readonly revision: 4 | 5;
  /** A Socket.IO 0.7–0.9 client (protocol 1) or a 0.6 client. */
  readonly legacy: boolean;
  readonly #wire: 'sio' | 'sio1' | 'sio06';
  /** Sockets by namespace name, including ones still in their middlewares. */
  readonly sockets = new Map<string, AnySocket>();
  readonly #decoder: SioDecoder;
  /** The server's custom parser, for Engine.IO sessions when it has one. */
  readonly #codec: ParserCodec | null;
  readonly #custom: FrameDecoder | null;
  #connectTimer: NodeJS.Timeout | null = null;
  /** Frames held while the sockets are being rebuilt from the store. */
  #held: Array<string | Buffer> | null = null;
  #closed = false;
  readonly #persisted = new Map<string, string>();
  #persistScheduled = false;

  constructor(server: AnyServer, conn: EngineSocket) {
    this.server = server;
    this.conn = conn;
    this.id = conn.id;
    this.#wire = conn.generation === 'sio1' ? 'sio1' : conn.generation === 'sio06' ? 'sio06' : 'sio';
    this.legacy = this.#wire !== 'sio';
    this.revision = conn.protocol === 4 ? 5 : 4;
    this.#decoder = new SioDecoder({ revision: this.revision, maxAttachments: server.options.maxAttachments });
    this.#codec = this.legacy ? null : server.parser;
    this.#custom = this.#codec?.decoder() ?? null;
    conn.on('message', (data: string | Buffer) => this.#onData(data));
    conn.on('close', (reason: string, description?: unknown) => this.#onClose(reason, description));
    conn.on('handover', () => this.#onHandover());
  }

  /** A new session: protocol 4 joins `/` at once; protocol 5 must CONNECT within `connectTimeout`. */
  start(): void {
    if (this.revision === 4) {
      void this.#connect('/', {}, undefined);
      return;
    }
    this.#connectTimer = setTimeout(() => {
      if (this.sockets.size === 0 && !this.#closed) this.conn.close();
    }, this.server.options.connectTimeout);
    this.#connectTimer.unref?.();
  }

  /** A session this worker took over: its sockets are rebuilt from the store before any frame is handled. */
  async restore(): Promise<void> {
    this.#held = [];
    try {
      await this.server.restoreClient(this);
    } finally {
      const held = this.#held;
      this.#held = null;
      for (const f of held) this.#onData(f);
    }
  }

  handshakeFor(auth: Record<string, unknown>): Handshake {
    const req = this.conn.request;
    const proxied = this.server.options.trustProxy;
    return {
      headers: req.headers,
      time: new Date(this.conn.issued).toString(),
      address: (proxied && forwardedFor(req.headers['x-forwarded-for'])) || this.conn.remoteAddress,
      xdomain: req.headers['origin'] !== undefined,
      // The worker's own listener is plain HTTP: only a trusted proxy can say the client used TLS.
      secure: proxied && forwardedProto(req.headers['x-forwarded-proto']) === 'https',
      issued: this.conn.issued,
      url: req.url,
      query: req.query,
      auth,
    };
  }

  writePacket(packet: SioPacket): void {
    if (this.#codec) return this.#send(this.#codec.encode(packet));
    if (this.#wire === 'sio') return this.writeFrames(encodeSioPacket(packet));
    if (this.#closed) return;
    this.#writeLegacy(this.#wire === 'sio1' ? legacyOf(packet) : sio06Outbound(packet));
  }

  /** Frames in Nonstick's own encoding (a broadcast's are shared by its recipients). */
  writeFrames(frames: readonly (string | Uint8Array)[]): void {
    if (this.#codec) return this.#send(reencodeFrames(frames, this.#codec.encode) ?? []);
    if (this.#wire === 'sio') return this.#send(frames);
    if (this.#closed) return;
    this.#writeLegacy(reencodeFrames(frames, this.#wire === 'sio1' ? legacyOf : sio06Outbound));
  }

  #send(frames: readonly (string | Uint8Array)[]): void {
    if (this.#closed) return;
    for (const f of frames) this.conn.send(f);
  }

  #writeLegacy(out: string | null | 'close'): void {
    if (out === 'close') this.conn.close();
    else if (out !== null) this.conn.send(out);
  }

  addSocket(socket: AnySocket): void {
    this.sockets.set(socket.nsp.name, socket);
    if (this.#connectTimer) {
      clearTimeout(this.#connectTimer);
      this.#connectTimer = null;
    }
  }

  removeSocket(socket: AnySocket): void {
    if (this.sockets.get(socket.nsp.name) === socket) this.sockets.delete(socket.nsp.name);
    this.schedulePersist();
  }

  connectError(nsp: string, err: ExtendedError | { message: string; data?: unknown }): void {
    if (this.legacy) {
      // Protocol 1 only says `unauthorized` (0.6 nothing); without the main namespace the session cannot go on.
      this.writePacket({ type: SioPacketType.CONNECT_ERROR, nsp, data: err.message });
      if (nsp === '/' && this.#wire === 'sio1') this.conn.close();
    } else if (this.revision === 5) {
      const data: Record<string, unknown> = { message: err.message };
      if (err.data !== undefined) data['data'] = err.data;
      this.writePacket({ type: SioPacketType.CONNECT_ERROR, nsp, data });
    } else {
      // socket.io 2.x sends the error's data when it has some, else its message.
      this.writePacket({ type: SioPacketType.CONNECT_ERROR, nsp, data: err.data ?? err.message });
    }
  }

  /** `socket.disconnect(true)`: every namespace leaves, then the connection closes. */
  disconnectAll(): void {
    for (const s of [...this.sockets.values()]) s.disconnect(false);
    this.conn.close();
  }

  /** Writes changed socket snapshots to the store, once per tick (distributed stores only). */
  schedulePersist(): void {
    if (!this.server.persistent || this.#persistScheduled || this.#closed || this.#handingOff) return;
    this.#persistScheduled = true;
    queueMicrotask(() => {
      this.#persistScheduled = false;
      this.#persist();
    });
  }

  /**
   * Writes now: called before a CONNECT answer is queued, so the store holds
   * the socket before the client can know it exists (Redis applies one
   * connection's commands in order).
   */
  persistNow(): void {
    if (this.server.persistent) this.#persist();
  }

  #persist(): void {
    if (this.#closed || this.#handingOff) return;
    const store = this.server.engine.store;
    for (const [nsp, s] of this.sockets) {
      if (!s.connected) continue;
      let json: string;
      try {
        json = JSON.stringify(s.snapshot());
      } catch {
        continue; // socket.data that JSON cannot hold stays local
      }
      if (this.#persisted.get(nsp) === json) continue;
      this.#persisted.set(nsp, json);
      store.setState(this.id, nsp, json).catch((err) => this.server.engine.storeFailed(err, 'state'));
    }
    for (const nsp of [...this.#persisted.keys()]) {
      if (this.sockets.get(nsp)?.connected) continue;
      this.#persisted.delete(nsp);
      store.setState(this.id, nsp, null).catch((err) => this.server.engine.storeFailed(err, 'state'));
    }
  }

  /**
   * This worker is leaving and another will adopt the session: its sockets
   * may close here, but their state in the store must stay for the adopter.
   */
  handOff(): void {
    this.#handingOff = true;
  }

  #handingOff = false;

  get handingOff(): boolean {
    return this.#handingOff;
  }

  /** What was persisted (a snapshot restored here counts as persisted). */
  markPersisted(nsp: string, json: string): void {
    this.#persisted.set(nsp, json);
  }

  // ---- inbound ------------------------------------------------------------------

  #onData(data: string | Buffer): void {
    if (this.#held) {
      this.#held.push(data);
      return;
    }
    if (this.#closed) return;
    if (this.#wire === 'sio1') return this.#onLegacy(typeof data === 'string' ? data : data.toString('utf8'));
    if (this.#wire === 'sio06') return this.#onSio06(typeof data === 'string' ? data : data.toString('utf8'));
    if (this.#custom) return this.#onCustom(this.#custom, data);
    let packet: SioPacket | null;
    try {
      packet = this.#decoder.add(data);
    } catch (err) {
      this.server.decodeFailed(err);
      this.#onParseError(err);
      return;
    }
    if (packet) this.#onPacket(packet);
  }

  #onCustom(decoder: FrameDecoder, data: string | Buffer): void {
    let packets: SioPacket[];
    try {
      packets = decoder.add(data);
    } catch (err) {
      this.server.decodeFailed(err);
      this.#onParseError(err);
      return;
    }
    for (const p of packets) this.#onPacket(p);
  }

  #onLegacy(text: string): void {
    let r: ReturnType<typeof legacyInbound>;
    try {
      r = legacyInbound(text);
    } catch (err) {
      this.server.decodeFailed(err);
      this.#onParseError(err);
      return;
    }
    if (r.kind === 'ignore') return;
    if (r.kind === 'close') {
      for (const s of [...this.sockets.values()]) s.onPacket({ type: SioPacketType.DISCONNECT, nsp: s.nsp.name });
      // 0.9 echoed `0::` only on an open websocket; a polling client that said goodbye has stopped polling.
      this.conn.close({ quiet: this.conn.transportName === 'polling' });
      return;
    }
    // Acknowledged before the handler runs, as 0.9 did.
    if (r.autoAck !== undefined) this.conn.send(r.autoAck);
    this.#onPacket(r.packet);
  }

  #onSio06(message: string): void {
    const packet = sio06Inbound(message, (err) => this.server.decodeFailed(err));
    if (packet) this.#onPacket(packet);
  }

  #onPacket(packet: SioPacket): void {
    if (packet.type === SioPacketType.CONNECT) {
      if (this.sockets.has(packet.nsp)) return;
      const auth = (packet.data ?? {}) as Record<string, unknown>;
      void this.#connect(packet.nsp, auth, packet.query);
      return;
    }
    const socket = this.sockets.get(packet.nsp);
    if (socket) socket.onPacket(packet);
  }

  async #connect(name: string, auth: Record<string, unknown>, query: string | undefined): Promise<void> {
    try {
      if (query) Object.assign(this.conn.request.query, parseQuery(query));
      await this.server.connectClient(this, name, auth);
    } catch (err) {
      this.server.listenerError(err, 'connect');
    }
  }

  #onParseError(err: unknown): void {
    for (const s of this.sockets.values()) if (s.listenerCount('error') > 0) s.emit0('error', err);
    this.conn.close();
  }

  #onClose(reason: string, description?: unknown): void {
    if (this.#closed) return;
    if (this.#connectTimer) clearTimeout(this.#connectTimer);
    for (const s of [...this.sockets.values()]) s.onClose(reason, description);
    this.#closed = true;
    this.sockets.clear();
    this.#decoder.reset();
    this.#custom?.destroy();
    this.server.clientClosed(this);
  }

  #onHandover(): void {
    if (this.#connectTimer) clearTimeout(this.#connectTimer);
    for (const s of [...this.sockets.values()]) s.detach();
    this.#closed = true;
    this.sockets.clear();
    this.server.clientClosed(this);
  }
}

/** The client's address as the first proxy saw it: the first of `X-Forwarded-For`. */
function forwardedFor(header: string | undefined): string {
  return header?.split(',')[0]?.trim() ?? '';
}

/** The scheme the client used with the first proxy (proxies in a chain may each append theirs). */
function forwardedProto(header: string | undefined): string {
  return header?.split(',')[0]?.trim().toLowerCase() ?? '';
}

/** Protocol 1's form of a packet; leaving the main namespace is the end of a protocol 1 session. */
function legacyOf(packet: SioPacket): string | null | 'close' {
  const text = legacyOutbound(packet);
  return text === null && packet.type === SioPacketType.DISCONNECT ? 'close' : text;
}
