import { randomUUID } from 'node:crypto';
import { DEFAULT_PREFIX, RedisBus, type Client } from '@nonstick/redis/bus';
import type { DefaultEventsMap, EventNames, EventParams, EventsMap } from '@nonstick/server';
import { encodeServerSide, RESERVED_SERVER_SIDE_EVENTS } from '@nonstick/server/wire';
import { BroadcastOperator } from './BroadcastOperator.js';
import { Outbox } from './Outbox.js';

export interface EmitterOptions {
  /** The cluster's Redis key prefix (the `RedisStore` / `RedisBus` `prefix`, default `ns`): entries go to `<key>:bus`. */
  key?: string;
  /**
   * How long the cluster keeps bus entries (ms): the emitter trims what is
   * older as workers do (`XADD … MINID ~`). Keep it at least the workers'
   * (`Server.retentionFor(ioOptions)`, 130000 with connection-state recovery
   * at its default 2 minutes), or clients could not recover broadcasts they
   * missed. Default 130000.
   */
  retention?: number;
  /**
   * Receives a failed publish (Redis unreachable past the client's retries,
   * a command error). Default: a process warning.
   */
  onError?: (error: unknown) => void;
}

/** The default retention: the workers' with connection-state recovery at its defaults. */
export const DEFAULT_RETENTION = 130_000;

/** What every emitter made by `of()` shares with the one it came from. */
class Link {
  constructor(
    readonly client: Client,
    readonly outbox: Outbox,
    /** Stands in for a worker id on server-side emits, which workers skip only when it is their own. */
    readonly id: string,
  ) {}
}

/**
 * Sends to a Nonstick cluster from any Node process, through the cluster's
 * Redis: what it emits reaches every worker's sockets as if one of the
 * workers had broadcast it (same bus entry, so the same delivery: every
 * client generation and transport, once each, in order, with recovery
 * offsets). The API is `@socket.io/redis-emitter`'s.
 */
export class Emitter<EmitEvents extends EventsMap = DefaultEventsMap, ServerSideEvents extends EventsMap = DefaultEventsMap> {
  /** The ioredis client given (standalone, Sentinel or Cluster); the emitter never closes it. */
  readonly redisClient: Client;
  readonly nsp: string;
  readonly #link: Link;

  constructor(redisClient: Client, opts: EmitterOptions = {}, nsp = '/') {
    if (redisClient instanceof Link) {
      this.#link = redisClient;
    } else {
      const bus = new RedisBus({ client: redisClient, prefix: opts.key ?? DEFAULT_PREFIX, retention: opts.retention ?? DEFAULT_RETENTION });
      const onError = opts.onError ?? ((err: unknown) => process.emitWarning(err instanceof Error ? err : String(err), 'NonstickEmitterWarning'));
      this.#link = new Link(redisClient, new Outbox(bus, onError), `emitter-${randomUUID()}`);
    }
    this.redisClient = this.#link.client;
    this.nsp = nsp;
  }

  /** An emitter for another namespace (a leading `/` is added when missing), sharing this one's client and `flush`. */
  of(nsp: string): Emitter<EmitEvents, ServerSideEvents> {
    return new Emitter(this.#link as unknown as Client, {}, nsp.startsWith('/') ? nsp : `/${nsp}`);
  }

  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): true {
    return this.#operator().emit(ev, ...args);
  }

  to(room: string | string[]): BroadcastOperator<EmitEvents> {
    return this.#operator().to(room);
  }

  in(room: string | string[]): BroadcastOperator<EmitEvents> {
    return this.#operator().in(room);
  }

  except(room: string | string[]): BroadcastOperator<EmitEvents> {
    return this.#operator().except(room);
  }

  get volatile(): BroadcastOperator<EmitEvents> {
    return this.#operator().volatile;
  }

  compress(compress: boolean): BroadcastOperator<EmitEvents> {
    return this.#operator().compress(compress);
  }

  socketsJoin(rooms: string | string[]): void {
    this.#operator().socketsJoin(rooms);
  }

  socketsLeave(rooms: string | string[]): void {
    this.#operator().socketsLeave(rooms);
  }

  disconnectSockets(close = false): void {
    this.#operator().disconnectSockets(close);
  }

  /**
   * Emits to the namespace's `io.on(ev)` / `nsp.on(ev)` handlers on every
   * worker, as a worker's `serverSideEmit` does (arguments as JSON; no
   * acknowledgements from an emitter).
   */
  serverSideEmit<Ev extends EventNames<ServerSideEvents>>(ev: Ev, ...args: EventParams<ServerSideEvents, Ev>): void {
    if (RESERVED_SERVER_SIDE_EVENTS.has(String(ev))) throw new Error(`"${String(ev)}" is a reserved event name`);
    if (typeof ev !== 'string') throw new TypeError('serverSideEmit: the event name must be a string');
    const data: unknown[] = [ev, ...args];
    if (typeof data[data.length - 1] === 'function') throw new Error('Acknowledgements are not supported');
    this.#link.outbox.send(encodeServerSide({ nsp: this.nsp, args: data, reply: null, from: this.#link.id }));
  }

  /**
   * Resolves once everything emitted so far (by this emitter and those
   * `of()` made from it) is in the cluster's stream, e.g. before a script
   * closes its Redis client; rejects with the first failure among them.
   */
  flush(): Promise<void> {
    return this.#link.outbox.flush();
  }

  #operator(): BroadcastOperator<EmitEvents> {
    return new BroadcastOperator(this.#link.outbox, this.nsp);
  }
}
