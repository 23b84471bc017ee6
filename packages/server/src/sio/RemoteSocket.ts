import { BroadcastOperator } from './BroadcastOperator.js';
import type { ClusterAdapter } from './ClusterAdapter.js';
import type { Handshake } from './Socket.js';
import type { DefaultEventsMap, EventNames, EventParams, EventsMap } from './typed-events.js';

/** What another worker tells about one of its sockets. */
export interface SocketDetails {
  id: string;
  handshake: Handshake;
  rooms: string[];
  data: unknown;
}

/**
 * A socket owned by another worker, as `fetchSockets()` returns it: a
 * snapshot of its state plus operations that reach it through the bus.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export class RemoteSocket<EmitEvents extends EventsMap = DefaultEventsMap, SocketData = any> {
  readonly id: string;
  readonly handshake: Handshake;
  readonly rooms: Set<string>;
  readonly data: SocketData;
  readonly #adapter: ClusterAdapter;
  #timeout: number | undefined;

  constructor(adapter: ClusterAdapter, details: SocketDetails) {
    this.#adapter = adapter;
    this.id = details.id;
    this.handshake = details.handshake;
    this.rooms = new Set(details.rooms);
    this.data = details.data as SocketData;
  }

  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    const op = this.#operator();
    const last = args[args.length - 1];
    if (typeof last !== 'function') return op.emit(ev, ...args);
    // One socket: the callback gets its single answer, not an array.
    const cb = last as (err: Error | null, response?: unknown) => void;
    const rest = args.slice(0, -1);
    return (op.emit as (ev: string | symbol, ...a: unknown[]) => boolean)(ev, ...rest, (err: Error | null, responses: unknown[]) =>
      err ? cb(err) : cb(null, responses[0]),
    );
  }

  timeout(ms: number): this {
    this.#timeout = ms;
    return this;
  }

  join(room: string | string[]): void {
    new BroadcastOperator(this.#adapter, new Set([this.id])).socketsJoin(room);
  }

  leave(room: string): void {
    new BroadcastOperator(this.#adapter, new Set([this.id])).socketsLeave(room);
  }

  disconnect(close = false): this {
    new BroadcastOperator(this.#adapter, new Set([this.id])).disconnectSockets(close);
    return this;
  }

  #operator(): BroadcastOperator<EmitEvents, SocketData> {
    const op = new BroadcastOperator<EmitEvents, SocketData>(this.#adapter, new Set([this.id]));
    const t = this.#timeout;
    this.#timeout = undefined;
    return t === undefined ? op : op.timeout(t);
  }
}
