import { SioPacketType } from '@nonstick/protocol';
import type { ClusterAdapter } from './ClusterAdapter.js';
import type { RemoteSocket } from './RemoteSocket.js';
import type { Socket } from './Socket.js';
import { RESERVED_EVENTS } from './Socket.js';
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

export interface BroadcastFlags {
  /** Only sockets on this worker. */
  local?: boolean;
  volatile?: boolean;
  compress?: boolean;
  /** Ack timeout, ms (broadcasts with acks). */
  timeout?: number;
}

export interface BroadcastOptions {
  rooms: Set<string>;
  except: Set<string>;
  flags: BroadcastFlags;
}

/**
 * `io.to(room)`, `socket.broadcast` and friends: an immutable selection of
 * sockets in one namespace, across every worker unless `local`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export class BroadcastOperator<EmitEvents extends EventsMap = DefaultEventsMap, SocketData = any> {
  readonly #adapter: ClusterAdapter;
  readonly #rooms: Set<string>;
  readonly #except: Set<string>;
  readonly #flags: BroadcastFlags;

  constructor(adapter: ClusterAdapter, rooms = new Set<string>(), except = new Set<string>(), flags: BroadcastFlags = {}) {
    this.#adapter = adapter;
    this.#rooms = rooms;
    this.#except = except;
    this.#flags = flags;
  }

  to(room: string | string[]): BroadcastOperator<EmitEvents, SocketData> {
    const rooms = new Set(this.#rooms);
    for (const r of Array.isArray(room) ? room : [room]) rooms.add(r);
    return new BroadcastOperator(this.#adapter, rooms, this.#except, this.#flags);
  }

  in(room: string | string[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.to(room);
  }

  except(room: string | string[]): BroadcastOperator<EmitEvents, SocketData> {
    const except = new Set(this.#except);
    for (const r of Array.isArray(room) ? room : [room]) except.add(r);
    return new BroadcastOperator(this.#adapter, this.#rooms, except, this.#flags);
  }

  compress(compress: boolean): BroadcastOperator<EmitEvents, SocketData> {
    return this.#with({ compress });
  }

  get volatile(): BroadcastOperator<EmitEvents, SocketData> {
    return this.#with({ volatile: true });
  }

  get local(): BroadcastOperator<EmitEvents, SocketData> {
    return this.#with({ local: true });
  }

  timeout(ms: number): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.#with({ timeout: ms });
  }

  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    if (RESERVED_EVENTS.has(ev)) throw new Error(`"${String(ev)}" is a reserved event name`);
    const data: unknown[] = [ev, ...args];
    const opts = this.#options();
    if (typeof data[data.length - 1] !== 'function') {
      this.#adapter.broadcast({ type: SioPacketType.EVENT, nsp: this.#adapter.nsp.name, data }, opts);
      return true;
    }
    const cb = data.pop() as (err: Error | null, responses: unknown[]) => void;
    this.#adapter.broadcastWithAck({ type: SioPacketType.EVENT, nsp: this.#adapter.nsp.name, data }, opts, cb);
    return true;
  }

  emitWithAck<Ev extends EventNames<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<Array<FirstArg<Last<EventParams<EmitEvents, Ev>>>>> {
    return new Promise((resolve, reject) => {
      (args as unknown[]).push((err: Error | null, responses: unknown[]) => (err ? reject(err) : resolve(responses as never)));
      (this.emit as (ev: string | symbol, ...a: unknown[]) => boolean)(ev, ...(args as unknown[]));
    });
  }

  /** Handles of the matching sockets on every worker (local ones are the sockets themselves). */
  fetchSockets(): Promise<Array<Socket | RemoteSocket<EmitEvents, SocketData>>> {
    return this.#adapter.fetchSockets(this.#options()) as never;
  }

  /** Ids of the sockets in the selected rooms on every worker (socket.io 4.8 applies neither `except` nor `local` here). */
  allSockets(): Promise<Set<string>> {
    return this.#adapter.sockets(this.#rooms);
  }

  socketsJoin(room: string | string[]): void {
    this.#adapter.applyOp(this.#options(), 'join', Array.isArray(room) ? room : [room]);
  }

  socketsLeave(room: string | string[]): void {
    this.#adapter.applyOp(this.#options(), 'leave', Array.isArray(room) ? room : [room]);
  }

  disconnectSockets(close = false): void {
    this.#adapter.applyOp(this.#options(), close ? 'close' : 'disconnect', []);
  }

  #with(flags: BroadcastFlags): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.#adapter, this.#rooms, this.#except, { ...this.#flags, ...flags });
  }

  #options(): BroadcastOptions {
    return { rooms: this.#rooms, except: this.#except, flags: this.#flags };
  }
}
