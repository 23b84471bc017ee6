import { EventEmitter } from 'node:events';
import { encodeSioPacket, type SioPacket } from '@nonstick/protocol';
import type { BusEntry } from '../bus/Bus.js';
import type { BroadcastOptions } from './BroadcastOperator.js';
import type { Namespace } from './Namespace.js';
import { RemoteSocket, type SocketDetails } from './RemoteSocket.js';
import type { Socket } from './Socket.js';
import { broadcastEntry, decodeBroadcast, decodeOp, encodeBroadcast, encodeOp, type BroadcastEntry, type BroadcastSelection, type RoomOp } from './wire.js';

type AnySocket = Socket<any, any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Rooms and broadcasts of one namespace. The room index holds the sockets
 * this worker owns; what concerns sockets anywhere (a broadcast, a room
 * operation) is one bus entry that every worker, this one included, applies
 * to its own sockets. A broadcast is encoded once by its emitter; each
 * worker builds the frames once per entry and writes the same frames to
 * every recipient.
 *
 * Like socket.io-adapter, it emits `create-room (room)`, `join-room (room,
 * id)`, `leave-room (room, id)` and `delete-room (room)` as this worker's
 * index changes (tools such as @socket.io/admin-ui listen to them). A
 * session moving between workers is no change in membership: the worker
 * that drops it and the one that rebuilds it stay quiet.
 */
export class ClusterAdapter extends EventEmitter {
  readonly nsp: Namespace<any, any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Room → ids of the local sockets in it (socket.io-adapter's shape). */
  readonly rooms = new Map<string, Set<string>>();
  /** Socket id → its rooms. */
  readonly sids = new Map<string, Set<string>>();
  /** Room → the local sockets themselves: delivery walks this, with no id lookups. */
  readonly #members = new Map<string, Set<AnySocket>>();

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  constructor(nsp: Namespace<any, any, any, any>) {
    super();
    this.nsp = nsp;
  }

  /** `notify`: emit the room events (not when a session is rebuilt after a move). */
  addAll(socket: AnySocket, rooms: string[], persist = true, notify = true): void {
    let mine = this.sids.get(socket.id);
    if (!mine) this.sids.set(socket.id, (mine = new Set()));
    for (const room of rooms) {
      if (mine.has(room)) continue;
      mine.add(room);
      let members = this.#members.get(room);
      const created = !members;
      if (!members) {
        this.#members.set(room, (members = new Set()));
        this.rooms.set(room, new Set());
      }
      members.add(socket);
      this.rooms.get(room)!.add(socket.id);
      if (!notify) continue;
      if (created) this.#notify('create-room', room);
      this.#notify('join-room', room, socket.id);
    }
    if (persist) this.nsp.server.socketTouched(socket);
  }

  del(socket: AnySocket, room: string): void {
    const mine = this.sids.get(socket.id);
    if (!mine?.delete(room)) return;
    this.#unindex(socket, room, true);
    this.nsp.server.socketTouched(socket);
  }

  /** `persist` and `notify` are false when the session moved to another worker, which carries on. */
  delAll(socket: AnySocket, persist = true, notify = true): void {
    const mine = this.sids.get(socket.id);
    if (!mine) return;
    for (const room of mine) this.#unindex(socket, room, notify);
    this.sids.delete(socket.id);
    if (persist) this.nsp.server.socketTouched(socket);
  }

  socketRooms(id: string): string[] | undefined {
    const r = this.sids.get(id);
    return r ? [...r] : undefined;
  }

  // ---- broadcasts --------------------------------------------------------------

  broadcast(packet: SioPacket, opts: BroadcastOptions): void {
    const frames = encodeSioPacket(packet);
    const entry = broadcastEntry(packet.nsp, frames, selection(opts), null);
    if (opts.flags.local) {
      this.#deliver(entry, null);
      return;
    }
    this.nsp.server.publish(encodeBroadcast(entry));
  }

  /** Each recipient's first ack argument is collected; `cb(err, responses)` once all answered or the timeout passed. */
  broadcastWithAck(packet: SioPacket, opts: BroadcastOptions, cb: (err: Error | null, responses: unknown[]) => void): void {
    const server = this.nsp.server;
    const req = server.requests.openBroadcastAck(opts.flags.timeout, cb);
    const frames = encodeSioPacket(packet);
    const entry = broadcastEntry(packet.nsp, frames, selection(opts), { worker: server.workerId, id: req.id });
    if (opts.flags.local) {
      req.expectWorkers(1);
      this.#deliver(entry, null);
      return;
    }
    server.publish(encodeBroadcast(entry));
    server.liveWorkerCount().then(
      (n) => req.expectWorkers(n),
      () => req.expectWorkers(1),
    );
  }

  /** A broadcast entry from the bus (any worker's, this one's included). */
  onBroadcast(bus: BusEntry): void {
    const entry = decodeBroadcast(bus);
    if (entry) this.#deliver(entry, bus.id);
  }

  #deliver(entry: BroadcastEntry, offset: string | null): void {
    const targets = this.select(entry.rooms, entry.except);
    if (entry.reply) {
      this.#deliverWithAck(entry, targets);
      return;
    }
    if (targets.length === 0) return;
    // Built once per entry: with the offset for sockets that can recover, without for the others.
    let plain: Array<string | Uint8Array> | null = null;
    let withOffset: Array<string | Uint8Array> | null = null;
    for (const s of targets) {
      const frames = s.pid ? (withOffset ??= this.framesOf(entry, offset)) : (plain ??= this.framesOf(entry, null));
      s.writeFrames(frames, s.listenersAnyOutgoing().length ? parseData(entry.body) : null, offset);
    }
  }

