import { encodeSioPacket, RESERVED_EVENT_NAMES, SioPacketType } from '@nonstick/protocol';
import type { DefaultEventsMap, EventNames, EventParams, EventsMap } from '@nonstick/server';
import { broadcastEntry, encodeBroadcast, encodeOp, type RoomOp } from '@nonstick/server/wire';
import type { Outbox } from './Outbox.js';

export interface BroadcastFlags {
  volatile?: boolean;
  compress?: boolean;
}

/**
 * `emitter.to(room)` and friends: an immutable selection of sockets in one
 * namespace on every worker. Each operation is one bus entry, the same one a
 * worker's `io.to(room)…` publishes, which every worker applies to its own
 * sockets.
 */
export class BroadcastOperator<EmitEvents extends EventsMap = DefaultEventsMap> {
  readonly #outbox: Outbox;
  readonly #nsp: string;
  readonly #rooms: Set<string>;
  readonly #except: Set<string>;
  readonly #flags: BroadcastFlags;

  constructor(outbox: Outbox, nsp: string, rooms = new Set<string>(), except = new Set<string>(), flags: BroadcastFlags = {}) {
    this.#outbox = outbox;
    this.#nsp = nsp;
    this.#rooms = rooms;
    this.#except = except;
    this.#flags = flags;
  }

  to(room: string | string[]): BroadcastOperator<EmitEvents> {
    const rooms = new Set(this.#rooms);
    for (const r of Array.isArray(room) ? room : [room]) rooms.add(r);
    return new BroadcastOperator(this.#outbox, this.#nsp, rooms, this.#except, this.#flags);
  }

  in(room: string | string[]): BroadcastOperator<EmitEvents> {
    return this.to(room);
  }

  except(room: string | string[]): BroadcastOperator<EmitEvents> {
    const except = new Set(this.#except);
    for (const r of Array.isArray(room) ? room : [room]) except.add(r);
    return new BroadcastOperator(this.#outbox, this.#nsp, this.#rooms, except, this.#flags);
  }

  /** Accepted as in socket.io; like a worker's broadcasts, the bus entry does not carry it. */
  compress(compress: boolean): BroadcastOperator<EmitEvents> {
    return new BroadcastOperator(this.#outbox, this.#nsp, this.#rooms, this.#except, { ...this.#flags, compress });
  }

  /** Recipients that cannot take it right now drop it, and recovery does not replay it. */
  get volatile(): BroadcastOperator<EmitEvents> {
    return new BroadcastOperator(this.#outbox, this.#nsp, this.#rooms, this.#except, { ...this.#flags, volatile: true });
  }

  /**
   * Emits to the selected sockets on every worker. Arguments may hold
   * binary (Buffer, ArrayBuffer, typed arrays) anywhere. Acknowledgements
   * are not supported: nothing could receive them.
   */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): true {
    if (RESERVED_EVENT_NAMES.has(String(ev))) throw new Error(`"${String(ev)}" is a reserved event name`);
    const data: unknown[] = [ev, ...args];
    if (typeof data[data.length - 1] === 'function') throw new Error('Acknowledgements are not supported');
    const frames = encodeSioPacket({ type: SioPacketType.EVENT, nsp: this.#nsp, data });
    const to = { rooms: this.#rooms, except: this.#except, volatile: this.#flags.volatile === true };
    this.#outbox.send(encodeBroadcast(broadcastEntry(this.#nsp, frames, to, null)));
    return true;
  }

  /** Makes the selected sockets join `rooms`. */
  socketsJoin(rooms: string | string[]): void {
    this.#op('join', Array.isArray(rooms) ? rooms : [rooms]);
  }

  /** Makes the selected sockets leave `rooms`. */
  socketsLeave(rooms: string | string[]): void {
    this.#op('leave', Array.isArray(rooms) ? rooms : [rooms]);
  }

  /** Disconnects the selected sockets; with `close`, their whole connection (every namespace). */
  disconnectSockets(close = false): void {
    this.#op(close ? 'close' : 'disconnect', []);
  }

  #op(op: RoomOp['op'], args: string[]): void {
    this.#outbox.send(encodeOp({ nsp: this.#nsp, rooms: [...this.#rooms], except: [...this.#except], op, args }));
  }
}