  /**
   * The frames of a broadcast entry. Given an offset (and recovery on),
   * events carry it as last argument, as socket.io 4.6 does, so the client
   * can say where to resume.
   */
  framesOf(entry: BroadcastEntry, offset: string | null): Array<string | Uint8Array> {
    let body = entry.body;
    if (offset !== null && this.nsp.server.recovery && !entry.volatile && body.endsWith(']')) {
      body = `${body.slice(0, -1)}${body.length > 2 ? ',' : ''}${JSON.stringify(offset)}]`;
    }
    return [entry.head + body, ...entry.binary];
  }

  #deliverWithAck(entry: BroadcastEntry, targets: AnySocket[]): void {
    const server = this.nsp.server;
    const to = entry.reply!;
    server.requests.reportCount(to, targets.length);
    for (const s of targets) {
      const id = s.registerBroadcastAck((...args: unknown[]) => server.requests.reportResponse(to, args[0]));
      s.writeFrames([entry.head + id + entry.body, ...entry.binary], s.listenersAnyOutgoing().length ? parseData(entry.body) : null);
    }
  }

  /** Local sockets in any of `rooms` (all when empty) and in none of `except`. */
  select(rooms: Iterable<string>, except: Iterable<string>): AnySocket[] {
    const excluded = new Set<AnySocket>();
    for (const r of except) for (const s of this.#members.get(r) ?? []) excluded.add(s);
    const out: AnySocket[] = [];
    const seen = new Set<AnySocket>();
    let any = false;
    for (const r of rooms) {
      any = true;
      for (const s of this.#members.get(r) ?? []) {
        if (seen.has(s) || excluded.has(s)) continue;
        seen.add(s);
        out.push(s);
      }
    }
    if (!any) for (const s of this.nsp.sockets.values()) if (!excluded.has(s)) out.push(s);
    return out;
  }

  // ---- cluster operations ------------------------------------------------------

  applyOp(opts: BroadcastOptions, op: RoomOp['op'], rooms: string[]): void {
    const entry: RoomOp = { nsp: this.nsp.name, rooms: [...opts.rooms], except: [...opts.except], op, args: rooms };
    if (opts.flags.local) this.#applyOp(entry);
    else this.nsp.server.publish(encodeOp(entry));
  }

  onOp(bus: BusEntry): void {
    const op = decodeOp(bus);
    if (op) this.#applyOp(op);
  }

  #applyOp(op: RoomOp): void {
    for (const s of this.select(op.rooms, op.except)) {
      switch (op.op) {
        case 'join':
          s.join(op.args);
          break;
        case 'leave':
          for (const r of op.args) s.leave(r);
          break;
        case 'disconnect':
          s.disconnect(false);
          break;
        case 'close':
          s.disconnect(true);
          break;
      }
    }
  }

  async fetchSockets(opts: BroadcastOptions): Promise<Array<AnySocket | RemoteSocket>> {
    const local = this.select(opts.rooms, opts.except);
    if (opts.flags.local) return local;
    const server = this.nsp.server;
    const remote = await server.requests.fetchRemote(this.nsp.name, [...opts.rooms], [...opts.except]);
    return [...local, ...remote.map((d) => new RemoteSocket(this, d))];
  }

  /**
   * Ids of the sockets in any of `rooms` (all when empty) on every worker.
   * Like socket.io 4.8 (`adapter.sockets(rooms)`), `except` and `local` are
   * not applied: applications that rely on that keep their answer.
   */
  async sockets(rooms: Set<string>): Promise<Set<string>> {
    const ids = new Set(this.select(rooms, []).map((s) => s.id));
    for (const d of await this.nsp.server.requests.fetchRemote(this.nsp.name, [...rooms], [])) ids.add(d.id);
    return ids;
  }

  /** Answers another worker's fetchSockets. */
  describe(rooms: string[], except: string[]): SocketDetails[] {
    return this.select(rooms, except).map((s) => ({
      id: s.id,
      handshake: s.handshake,
      rooms: this.socketRooms(s.id) ?? [],
      data: s.data as unknown,
    }));
  }

  #unindex(socket: AnySocket, room: string, notify: boolean): void {
    const members = this.#members.get(room);
    if (!members) return;
    members.delete(socket);
    this.rooms.get(room)?.delete(socket.id);
    if (notify) this.#notify('leave-room', room, socket.id);
    if (members.size > 0) return;
    this.#members.delete(room);
    this.rooms.delete(room);
    if (notify) this.#notify('delete-room', room);
  }

  /** Emitted once the index is consistent; a throwing listener is reported and cannot leave it half-updated. */
  #notify(ev: string, ...args: string[]): void {
    if (this.listenerCount(ev) === 0) return;
    try {
      this.emit(ev, ...args);
    } catch (err) {
      this.nsp.server.listenerError(err, ev);
    }
  }
}

function selection(opts: BroadcastOptions): BroadcastSelection {
  return { rooms: opts.rooms, except: opts.except, volatile: opts.flags.volatile === true };
}

function parseData(body: string): unknown[] {
  try {
    const v = JSON.parse(body) as unknown;
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
}
